"""``zoo.yml``: zoo-level prose and tables (a zoogen extension beside ``model-index.yml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zoogen.errors import Diagnostics
from zoogen.meta.normalise import is_http_url
from zoogen.meta.registry import Registry
from zoogen.meta.schema import ProseTable, Section, TableColumn, ZooInfo
from zoogen.meta.yaml_source import YamlDocument, YamlSyntaxError, load_yaml

ZOO_FILE = "zoo.yml"


def load_zoo_info(root: Path, registry: Registry, diags: Diagnostics) -> ZooInfo:
    """Read ``root/zoo.yml``; a zoo without one gets the defaults."""
    path = root / ZOO_FILE
    if not path.is_file():
        return ZooInfo(locale_dir=root / "locales")
    try:
        doc = load_yaml(path)
    except YamlSyntaxError as exc:
        diags.error(str(exc), exc.location)
        return ZooInfo(locale_dir=root / "locales")
    data = doc.data or {}
    if not isinstance(data, dict):
        diags.error("zoo.yml should be a mapping", doc.at())
        return ZooInfo(locale_dir=root / "locales")
    info = ZooInfo(
        title=str(data.get("title") or "Model Zoo"),
        intro=data.get("intro"),
        locale_dir=(root / str(data.get("locale_dir") or "locales")).resolve(),
        config_base_url=data.get("config_base_url"),
    )
    links = data.get("links") or {}
    if not isinstance(links, dict):
        diags.error("links should map labels to URLs", doc.at("links"), "links")
        links = {}
    for label, url in links.items():
        if not is_http_url(url):
            diags.error(f"link {label!r} is not an http(s) URL", doc.at("links", label), "links")
            continue
        info.links[str(label)] = str(url).strip()
    table = data.get("table") or {}
    group_by = table.get("group_by", "dataset and tasks")
    if group_by not in ("dataset", "dataset and tasks"):
        diags.error("table.group_by is 'dataset' or 'dataset and tasks'", doc.at("table", "group_by"),
                    "table.group_by")
    info.group_by_tasks = group_by != "dataset"
    columns = table.get("columns")
    if columns is not None:
        info.columns = _columns(columns, doc, registry, diags)
    info.sections = [s for i, raw in enumerate(data.get("sections") or [])
                     if (s := _section(raw, doc, ("sections", i), diags))]
    for index, raw in enumerate(data.get("methods") or []):
        if not isinstance(raw, dict) or not raw.get("id"):
            diags.error("a method entry needs an id", doc.at("methods", index), "methods")
            continue
        method_id = str(raw["id"])
        info.method_order.append(method_id)
        if raw.get("title"):
            info.method_titles[method_id] = " ".join(str(raw["title"]).split())
        if raw.get("description"):
            info.method_descriptions[method_id] = " ".join(str(raw["description"]).split())
    return info


def _columns(raw: Any, doc: YamlDocument, registry: Registry, diags: Diagnostics) -> list[str]:
    if not isinstance(raw, list):
        diags.error("table.columns should be a list of column keys", doc.at("table", "columns"), "table.columns")
        return ZooInfo().columns
    columns = []
    for index, key in enumerate(raw):
        if key not in registry.columns:
            known = ", ".join(registry.columns)
            diags.error(f"unknown column {key!r} (known: {known})", doc.at("table", "columns", index),
                        "table.columns")
            continue
        columns.append(key)
    return columns


def _section(raw: Any, doc: YamlDocument, path: tuple[Any, ...], diags: Diagnostics) -> Section | None:
    if not isinstance(raw, dict) or not raw.get("title"):
        diags.error("a section needs a title", doc.at(*path), "sections")
        return None
    table = raw.get("table")
    return Section(
        title=" ".join(str(raw["title"]).split()),
        body=str(raw["body"]).strip() if raw.get("body") else None,
        table=_table(table, doc, (*path, "table"), diags) if table else None,
        methods=bool(raw.get("methods")),
        sections=[s for i, sub in enumerate(raw.get("sections") or [])
                  if (s := _section(sub, doc, (*path, "sections", i), diags))],
    )


def _table(raw: Any, doc: YamlDocument, path: tuple[Any, ...], diags: Diagnostics) -> ProseTable | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("columns"), list):
        diags.error("a table needs a list of columns", doc.at(*path), "table")
        return None
    columns = []
    for index, column in enumerate(raw["columns"]):
        if isinstance(column, str):
            column = {"key": column, "title": column}
        if not isinstance(column, dict) or "key" not in column:
            diags.error("a column needs a key", doc.at(*path, "columns", index), "table.columns")
            continue
        columns.append(TableColumn(str(column["key"]), str(column.get("title", column["key"])),
                                   bool(column.get("translate", False))))
    rows = []
    for index, row in enumerate(raw.get("rows") or []):
        if not isinstance(row, dict):
            diags.error("a row should map column keys to cells", doc.at(*path, "rows", index), "table.rows")
            continue
        rows.append({str(key): "" if value is None else str(value) for key, value in row.items()})
    return ProseTable(columns, rows)
