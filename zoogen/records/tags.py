"""Environment tags: the slug naming a record file after the device, its model and the torch/CUDA versions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from zoogen.records.schema import Environment

_CPU_NOISE = re.compile(
    r"\((?:r|tm|c)\)|®|™|\bcpu\b|\bprocessor\b|\bwith radeon.*$|@\s*[\d.]+\s*[gm]hz|\b\d+-core\b",
    re.IGNORECASE,
)


def slugify(text: str) -> str:
    """Lower-case ``text``, join its alphanumeric runs with ``-``: ``"Tesla V100"`` -> ``tesla-v100``."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def environment_tag(env: Environment | Mapping[str, Any]) -> str:
    """The timm-style slug naming a record file: device, model of CPU or GPU, torch and CUDA versions.

    ``cpu-intel-xeon-torch2.13.0`` or ``cuda-nvidia-a100-sxm4-40gb-torch2.13.0-cu121``. The torch local
    version (``+cpu``, ``+cu121``) is dropped; the CUDA version says the same for CUDA builds.
    """
    get = env.get if isinstance(env, Mapping) else lambda key: getattr(env, key)
    device = (get("device") or "cpu").split(":")[0].lower()
    torch_version = (get("torch") or "unknown").split("+")[0]
    if device == "cpu":
        hardware = slugify(_CPU_NOISE.sub(" ", get("cpu") or "")) or "unknown"
    else:
        hardware = slugify(get("device_name") or "") or "unknown"
    parts = [slugify(device) or "cpu", hardware, f"torch{torch_version}"]
    cuda = get("cuda")
    if device == "cuda" and cuda:
        parts.append("cu" + "".join(re.findall(r"\d+", str(cuda))[:2]))
    return "-".join(parts)
