"""Whether a verification record still stands for its model as the metafile describes it now.

A record is *current* while everything it measured is what the metafile names today: the same weights
(URL, and the hash its file name carries), the same published value of each metric, the same config and
``_base_`` files (by content hash), the same tolerance. Otherwise it is *stale*, and says what changed.
This is the one definition: the marks on the pages, the plots, the exports, the verification report,
``zoogen check`` and ``zoogen verify plan`` all ask `currency`. Reads files only (no torch, no network).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from zoogen.meta.config_chain import config_fingerprint, rooted_fingerprint
from zoogen.meta.configs import resolve_config
from zoogen.meta.registry import MetricInfo, Registry, load_registry
from zoogen.meta.schema import Model
from zoogen.records import MetricCheck, Verdict, VerificationRecord, parse_date

__all__ = [
    "Change", "Currency", "Difference", "Stale", "currencies", "currency", "direction", "hash_prefix", "newest",
    "published_number", "published_numbers", "stale_records", "tolerance_for",
]

_EPSILON = 1e-9  # published numbers have one or two decimals: forgive float noise
_HASH_SUFFIX = re.compile(r"-([0-9a-f]{8,64})\.[A-Za-z0-9]+$")  # OpenMMLab / torch.hub: name-<sha256 prefix>.pth


class Change(StrEnum):
    """What changed in the metafile since a record was measured."""

    NUMBER = "number"
    WEIGHTS = "weights"
    CONFIG = "config"
    TOLERANCE = "tolerance"


@dataclass(frozen=True)
class Difference:
    """One change, with a short language-neutral detail (``box AP: 88.6 -> 90.0``)."""

    change: Change
    detail: str


@dataclass(frozen=True)
class Currency:
    """A record against its model as it is now: no differences means current."""

    differences: tuple[Difference, ...] = ()

    @property
    def current(self) -> bool:
        return not self.differences

    @property
    def changes(self) -> list[Change]:
        """The kinds of change, each once, in the order of `Change`."""
        kinds = {d.change for d in self.differences}
        return [kind for kind in Change if kind in kinds]

    def describe(self) -> str:
        """``number: box AP: 88.6 -> 90.0; weights: URL changed (...)`` (empty when current)."""
        return "; ".join(f"{d.change.value}: {d.detail}" for d in self.differences)


def published_number(value: Any) -> float | None:
    """A published metric as a float; ``"37.4"`` counts, ``"-"``, ``"N/A"`` and booleans do not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def published_numbers(model: Model) -> dict[str, float | str]:
    """The metafile's numbers a record is judged against: ``"task / dataset / metric"`` -> value."""
    out: dict[str, float | str] = {}
    for result in model.results:
        for metric, value in result.metrics.items():
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                value = str(value)
            out[f"{result.task} / {result.dataset} / {metric}"] = value
    return out


def tolerance_for(model: Model, metric: str, info: MetricInfo, registry: Registry) -> float:
    """The model's ``Tolerance`` for ``metric`` (under any spelling), else the registry default."""
    for name, value in (model.tolerances or {}).items():
        if name == metric or registry.canonical("metrics", name) == info.name:
            return float(value)
    return float(info.tolerance)


def hash_prefix(url: str | None) -> str | None:
    """The hash prefix a weights file name carries (``..._20200130-047c8118.pth`` -> ``047c8118``), or None.

    An all-digit suffix that reads as a date (``model-20200130.pth``) is a date, not a hash.
    """
    name = (url or "").split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    match = _HASH_SUFFIX.search(name)
    if not match:
        return None
    digits = match.group(1)
    return None if digits.isdigit() and len(digits) == 8 else digits


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= _EPSILON


def _same_value(a: object, b: object) -> bool:
    """Two published values alike: as numbers when both are, else as text (``"-"`` stays ``"-"``)."""
    x, y = published_number(a), published_number(b)
    return _same(x, y) if x is not None or y is not None else str(a) == str(b)


def _shown(value: object) -> str:
    return "-" if value is None else str(value)


def _weights(model: Model, record: VerificationRecord) -> list[Difference]:
    recorded, now = record.checkpoint.url or None, model.weights or None
    if recorded != now:
        return [Difference(Change.WEIGHTS, f"URL changed ({_shown(recorded)} -> {_shown(now)})")]
    prefix, sha256 = hash_prefix(now), record.checkpoint.sha256
    if prefix and sha256 and not sha256.lower().startswith(prefix.lower()):
        return [Difference(Change.WEIGHTS, f"file measured (sha256 {sha256[:12]}...) is not the one named (-{prefix})")]
    return []


def _numbers(model: Model, record: VerificationRecord, registry: Registry) -> list[Difference]:
    out: list[Difference] = []
    now = published_numbers(model)
    seen: set[str] = set()
    for check in record.metrics:
        key = f"{check.task} / {check.dataset} / {check.metric}"
        seen.add(key)
        if key not in now:
            out.append(Difference(Change.NUMBER, f"{check.metric}: {_shown(check.published)} -> no longer published"))
        elif not _same(published_number(now[key]), check.published):
            out.append(Difference(Change.NUMBER, f"{check.metric}: {_shown(check.published)} -> {_shown(now[key])}"))
        else:
            info = registry.metric(check.metric)
            if info is not None and check.tolerance is not None:
                tolerance = tolerance_for(model, check.metric, info, registry)
                if not _same(tolerance, check.tolerance):
                    out.append(Difference(Change.TOLERANCE,
                                          f"{check.metric}: ±{_shown(check.tolerance)} -> ±{_shown(tolerance)}"))
    before = record.inputs.published
    if before:  # the whole set the record was judged against: a number added or dropped counts too
        for key in sorted((set(before) | set(now)) - seen):
            if (key in before) != (key in now) or not _same_value(before.get(key), now.get(key)):
                metric = key.rsplit(" / ", 1)[-1]
                out.append(Difference(Change.NUMBER, f"{metric}: {_shown(before.get(key))} -> {_shown(now.get(key))}"))
    return out


def _config(model: Model, record: VerificationRecord, configs_root: Path | None) -> list[Difference]:
    written = record.inputs.config
    if written is not None and written != model.config:
        return [Difference(Change.CONFIG, f"changed ({written} -> {_shown(model.config)})")]
    if configs_root is None or not model.config:
        return []
    resolved = resolve_config(configs_root, model.config)
    if resolved is None or not resolved.inside_root:
        return []  # nothing here to hash: the name (above) is all that can be compared
    stored = record.inputs.config_sha256
    if stored is None:
        return [Difference(Change.CONFIG, f"{resolved.name}: the record stores no hash of it")]
    if stored == config_fingerprint(resolved.path) or stored == rooted_fingerprint(resolved.path, configs_root):
        return []  # (the second: a record of zoogen 0.2, whose hash depended on the configs root)
    return [Difference(Change.CONFIG, f"{resolved.name} changed (its content or a _base_ file)")]


def currency(model: Model, record: VerificationRecord, *, configs_root: Path | None = None,
             registry: Registry | None = None) -> Currency:
    """``record`` against ``model`` as the metafile has it now (`Currency`).

    ``configs_root`` is where ``model.config`` resolves (the zoo's own folder for a site, ``--configs-root``
    for verify); without one, or when the config is not found there, only its name is compared.
    """
    registry = registry or load_registry()
    return Currency(tuple(_weights(model, record) + _numbers(model, record, registry)
                          + _config(model, record, configs_root)))


def newest(records: Sequence[VerificationRecord]) -> VerificationRecord | None:
    """The record with the newest date (None for none)."""
    return max(records, key=lambda r: parse_date(r.environment.date), default=None)


def currencies(models: Sequence[Model], records: Mapping[str, VerificationRecord], *,
               configs_root: Path | None = None, registry: Registry | None = None) -> dict[str, Currency]:
    """`currency` of each model's record in ``records`` (model name -> record)."""
    registry = registry or load_registry()
    return {model.name: currency(model, records[model.name], configs_root=configs_root, registry=registry)
            for model in models if model.name in records}


def direction(check: MetricCheck, registry: Registry | None = None) -> Verdict:
    """A metric's verdict with its direction: beyond the tolerance, ``better`` when the measurement is better
    than published (in the metric's own direction), else ``drift``. Records of zoogen 0.2 wrote ``drift``
    either way; their direction is read from the two numbers."""
    verdict = Verdict(check.verdict)
    if verdict not in (Verdict.DRIFT, Verdict.BETTER) or check.measured is None or check.published is None:
        return verdict
    info = (registry or load_registry()).metric(check.metric)
    higher_is_better = info.higher_is_better if info is not None else True
    return Verdict.BETTER if (check.measured > check.published) == higher_is_better else Verdict.DRIFT


@dataclass(frozen=True)
class Stale:
    """A model whose newest record is no longer current."""

    model: str
    record: VerificationRecord
    currency: Currency

    def describe(self) -> str:
        """``faster_rcnn_r50: stale record cpu-xeon-torch2.13.0 (number: box AP: 37.4 -> 37.9)``."""
        return f"{self.model}: stale record {self.record.environment.tag} ({self.currency.describe()})"


def stale_records(models: Sequence[Model], records: Mapping[str, Sequence[VerificationRecord]], *,
                  configs_root: Path | None = None, registry: Registry | None = None) -> list[Stale]:
    """The models whose newest record is stale (what the pages mark ``↻``), in the order of ``models``."""
    registry = registry or load_registry()
    out = []
    for model in models:
        record = newest(records.get(model.name, ()))
        if record is None:
            continue
        found = currency(model, record, configs_root=configs_root, registry=registry)
        if not found.current:
            out.append(Stale(model.name, record, found))
    return out
