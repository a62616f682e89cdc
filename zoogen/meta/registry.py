"""The registry (``zoogen/registry.yml``): tasks, datasets, metrics, units and table columns, in one place.

A zoo extends or overrides it in its ``zoo.yml`` (``registry:``): see ``Registry.extended``.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from zoogen.meta.keys import fold

REGISTRY_FILE = "registry.yml"  # package data of zoogen
ALIASED_KINDS = ("tasks", "datasets", "metrics")
ANY_LIBRARY = "*"  # an evaluator key given as a plain string: whichever library evaluates


@dataclass(frozen=True)
class Term:
    """A named thing with its English and Chinese display names."""

    name: str
    title: str
    zh_CN: str | None


@dataclass(frozen=True)
class LibraryInfo:
    """An OpenMMLab library zoogen verifies with, by the ``default_scope`` of its configs."""

    scope: str  # mmdet, mmpretrain, mmseg, mmpose
    title: str  # MMDetection
    package: str  # the distribution to install: mmsegmentation
    unit: str  # what its evaluator reports: fraction (MMDetection's COCO) or percent (MMPretrain, MMSeg)


@dataclass(frozen=True)
class DatasetInfo(Term):
    types: tuple[str, ...] = ()  # the library dataset classes that read it (ImageNet, ADE20KDataset)


@dataclass(frozen=True)
class TaskInfo(Term):
    primary: str | None = None  # the key of the task's headline metric
    columns: tuple[str, ...] = ()  # its method tables' columns (keys of `columns`), when zoo.yml gives none
    library: str | None = None  # the library (scope) whose zoo publishes it: tells whom a zoo belongs to


@dataclass(frozen=True)
class MetricInfo(Term):
    unit: str = "percent"
    higher_is_better: bool = True
    tolerance: float = 0.3
    evaluators: tuple[tuple[str, str], ...] = ()  # (library scope or "*", the key its evaluator reports)
    tasks: tuple[str, ...] = ()  # where this name means this metric (empty: anywhere)
    datasets: tuple[str, ...] = ()
    range: tuple[float | None, float | None] = (None, None)  # valid values, from the unit unless narrowed

    @property
    def evaluator(self) -> str | None:
        """The first evaluator key (any library's), or None when nothing evaluates this metric."""
        return self.evaluators[0][1] if self.evaluators else None

    def evaluator_keys(self, library: str) -> list[str]:
        """The keys ``library``'s evaluator may report this metric under (``coco/AP``, ``crowdpose/AP``: the
        prefix is the config's), in order; those given for any library when none is given for it."""
        own = [key for lib, key in self.evaluators if lib == library]
        return own or [key for lib, key in self.evaluators if lib == ANY_LIBRARY]

    def evaluator_key(self, library: str) -> str | None:
        """The first key ``library``'s evaluator reports this metric under (``accuracy/top1``), or None."""
        keys = self.evaluator_keys(library)
        return keys[0] if keys else None

    def from_evaluator(self, value: float, reported_unit: str = "fraction") -> float:
        """Scale a value an evaluator reported in ``reported_unit`` (fraction or percent) to this metric's unit."""
        if reported_unit == "fraction" and self.unit == "percent":
            return value * 100.0
        if reported_unit == "percent" and self.unit == "fraction":
            return value / 100.0
        return value

    def out_of_range(self, value: float) -> str | None:
        """Why ``value`` is not a valid value of this metric, or None."""
        if not math.isfinite(value):
            return "is not a finite number"
        low, high = self.range
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"{_num(low)} to {_num(high)}" if low is not None and high is not None else (
                f"at least {_num(low)}" if low is not None else f"at most {_num(high)}")
            return f"is outside the valid range of {self.title} ({self.unit}: {span})"
        return None


def _num(value: float | None) -> str:
    return f"{value:g}" if value is not None else "-"


@dataclass(frozen=True)
class ColumnInfo(Term):
    metadata: str | None = None
    derive: str | None = None
    scale: float | None = None  # a count times this is the value in the header's unit (FLOPs -> G)


@dataclass(frozen=True)
class Registry:
    tasks: dict[str, TaskInfo]
    datasets: dict[str, DatasetInfo]
    metrics: dict[str, MetricInfo]
    columns: dict[str, ColumnInfo]
    words: dict[str, Term]
    speed_tolerance_fraction: float
    libraries: dict[str, LibraryInfo]
    _aliases: dict[str, dict[str, list[str]]]
    _raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def canonical(self, kind: str, name: str) -> str | None:
        """The registry's name for ``name`` of ``kind`` (tasks, datasets, metrics), or None if unknown.

        For metrics this ignores the task: use ``resolve_metric`` where the task is known.
        """
        folded = fold(name)
        if kind == "metrics" and name in self.metrics:
            return name
        keys = self._aliases[kind].get(folded) or []
        if kind == "metrics":
            unscoped = [key for key in keys if not self.metrics[key].tasks]
            keys = unscoped or keys
        return keys[0] if keys else None

    def resolve_metric(self, name: str, task: str | None, dataset: str | None = None) -> str | None:
        """The metric ``name`` means in a result of ``task`` on ``dataset`` (canonical names), or None."""
        best: tuple[int, str] | None = None
        for key in self._aliases["metrics"].get(fold(name)) or []:
            info = self.metrics[key]
            if info.tasks and task not in info.tasks:
                continue
            if info.datasets and dataset not in info.datasets:
                continue
            rank = (2 if info.tasks else 0) + (1 if info.datasets else 0)
            if best is None or rank > best[0]:
                best = (rank, key)
        return best[1] if best else None

    def metric(self, name: str, task: str | None = None, dataset: str | None = None) -> MetricInfo | None:
        key = self.resolve_metric(name, task, dataset) if task else self.canonical("metrics", name)
        return self.metrics.get(key) if key else None

    def dataset_of_type(self, type_name: str) -> str | None:
        """The dataset a library's dataset class reads (``ADE20KDataset`` -> ADE20K), or None."""
        bare = type_name.rsplit(".", 1)[-1]
        return next((name for name, info in self.datasets.items() if bare in info.types), None)

    def primary_metric(self, task: str) -> MetricInfo | None:
        """The task's headline metric (box AP for detection, Top-1 for classification, ...)."""
        info = self.tasks.get(task)
        return self.metrics.get(info.primary) if info and info.primary else None

    def translations(self) -> dict[str, str]:
        """English display name -> Chinese, for seeding the gettext catalogs."""
        pairs: dict[str, str] = {}
        for group in (self.tasks, self.datasets, self.metrics, self.columns, self.words):
            for term in group.values():
                if term.title and term.zh_CN and term.zh_CN != term.title:
                    pairs[term.title] = term.zh_CN
        return pairs

    def extended(self, overrides: dict[str, Any]) -> Registry:
        """This registry with a zoo's ``registry:`` block applied (new entries added, named fields replaced).

        An entry of the zoo wins over the registry's own where both use the same spelling.
        """
        if not any(overrides.get(kind) for kind in ALIASED_KINDS):
            return self
        raw = copy.deepcopy(self._raw)
        for kind in ALIASED_KINDS:
            section = raw.setdefault(kind, {})
            added = {}
            for name, spec in (overrides.get(kind) or {}).items():
                spec = {key: value for key, value in (spec or {}).items() if value is not None}
                if name in section:
                    base = dict(section[name] or {})
                    aliases = [*(base.get("aliases") or []), *(spec.pop("aliases", None) or [])]
                    base.update(spec, aliases=aliases)
                    section[name] = base
                else:
                    added[name] = spec
            raw[kind] = {**added, **section}  # zoo-defined names first: they win alias look-ups
        return build_registry(raw)


def _terms(raw: dict[str, Any], kind: type[Term], aliases: dict[str, list[str]] | None,
           units: dict[str, tuple[float | None, float | None]] | None = None) -> dict[str, Any]:
    terms: dict[str, Any] = {}
    for name, spec in (raw or {}).items():
        name = str(name)
        spec = dict(spec or {})
        title = spec.pop("title", None) or name
        zh_cn = spec.pop("zh_CN", None)
        names = [name, title, *(str(alias) for alias in spec.pop("aliases", None) or [])]
        if aliases is not None:
            for alias in dict.fromkeys(fold(alias) for alias in names):
                keys = aliases.setdefault(alias, [])
                if name not in keys:
                    keys.append(name)
        if kind is TaskInfo:
            spec["columns"] = tuple(spec.get("columns") or ())
        if kind is DatasetInfo:
            spec["types"] = tuple(str(t) for t in spec.get("types") or ())
        if kind is MetricInfo:
            unit = spec.setdefault("unit", "percent")
            spec["tasks"] = tuple(spec.get("tasks") or ())
            spec["datasets"] = tuple(spec.get("datasets") or ())
            bounds = spec.pop("range", None) or (units or {}).get(unit, (None, None))
            spec["range"] = (bounds[0], bounds[1])
            spec["evaluators"] = _evaluators(spec.pop("evaluator", None))
        terms[name] = kind(name=name, title=title, zh_CN=zh_cn, **spec)
    return terms


def _evaluators(raw: Any) -> tuple[tuple[str, str], ...]:
    """``coco/bbox_mAP`` (any library) or ``{mmpretrain: accuracy/top1, mmpose: [coco/AP, crowdpose/AP]}``
    -> ((library, key), ...)."""
    if raw is None or raw == "":
        return ()
    if isinstance(raw, str):
        return ((ANY_LIBRARY, raw),)
    pairs: list[tuple[str, str]] = []
    for library, keys in dict(raw).items():
        for key in keys if isinstance(keys, list) else [keys]:
            if key:
                pairs.append((str(library), str(key)))
    return tuple(pairs)


def _canonical_scope(terms: dict[str, MetricInfo], tasks: dict[str, list[str]],
                     datasets: dict[str, list[str]]) -> dict[str, MetricInfo]:
    """Scopes may name tasks and datasets under any of their spellings."""
    def names(values: tuple[str, ...], aliases: dict[str, list[str]]) -> tuple[str, ...]:
        return tuple((aliases.get(fold(value)) or [value])[0] for value in values)

    return {key: MetricInfo(**{**info.__dict__, "tasks": names(info.tasks, tasks),
                               "datasets": names(info.datasets, datasets)})
            for key, info in terms.items()}


def build_registry(raw: dict[str, Any]) -> Registry:
    aliases: dict[str, dict[str, list[str]]] = {kind: {} for kind in ALIASED_KINDS}
    units = {name: tuple((spec or {}).get("range") or (None, None)) for name, spec in (raw.get("units") or {}).items()}
    tasks = _terms(raw["tasks"], TaskInfo, aliases["tasks"])
    datasets = _terms(raw["datasets"], DatasetInfo, aliases["datasets"])
    metrics = _terms(raw["metrics"], MetricInfo, aliases["metrics"], units)
    return Registry(
        tasks=tasks,
        datasets=datasets,
        metrics=_canonical_scope(metrics, aliases["tasks"], aliases["datasets"]),
        columns=_terms(raw["columns"], ColumnInfo, None),
        words=_terms(raw.get("words", {}), Term, None),
        speed_tolerance_fraction=float((raw.get("speed") or {}).get("tolerance_fraction", 0.1)),
        libraries={str(scope): LibraryInfo(scope=str(scope), title=str(spec.get("title") or scope),
                                           package=str(spec.get("package") or scope),
                                           unit=str(spec.get("unit") or "fraction"))
                   for scope, spec in (raw.get("libraries") or {}).items()},
        _aliases=aliases,
        _raw=raw,
    )


@cache
def load_registry(path: Path | None = None) -> Registry:
    """Read the registry (the one shipped in the package unless ``path``) once per process."""
    text = path.read_text(encoding="utf-8") if path else \
        resources.files("zoogen").joinpath(REGISTRY_FILE).read_text(encoding="utf-8")
    return build_registry(yaml.safe_load(text))
