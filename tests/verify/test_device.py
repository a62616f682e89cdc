"""The device layer: the CPU path, and --gpu without CUDA."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from zoogen.verify.device import Device, DeviceUnavailable, cpu_model_name, resolve_device

needs_no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")


def test_default_is_cpu() -> None:
    device = resolve_device(gpu=False, device=None)
    assert device.torch_device == "cpu"
    assert not device.is_cuda
    assert device.name == cpu_model_name()
    assert device.name
    assert device.memory_kind == "cpu-rss"


@pytest.mark.parametrize("spec", ["cpu", "CPU", " cpu "])
def test_explicit_cpu(spec: str) -> None:
    assert resolve_device(gpu=False, device=spec).torch_device == "cpu"


def test_cpu_describe() -> None:
    info = resolve_device(False, "cpu").describe()
    assert info == {
        "device": "cpu",
        "device_name": cpu_model_name(),
        "driver": None,
        "cuda": None,
        "cudnn": None,
        "compute_capability": None,
        "device_memory_mb": None,
    }


def test_cpu_synchronize_is_noop_and_set_cudnn_is_harmless() -> None:
    device = resolve_device(False, None)
    device.synchronize()
    device.activate()
    device.set_cudnn_benchmark(True)
    assert torch.backends.cudnn.benchmark is False


def test_cpu_peak_memory_sees_a_large_allocation() -> None:
    device = resolve_device(False, None)
    device.reset_peak_memory()
    before = device.peak_memory_mb()
    block = np.ones(64 * 2**20 // 8)  # 64 MiB, touched
    after = device.peak_memory_mb()
    del block
    assert before > 0
    assert after >= before + 50


def test_cpu_peak_memory_window_resets() -> None:
    device = resolve_device(False, None)
    block = np.ones(96 * 2**20 // 8)
    high = device.peak_memory_mb()
    del block
    device.reset_peak_memory()
    low = device.peak_memory_mb()
    # clear_refs may be unavailable (non-Linux, restricted /proc): the peak then never drops.
    assert low <= high


@needs_no_cuda
@pytest.mark.parametrize(
    ("gpu", "spec", "flag"),
    [
        (True, None, "--gpu"),
        (False, "cuda:0", "--device cuda:0"),
        (False, "cuda", "--device cuda"),
        (True, "cuda:1", "--gpu"),
    ],
)
def test_cuda_without_cuda_raises(gpu: bool, spec: str | None, flag: str) -> None:
    with pytest.raises(DeviceUnavailable) as info:
        resolve_device(gpu=gpu, device=spec)
    message = str(info.value)
    assert message.startswith(f"{flag} needs CUDA")
    assert f"torch {torch.__version__}" in message
    assert "no CUDA device" in message


@pytest.mark.parametrize("spec", ["gpu", "cuda:x", "tpu", "cuda:-1"])
def test_unknown_device_spelling(spec: str) -> None:
    with pytest.raises(ValueError, match="unknown device"):
        resolve_device(gpu=False, device=spec)


def test_gpu_and_cpu_contradict() -> None:
    with pytest.raises(ValueError, match="contradict"):
        resolve_device(gpu=True, device="cpu")


def test_cuda_device_fields_without_touching_cuda() -> None:
    device = Device(torch_device="cuda:1", name="NVIDIA Test")
    assert device.is_cuda and device.index == 1 and device.memory_kind == "cuda"
