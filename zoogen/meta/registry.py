"""The registry (``zoogen/registry.yml``): tasks, datasets, metrics and table columns, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from zoogen.meta.keys import fold

REGISTRY_FILE = Path(__file__).resolve().parent.parent / "registry.yml"


@dataclass(frozen=True)
class Term:
    """A named thing with its English and Chinese display names."""

    name: str
    title: str
    zh_CN: str | None


@dataclass(frozen=True)
class MetricInfo(Term):
    unit: str = "percent"
    higher_is_better: bool = True
    tolerance: float = 0.3
    evaluator: str | None = None

    def from_evaluator(self, value: float) -> float:
        """MMDetection reports fractions; scale to this metric's unit."""
        return value * 100.0 if self.unit == "percent" else value


@dataclass(frozen=True)
class ColumnInfo(Term):
    metadata: str | None = None
    derive: str | None = None


@dataclass(frozen=True)
class Registry:
    tasks: dict[str, Term]
    datasets: dict[str, Term]
    metrics: dict[str, MetricInfo]
    columns: dict[str, ColumnInfo]
    words: dict[str, Term]
    speed_tolerance_fraction: float
    _aliases: dict[str, dict[str, str]]

    def canonical(self, kind: str, name: str) -> str | None:
        """The registry's name for ``name`` of ``kind`` (tasks, datasets, metrics), or None if unknown."""
        return self._aliases[kind].get(fold(name))

    def metric(self, name: str) -> MetricInfo | None:
        canonical = self.canonical("metrics", name)
        return self.metrics.get(canonical) if canonical else None

    def translations(self) -> dict[str, str]:
        """English display name -> Chinese, for seeding the gettext catalogs."""
        pairs: dict[str, str] = {}
        for group in (self.tasks, self.datasets, self.metrics, self.columns, self.words):
            for term in group.values():
                if term.title and term.zh_CN and term.zh_CN != term.title:
                    pairs[term.title] = term.zh_CN
        return pairs


def _terms(raw: dict[str, Any], kind: type[Term], aliases: dict[str, str]) -> dict[str, Any]:
    terms: dict[str, Any] = {}
    for name, spec in (raw or {}).items():
        spec = dict(spec or {})
        title = spec.pop("title", name)
        zh_cn = spec.pop("zh_CN", None)
        for alias in [name, title or name, *spec.pop("aliases", [])]:
            aliases.setdefault(fold(str(alias)), name)
        terms[name] = kind(name=name, title=title, zh_CN=zh_cn, **spec)
    return terms


@cache
def load_registry(path: Path = REGISTRY_FILE) -> Registry:
    """Read the registry once per process."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    aliases: dict[str, dict[str, str]] = {kind: {} for kind in ("tasks", "datasets", "metrics")}
    return Registry(
        tasks=_terms(raw["tasks"], Term, aliases["tasks"]),
        datasets=_terms(raw["datasets"], Term, aliases["datasets"]),
        metrics=_terms(raw["metrics"], MetricInfo, aliases["metrics"]),
        columns=_terms(raw["columns"], ColumnInfo, {}),
        words=_terms(raw.get("words", {}), Term, {}),
        speed_tolerance_fraction=float((raw.get("speed") or {}).get("tolerance_fraction", 0.1)),
        _aliases=aliases,
    )
