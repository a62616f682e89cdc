"""Rows and columns: a method's models as tables, one per dataset and set of tasks; the all-models table.

Every Result is shown: a model with results on two datasets appears in both tables of its method page.
Columns with no value in any row are dropped. Cells are Markdown, escaped; missing values are ``-``.
Names (headers, tasks, datasets) are in the language of ``Names``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from zoogen.meta.keys import fold
from zoogen.meta.schema import Model, Result
from zoogen.plots.anchors import anchor_markup
from zoogen.render import markup
from zoogen.render.columns import DERIVED_FROM, HIDDEN_METADATA, metadata_field, metadata_value, plain_value
from zoogen.render.marks import Marker
from zoogen.render.names import Names

MISSING = "-"


@dataclass
class Table:
    """A Markdown table: headers are translatable, body cells are data.

    ``translate_columns`` hold prose (translated like headers); ``best_high`` and ``best_low`` are the numeric
    columns that sort best-first with the higher or the lower value first; ``sortable`` adds filter and sort.
    ``rows_to_html``: the table goes into a ``zoo-data-table`` directive, which writes its body rows straight to
    HTML (for a table of thousands of cells; see `zoogen.site.data_table`).
    """

    headers: list[str]
    rows: list[list[str]]
    translate_columns: list[int] = field(default_factory=list)
    best_high: list[int] = field(default_factory=list)
    best_low: list[int] = field(default_factory=list)
    sortable: bool = False
    rows_to_html: bool = False
    filterable: bool = True  # a sortable table's filter box (method tables sort without one)

    def markdown(self) -> str:
        sorting = (".zoo-sortable" if self.filterable else ".zoo-sort-only") if self.sortable else None
        classes = [".zoo-data", *([sorting] if sorting else []),
                   *(f".zoo-translate-{i}" for i in self.translate_columns),
                   *(f".zoo-best-high-{i}" for i in self.best_high),
                   *(f".zoo-best-low-{i}" for i in self.best_low)]
        lines = [f"{{{' '.join(classes)}}}", "| " + " | ".join(self.headers) + " |",
                 "|" + " --- |" * len(self.headers)]
        lines += ["| " + " | ".join(cell or MISSING for cell in row) + " |" for row in self.rows]
        if self.rows_to_html:
            return "\n".join(["````{zoo-data-table}", *lines, "````"])
        return "\n".join(lines)


@dataclass
class TableGroup:
    """One table of a method page with its heading (in the language of the rendering)."""

    tasks: list[str]
    dataset: str
    table: Table
    heading: str = ""


def method_link(method_id: str, methods_dir: str, title: str) -> str:
    """A link to a method page whose text is that page's title, in the page's language (``{doc}`` role)."""
    if "`" in method_id or "<" in method_id:
        return f"[{markup.escape(title)}]({methods_dir}/{markup.url(method_id)}.md)"
    return f"{{doc}}`{methods_dir}/{method_id}`"


DEFAULT_COLUMNS = ["name", "backbone", "style", "lr_schd", "memory", "inference_fps", "metrics", "config",
                   "download"]  # a task without columns in the registry, in a zoo.yml without table.columns
AUTO_COLUMN_SHARE = 0.5  # metadata in more than this share of a table's models becomes a column
Results = Callable[[Model], list[Result]]


def _all_results(model: Model) -> list[Result]:
    return model.results


@dataclass
class TableBuilder:
    names: Names
    columns: list[str]  # zoo.yml's table.columns; empty: the registry's columns of the table's task
    config_base_url: str | None = None
    marker: Marker | None = None
    group_by_tasks: bool = True

    def method_tables(self, models: list[Model], results: Results = _all_results) -> list[TableGroup]:
        """The tables of a method page: one per dataset (and set of tasks), with ``results`` of each model."""
        groups: dict[tuple[str, tuple[str, ...]], list[Model]] = {}
        for model in models:
            by_dataset: dict[str, list[str]] = {}
            for result in results(model):
                tasks = by_dataset.setdefault(result.dataset, [])
                if result.task not in tasks:
                    tasks.append(result.task)
            if not by_dataset:
                by_dataset = {"": []}
            for dataset, tasks in by_dataset.items():
                groups.setdefault((dataset, tuple(tasks) if self.group_by_tasks else ()), []).append(model)
        tables = []
        for (dataset, _), group_models in groups.items():
            tasks = list(dict.fromkeys(r.task for m in group_models for r in results(m) if r.dataset == dataset))
            tables.append(TableGroup(tasks, dataset, self.table(group_models, dataset, tasks),
                                     self.heading(tasks, dataset)))
        return tables

    def heading(self, tasks: list[str], dataset: str) -> str:
        """``Object Detection and Instance Segmentation on COCO`` (escaped), in the rendering's language."""
        names = self.names
        if not dataset:
            return names.gettext("Models without results")
        listed = names.listing([markup.escape(names.task(task)) for task in tasks])
        return names.gettext("%(tasks)s on %(dataset)s") % {
            "tasks": listed, "dataset": markup.escape(names.dataset(dataset))}

    def column_keys(self, tasks: list[str]) -> list[str]:
        """zoo.yml's columns, else the first task's from the registry, else the detection columns; the model's
        name always first."""
        keys = list(self.columns)
        if not keys:
            for task in tasks:
                info = self.names.registry.tasks.get(task)
                if info and info.columns:
                    keys = list(info.columns)
                    break
        keys = keys or list(DEFAULT_COLUMNS)
        return ["name", *(key for key in keys if key != "name")]

    def table(self, models: list[Model], dataset: str, tasks: list[str]) -> Table:
        metric_columns = self._metric_columns(models, dataset, tasks)
        titles = Counter(self.names.metric(metric) for _, metric in metric_columns)
        keys = self.column_keys(tasks)
        extra = self._metadata_columns(models, keys)
        headers: list[str] = []
        best: list[bool | None] = []  # per column: higher is better, lower is better, or not a measure
        cells: list[list[str | None]] = [[] for _ in models]
        repeats = [(model, result) for model in models for result in model.repeated if result.dataset == dataset]
        repeat_cells: list[list[str | None]] = [[] for _ in repeats]
        for key in keys:
            if key == "metrics":
                for task, metric in metric_columns:
                    title = self.names.metric(metric)
                    if titles[title] > 1:  # one metric name under two tasks (image-to-text, text-to-image)
                        title = self.names.gettext("%(metric)s (%(task)s)") % {
                            "metric": title, "task": self.names.task(task)}
                    headers.append(markup.escape(title))
                    best.append(_higher_is_better(self.names, metric, task))
                    for row, model in zip(cells, models, strict=True):
                        row.append(self._metric_cell(model, task, dataset, metric))
                    for row, (_, result) in zip(repeat_cells, repeats, strict=True):
                        value = result.metrics.get(metric) if result.task == task else None
                        row.append(markup.escape(value) if value is not None else None)
                continue
            if key == "config" and extra:  # metadata columns go before the links
                for field_name in extra:
                    known = field_name in self.names.registry.columns
                    headers.append(markup.escape(self.names.column(field_name) if known else field_name))
                    best.append(None)
                    for row, model in zip(cells, models, strict=True):
                        value = self._cell(field_name, model) if known else metadata_field(model, field_name)
                        row.append((value if known else markup.escape(value)) if value is not None else None)
                    for row in repeat_cells:
                        row.append(None)
                extra = []
            headers.append(markup.escape(self.names.column(key)))
            best.append(True if key == "inference_fps" else None)
            for row, model in zip(cells, models, strict=True):
                row.append(self._cell(key, model))
            for row, (model, result) in zip(repeat_cells, repeats, strict=True):
                row.append(self._repeat_name(model, result) if key == "name" else None)
        all_rows = cells + repeat_cells
        keep = [i for i in range(len(headers)) if any(row[i] for row in all_rows)]
        rows = []
        for row, model in zip(cells, models, strict=True):
            kept = [row[i] or MISSING for i in keep]
            kept[:1] = [anchor_markup(model.name, dataset) + kept[0]] if kept else []  # plot points link to it
            rows.append(kept)
            rows += [[repeat[i] or MISSING for i in keep]
                     for repeat, (owner, _) in zip(repeat_cells, repeats, strict=True) if owner is model]
        high = [position for position, i in enumerate(keep) if best[i] is True]
        low = [position for position, i in enumerate(keep) if best[i] is False]
        return Table([headers[i] for i in keep], rows, best_high=high, best_low=low, sortable=True, filterable=False)

    def _repeat_name(self, model: Model, result: Result) -> str:
        """The name cell of a second entry's row: the model and where that entry is."""
        where = f"{result.location.file.name}:{result.location.line}"
        return markup.escape(self.names.gettext("%(model)s (another entry, %(where)s)") % {
            "model": model.name, "where": where})

    def _metadata_columns(self, models: list[Model], keys: list[str]) -> list[str]:
        """Metadata most models of the table have, as one line of text, with differing values, that no column
        of the table shows already: a registry column's key where one reads that field, else the field's name."""
        columns = self.names.registry.columns
        shown = {fold(columns[key].metadata or "") for key in keys if key in columns and columns[key].metadata}
        shown |= {fold(field) for key in keys if key in columns for field in DERIVED_FROM.get(columns[key].derive, ())}
        by_field = {fold(info.metadata): key for key, info in columns.items() if info.metadata}
        counts: Counter[str] = Counter()
        values: dict[str, set[str]] = {}
        for model in models:
            for key, value in model.metadata.items():
                text = plain_value(value)
                if text is None or fold(str(key)) in shown or fold(str(key)) in HIDDEN_METADATA:
                    continue
                column = by_field.get(fold(str(key)), str(key))
                counts[column] += 1
                values.setdefault(column, set()).add(text)
        return [column for column, count in counts.items()
                if count > AUTO_COLUMN_SHARE * len(models) and len(values[column]) > 1]

    def _metric_columns(self, models: list[Model], dataset: str, tasks: list[str]) -> list[tuple[str, str]]:
        columns: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        for task in tasks:
            for model in models:
                for result in [*model.results, *model.repeated]:
                    if result.task == task and result.dataset == dataset:
                        for metric in result.metrics:
                            if (task, metric) not in seen:
                                seen.add((task, metric))
                                columns.append((task, metric))
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
        value = metadata_value(model, self.names.registry.columns[key])
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


MAX_ALL_MODELS_COLUMNS = 25  # a task's table wider than this is split into one table per dataset


@dataclass
class AllModelsTable:
    """One table of the all-models page: the models of one task (and dataset), with its heading."""

    task: str
    dataset: str | None  # None: every dataset of the task in one table
    heading: str
    table: Table


def all_models_tables(models: list[Model], names: Names, method_titles: dict[str, str],
                      methods_dir: str) -> list[AllModelsTable]:
    """One table per task with only its own metric columns (per dataset and metric when the task has several
    datasets), tasks in the registry's order; a task whose table would be wider than
    ``MAX_ALL_MODELS_COLUMNS`` gets one table per dataset instead, the dataset with the most models first.

    A model with results of two tasks is a row of both tables, each with that task's metrics.
    """
    registry_order = {name: index for index, name in enumerate(names.registry.tasks)}
    task_counts: Counter[str] = Counter()
    for model in models:
        task_counts.update(dict.fromkeys((result.task for result in model.results), 1))
    tasks = sorted(task_counts, key=lambda task: (registry_order.get(task, len(registry_order)), -task_counts[task],
                                                  task))
    tables = []
    for task in tasks:
        members = [model for model in models if any(result.task == task for result in model.results)]
        whole = all_models_table(members, names, method_titles, methods_dir, task=task)
        if len(whole.headers) <= MAX_ALL_MODELS_COLUMNS:
            tables.append(AllModelsTable(task, None, markup.escape(names.task(task)), whole))
            continue
        datasets = Counter(result.dataset for model in members for result in model.results if result.task == task)
        for dataset, _ in sorted(datasets.items(), key=lambda item: (-item[1], item[0].casefold())):
            subset = [model for model in members
                      if any(result.task == task and result.dataset == dataset for result in model.results)]
            heading = names.gettext("%(tasks)s on %(dataset)s") % {
                "tasks": markup.escape(names.task(task)), "dataset": markup.escape(names.dataset(dataset))}
            tables.append(AllModelsTable(task, dataset, heading, all_models_table(
                subset, names, method_titles, methods_dir, task=task, dataset=dataset)))
    return tables


def all_models_table(models: list[Model], names: Names, method_titles: dict[str, str], methods_dir: str,
                     task: str | None = None, dataset: str | None = None) -> Table:
    """One row per model, one column per metric (per dataset and metric when the table has several datasets),
    of the results of ``task`` on ``dataset`` (None: all of them).

    A metric reported under two tasks of one dataset (box AP of a detector with masks) is one column.
    """
    def wanted(result: Result) -> bool:
        return (task is None or result.task == task) and (dataset is None or result.dataset == dataset)

    datasets = Counter(result.dataset for model in models for result in model.results if wanted(result))
    order = {name: index for index, (name, _) in enumerate(datasets.most_common())}
    pairs: Counter[tuple[str, str]] = Counter()  # in order of first appearance (a set's order changes per run)
    for model in models:
        pairs.update(dict.fromkeys(((result.dataset, names.registry.canonical("metrics", metric) or metric)
                                   for result in model.results if wanted(result) for metric in result.metrics), 1))
    # the most common dataset first, within it the metric most models report (box AP before AR1000)
    metric_columns = sorted(pairs, key=lambda pair: (order[pair[0]], -pairs[pair]))
    several = len(datasets) > 1
    size_keys = [key for key in (names.registry.tasks[task].columns if task in names.registry.tasks else ())
                 if key in ("params", "flops")]
    size_values = {key: [metadata_value(model, names.registry.columns[key]) for model in models]
                   for key in size_keys}
    size_keys = [key for key in size_keys if any(size_values[key])]
    show_task = task is None

    headers = [names.column("name"), names.gettext("Method")]  # the model stays in view
    if show_task:
        headers.append(names.gettext("Task"))
    headers += [names.column(key) for key in size_keys]
    for metric_dataset, metric in metric_columns:
        title = names.metric(metric)
        headers.append(names.gettext("%(metric)s (%(dataset)s)") % {"metric": title, "dataset": names.dataset(
            metric_dataset)} if several else title)
    speed = any(model.speed for model in models)
    headers += [names.column("inference_fps")] if speed else []
    headers += [names.column("download")]

    rows = []
    for row_number, model in enumerate(models):
        values: dict[tuple[str, str], float | str] = {}
        for result in model.results:
            if wanted(result):
                for metric, value in result.metrics.items():
                    values.setdefault((result.dataset, names.registry.canonical("metrics", metric) or metric), value)
        title = method_titles.get(model.method, model.method)
        row = [markup.escape(model.name), method_link(model.method, methods_dir, title)]
        if show_task:
            tasks = list(dict.fromkeys(result.task for result in model.results))
            row.append(markup.escape(names.gettext(", ").join(names.task(name) for name in tasks)) or MISSING)
        row += [markup.escape(size_values[key][row_number]) if size_values[key][row_number] else MISSING
                for key in size_keys]
        row += [markup.escape(values[pair]) if pair in values else MISSING for pair in metric_columns]
        if speed:
            row.append(f"{model.speed[0].fps:.1f}" if model.speed else MISSING)
        row.append(markup.link("model", model.weights) if model.weights else MISSING)
        rows.append(row)
    first_metric = 2 + show_task + len(size_keys)
    best_high = [first_metric + i for i, (_, metric) in enumerate(metric_columns)
                 if _higher_is_better(names, metric, task)]
    best_low = [first_metric + i for i in range(len(metric_columns)) if first_metric + i not in best_high]
    if speed:
        best_high.append(first_metric + len(metric_columns))
    return Table([markup.escape(h) for h in headers], rows, best_high=best_high, best_low=best_low,
                 sortable=True, rows_to_html=True)


def _higher_is_better(names: Names, metric: str, task: str | None = None) -> bool:
    info = names.registry.metrics.get(metric) or names.registry.metric(metric, task)
    return info.higher_is_better if info else True
