"""The one device layer of ``zoogen verify``: every CUDA-only call lives here.

``resolve_device(gpu, device)`` turns the CLI flags (``--gpu``, ``--device cpu|cuda:N``) into a
:class:`Device`, which knows how to synchronise, how to measure peak memory (CUDA allocator peak on a
GPU, peak resident set size of the process on the CPU) and how to describe itself for the records.
"""

from __future__ import annotations

import contextlib
import platform
import re
import resource
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

__all__ = ["Device", "DeviceUnavailable", "resolve_device", "cpu_model_name"]

_CUDA_RE = re.compile(r"^cuda(?::(\d+))?$")


class DeviceUnavailable(RuntimeError):
    """The requested device does not exist on this machine."""


def cpu_model_name() -> str:
    """The CPU model name from /proc/cpuinfo (``platform.processor()`` elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _torch_label() -> str:
    return f"torch {torch.__version__}"


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
            torch.cuda.set_device(self.index)

    def set_cudnn_benchmark(self, enabled: bool) -> None:
        """Apply a config's ``env_cfg.cudnn_benchmark`` (as MMDetection's runner does; CUDA only)."""
        if self.is_cuda:
            torch.backends.cudnn.benchmark = enabled

    def synchronize(self) -> None:
        """Wait for queued kernels (no-op on the CPU)."""
        if self.is_cuda:
            torch.cuda.synchronize(self.index)

    def reset_peak_memory(self) -> None:
        """Start a new peak-memory window.

        On the CPU this resets the kernel's high-water mark of the process (``/proc/self/clear_refs``,
        Linux >= 4.0); where that is impossible the peak is the process peak since start.
        """
        if self.is_cuda:
            torch.cuda.reset_peak_memory_stats(self.index)
            return
        with contextlib.suppress(OSError):
            Path("/proc/self/clear_refs").write_text("5", encoding="ascii")

    def peak_memory_mb(self) -> float:
        """Peak memory in MiB since :meth:`reset_peak_memory` (see :attr:`memory_kind`)."""
        if self.is_cuda:
            return torch.cuda.max_memory_allocated(self.index) / 2**20
        hwm = _proc_status_kib("VmHWM")
        if hwm is not None:
            return hwm / 1024
        # ru_maxrss is KiB on Linux (bytes on macOS).
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if platform.system() == "Darwin" else peak / 1024

    def describe(self) -> dict[str, Any]:
        """The device part of a verification record's ``environment``."""
        info: dict[str, Any] = {
            "device": "cuda" if self.is_cuda else "cpu",
            "device_name": self.name,
            "driver": None,
            "cuda": None,
            "cudnn": None,
        }
        if self.is_cuda:
            info["cuda"] = torch.version.cuda
            cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
            info["cudnn"] = _cudnn_label(cudnn)
            info["driver"] = _nvidia_driver()
        return info


def _cudnn_label(version: int | None) -> str | None:
    """cuDNN's integer version (90100 or 8902) as ``9.1.0`` / ``8.9.2``."""
    if not version:
        return None
    if version >= 10000:  # cuDNN >= 9: major*10000 + minor*100 + patch
        return f"{version // 10000}.{version % 10000 // 100}.{version % 100}"
    return f"{version // 1000}.{version % 1000 // 100}.{version % 100}"


def _nvidia_driver() -> str | None:
    """The NVIDIA kernel driver version, from /proc (no nvidia-smi needed)."""
    try:
        text = Path("/proc/driver/nvidia/version").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    match = re.search(r"Kernel Module\s+(?:for \S+\s+)?([\d.]+)", text)
    return match.group(1) if match else None


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
        DeviceUnavailable: CUDA was asked for and torch sees no (such) CUDA device.
        ValueError: ``device`` is not a device spelling zoogen knows, or contradicts ``gpu``.
    """
    spec = (device or "").strip().lower()
    if gpu and spec == "cpu":
        raise ValueError("--gpu and --device cpu contradict each other")
    if not spec:
        spec = "cuda:0" if gpu else "cpu"
    if spec == "cpu":
        return Device(torch_device="cpu", name=cpu_model_name())
    match = _CUDA_RE.match(spec)
    if not match:
        raise ValueError(f"unknown device {device!r}: expected cpu, cuda or cuda:N")
    index = int(match.group(1) or 0)
    flag = "--gpu" if gpu else f"--device {spec}"
    if not torch.cuda.is_available():
        build = "a CPU-only build" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
        raise DeviceUnavailable(f"{flag} needs CUDA, but {_torch_label()} ({build}) sees no CUDA device")
    count = torch.cuda.device_count()
    if index >= count:
        raise DeviceUnavailable(f"{flag} asks for CUDA device {index}, but torch sees {count} device(s)")
    return Device(torch_device=f"cuda:{index}", name=torch.cuda.get_device_name(index))
