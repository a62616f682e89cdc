"""The values the exports share: a model's published results beside their newest re-measurement."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zoogen.meta.schema import Model
from zoogen.records import VerificationRecord, parse_date


@dataclass(frozen=True)
class Remeasured:
    """A published metric's newest re-measurement and where it was taken."""

    measured: float | None
    verdict: str
    tolerance: float | None
    hardware: str | None
    date: str | None
    environment: str | None
    images: int | None
    subset: bool


def by_date(records: list[VerificationRecord]) -> list[VerificationRecord]:
    """Oldest first."""
    return sorted(records, key=lambda r: parse_date(r.environment.date))


def hardware(record: VerificationRecord) -> str | None:
    env = record.environment
    return env.device_name or env.cpu or env.device


def remeasured(records: list[VerificationRecord], task: str, dataset: str, metric: str) -> Remeasured | None:
    """The newest evaluated record's check of ``metric`` (None when no record measured it)."""
    for record in reversed(by_date(records)):
        if not record.evaluated:
            continue
        for check in record.metrics:
            if (check.task, check.dataset, check.metric) == (task, dataset, metric):
                return Remeasured(check.measured, text(check.verdict), check.tolerance, hardware(record),
                                  record.environment.date, record.environment.tag, record.images, record.subset)
    return None


def text(value: Any) -> str:
    """An enum's value, or the text of anything else."""
    return str(getattr(value, "value", value))


def overall_verdict(records: list[VerificationRecord], model: Model, task: str, dataset: str) -> Remeasured | None:
    """One verdict for a model's row: ``drift`` if any metric drifted, ``passed`` if all checked passed."""
    checks = [remeasured(records, task, dataset, metric) for result in model.results
              if (result.task, result.dataset) == (task, dataset) for metric in result.metrics]
    judged = [c for c in checks if c is not None and c.verdict in ("passed", "drift")]
    if not judged:
        others = [c for c in checks if c is not None]
        return others[0] if others else None
    drift = [c for c in judged if c.verdict == "drift"]
    return drift[0] if drift else judged[0]


def plain(value: Any) -> Any:
    """A metadata value as JSON: dates and other scalars as strings, containers recursively."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
