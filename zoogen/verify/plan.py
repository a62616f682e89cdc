"""``zoogen verify plan``: which models need verifying in an environment, and why; what that costs.

A model is up to date when its record for the environment tag exists, is ``ok``, is current
(`zoogen.currency`: the same weights, published numbers, config with its ``_base_`` files and tolerance),
was measured with the installed zoogen/mmdet/mmcv/torch versions (and those of the library whose evaluator
measured it), and is not older than ``max_age``.
Reads only files (no torch import, no network).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from zoogen.currency import Change, currency
from zoogen.meta.configs import resolve_config
from zoogen.meta.schema import Model
from zoogen.records import Status, VerificationRecord, environment_tag, parse_date
from zoogen.verify.environment import cpu_model, package_version

__all__ = ["Estimate", "PlanEntry", "current_versions", "estimate", "local_cpu_tag", "plan"]

VERSIONED = ("zoogen", "mmdet", "mmcv", "torch")


@dataclass
class PlanEntry:
    """One model of the plan; an empty ``reasons`` list means it is up to date."""

    model: str
    reasons: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"model": self.model, "reasons": list(self.reasons)}


def current_versions() -> dict[str, str | None]:
    """Installed versions of zoogen, mmdet, mmcv and torch (torch's local part dropped)."""
    versions = {name: package_version(name) for name in VERSIONED}
    torch = versions.get("torch")
    if torch:
        versions["torch"] = torch.split("+")[0]
    return versions


def local_cpu_tag() -> str:
    """The environment tag a CPU run on this machine writes, without importing torch."""
    return environment_tag({"device": "cpu", "cpu": cpu_model(), "torch": package_version("torch")})


def _record_for(records: Sequence[VerificationRecord], tag: str) -> VerificationRecord | None:
    for record in records:
        if record.environment.tag == tag:
            return record
    return None


_REASON = {
    Change.WEIGHTS: "the weights {}",
    Change.CONFIG: "the config {}",
    Change.NUMBER: "a published number changed ({})",
    Change.TOLERANCE: "a tolerance changed ({})",
}


def _reasons(model: Model, record: VerificationRecord | None, *, tag: str, configs_root: Path | None,
             versions: Mapping[str, str | None], max_age: timedelta | None, now: datetime) -> list[str]:
    if record is None:
        return [f"no record for this environment ({tag})"]
    reasons: list[str] = []
    if record.status != Status.OK:
        reasons.append(f"the last run ended with status {record.status.value} at step "
                       f"{record.step.value if record.step else '?'}")
    if resolve_config(configs_root, model.config) is None:
        reasons.append(f"the config {model.config} does not resolve under {configs_root}")
    for difference in currency(model, record, configs_root=configs_root).differences:
        reasons.append(_REASON[difference.change].format(difference.detail))
    for name in VERSIONED:
        old = getattr(record.environment, name)
        old = old.split("+")[0] if name == "torch" and old else old
        if versions.get(name) and old != versions[name]:
            reasons.append(f"{name} version changed ({old} -> {versions[name]})")
    library = record.environment.library
    if library and library not in VERSIONED:  # the library whose evaluator measured it (mmpretrain...)
        installed = versions.get(library) or package_version(library)
        if installed and record.environment.library_version != installed:
            reasons.append(f"{library} version changed ({record.environment.library_version} -> {installed})")
    if max_age is not None:
        age = now - parse_date(record.environment.date)
        if age > max_age:
            reasons.append(f"the record is older than --max-age ({age.days} days old)")
    return reasons


def plan(
    models: Sequence[Model],
    records: Mapping[str, Sequence[VerificationRecord]],
    *,
    tag: str,
    configs_root: Path | None,
    versions: Mapping[str, str | None] | None = None,
    max_age: timedelta | None = None,
    now: datetime | None = None,
) -> list[PlanEntry]:
    """One `PlanEntry` per model (sorted by name), with the reasons it needs verifying in ``tag``."""
    versions = current_versions() if versions is None else versions
    now = now or datetime.now(timezone.utc)
    return [
        PlanEntry(model.name, _reasons(model, _record_for(records.get(model.name, ()), tag), tag=tag,
                                       configs_root=configs_root, versions=versions, max_age=max_age, now=now))
        for model in sorted(models, key=lambda m: m.name)
    ]


@dataclass
class Estimate:
    """Device time of a plan: from each model's earlier records, else the median of the known ones."""

    models: int
    seconds: float
    from_records: int  # models whose own earlier record gave the duration
    unknown: int  # models with no duration at all (no record anywhere to take a median from)

    @property
    def hours(self) -> float:
        return self.seconds / 3600

    def describe(self, tag: str) -> str:
        text = f"{self.models} model(s) to verify: about {self.hours:.2f} device-hours on {tag}"
        text += f" ({self.from_records} from their own earlier records"
        if self.models - self.from_records - self.unknown:
            text += f", {self.models - self.from_records - self.unknown} at the median of the others"
        if self.unknown:
            text += f", {self.unknown} unknown: no record has timings yet"
        return text + ")"


def _duration(records: Sequence[VerificationRecord], tag: str) -> float | None:
    """The model's last known total time: the record of ``tag`` first, else its newest with timings."""
    timed = [r for r in records if r.timings.get("total")]
    same = [r for r in timed if r.environment.tag == tag]
    pool = same or timed
    if not pool:
        return None
    return max(pool, key=lambda r: parse_date(r.environment.date)).timings["total"]


def estimate(entries: Sequence[PlanEntry], records: Mapping[str, Sequence[VerificationRecord]],
             tag: str) -> Estimate:
    """Device time of the entries that need verifying (`Estimate`)."""
    wanted = [e.model for e in entries if e.reasons]
    known = {name: _duration(records.get(name, ()), tag) for name in wanted}
    all_known = [d for d in (_duration(rs, tag) for rs in records.values()) if d is not None]
    median = statistics.median(all_known) if all_known else None
    seconds = 0.0
    from_records = unknown = 0
    for duration in known.values():
        if duration is not None:
            seconds += duration
            from_records += 1
        elif median is not None:
            seconds += median
        else:
            unknown += 1
    return Estimate(len(wanted), seconds, from_records, unknown)
