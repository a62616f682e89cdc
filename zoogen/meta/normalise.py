"""Lenient fixes for real metafiles. Each function repairs one kind of value and reports what it did.

Every fix is reported as a warning with file, line and field (an error under ``--strict``).
Values that cannot be repaired safely are dropped with a warning, never guessed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from zoogen.errors import Diagnostics, Location
from zoogen.meta.metadata_schema import validate_speed_entry
from zoogen.meta.schema import SpeedRecord

_LEADING_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*%?\s*(.*?)\s*$", re.DOTALL)
_VERSION = re.compile(r"^\s*v?\d+(\.\d+){0,3}([a-z]+\d*)?\s*$", re.IGNORECASE)
_RESOLUTION = re.compile(r"^\s*\(?\s*(\d+)\s*[,x×]\s*(\d+)\s*\)?\s*$")


def is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parsed = urlparse(value.strip())
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def weights_url(value: Any, where: Location, diags: Diagnostics) -> str | None:
    """``Weights`` must be one http(s) URL; empty, lists and other values are repaired or dropped."""
    if value is None or value == "" or value == []:
        if value is not None:
            diags.warn("Weights is empty; the model is listed without a download", where, "Weights")
        return None
    if isinstance(value, list):
        urls = [item for item in value if is_http_url(item)]
        diags.warn(f"Weights is a list of {len(value)}; the first URL is used", where, "Weights")
        return urls[0].strip() if urls else None
    if not is_http_url(value):
        diags.warn(f"Weights is not an http(s) URL: {str(value)[:80]!r}; dropped", where, "Weights")
        return None
    return value.strip()


def optional_url(value: Any, where: Location, field: str, diags: Diagnostics) -> str | None:
    if value in (None, ""):
        return None
    if not is_http_url(value):
        diags.warn(f"{field} is not an http(s) URL: {str(value)[:80]!r}; dropped", where, field)
        return None
    return value.strip()


def config_path(value: Any, where: Location, diags: Diagnostics) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        diags.warn(f"Config should be a path, got {type(value).__name__}; dropped", where, "Config")
        return None
    path = value.strip()
    if path.endswith(".py.py"):
        diags.warn(f"Config ends in a repeated '.py': {path}; read as one '.py'", where, "Config")
        while path.endswith(".py.py"):
            path = path[: -len(".py")]
    return path


def one_line(value: Any) -> str | None:
    """Titles may span several YAML lines; fold them into one."""
    if value is None:
        return None
    return " ".join(str(value).split()) or None


def string_list(value: Any, where: Location, field: str, diags: Diagnostics) -> list[str]:
    """Fields such as ``Training Techniques`` are lists; a lone string becomes a one-item list."""
    if value is None:
        return []
    if isinstance(value, str):
        diags.warn(f"{field} is a string, expected a list; read as a list of one", where, field)
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value if item is not None]
    diags.warn(f"{field} should be a list, got {type(value).__name__}; dropped", where, field)
    return []


def number(value: Any) -> float | None:
    """A metric or metadata number; strings such as ``"37.4"`` count, ``"-"`` does not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().rstrip("%"))
        except ValueError:
            return None
    return None


def _float(value: int | float) -> float:
    """``float(value)``; an integer too large for a float is infinite (and rejected as such by callers)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def leading_number(value: Any) -> tuple[float | None, str]:
    """A metric value: a number, or text that starts with one (``"39.3 (37.9)"`` -> ``(39.3, "(37.9)")``).

    Non-finite numbers (``.inf``, ``nan``) are returned as they are, for the caller to reject.
    """
    if isinstance(value, bool):
        return None, ""
    if isinstance(value, int | float):
        return _float(value), ""
    if isinstance(value, str):
        exact = number(value)
        if exact is not None:
            return exact, ""
        match = _LEADING_NUMBER.match(value)
        if match:
            return float(match.group(1)), match.group(2)
    return None, ""


def is_version(value: str) -> bool:
    """``v2.0.0``, ``1.3``, ``v1.0rc1``: a version where a URL was expected."""
    return bool(_VERSION.match(value))


def resolution(value: Any) -> tuple[int, int] | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        try:
            return int(value[0]), int(value[1])
        except (TypeError, ValueError):
            return None
    if isinstance(value, str):
        match = _RESOLUTION.match(value)
        if match:
            return int(match.group(1)), int(match.group(2))
    return None


def speed_records(metadata: dict[str, Any], where_of: Callable[[str], Location],
                  diags: Diagnostics) -> list[SpeedRecord]:
    """``inference time (ms/im)`` (a list of measurements, or a bare number) and the older ``(s/im)``."""
    records: list[SpeedRecord] = []
    for key, scale in (("inference time (ms/im)", 1.0), ("inference time (s/im)", 1000.0)):
        raw = metadata.get(key)
        if raw is None:
            continue
        items = raw if isinstance(raw, list) else [raw]
        where = where_of(key)
        for item in items:
            if isinstance(item, dict):
                entry, problem = validate_speed_entry(item)
                if entry is None:
                    diags.warn(f"{key} entry dropped: {problem}", where, key)
                    continue
                records.append(
                    SpeedRecord(
                        ms_per_image=entry.value * scale,
                        hardware=one_line(entry.hardware),
                        backend=one_line(entry.backend),
                        batch_size=entry.batch_size,
                        precision=one_line(entry.mode),
                        resolution=resolution(entry.resolution),
                    )
                )
            else:
                value = number(item)
                if value is None or value <= 0 or not math.isfinite(value):
                    diags.warn(f"{key} is not a positive number: {item!r}; dropped", where, key)
                    continue
                records.append(SpeedRecord(ms_per_image=value * scale))
    return records
