"""zoogen.verify.preflight: mmcv's ops proven on the device before any model, one message naming the fix.

The CPU path runs the real convolution, nms and RoIAlign of the installed mmcv; the CUDA messages are those
of this machine's real, CPU-only mmcv asked for a GPU, of an mmcv whose compiled ops the loader refuses,
and of CUDA's own error texts.
"""

from __future__ import annotations

import importlib.machinery
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mmcv._ext")

from zoogen.verify.device import Device, resolve_device  # noqa: E402
from zoogen.verify.preflight import (  # noqa: E402
    OpsUnavailable,
    _has_kernels_for,
    _op_failure,
    _run_ops,
    check_ops,
    mmcv_cuda_version,
    rebuild_command,
)

REPO = Path(__file__).resolve().parents[2]


def test_the_ops_run_and_are_right_on_the_cpu() -> None:
    cpu = resolve_device(False, "cpu")
    _run_ops(cpu)  # raises if a result is off
    report = check_ops(cpu)
    assert report.mmcv and report.mmcv.startswith("2.")
    assert report.seconds > 0


def test_a_cpu_only_mmcv_asked_for_a_gpu_names_the_rebuild() -> None:
    if mmcv_cuda_version() is not None:
        pytest.skip("this mmcv has CUDA ops")
    with pytest.raises(OpsUnavailable) as info:
        check_ops(Device(torch_device="cuda:0", name="NVIDIA A100-SXM4-40GB"))
    message = str(info.value)
    assert "was built without CUDA ops" in message and "nms_impl" in message
    assert 'FORCE_CUDA=1 TORCH_CUDA_ARCH_LIST="7.0;7.5;8.0;8.6;8.9;9.0+PTX" bash tools/setup.sh verify' in message


def test_compiled_ops_the_loader_refuses(tmp_path: Path) -> None:
    package = tmp_path / "mmcv"
    (package / "ops").mkdir(parents=True)
    (package / "__init__.py").write_text("__version__ = '2.1.0'\n")
    (package / "ops" / "__init__.py").write_text("import importlib\nimportlib.import_module('mmcv._ext')\n")
    (package / f"_ext{importlib.machinery.EXTENSION_SUFFIXES[0]}").write_bytes(b"\x7fELF but not really")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
    done = subprocess.run([sys.executable, "-m", "zoogen.verify.preflight", "--device", "cpu"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "compiled ops do not load beside torch" in line and "ImportError" in line
    assert "Rebuild it against this torch: bash tools/setup.sh verify" in line


def test_the_check_alone_on_the_cpu() -> None:
    done = subprocess.run([sys.executable, "-m", "zoogen.verify.preflight"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert "convolution, nms and RoIAlign correct on" in done.stdout


def test_which_torch_kernels_run_on_which_gpu() -> None:
    arch_list = ["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90"]
    assert _has_kernels_for(arch_list, 8, 9)  # sm_86 cubins run on 8.9
    assert not _has_kernels_for(["sm_80", "sm_90"], 7, 0)  # a V100 needs sm_70 or older PTX
    assert _has_kernels_for(["sm_80", "compute_80"], 12, 0)  # PTX is JIT-compiled for newer GPUs
    assert not _has_kernels_for(["sm_90a"], 8, 0)


def test_cuda_error_texts_become_the_fix() -> None:
    gpu = Device(torch_device="cuda:0", name="Tesla V100-SXM2-32GB")
    fix = rebuild_command("7.0")
    assert fix == 'FORCE_CUDA=1 TORCH_CUDA_ARCH_LIST="7.0+PTX" bash tools/setup.sh verify'
    no_kernel = _op_failure(gpu, RuntimeError("CUDA error: no kernel image is available for execution on the "
                                              "device"), "7.0", fix)
    assert "no kernels for this GPU on Tesla V100-SXM2-32GB (cuda:0, compute capability 7.0)" in no_kernel
    assert no_kernel.endswith(fix)
    no_impl = _op_failure(gpu, RuntimeError("nms_impl: implementation for device cuda:0 not found."), "7.0", fix)
    assert "built without CUDA ops" in no_impl and fix in no_impl
