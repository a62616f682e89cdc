"""Verification marks: which table values were re-measured, with what outcome, where and when."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from zoogen.meta.schema import Model
from zoogen.records import VerificationRecord, parse_date
from zoogen.render import markup

PASSED = "✓"
DRIFT = "⚠"


@dataclass
class Marker:
    """Adds marks to table cells from the newest verification record of each model."""

    records: Mapping[str, VerificationRecord]
    report_link: str  # relative link from the page to the verification report

    def _link(self, text: str) -> str:
        return f"[{text}]({self.report_link})"

    def metric(self, model: Model, task: str, dataset: str, metric: str, text: str) -> str:
        record = self.records.get(model.name)
        if record is None or not record.evaluated:  # a partial record keeps its metric verdicts
            return text
        for check in record.metrics:
            if (check.task, check.dataset, check.metric) != (task, dataset, metric):
                continue
            if check.verdict == "passed":
                return f"{text} {self._link(PASSED)}"
            if check.verdict == "drift" and check.measured is not None:
                return f"{text} {self._link(f'{DRIFT} {value(check.measured)}')}"
        return text

    def speed(self, model: Model, text: str) -> str:
        record = self.records.get(model.name)
        speed = record.speed if record and record.evaluated else None
        if speed is None or speed.fps is None:
            return text
        if speed.verdict == "passed":
            return f"{text} {self._link(PASSED)}"
        if speed.verdict == "drift":
            return f"{text} {self._link(f'{DRIFT} {speed.fps:.1f}')}"
        return text

    def notes(self, models: list[Model]) -> list[list[str]]:
        """Rows (model, verdict summary, hardware, date) for the models of a page that were verified."""
        rows = []
        for model in models:
            record = self.records.get(model.name)
            if record is None:
                continue
            rows.append([
                markup.escape(model.name),
                markup.escape(verdict_summary(record)),
                markup.escape(record.environment.device_name or record.environment.device or "-"),
                markup.escape((record.environment.date or "-")[:10]),
            ])
        return rows


def value(number: float | None) -> str:
    """A measured value as the tables show numbers: rounded to 2 decimals, at least one (``55.0``)."""
    return "-" if number is None else str(round(float(number), 2))


def verdict_summary(record: VerificationRecord) -> str:
    """A short, language-neutral summary: ``box AP ✓; mask AP ⚠ 34.1 (34.7)``."""
    if not record.evaluated:
        return f"error ({_word(record.step) if record.step else 'verify'})"
    parts = [] if _word(record.status) == "ok" else [f"partial ({_word(record.step) if record.step else 'verify'})"]
    for check in record.metrics:
        if check.verdict == "passed":
            parts.append(f"{check.metric} {PASSED} {value(check.measured)}")
        elif check.verdict == "drift":
            parts.append(f"{check.metric} {DRIFT} {value(check.measured)} ({value(check.published)})")
        elif check.measured is not None:
            parts.append(f"{check.metric} {value(check.measured)} [{_word(check.verdict)}]")
    if record.speed and record.speed.fps is not None:
        parts.append(f"{record.speed.fps:.1f} fps [{_word(record.speed.verdict)}]")
    return "; ".join(parts) or "-"


def _word(value: object) -> str:
    """An enum member of the records as the word the record files hold (``passed``)."""
    return str(getattr(value, "value", value))


def newest_records(records: Mapping[str, list[VerificationRecord]]) -> dict[str, VerificationRecord]:
    """The newest record of each model."""
    return {name: max(items, key=lambda r: parse_date(r.environment.date)) for name, items in records.items()
            if items}
