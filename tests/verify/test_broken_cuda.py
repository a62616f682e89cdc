"""A CUDA stack that does not work ends in one message that names the fix (zoogen.verify.device).

The failures are made real where the CPU allows: torch's import fails the way a CUDA build without its
libraries fails (the dynamic loader refuses ``libcudart.so.12``), ``nvidia-smi`` is a script on PATH, and
the driver diagnosis is a pure function fed what torch and the driver report.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest

from zoogen.verify.device import DriverInfo, no_cuda_reason, nvidia_driver, resolve_device

REPO = Path(__file__).resolve().parents[2]

def _installed() -> str:
    """How the message names torch: by its installed distribution's version, or plainly without one."""
    try:
        return f"torch {metadata.version('torch')}"
    except metadata.PackageNotFoundError:
        return "torch"


INSTALLED = _installed()

# What torch/__init__.py does first in a CUDA build (_load_global_deps): load the CUDA runtime globally.
BROKEN_TORCH = '''
import ctypes
__version__ = "2.13.0+cu126"
ctypes.CDLL("libcudart.so.12", mode=ctypes.RTLD_GLOBAL)
'''


@pytest.fixture()
def broken_torch(tmp_path: Path) -> dict[str, str]:
    """An environment whose ``import torch`` raises the loader's OSError for a missing libcudart."""
    package = tmp_path / "fake" / "torch"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(BROKEN_TORCH)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "fake"), str(REPO)])
    env["LD_LIBRARY_PATH"] = str(tmp_path)  # nothing there: the load fails for real
    return env


def test_the_fake_torch_fails_as_a_broken_cuda_build_does(broken_torch: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-c", "import torch"], env=broken_torch, capture_output=True, text=True)
    assert done.returncode == 1
    assert "OSError: libcudart.so.12: cannot open shared object file" in done.stderr


@pytest.mark.parametrize("flags", [["--gpu"], ["--device", "cuda:1"], []])
def test_verify_with_a_torch_that_does_not_load(broken_torch: dict[str, str], tmp_path: Path, flags: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "zoogen.cli", "verify", *flags, "--zoo", str(tmp_path)],
        env=broken_torch, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"{INSTALLED} is installed but does not load" in lines[0]
    assert "OSError: libcudart.so.12: cannot open shared object file" in lines[0]
    assert "pip install --force-reinstall torch==2.14.1 --index-url" in lines[0]


def test_resolve_device_reports_the_broken_import(broken_torch: dict[str, str]) -> None:
    code = textwrap.dedent('''
        from zoogen.verify.device import DeviceUnavailable, resolve_device
        try:
            resolve_device(True, None)
        except DeviceUnavailable as exc:
            print("unavailable:", exc)
    ''')
    done = subprocess.run([sys.executable, "-c", code], env=broken_torch, capture_output=True, text=True)
    assert done.stdout.startswith(f"unavailable: {INSTALLED} is installed"), done.stderr


# --- why torch sees no CUDA device ------------------------------------------------------------------------

TOO_OLD = ("CUDA initialization: The NVIDIA driver on your system is too old (found version 11040). Please "
           "update your GPU driver by downloading and installing a new version from the URL: "
           "http://www.nvidia.com/Download/index.aspx")


def test_a_cpu_build() -> None:
    message = no_cuda_reason("--gpu", "torch 2.13.0+cpu", None, None, [])
    assert message.startswith("--gpu needs CUDA, but torch 2.13.0+cpu (a CPU-only build) sees no CUDA device")
    assert "install a CUDA build of torch" in message


def test_a_driver_too_old_says_so() -> None:
    driver = DriverInfo("470.82.01", "11.4", "nvidia-smi")
    message = no_cuda_reason("--gpu", "torch 2.13.0+cu126", "12.6", driver, [TOO_OLD])
    assert "sees no CUDA device" not in message
    assert "the NVIDIA driver 470.82.01 supports CUDA up to 11.4" in message
    assert "Update the driver" in message and "CUDA 12.6" in message
    # the same from the versions alone (torch gave no warning)
    assert "supports CUDA up to 11.4" in no_cuda_reason("--gpu", "torch 2.13.0+cu126", "12.6", driver, [])
    # from torch's warning alone (the driver's CUDA unknown)
    assert "is too old" in no_cuda_reason("--gpu", "torch", "12.6", DriverInfo("470.82.01", None, "proc"), [TOO_OLD])


def test_a_newer_minor_cuda_is_not_too_old() -> None:
    driver = DriverInfo("535.104.05", "12.2", "nvml")  # CUDA minor-version compatibility: 12.2 runs cu126
    message = no_cuda_reason("--gpu", "torch 2.13.0+cu126", "12.6", driver, [])
    assert "although the NVIDIA driver 535.104.05 is loaded" in message


def test_no_driver_and_hidden_devices() -> None:
    assert "no NVIDIA driver is loaded" in no_cuda_reason("--gpu", "torch", "12.6", None, [])
    message = no_cuda_reason("--device cuda:0", "torch", "12.6", DriverInfo("550.54.15", "12.4", "nvml"), [], "")
    assert "CUDA_VISIBLE_DEVICES='' hides every GPU" in message


def test_driver_from_nvidia_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    smi = tmp_path / "nvidia-smi"
    smi.write_text(textwrap.dedent('''\
        #!/bin/sh
        echo "+-----------------------------------------------------------------------------------------+"
        echo "| NVIDIA-SMI 550.54.15              Driver Version: 550.54.15      CUDA Version: 12.4     |"
        echo "|-----------------------------------------+------------------------+----------------------+"
    '''))
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    found = nvidia_driver()
    if Path("/proc/driver/nvidia/version").exists() or found.source == "nvml":
        pytest.skip("this machine has an NVIDIA driver of its own")
    assert found == DriverInfo("550.54.15", "12.4", "nvidia-smi")


def test_no_driver_here(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if Path("/proc/driver/nvidia/version").exists():
        pytest.skip("this machine has an NVIDIA driver")
    monkeypatch.setenv("PATH", str(tmp_path))  # no nvidia-smi
    assert nvidia_driver() is None or nvidia_driver().source == "nvml"


def test_cpu_device_frees_and_stays_healthy() -> None:
    pytest.importorskip("torch")
    device = resolve_device(False, None)
    device.release_memory()
    assert device.health_problem() is None
