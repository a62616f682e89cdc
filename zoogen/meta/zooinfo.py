"""``zoo.yml``: zoo-level prose and tables (a zoogen extension beside ``model-index.yml``).

The schema is ``zoo_schema.ZooSpec``; a wrong field gives one error (file, line, field, what was expected)
and falls back to its default, so every wrong field of one file is reported in one run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from zoogen.errors import Diagnostics, Location
from zoogen.meta import validation
from zoogen.meta.paths import links_out, repository_path
from zoogen.meta.registry import Registry
from zoogen.meta.schema import Mirror, ProseTable, Section, TableColumn, ZooInfo
from zoogen.meta.yaml_source import YamlDocument, YamlError, load_yaml
from zoogen.meta.zoo_schema import ProseTableSpec, SectionSpec, ZooSpec
from zoogen.project import repository_root

ZOO_FILE = "zoo.yml"


def load_zoo_info(root: Path, registry: Registry, diags: Diagnostics, links_report: Path | None = None) -> ZooInfo:
    """Read ``root/zoo.yml``; a zoo without one gets the defaults. ``links_report`` wins over zoo.yml's."""
    path = root / ZOO_FILE

    def defaults() -> ZooInfo:
        return ZooInfo(locale_dir=_locale_dir(root, None, Location(path, 1), diags),
                       links_report=links_report.resolve() if links_report else None)

    if not path.is_file():
        return defaults()
    try:
        doc = load_yaml(path)
    except YamlError as exc:
        diags.error(str(exc), exc.location)
        return defaults()
    doc.warn_duplicate_keys(diags)
    data = {} if doc.data is None else doc.data
    if not isinstance(data, dict):
        diags.error(f"zoo.yml should be a mapping of settings, got {_kind(data)}", doc.at())
        return defaults()
    spec = _validate(doc, data, diags)
    return _info(spec, root, doc, registry, diags, links_report)


def _locale_dir(root: Path, written: str | None, where: Location, diags: Diagnostics) -> Path | None:
    """The catalogs' folder (default: ``locales`` beside zoo.yml): inside the repository, and so is every
    file it links to (`zoogen i18n update` writes there, Sphinx compiles catalogs there)."""
    repository = repository_root(root)
    folder = repository_path(root, written or "locales", repository, where, "locale_dir", diags)
    for link, target in links_out(folder, repository) if folder else []:
        diags.error(f"{link} is a link to {target}, outside the repository {repository}; catalogs stay "
                    "inside the repository", where, "locale_dir")
    return folder


def _kind(value: Any) -> str:
    return "a list" if isinstance(value, list) else type(value).__name__


def _validate(doc: YamlDocument, data: dict[str, Any], diags: Diagnostics) -> ZooSpec:
    """Validate; drop each wrong field (an unknown key alone, else its top-level block) and validate again."""
    data = {str(key): value for key, value in data.items()}
    for _ in range(3):
        try:
            return ZooSpec.model_validate(data)
        except ValidationError as exc:
            data = _without(data, validation.report(exc, doc, diags, data=data))
    return ZooSpec()


def _without(data: dict[str, Any], wrong: list[tuple[tuple[Any, ...], str]]) -> dict[str, Any]:
    data = dict(data)
    for path, kind in wrong:
        if not path:
            continue
        if kind == "extra_forbidden" and len(path) > 1:
            parent: Any = data
            for part in path[:-1]:
                inside = (isinstance(parent, dict) and part in parent) or (
                    isinstance(parent, list) and isinstance(part, int) and part < len(parent))
                parent = parent[part] if inside else None
            if isinstance(parent, dict):
                parent.pop(path[-1], None)
            continue  # an unknown key alone is dropped (its block may be gone already)
        data.pop(path[0], None)
    return data


def _links_report(root: Path, configured: str | None, where: Location, diags: Diagnostics,
                  given: Path | None) -> Path | None:
    """The link-health report whose dead links the tables mark: the one ``given`` (``zoogen build --links``,
    a Sphinx run's ``zoogen_links``: anywhere), else zoo.yml's (inside the repository: `zoogen links` writes it)."""
    if given is not None:
        return given.resolve()
    if not configured:
        return None
    return repository_path(root, configured, repository_root(root), where, "links_report", diags)


def _info(spec: ZooSpec, root: Path, doc: YamlDocument, registry: Registry, diags: Diagnostics,
          links_report: Path | None) -> ZooInfo:
    info = ZooInfo(
        title=spec.title,
        intro=spec.intro,
        locale_dir=_locale_dir(root, spec.locale_dir, doc.at("locale_dir"), diags),
        config_base_url=spec.config_base_url,
        links=dict(spec.links),
        group_by_tasks=spec.table.group_by != "dataset",
        footer=spec.footer.strip() if spec.footer else None,
        mirrors=[Mirror(m.primary, m.mirror) for m in spec.mirrors],
        library=spec.library,
        links_report=_links_report(root, spec.links_report, doc.at("links_report"), diags, links_report),
        registry_overrides=spec.registry.model_dump(exclude_unset=True),
        trusted_prose=frozenset(spec.trusted_prose),
    )
    if spec.table.columns is not None:
        info.columns = _columns(spec.table.columns, doc, registry, diags)
    info.sections = [_section(s) for s in spec.sections]
    for method in spec.methods:
        info.method_order.append(method.id)
        if method.title:
            info.method_titles[method.id] = method.title
        if method.description:
            info.method_descriptions[method.id] = " ".join(method.description.split())
    return info


def _columns(raw: list[str], doc: YamlDocument, registry: Registry, diags: Diagnostics) -> list[str]:
    columns = []
    for index, key in enumerate(raw):
        if key not in registry.columns:
            known = ", ".join(registry.columns)
            diags.error(f"unknown column {key!r} (known: {known})", doc.at("table", "columns", index),
                        "table.columns")
            continue
        columns.append(key)
    return columns


def _section(spec: SectionSpec) -> Section:
    return Section(
        title=spec.title,
        body=spec.body.strip() if spec.body else None,
        table=_table(spec.table) if spec.table else None,
        methods=spec.methods,
        sections=[_section(sub) for sub in spec.sections],
    )


def _table(spec: ProseTableSpec) -> ProseTable:
    columns = [TableColumn(c, c) if isinstance(c, str) else TableColumn(c.key, c.title or c.key, c.translate)
               for c in spec.columns]
    rows = [{str(key): "" if value is None else str(value) for key, value in row.items()} for row in spec.rows]
    return ProseTable(columns, rows)
