"""Rows of model tables to models in the OpenMMLab metafile format, and a report of what was not placed.

A table is a model table when it has a metric column and a column that tells models apart (a metadata
field, a name, a config or a download column); other tables (backbone lists, speed comparisons) are
skipped and reported. Each non-empty cell is either placed in a model's field or reported with its line
and column; ``-`` and empty cells are missing values. A row with neither a metric value nor a checkpoint
(a truncated row) is not a model: its cells are reported.

Model names come from the name column, else the checkpoint's file name (date and hash suffix dropped, as
OpenMMLab names them), else the config's file name, else the collection and the row's metadata. Speeds in
fps become ``inference time (ms/im)`` with the fewest decimals that give the page's fps back.

Rows are streamed: each one becomes its model's YAML text as it is read (kept once, for ``write``), and a
collection whose metafile would pass the loader's limits (``MAX_BYTES``, ``MAX_NODES`` of
``zoogen.meta.yaml_source``) stops the import at that row. A page larger than ``MAX_PAGE_BYTES`` is refused
before it is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

import yaml

from zoogen.errors import ZoogenError
from zoogen.importer.columns import LINK_TEXTS, Column, ColumnMatcher, fold
from zoogen.importer.markdown import Cell, Heading, StreamedTable, iter_page
from zoogen.meta.registry import Registry, load_registry
from zoogen.meta.yaml_source import MAX_BYTES, MAX_NODES

MAX_PAGE_BYTES = 32 * 1024 * 1024  # real model-zoo pages are under 200 kB
_METAFILE_OVERHEAD = 16  # nodes of a metafile besides its models (Collections, keys)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The importer's only patterns (with ``slug``'s and ``columns.fold``'s): one quantifier at a time, nothing nested or
# overlapping, so each runs in time linear in its text (tests/importer/test_import_limits.py feeds them long cells).
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_CHECKPOINT_SUFFIX = re.compile(r"(_\d{8})?[-_][0-9a-f]{8}$")
_EXTENSIONS = (".pth", ".pdparams", ".pt", ".ckpt", ".bin", ".pkl", ".tar", ".safetensors", ".py", ".yml",
               ".yaml", ".json")


@dataclass
class Problem:
    """A cell (or a table) the import could not place."""

    line: int
    column: str | None
    value: str
    reason: str

    def describe(self, page: Path) -> str:
        where = f"column {self.column!r}: " if self.column else ""
        value = f"{self.value!r}: " if self.value else ""
        return f"{page}:{self.line}: {where}{value}{self.reason}"


class ImportFailure(ZoogenError):
    """The page cannot be imported at all (too large, not UTF-8, a collection too large for a metafile)."""


@dataclass
class ImportedMethod:
    id: str
    title: str
    collection: str
    columns: list[str]  # zoo.yml table columns, in the page's order
    line: int = 0
    model_yaml: list[str] = field(default_factory=list)  # one ``- Name: ...`` YAML item per model
    size: int = 0  # bytes of the metafile so far
    nodes: int = _METAFILE_OVERHEAD  # YAML nodes of the metafile so far

    @property
    def models(self) -> list[dict[str, Any]]:
        """The models, read back from their YAML (for tests and callers that want dicts)."""
        return [yaml.load(item, Loader=_Loader)[0] for item in self.model_yaml]

    def header(self) -> str:
        """The metafile's text before its models."""
        return yaml.dump({"Collections": [{"Name": self.collection}]}, Dumper=_Dumper, allow_unicode=True,
                         sort_keys=False, width=120) + "Models:" + ("\n" if self.model_yaml else " []\n")


@dataclass
class ImportResult:
    page: Path
    title: str | None
    methods: list[ImportedMethod] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped_tables: list[Problem] = field(default_factory=list)
    placed: int = 0
    empty: int = 0

    @property
    def reported(self) -> int:
        """Cells reported (not tables)."""
        return sum(1 for p in self.problems if p.value)

    @property
    def models(self) -> list[dict[str, Any]]:
        return [model for method in self.methods for model in method.models]

    @property
    def model_count(self) -> int:
        return sum(len(method.model_yaml) for method in self.methods)


def slug(text: str) -> str:
    """A lower-case identifier: ``Faster & Mask R-CNN`` -> ``faster_mask_r-cnn``."""
    value = re.sub(r"[^0-9a-z.\-]+", "_", text.casefold()).strip("_.-")
    return value or "models"


def fps_to_ms(fps: float, text: str) -> float:
    """ms/image with the fewest decimals (at least 2) whose fps, shown with the page's decimals, is ``text``."""
    decimals = len(text.split(".", 1)[1]) if "." in text else 0
    for digits in range(2, 9):
        ms = round(1000.0 / fps, digits)
        if ms > 0 and f"{1000.0 / ms:.{decimals}f}" == f"{fps:.{decimals}f}":
            return ms
    return 1000.0 / fps


def _scalar(text: str) -> int | float | str:
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if _NUMBER.match(text):
        return float(text)
    return text


def _file_stem(href: str) -> str | None:
    name = PurePosixPath(urlparse(href).path).name
    for extension in _EXTENSIONS:
        if name.endswith(extension):
            name = name[: -len(extension)]
            break
    else:
        return None
    return _CHECKPOINT_SUFFIX.sub("", name) or None


def read_text(page: Path) -> str:
    """The page as text: refused before reading when larger than ``MAX_PAGE_BYTES``; not UTF-8 names the line."""
    try:
        size = page.stat().st_size
        if size > MAX_PAGE_BYTES:
            raise ImportFailure(f"{page}: too large ({size} bytes; zoogen import reads pages of at most "
                                f"{MAX_PAGE_BYTES >> 20} MiB)")
        with page.open("rb") as handle:
            raw = handle.read(MAX_PAGE_BYTES + 1)
    except OSError as error:
        raise ImportFailure(f"{page}: {error.strerror or error}") from error
    if len(raw) > MAX_PAGE_BYTES:  # grew since stat
        raise ImportFailure(f"{page}: too large (over {MAX_PAGE_BYTES >> 20} MiB)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ImportFailure(f"{page}:{line}: not UTF-8 text (byte {error.start})") from None


def import_page(page: Path, *, collection: str | None = None, dataset: str = "COCO",
                hardware: str | None = None, registry: Registry | None = None) -> ImportResult:
    """Read ``page`` (UTF-8 Markdown) and convert its model tables, row by row.

    Odd tables and cells are reported in the result; ``ImportFailure`` only when the page cannot be
    imported at all (too large, not UTF-8, a collection past the size of a metafile).
    """
    registry = registry or load_registry()
    text = read_text(page)
    result = ImportResult(page, None)
    converter = _Converter(registry, result, dataset=dataset, hardware=hardware)
    for event in iter_page(text):
        if isinstance(event, Heading):
            if result.title is None and event.level == 1:
                result.title = event.text
        else:
            converter.table(event, collection)
    return result


class _Converter:
    def __init__(self, registry: Registry, result: ImportResult, *, dataset: str, hardware: str | None) -> None:
        self.registry, self.result = registry, result
        self.matcher = ColumnMatcher(registry)
        self.dataset = registry.canonical("datasets", dataset) or dataset
        self.hardware = hardware
        self.names: set[str] = set()
        self.next_suffix: dict[str, int] = {}  # a name used twice: the next suffix to try
        self.by_collection: dict[str, ImportedMethod] = {}

    # -- tables ------------------------------------------------------------------------------------------

    def table(self, table: StreamedTable, collection: str | None) -> None:
        header, upper, rows = self._headers(table)
        columns = [self.matcher.match(h, u) for h, u in zip(header, upper, strict=True)]
        kinds = {c.kind for c in columns}
        heading = table.heading or "Models"
        if "metric" not in kinds:
            self.result.skipped_tables.append(Problem(table.line, None, "", f"table under {heading!r} skipped: "
                                                      "not a model table (no metric column)"))
            return
        if not kinds & {"metadata", "name", "config", "download"}:
            self.result.skipped_tables.append(Problem(table.line, None, "", f"table under {heading!r} skipped: "
                                                      "no column tells its models apart"))
            return
        method = self._method(collection or heading, heading, columns, table.line)
        for line, row in rows:
            model = self._row(row, line, columns, method.collection)
            if model:
                self._add(method, model, line, heading)

    def _add(self, method: ImportedMethod, model: dict[str, Any], line: int, heading: str) -> None:
        """Keep ``model`` as its metafile YAML; stop at the row that takes a metafile past the loader's limits."""
        item = yaml.dump([model], Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)
        method.size += len(item.encode("utf-8"))
        method.nodes += _count_nodes(model)
        if method.size > MAX_BYTES or method.nodes > MAX_NODES:
            raise ImportFailure(
                f"{self.result.page}:{line}: table under {heading!r}: collection {method.collection!r} has "
                f"{len(method.model_yaml) + 1} models at this row, more than one metafile may hold (zoogen "
                f"reads metafiles of at most {MAX_BYTES >> 20} MiB and {MAX_NODES} YAML nodes); split its "
                "rows under several headings (one collection each)")
        method.model_yaml.append(item)

    def _headers(self, table: StreamedTable) -> tuple[list[str], list[str], Iterator[tuple[int, list[Cell]]]]:
        """Header texts, the upper header row of a merged header (else empty) and the body rows."""
        header = [cell.text for cell in table.header]
        first = next(table.rows, None)
        if first is not None and self._is_header_row(first[1]):
            upper: list[str] = []
            for text in header:  # an empty upper cell continues the one on its left (a colspan)
                upper.append(text or (upper[-1] if upper else ""))
            return [cell.text for cell in first[1]], upper, table.rows
        rows = table.rows if first is None else chain([first], table.rows)
        return header, [""] * len(header), rows

    def _is_header_row(self, row: list[Cell]) -> bool:
        if any(cell.links or _NUMBER.match(cell.text) for cell in row):
            return False
        return any(self.matcher.match(cell.text).kind != "unknown" for cell in row if cell.text)

    def _method(self, collection: str, heading: str, columns: list[Column], line: int) -> ImportedMethod:
        if collection in self.by_collection:
            return self.by_collection[collection]
        ids = {m.id for m in self.result.methods}
        method_id, index = slug(collection), 2
        while method_id in ids:
            method_id, index = f"{slug(collection)}_{index}", index + 1
        keys: list[str] = []
        for column in columns:
            key = {"metric": "metrics", "speed": "inference_fps"}.get(column.kind, column.key)
            if key and key in self.registry.columns and key not in keys:
                keys.append(key)
        method = ImportedMethod(method_id, heading, collection, keys, line=line)
        method.size = len(method.header().encode("utf-8")) + 1
        self.result.methods.append(method)
        self.by_collection[collection] = method
        return method

    # -- rows --------------------------------------------------------------------------------------------

    def _row(self, row: list[Cell], line: int, columns: list[Column], collection: str) -> dict[str, Any] | None:
        fields: dict[str, Any] = {}
        metadata: dict[str, Any] = {}
        metrics: dict[str, dict[str, float]] = {}
        placed: set[int] = set()  # ids of the cells placed
        problems: list[Problem] = []

        def report(column: Column, value: str, reason: str) -> None:
            problems.append(Problem(line, column.header, value, reason))

        for cell, column in zip(row, columns, strict=True):
            if cell.empty:
                self.result.empty += 1
                continue
            if self._place(cell, column, fields, metadata, metrics, report):
                placed.add(id(cell))
        if not metrics and "Weights" not in fields:
            for cell, column in zip(row, columns, strict=True):
                if not cell.empty and id(cell) in placed:
                    report(column, _value(cell), "row has no metric value and no checkpoint: not imported")
            self.result.problems.extend(problems)
            return None
        self.result.placed += len(placed)
        self.result.problems.extend(problems)
        model: dict[str, Any] = {"Name": self._name(fields, metadata, collection, line), "In Collection": collection}
        if "Config" in fields:
            model["Config"] = fields["Config"]
        if metadata:
            model["Metadata"] = metadata
        model["Results"] = [{"Task": task, "Dataset": ds, "Metrics": values}
                            for (task, ds), values in ((_split(k), v) for k, v in metrics.items())]
        for key in ("Weights", "Log"):
            if key in fields:
                model[key] = fields[key]
        return model

    def _place(self, cell: Cell, column: Column, fields: dict[str, Any], metadata: dict[str, Any],
               metrics: dict[str, dict[str, float]], report: Any) -> bool:
        """Put one cell's value in place; False (and a report) when it cannot be placed."""
        text = cell.text
        if column.kind == "unknown":
            report(column, _value(cell), "column not recognised")
            return False
        if column.kind in ("download", "config"):
            return self._links(cell, column, fields, report)
        if cell.links:
            report(column, cell.links[0].href, f"link in a {column.kind} column: its text is kept, not the link")
        if column.kind == "metadata":
            metadata[str(column.field)] = _scalar(text)
            return True
        if column.kind == "name":
            fields["Name"] = text
            return True
        if not _NUMBER.match(text):
            report(column, text, "not a number")
            return False
        value = float(text)
        if column.kind == "speed":
            if value <= 0:
                report(column, text, "speed must be positive")
                return False
            ms = fps_to_ms(value, text) if column.unit == "fps" else value
            entry: dict[str, Any] = {"value": ms}
            if self.hardware:
                entry["hardware"] = self.hardware
            metadata["inference time (ms/im)"] = [entry]
            return True
        metric = str(column.key)
        task = self._task(metric)
        metrics.setdefault(f"{task}\0{column.dataset or self.dataset}", {})[metric] = value
        return True

    def _links(self, cell: Cell, column: Column, fields: dict[str, Any], report: Any) -> bool:
        if not cell.links:
            if column.kind == "config" and not cell.text.startswith(("http://", "https://")) and "/" in cell.text:
                fields["Config"] = cell.text  # a config path written as text
                return True
            report(column, cell.text, "no link in a download/config cell")
            return False
        ok = True
        for link in cell.links:
            target = "Config" if column.kind == "config" else LINK_TEXTS.get(fold(link.text))
            if target is None and len(cell.links) == 1 and _file_stem(link.href):
                target = "Weights"  # one link to a checkpoint-like file, whatever its text
            if target is None:
                report(column, f"[{link.text}]({link.href})", "link text not recognised (model, log, config...)")
                ok = False
            elif not link.href.startswith(("http://", "https://")):
                report(column, link.href, "not an http(s) URL")
                ok = False
            elif target in fields:
                report(column, link.href, f"a second {target} link")
                ok = False
            else:
                fields[target] = link.href
        return ok

    def _task(self, metric: str) -> str:
        info = self.registry.metrics.get(metric)
        if info and info.tasks:
            return info.tasks[0]
        for name, task in self.registry.tasks.items():
            if task.primary == metric:
                return name
        return "Object Detection"

    def _name(self, fields: dict[str, Any], metadata: dict[str, Any], collection: str, line: int) -> str:
        name = fields.get("Name") or next(
            (stem for key in ("Weights", "Config") if key in fields and (stem := _file_stem(fields[key]))), None)
        if not name:
            parts = [slug(str(v)) for k, v in metadata.items() if k != "inference time (ms/im)" and isinstance(v, str)]
            name = "_".join([slug(collection), *parts])
        base, index = name, self.next_suffix.get(name, 2)
        while name in self.names:
            name, index = f"{base}_{index}", index + 1
        self.next_suffix[base] = index
        if name != base:
            self.result.problems.append(Problem(line, None, "", f"model name {base!r} is used twice: this one "
                                                f"is {name!r}"))
        self.names.add(name)
        return name


def _count_nodes(value: Any) -> int:
    """YAML nodes of a value as the loader counts them (keys included)."""
    if isinstance(value, dict):
        return 1 + sum(1 + _count_nodes(item) for item in value.values())
    if isinstance(value, list):
        return 1 + sum(_count_nodes(item) for item in value)
    return 1


def _split(key: str) -> tuple[str, str]:
    task, dataset = key.split("\0")
    return task, dataset


def _value(cell: Cell) -> str:
    return cell.text or " ".join(f"[{link.text}]({link.href})" for link in cell.links)
