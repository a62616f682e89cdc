"""Typed ``Metadata`` fields of a model or collection (pydantic): numbers where a number is expected.

Keys are matched like other keys (case and ``_`` ignored). A value that does not fit is reported with its
file, line and field and dropped (an error under ``--strict``); other ``Metadata`` keys are kept as written.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from zoogen.meta.keys import canonical_keys, fold

Count = Annotated[int, Field(ge=0)]
Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]

NUMERIC_FIELDS: dict[str, Any] = {
    "Epochs": Count,
    "Iterations": Count,
    "Batch Size": Count,
    "Images per GPU": Count,
    "Training Memory (GB)": Amount,
    "Training Time (s/iter)": Amount,
    "FLOPs": Amount,
    "Parameters": Amount,
}
_ADAPTERS = {fold(name): (name, TypeAdapter(kind)) for name, kind in NUMERIC_FIELDS.items()}


def typed_field(key: str) -> str | None:
    """The canonical name of a typed ``Metadata`` field, or None for a free one."""
    entry = _ADAPTERS.get(fold(str(key)))
    return entry[0] if entry else None


def validate_field(key: str, value: Any) -> tuple[Any, str | None]:
    """``(value, None)`` when valid (converted: ``"12"`` -> 12), else ``(None, what was expected)``."""
    entry = _ADAPTERS.get(fold(str(key)))
    if entry is None:
        return value, None
    name, adapter = entry
    if isinstance(value, bool):
        return None, f"expected a number, got {value!r}"
    try:
        return adapter.validate_python(value), None
    except ValidationError as exc:
        kind = "a whole number >= 0" if NUMERIC_FIELDS[name] is Count else "a finite number >= 0"
        reason = exc.errors()[0]["msg"]
        return None, f"expected {kind}, got {str(value)[:60]!r} ({reason})"


class SpeedEntry(BaseModel):
    """One measurement of ``inference time (ms/im)``: ``{value, hardware, backend, batch size, mode, resolution}``."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, populate_by_name=True)

    value: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    hardware: str | None = None
    backend: str | None = None
    batch_size: Annotated[int, Field(ge=1)] | None = Field(default=None, alias="batch size")
    mode: str | None = None
    resolution: Any = None


SPEED_ENTRY_KEYS = ("value", "hardware", "backend", "batch size", "mode", "resolution")


def validate_speed_entry(raw: dict[Any, Any]) -> tuple[SpeedEntry | None, str | None]:
    """``(entry, None)`` when valid, else ``(None, "<field>: what was expected (got ...)")``."""
    fields, _ = canonical_keys(raw, SPEED_ENTRY_KEYS)
    if isinstance(fields.get("value"), bool) or isinstance(fields.get("batch size"), bool):
        return None, "value and batch size are numbers, not yes/no"
    try:
        return SpeedEntry.model_validate(fields), None
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        got = "" if error["type"] == "missing" else f" (got {str(error.get('input'))[:40]!r})"
        return None, f"{where}: {error['msg']}{got}"
