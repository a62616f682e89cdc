"""The schema of ``zoo.yml`` (pydantic): one model per block, every field typed and documented.

Other stages read the result from ``ZooInfo``; a new ``zoo.yml`` key is added here and nowhere else.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, NonNegativeFloat

from zoogen.meta.normalise import is_http_url

Unit = Literal["percent", "fraction", "pixels", "dB", "number"]
# What zoo prose (intro, section bodies, method descriptions) may use beyond plain MyST, each only by name.
ProseMarkup = Literal["html", "raw", "eval-rst", "include", "literalinclude"]


def _http_url(value: str) -> str:
    if not is_http_url(value):
        raise ValueError("expected an http(s) URL")
    return value.strip()


def _one_line(value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise ValueError("expected a non-empty text")
    return text


HttpUrl = Annotated[str, AfterValidator(_http_url)]
OneLine = Annotated[str, AfterValidator(_one_line)]


class Block(BaseModel):
    """A block of zoo.yml: unknown keys are reported (a warning, an error under --strict)."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class TableSpec(Block):
    columns: list[str] | None = None
    group_by: Literal["dataset", "dataset and tasks"] = "dataset and tasks"


class ColumnSpec(Block):
    key: str
    title: str | None = None
    translate: bool = False


class ProseTableSpec(Block):
    columns: list[str | ColumnSpec]
    rows: list[dict[str, Any]] = Field(default_factory=list)


class SectionSpec(Block):
    title: OneLine
    body: str | None = None
    table: ProseTableSpec | None = None
    methods: bool = False
    sections: list[SectionSpec] = Field(default_factory=list)


class MethodSpec(Block):
    id: OneLine
    title: OneLine | None = None
    description: str | None = None


class MirrorSpec(Block):
    """Downloads under ``primary`` may also be fetched from ``mirror`` (same path below the prefix)."""

    primary: HttpUrl
    mirror: HttpUrl


class TermSpec(Block):
    """A task or dataset added to, or renamed in, the registry."""

    title: OneLine | None = None
    zh_CN: OneLine | None = None
    aliases: list[str] = Field(default_factory=list)


class TaskSpec(TermSpec):
    primary: str | None = None


class DatasetSpec(TermSpec):
    types: list[OneLine] | None = None  # the library dataset classes that read it (ADE20KDataset)


class MetricSpec(TermSpec):
    """A metric added to, or changed in, the registry (unset fields keep the registry's value)."""

    unit: Unit | None = None
    higher_is_better: bool | None = None
    tolerance: NonNegativeFloat | None = None
    tasks: list[str] | None = None
    datasets: list[str] | None = None
    evaluator: OneLine | dict[OneLine, OneLine | list[OneLine]] | None = None  # a key, or {library: key(s)}
    range: tuple[float | None, float | None] | None = None  # valid values (default: the unit's)


class RegistrySpec(Block):
    tasks: dict[str, TaskSpec] = Field(default_factory=dict)
    datasets: dict[str, DatasetSpec] = Field(default_factory=dict)
    metrics: dict[str, MetricSpec] = Field(default_factory=dict)


class ZooSpec(Block):
    """The whole of ``zoo.yml``."""

    title: OneLine = "Model Zoo"
    library: OneLine | None = None  # the OpenMMLab library whose configs the zoo's Config paths name (mmpretrain)
    intro: str | None = None
    locale_dir: str | None = None
    config_base_url: HttpUrl | None = None
    links: dict[str, HttpUrl] = Field(default_factory=dict)
    table: TableSpec = Field(default_factory=TableSpec)
    sections: list[SectionSpec] = Field(default_factory=list)
    methods: list[MethodSpec] = Field(default_factory=list)
    footer: str | None = None
    trusted_prose: list[ProseMarkup] = Field(default_factory=list)  # see docs/security.md, "Zoo prose"
    mirrors: list[MirrorSpec] = Field(default_factory=list)
    links_report: str | None = None
    registry: RegistrySpec = Field(default_factory=RegistrySpec)
