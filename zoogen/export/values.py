"""The values the exports share: a model's published results beside their newest re-measurement.

A re-measurement whose record is no longer current (`zoogen.currency`) has the verdict ``stale`` and
says what changed; only current ones carry ``passed``, ``drift`` or ``better``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoogen.currency import currency, direction
from zoogen.meta.registry import Registry
from zoogen.meta.schema import Model
from zoogen.records import VerificationRecord, parse_date

STALE = "stale"


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
    changed: tuple[str, ...] = ()  # what changed since (number, weights, config, tolerance): empty when current

    @property
    def current(self) -> bool:
        return not self.changed


def by_date(records: list[VerificationRecord]) -> list[VerificationRecord]:
    """Oldest first."""
    return sorted(records, key=lambda r: parse_date(r.environment.date))


def hardware(record: VerificationRecord) -> str | None:
    env = record.environment
    return env.device_name or env.cpu or env.device


def remeasured(model: Model, records: list[VerificationRecord], task: str, dataset: str, metric: str, *,
               configs_root: Path | None = None, registry: Registry | None = None) -> Remeasured | None:
    """The newest evaluated record's check of ``metric`` (None when no record measured it).

    ``configs_root``: where the model's config lies (the zoo's folder), to compare the record with it.
    """
    for record in reversed(by_date(records)):
        if not record.evaluated:
            continue
        for check in record.metrics:
            if (check.task, check.dataset, check.metric) == (task, dataset, metric):
                changes = currency(model, record, configs_root=configs_root, registry=registry).changes
                verdict = STALE if changes else text(direction(check, registry))
                return Remeasured(check.measured, verdict, check.tolerance, hardware(record),
                                  record.environment.date, record.environment.tag, record.images, record.subset,
                                  tuple(change.value for change in changes))
    return None


def text(value: Any) -> str:
    """An enum's value, or the text of anything else."""
    return str(getattr(value, "value", value))


def overall_verdict(records: list[VerificationRecord], model: Model, task: str, dataset: str, *,
                    configs_root: Path | None = None) -> Remeasured | None:
    """One verdict for a model's row: ``stale`` if its record is, else ``drift`` (or ``better``) if any metric
    is flagged, ``passed`` if all checked passed."""
    checks = [remeasured(model, records, task, dataset, metric, configs_root=configs_root)
              for result in model.results if (result.task, result.dataset) == (task, dataset)
              for metric in result.metrics]
    found = [c for c in checks if c is not None]
    for wanted in (STALE, "drift", "better", "passed"):
        hits = [c for c in found if c.verdict == wanted]
        if hits:
            return hits[0]
    return found[0] if found else None


def plain(value: Any) -> Any:
    """A metadata value as JSON: dates and other scalars as strings, containers recursively."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
