"""The one device layer of ``zoogen verify``: every CUDA-only call lives here.

``resolve_device(gpu, device)`` turns the CLI flags (``--gpu``, ``--device cpu|cuda:N``) into a
:class:`Device`, which knows how to synchronise, how to measure peak memory (CUDA allocator peak on a
GPU, peak resident set size of the process on the CPU), how to free what a model left behind, whether
the CUDA context survived a failure, and how to describe itself for the records.

torch is imported only when a device is resolved (`load_torch`): a CUDA build whose libraries do not
load (``OSError: libcudart.so.12: cannot open shared object file``), a CPU build asked for CUDA and a
driver too old for torch's CUDA each end in one `DeviceUnavailable` that says what to fix.
"""

from __future__ import annotations

import contextlib
import gc
import os
import platform
import re
import resource
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = [
    "Device", "DeviceUnavailable", "DriverInfo", "cpu_model_name", "load_torch", "no_cuda_reason",
    "nvidia_driver", "resolve_device",
]

_CUDA_RE = re.compile(r"^cuda(?::(\d+))?$")
_TORCH_CUDA_INDEX = "https://download.pytorch.org/whl/cu126"  # docs/gpu-runner.md §1


class DeviceUnavailable(RuntimeError):
    """The requested device (or the torch that would drive it) is not usable on this machine."""


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def load_torch() -> ModuleType:
    """``import torch``, with what a broken install raises turned into one `DeviceUnavailable`.

    A CUDA build of torch whose CUDA libraries are missing raises ``OSError`` (or ``ImportError`` naming
    a ``.so``) at import; a half-installed one may raise anything while loading its C extension.
    """
    try:
        import torch
    except ModuleNotFoundError as exc:
        if exc.name == "torch":
            raise DeviceUnavailable(
                "the verification stack is not installed (no torch): install it with 'bash tools/setup.sh verify'"
            ) from None
        raise DeviceUnavailable(_load_failure(exc)) from None
    except Exception as exc:  # OSError, ImportError of a .so, RuntimeError of a mismatched build...
        raise DeviceUnavailable(_load_failure(exc)) from None
    return torch


def _load_failure(exc: BaseException) -> str:
    try:
        version = f"torch {metadata.version('torch')}"
    except metadata.PackageNotFoundError:
        version = "torch"
    return (
        f"{version} is installed but does not load ({type(exc).__name__}: {_one_line(exc)}). A CUDA build of "
        "torch needs its CUDA libraries (the nvidia-* wheels it depends on, or the CUDA runtime) and a "
        "matching NVIDIA driver: reinstall it with 'pip install --force-reinstall torch==2.14.1 --index-url "
        f"{_TORCH_CUDA_INDEX}' (or the CPU build from https://download.pytorch.org/whl/cpu)"
    )


def cpu_model_name() -> str:
    """The CPU model name from /proc/cpuinfo (``platform.processor()`` elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


# --- the NVIDIA driver ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DriverInfo:
    """The NVIDIA kernel driver: its version and the newest CUDA it supports (``"12.4"``), where known."""

    version: str | None
    cuda: str | None
    source: str  # nvml | proc | nvidia-smi


def _cuda_from_int(value: int) -> str | None:
    """12040 -> ``"12.4"`` (the encoding of cudaDriverGetVersion and NVML)."""
    return f"{value // 1000}.{value % 1000 // 10}" if value > 0 else None


def _from_nvml() -> DriverInfo | None:
    try:
        import pynvml  # nvidia-ml-py, when installed
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
    except Exception:  # no driver, no libnvidia-ml: NVMLError_* subclasses
        return None
    try:
        version = pynvml.nvmlSystemGetDriverVersion()
        version = version.decode() if isinstance(version, bytes) else str(version)
        try:
            cuda = _cuda_from_int(int(pynvml.nvmlSystemGetCudaDriverVersion()))
        except Exception:
            cuda = None
        return DriverInfo(version, cuda, "nvml")
    except Exception:
        return None
    finally:
        with contextlib.suppress(Exception):
            pynvml.nvmlShutdown()


def _from_proc() -> str | None:
    try:
        text = Path("/proc/driver/nvidia/version").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    match = re.search(r"Kernel Module\s+(?:for \S+\s+)?([\d.]+)", text)
    return match.group(1) if match else None


def _from_nvidia_smi() -> DriverInfo | None:
    """``nvidia-smi``'s header: ``Driver Version: 550.54.15   CUDA Version: 12.4``."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        done = subprocess.run([exe], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    version = re.search(r"Driver Version:\s*([\d.]+)", done.stdout)
    cuda = re.search(r"CUDA Version:\s*([\d.]+)", done.stdout)
    if version is None:
        return None
    return DriverInfo(version.group(1), cuda.group(1) if cuda else None, "nvidia-smi")


def nvidia_driver() -> DriverInfo | None:
    """The NVIDIA driver: from NVML (``pynvml``) if installed, else ``/proc/driver/nvidia/version`` and
    ``nvidia-smi`` (which also gives the newest CUDA the driver supports); None without a driver."""
    found = _from_nvml()
    if found is not None:
        return found
    proc = _from_proc()
    smi = _from_nvidia_smi()
    if smi is not None:
        return DriverInfo(proc or smi.version, smi.cuda, "nvidia-smi")
    return DriverInfo(proc, None, "proc") if proc else None


def _major_minor(version: str | None) -> tuple[int, int] | None:
    numbers = re.findall(r"\d+", version or "")
    return (int(numbers[0]), int(numbers[1]) if len(numbers) > 1 else 0) if numbers else None


def no_cuda_reason(
    flag: str,
    torch_label: str,
    torch_cuda: str | None,
    driver: DriverInfo | None,
    warned: list[str],
    visible: str | None = None,
) -> str:
    """Why torch sees no CUDA device, as one message that names the fix.

    ``torch_cuda`` is ``torch.version.cuda`` (None: a CPU build), ``warned`` the warnings
    ``torch.cuda.is_available()`` gave, ``visible`` the ``CUDA_VISIBLE_DEVICES`` setting.
    """
    head = f"{flag} needs CUDA, but {torch_label}"
    if torch_cuda is None:
        return (f"{head} (a CPU-only build) sees no CUDA device: install a CUDA build of torch "
                f"(pip install torch==2.14.1 --index-url {_TORCH_CUDA_INDEX}; docs/gpu-runner.md §1)")
    head = f"{head} (built for CUDA {torch_cuda})"
    said = " ".join(" ".join(w.split()) for w in warned)
    wanted, supported = _major_minor(torch_cuda), _major_minor(driver.cuda if driver else None)
    if "too old" in said.lower() or (wanted and supported and supported[0] < wanted[0]):
        found = f"the NVIDIA driver {driver.version or '(version unknown)'}" if driver else "the NVIDIA driver"
        upto = f" supports CUDA up to {driver.cuda}" if driver and driver.cuda else " is too old"
        return (f"{head} cannot use it: {found}{upto}. Update the driver (one for CUDA {torch_cuda} or newer), "
                f"or install a torch build for the CUDA version the driver supports")
    if visible is not None and (not visible.strip() or visible.strip() in ("-1", "none", "void")):
        return f"{head} sees no CUDA device: CUDA_VISIBLE_DEVICES={visible!r} hides every GPU"
    if driver is None:
        return (f"{head} sees no CUDA device: no NVIDIA driver is loaded on this machine (no NVML, no "
                "/proc/driver/nvidia, no nvidia-smi); on a GPU host install the driver, in a container start "
                "it with the GPUs (docker run --gpus all)")
    detail = f" ({said})" if said else ""
    return f"{head} sees no CUDA device although the NVIDIA driver {driver.version} is loaded{detail}"


# --- the device -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Device:
    """A resolved compute device.

    Attributes:
        torch_device: ``"cpu"`` or ``"cuda:N"``, as given to ``tensor.to``.
        name: the CPU model name or the CUDA device name.
    """

    torch_device: str
    name: str

    @property
    def is_cuda(self) -> bool:
        return self.torch_device.startswith("cuda")

    @property
    def index(self) -> int | None:
        """The CUDA device index, None on the CPU."""
        return int(self.torch_device.split(":", 1)[1]) if self.is_cuda else None

    @property
    def memory_kind(self) -> str:
        """``"cuda"`` (allocator peak) or ``"cpu-rss"`` (peak resident set size of the process)."""
        return "cuda" if self.is_cuda else "cpu-rss"

    def activate(self) -> None:
        """Make this the current device (``torch.cuda.set_device``; no-op on the CPU)."""
        if self.is_cuda:
            import torch

            torch.cuda.set_device(self.index)

    def set_cudnn_benchmark(self, enabled: bool) -> None:
        """Apply a config's ``env_cfg.cudnn_benchmark`` (as MMDetection's runner does; CUDA only)."""
        if self.is_cuda:
            import torch

            torch.backends.cudnn.benchmark = enabled

    def synchronize(self) -> None:
        """Wait for queued kernels (no-op on the CPU)."""
        if self.is_cuda:
            import torch

            torch.cuda.synchronize(self.index)

    def reset_peak_memory(self) -> None:
        """Start a new peak-memory window.

        On the CPU this resets the kernel's high-water mark of the process (``/proc/self/clear_refs``,
        Linux >= 4.0); where that is impossible the peak is the process peak since start.
        """
        if self.is_cuda:
            import torch

            torch.cuda.reset_peak_memory_stats(self.index)
            return
        with contextlib.suppress(OSError):
            Path("/proc/self/clear_refs").write_text("5", encoding="ascii")

    def peak_memory_mb(self) -> float:
        """Peak memory in MiB since :meth:`reset_peak_memory` (see :attr:`memory_kind`)."""
        if self.is_cuda:
            import torch

            return torch.cuda.max_memory_allocated(self.index) / 2**20
        hwm = _proc_status_kib("VmHWM")
        if hwm is not None:
            return hwm / 1024
        # ru_maxrss is KiB on Linux (bytes on macOS).
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if platform.system() == "Darwin" else peak / 1024

    def release_memory(self) -> None:
        """Free what a finished (or failed) model left: collect garbage (reference cycles of a caught
        exception's frames hold its tensors), then return the allocator's cached blocks to the device."""
        gc.collect()
        if self.is_cuda:
            import torch

            with contextlib.suppress(RuntimeError):  # a broken context: health_problem() says so
                torch.cuda.empty_cache()

    def health_problem(self) -> str | None:
        """None while the device still runs kernels; else the CUDA error that broke its context.

        After an illegal memory access or a device-side assert every later CUDA call of the process
        fails with the same error: the run must stop (``--resume`` continues in a fresh process).
        """
        if not self.is_cuda:
            return None
        import torch

        try:
            probe = torch.ones(8, device=self.torch_device)
            value = float((probe + 1).sum().item())
            torch.cuda.synchronize(self.index)
        except Exception as exc:
            return _one_line(exc)
        return None if value == 16.0 else f"a CUDA check computed {value} instead of 16.0"

    def describe(self) -> dict[str, Any]:
        """The device part of a verification record's ``environment``.

        On CUDA: the driver (`nvidia_driver`), torch's CUDA, cuDNN, the compute capability and the
        device's total memory; None on the CPU.
        """
        info: dict[str, Any] = {
            "device": "cuda" if self.is_cuda else "cpu",
            "device_name": self.name,
            "driver": None,
            "cuda": None,
            "cudnn": None,
            "compute_capability": None,
            "device_memory_mb": None,
        }
        if self.is_cuda:
            import torch

            info["cuda"] = torch.version.cuda
            cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
            info["cudnn"] = _cudnn_label(cudnn)
            driver = nvidia_driver()
            info["driver"] = driver.version if driver else None
            major, minor = torch.cuda.get_device_capability(self.index)
            info["compute_capability"] = f"{major}.{minor}"
            info["device_memory_mb"] = round(torch.cuda.get_device_properties(self.index).total_memory / 2**20)
        return info


def _cudnn_label(version: int | None) -> str | None:
    """cuDNN's integer version (90100 or 8902) as ``9.1.0`` / ``8.9.2``."""
    if not version:
        return None
    if version >= 10000:  # cuDNN >= 9: major*10000 + minor*100 + patch
        return f"{version // 10000}.{version % 10000 // 100}.{version % 100}"
    return f"{version // 1000}.{version % 1000 // 100}.{version % 100}"


def _proc_status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii", errors="replace").splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def resolve_device(gpu: bool = False, device: str | None = None) -> Device:
    """Resolve ``--gpu`` / ``--device`` to a :class:`Device`.

    ``gpu=True`` means ``cuda:0`` unless ``device`` names a CUDA device; ``device`` alone may be
    ``cpu``, ``cuda`` or ``cuda:N``. Default: the CPU.

    Raises:
        DeviceUnavailable: torch does not load, or CUDA was asked for and torch sees no (such) CUDA
            device (the message says why: a CPU build, no driver, a driver too old...).
        ValueError: ``device`` is not a device spelling zoogen knows, or contradicts ``gpu``.
    """
    spec = (device or "").strip().lower()
    if gpu and spec == "cpu":
        raise ValueError("--gpu and --device cpu contradict each other")
    if not spec:
        spec = "cuda:0" if gpu else "cpu"
    match = _CUDA_RE.match(spec)
    if spec != "cpu" and not match:
        raise ValueError(f"unknown device {device!r}: expected cpu, cuda or cuda:N")
    torch = load_torch()
    if spec == "cpu" or match is None:
        return Device(torch_device="cpu", name=cpu_model_name())
    index = int(match.group(1) or 0)
    flag = "--gpu" if gpu else f"--device {spec}"
    label = f"torch {torch.__version__}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            available = torch.cuda.is_available()
        except Exception as exc:  # a broken CUDA runtime may raise here rather than warn
            available, caught = False, [*caught, warnings.WarningMessage(str(exc), RuntimeWarning, "", 0)]
    if not available:
        raise DeviceUnavailable(no_cuda_reason(
            flag, label, torch.version.cuda, nvidia_driver() if torch.version.cuda else None,
            [str(w.message) for w in caught], os.environ.get("CUDA_VISIBLE_DEVICES"),
        ))
    count = torch.cuda.device_count()
    if index >= count:
        raise DeviceUnavailable(f"{flag} asks for CUDA device {index}, but torch sees {count} device(s)"
                                + _visible_note())
    try:
        name = torch.cuda.get_device_name(index)
    except Exception as exc:  # the first call that creates a context: a busy or broken GPU fails here
        raise DeviceUnavailable(f"{flag}: CUDA device {index} cannot be used ({_one_line(exc)})") from None
    return Device(torch_device=f"cuda:{index}", name=name)


def _visible_note() -> str:
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    return f" (CUDA_VISIBLE_DEVICES={visible}: indices count the visible GPUs only)" if visible is not None else ""
