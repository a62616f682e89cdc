"""The ``environment`` block of a verification record: what ran, where, when and from which zoo commit."""

from __future__ import annotations

import platform
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from zoogen.records import Environment, environment_tag, utc_now_iso

__all__ = ["collect_environment", "cpu_model", "package_version", "zoo_commit"]

PACKAGES = ("torch", "mmcv", "mmdet", "mmengine", "zoogen")


def package_version(name: str) -> str | None:
    """The installed version of distribution ``name`` (``mmcv`` also as ``mmcv-full``), or None."""
    for dist in (name, f"{name}-full") if name == "mmcv" else (name,):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return None


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, else ``platform.processor()``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _mmcv_cuda() -> str | None:
    from zoogen.verify.preflight import mmcv_cuda_version

    return mmcv_cuda_version()


def zoo_commit(zoo_dir: str | Path | None) -> str | None:
    """``git rev-parse HEAD`` of the checkout holding ``zoo_dir``, or None outside git (or without git)."""
    if zoo_dir is None or not Path(zoo_dir).is_dir():
        return None
    try:
        done = subprocess.run(
            ["git", "-C", str(zoo_dir), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=10, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and commit else None


def collect_environment(
    device_info: Mapping[str, Any],
    *,
    zoo_dir: str | Path | None = None,
    command: str | Sequence[str] | None = None,
    date: str | None = None,
) -> Environment:
    """Fill a record's `Environment` from the device layer's ``Device.describe()`` and this process.

    On CUDA it also records the CUDA version mmcv's ops were compiled with (beside torch's). ``command``
    defaults to this process' command line; ``date`` to now (UTC, ISO-8601).
    """
    if command is None:
        command = ["zoogen", *sys.argv[1:]] if Path(sys.argv[0]).name == "zoogen" else sys.argv
    if not isinstance(command, str):
        command = shlex.join(str(part) for part in command)
    env = Environment(
        device=device_info.get("device") or "cpu",
        device_name=device_info.get("device_name"),
        driver=device_info.get("driver"),
        cuda=device_info.get("cuda"),
        cudnn=device_info.get("cudnn"),
        mmcv_cuda=device_info.get("mmcv_cuda") or (_mmcv_cuda() if device_info.get("device") == "cuda" else None),
        compute_capability=device_info.get("compute_capability"),
        device_memory_mb=device_info.get("device_memory_mb"),
        cpu=cpu_model(),
        python=platform.python_version(),
        date=date or utc_now_iso(),
        zoo_commit=zoo_commit(zoo_dir),
        command=command,
        **{name: package_version(name) for name in PACKAGES},
    )
    env.tag = environment_tag(env)
    return env
