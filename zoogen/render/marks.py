"""Verification marks: which table values were re-measured, with what outcome, where and when.

A mark stands only for a record that is current (`zoogen.currency`): a record whose number, weights,
config or tolerance changed since it was measured shows the stale mark and what changed, never ✓ and
never a drift of the new number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from zoogen.currency import Change, Currency, direction
from zoogen.meta.registry import Registry, load_registry
from zoogen.meta.schema import Model
from zoogen.records import MetricCheck, Verdict, VerificationRecord, parse_date
from zoogen.render import markup

PASSED = "✓"
DRIFT = "⚠"  # re-measured below the published value beyond the tolerance
BETTER = "▲"  # re-measured better than published beyond the tolerance (flagged too)
STALE = "↻"  # the record measured another number, checkpoint, config or tolerance than the table's

_CURRENT = Currency()


def _identity(message: str) -> str:
    return message


@dataclass
class Marker:
    """Adds marks to table cells from the newest verification record of each model."""

    records: Mapping[str, VerificationRecord]
    report_link: str  # relative link from the page to the verification report
    currencies: Mapping[str, Currency] = field(default_factory=dict)  # model -> its record's currency
    gettext: Callable[[str], str] = _identity  # the page language's words (`Names.gettext`)
    registry: Registry | None = None

    def _link(self, text: str) -> str:
        return f"[{text}]({self.report_link})"

    def _stale(self, model: Model) -> str | None:
        """The stale mark of ``model``'s record (``↻ stale: number``), or None when it is current."""
        currency = self.currencies.get(model.name, _CURRENT)
        return None if currency.current else stale_words(currency, self.gettext, with_mark=True)

    def metric(self, model: Model, task: str, dataset: str, metric: str, text: str) -> str:
        record = self.records.get(model.name)
        if record is None or not record.evaluated:  # a partial record keeps its metric verdicts
            return text
        for check in record.metrics:
            if (check.task, check.dataset, check.metric) != (task, dataset, metric):
                continue
            stale = self._stale(model)
            if stale is not None and check.measured is not None:
                return f"{text} {self._link(stale)}"
            verdict = direction(check, self.registry or load_registry())
            if verdict == Verdict.PASSED:
                return f"{text} {self._link(PASSED)}"
            if verdict in (Verdict.DRIFT, Verdict.BETTER) and check.measured is not None:
                mark = BETTER if verdict == Verdict.BETTER else DRIFT
                return f"{text} {self._link(f'{mark} {value(check.measured)}')}"
        return text

    def speed(self, model: Model, text: str) -> str:
        record = self.records.get(model.name)
        speed = record.speed if record and record.evaluated else None
        if speed is None or speed.fps is None:
            return text
        stale = self._stale(model)
        if stale is not None:
            return f"{text} {self._link(stale)}" if speed.verdict in ("passed", "drift") else text
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
                markup.escape(verdict_summary(record, self.currencies.get(model.name), self.gettext,
                                              self.registry)),
                markup.escape(record.environment.device_name or record.environment.device or "-"),
                markup.escape((record.environment.date or "-")[:10]),
            ])
        return rows


def value(number: float | None) -> str:
    """A measured value as the tables show numbers: rounded to 2 decimals, at least one (``55.0``)."""
    return "-" if number is None else str(round(float(number), 2))


def stale_words(currency: Currency, gettext: Callable[[str], str] = _identity, *, with_mark: bool = False) -> str:
    """``stale: number, config`` in the page's language (with the mark ``↻`` first when asked)."""
    _ = gettext
    what = _(", ").join(_(CHANGE_WORDS[change]) for change in currency.changes)
    text = _("stale: %(what)s") % {"what": what}
    return f"{STALE} {text}" if with_mark else text


CHANGE_WORDS = {Change.NUMBER: "number", Change.WEIGHTS: "weights", Change.CONFIG: "config",
                Change.TOLERANCE: "tolerance"}


def _check_summary(check: MetricCheck, registry: Registry, gettext: Callable[[str], str]) -> str | None:
    _ = gettext
    verdict = direction(check, registry)
    if verdict == Verdict.PASSED:
        return f"{check.metric} {PASSED} {value(check.measured)}"
    if verdict == Verdict.DRIFT:
        return f"{check.metric} {DRIFT} {value(check.measured)} ({value(check.published)})"
    if verdict == Verdict.BETTER:
        return f"{check.metric} {BETTER} {value(check.measured)} ({value(check.published)}, " \
               f"{_('better than published')})"
    if check.measured is not None:
        return f"{check.metric} {value(check.measured)} [{_word(check.verdict)}]"
    return None


def verdict_summary(record: VerificationRecord, currency: Currency | None = None,
                    gettext: Callable[[str], str] = _identity, registry: Registry | None = None) -> str:
    """A short summary: ``box AP ✓; mask AP ⚠ 34.1 (34.7)``; for a stale record ``↻ stale: number
    (box AP: 88.6 -> 90.0)`` and the values it measured, without verdicts."""
    registry = registry or load_registry()
    if not record.evaluated:
        return f"error ({_word(record.step) if record.step else 'verify'})"
    parts = [] if _word(record.status) == "ok" else [f"partial ({_word(record.step) if record.step else 'verify'})"]
    if currency is not None and not currency.current:
        parts.append(f"{stale_words(currency, gettext, with_mark=True)} ({currency.describe()})")
        parts += [f"{c.metric} {value(c.measured)}" for c in record.metrics if c.measured is not None]
        return "; ".join(parts)
    parts += [text for text in (_check_summary(c, registry, gettext) for c in record.metrics) if text]
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
