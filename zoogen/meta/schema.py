"""The typed, normalised model of a zoo: what every later stage works on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoogen.errors import Location
from zoogen.meta.registry import Registry, load_registry


@dataclass(frozen=True)
class Paper:
    url: str | None
    title: str | None


@dataclass
class Result:
    """One ``{Task, Dataset, Metrics}`` entry of a model."""

    task: str
    dataset: str
    metrics: dict[str, float | str]
    location: Location


@dataclass(frozen=True)
class SpeedRecord:
    """One measurement of ``inference time (ms/im)`` with the conditions it was taken under."""

    ms_per_image: float
    hardware: str | None = None
    backend: str | None = None
    batch_size: int | None = None
    precision: str | None = None
    resolution: tuple[int, int] | None = None

    @property
    def fps(self) -> float:
        return 1000.0 / self.ms_per_image


@dataclass
class Model:
    name: str
    method: str
    collection: str | None
    config: str | None
    metadata: dict[str, Any]
    results: list[Result]
    weights: str | None
    log: str | None
    speed: list[SpeedRecord]
    paper: Paper | None
    code: str | None
    readme: str | None
    alias: list[str]
    converted_from: str | None
    tolerances: dict[str, float]
    location: Location
    field_locations: dict[str, Location] = field(default_factory=dict)
    verify_skip: str | None = None  # zoogen extension ``Verify: {skip: <reason>}``: not verifiable, and why
    repeated: list[Result] = field(default_factory=list)  # a later entry's conflicting results (see meta/merge.py)

    def where(self, field_name: str) -> Location:
        """Line of one of the model's fields, else of the model."""
        return self.field_locations.get(field_name, self.location)

    def metric(self, task: str, dataset: str, metric: str) -> float | str | None:
        for result in self.results:
            if result.task == task and result.dataset == dataset and metric in result.metrics:
                return result.metrics[metric]
        return None


@dataclass
class Collection:
    name: str
    metadata: dict[str, Any]
    paper: Paper | None
    code: str | None
    readme: str | None
    location: Location


@dataclass
class Method:
    """The models of one metafile (``<method>/metafile.yml``): one page of the site.

    A model named in several metafiles is one ``Model`` with the results of all of them, listed in each of
    their methods; ``shown`` holds, per model name, the (task, dataset) pairs this metafile gave it, which its
    page shows.
    """

    id: str
    title: str
    description: str | None
    metafile: Path
    collections: list[Collection] = field(default_factory=list)
    models: list[Model] = field(default_factory=list)
    shown: dict[str, set[tuple[str, str]]] = field(default_factory=dict)

    def results_of(self, model: Model) -> list[Result]:
        """The results of ``model`` that this method's page shows."""
        keys = self.shown.get(model.name)
        if keys is None:
            return model.results
        return [result for result in model.results if (result.task, result.dataset) in keys]

    @property
    def tasks(self) -> list[str]:
        """Tasks of its models' results, the most frequent first."""
        return _by_frequency(result.task for model in self.models for result in self.results_of(model))

    @property
    def datasets(self) -> list[str]:
        """Datasets of its models' results, the most frequent first."""
        return _by_frequency(result.dataset for model in self.models for result in self.results_of(model))

    @property
    def paper(self) -> Paper | None:
        for collection in self.collections:
            if collection.paper:
                return collection.paper
        return next((m.paper for m in self.models if m.paper), None)

    @property
    def readme(self) -> str | None:
        return next((c.readme for c in self.collections if c.readme), None)


def _by_frequency(names: Iterable[str]) -> list[str]:
    counts = Counter(names)  # ties keep the order of first appearance
    return sorted(counts, key=lambda name: -counts[name])


@dataclass
class TableColumn:
    key: str
    title: str
    translate: bool = False


@dataclass
class ProseTable:
    """A free table of the overview (zoo.yml), cells in Markdown."""

    columns: list[TableColumn]
    rows: list[dict[str, str]]


@dataclass
class Section:
    """A section of the overview page (zoo.yml)."""

    title: str
    body: str | None = None
    table: ProseTable | None = None
    methods: bool = False
    sections: list[Section] = field(default_factory=list)


@dataclass(frozen=True)
class Mirror:
    """Downloads whose URL starts with ``primary`` may be fetched from ``mirror`` + the rest of the URL."""

    primary: str
    mirror: str


@dataclass
class ZooInfo:
    """Zoo-level content from ``zoo.yml`` (or derived defaults when a zoo has none)."""

    title: str = "Model Zoo"
    intro: str | None = None
    columns: list[str] = field(default_factory=list)  # method table columns; empty: per task (registry)
    group_by_tasks: bool = True  # one table per dataset and set of tasks (False: one per dataset)
    sections: list[Section] = field(default_factory=list)
    locale_dir: Path | None = None
    links: dict[str, str] = field(default_factory=dict)
    config_base_url: str | None = None
    method_titles: dict[str, str] = field(default_factory=dict)
    method_descriptions: dict[str, str] = field(default_factory=dict)
    method_order: list[str] = field(default_factory=list)
    footer: str | None = None  # site footer / copyright text
    mirrors: list[Mirror] = field(default_factory=list)
    library: str | None = None  # zoo.yml's `library`: the OpenMMLab library of the zoo's configs
    links_report: Path | None = None  # link-health JSON report kept in the repository
    registry_overrides: dict[str, Any] = field(default_factory=dict)  # zoo.yml `registry:` (see registry.py)
    trusted_prose: frozenset[str] = frozenset()  # markup the zoo's prose may use beyond plain MyST (opt-in)


@dataclass
class Zoo:
    root: Path
    index: Path
    info: ZooInfo
    methods: list[Method]
    registry: Registry = field(default_factory=load_registry)  # zoogen's registry with zoo.yml's `registry:`

    @property
    def models(self) -> list[Model]:
        """Every model once (a model listed by several methods is one model)."""
        unique: dict[int, Model] = {}
        for method in self.methods:
            for model in method.models:
                unique.setdefault(id(model), model)
        return list(unique.values())
