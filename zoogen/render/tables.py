"""Rows and columns: a method's models as tables, one per dataset and set of tasks.

Every Result is shown: a model with results on two datasets appears in both tables. Columns with no
value in any row are dropped. Cells are Markdown, escaped; missing values are ``-``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from zoogen.meta.registry import Registry
from zoogen.meta.schema import Model
from zoogen.render import markup
from zoogen.render.columns import metadata_value
from zoogen.render.marks import Marker

MISSING = "-"


@dataclass
class Table:
    """A Markdown table: headers are translatable English, body cells are data."""

    headers: list[str]
    rows: list[list[str]]
    translate_columns: list[int] = field(default_factory=list)

    def markdown(self) -> str:
        classes = " ".join([".zoo-data", *(f".zoo-translate-{i}" for i in self.translate_columns)])
        lines = [f"{{{classes}}}", "| " + " | ".join(self.headers) + " |", "|" + " --- |" * len(self.headers)]
        lines += ["| " + " | ".join(cell or MISSING for cell in row) + " |" for row in self.rows]
        return "\n".join(lines)


@dataclass
class TableGroup:
    """One table of a method page with its heading parts (translated separately)."""

    tasks: list[str]
    dataset: str
    table: Table


@dataclass
class TableBuilder:
    registry: Registry
    columns: list[str]
    config_base_url: str | None = None
    marker: Marker | None = None
    group_by_tasks: bool = True

    def method_tables(self, models: list[Model]) -> list[TableGroup]:
        groups: dict[tuple[str, tuple[str, ...]], list[Model]] = {}
        for model in models:
            by_dataset: dict[str, list[str]] = {}
            for result in model.results:
                tasks = by_dataset.setdefault(result.dataset, [])
                if result.task not in tasks:
                    tasks.append(result.task)
            if not by_dataset:
                by_dataset = {"": []}
            for dataset, tasks in by_dataset.items():
                groups.setdefault((dataset, tuple(tasks) if self.group_by_tasks else ()), []).append(model)
        tables = []
        for (dataset, _), group_models in groups.items():
            tasks = list(dict.fromkeys(r.task for m in group_models for r in m.results if r.dataset == dataset))
            tables.append(TableGroup(tasks, dataset, self.table(group_models, dataset, tasks)))
        return tables

    def table(self, models: list[Model], dataset: str, tasks: list[str]) -> Table:
        metric_columns = self._metric_columns(models, dataset, tasks)
        headers: list[str] = []
        cells: list[list[str | None]] = [[] for _ in models]
        for key in self.columns:
            if key == "metrics":
                for task, metric in metric_columns:
                    info = self.registry.metric(metric)
                    headers.append(markup.escape(info.title if info else metric))
                    for row, model in zip(cells, models, strict=True):
                        row.append(self._metric_cell(model, task, dataset, metric))
                continue
            column = self.registry.columns[key]
            headers.append(markup.escape(column.title))
            for row, model in zip(cells, models, strict=True):
                row.append(self._cell(key, model))
        keep = [i for i in range(len(headers)) if any(row[i] for row in cells)]
        return Table([headers[i] for i in keep], [[row[i] or MISSING for i in keep] for row in cells])

    def _metric_columns(self, models: list[Model], dataset: str, tasks: list[str]) -> list[tuple[str, str]]:
        columns: list[tuple[str, str]] = []
        for task in tasks:
            for model in models:
                for result in model.results:
                    if result.task == task and result.dataset == dataset:
                        columns += [(task, m) for m in result.metrics if (task, m) not in columns]
        return columns

    def _metric_cell(self, model: Model, task: str, dataset: str, metric: str) -> str | None:
        value = model.metric(task, dataset, metric)
        if value is None:
            return None
        text = markup.escape(value)
        if self.marker:
            text = self.marker.metric(model, task, dataset, metric, text)
        return text

    def _cell(self, key: str, model: Model) -> str | None:
        if key == "config":
            return self._config(model)
        if key == "download":
            return self._download(model)
        value = metadata_value(model, self.registry.columns[key])
        if value is None:
            return None
        text = markup.escape(value)
        if key == "inference_fps" and self.marker:
            text = self.marker.speed(model, text)
        return text

    def _config(self, model: Model) -> str | None:
        if not model.config:
            return None
        if model.config.startswith(("http://", "https://")):
            return markup.link("config", model.config)
        if self.config_base_url:
            return markup.link("config", self.config_base_url.rstrip("/") + "/" + model.config.lstrip("/"))
        return markup.escape(model.config.rsplit("/", 1)[-1])

    def _download(self, model: Model) -> str | None:
        links = [markup.link(text, href) for text, href in (("model", model.weights), ("log", model.log)) if href]
        return " \\| ".join(links) or None


def all_models_table(models: list[Model], registry: Registry, method_titles: Mapping[str, str]) -> Table:
    """The one table of every model, for the searchable page."""
    headers = ["Method", "Model", "Task", "Dataset", "box AP", "mask AP", "Other metrics",
               registry.columns["inference_fps"].title, registry.columns["download"].title]
    rows = []
    for model in models:
        for result in model.results or [None]:
            metrics = dict(result.metrics) if result else {}
            box, mask = metrics.pop("box AP", None), metrics.pop("mask AP", None)
            others = ", ".join(f"{name} {value}" for name, value in metrics.items())
            rows.append([
                f"[{markup.escape(method_titles.get(model.method, model.method))}](methods/{model.method}.md)",
                markup.escape(model.name),
                markup.escape(result.task) if result else MISSING,
                markup.escape(result.dataset) if result else MISSING,
                str(box) if isinstance(box, float) else MISSING,
                str(mask) if isinstance(mask, float) else MISSING,
                markup.escape(others) or MISSING,
                f"{model.speed[0].fps:.1f}" if model.speed else MISSING,
                markup.link("model", model.weights) if model.weights else MISSING,
            ])
    return Table([markup.escape(h) for h in headers], rows)

