"""``model-index.yml`` and its imports to a ``Zoo``.

Collections lend their fields to their models (the model's own values win; ``Metadata`` is merged).
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, replace
from pathlib import Path

from zoogen.errors import Diagnostic, Diagnostics, Location
from zoogen.meta.configs import resolve_config
from zoogen.meta.keys import MODEL_INDEX_KEYS, canonical_keys, original_key
from zoogen.meta.merge import merge_model
from zoogen.meta.metafile import MetafileReader
from zoogen.meta.names import unique_method_id, unsafe_file_name, unsafe_relative_path
from zoogen.meta.paths import inside
from zoogen.meta.registry import Registry, load_registry
from zoogen.meta.schema import Collection, Method, Model, Zoo, ZooInfo
from zoogen.meta.titles import derive_titles
from zoogen.meta.unknown import UnknownNames
from zoogen.meta.yaml_source import YamlError, load_yaml
from zoogen.meta.zooinfo import load_zoo_info
from zoogen.project import repository_root

INDEX_FILE = "model-index.yml"


@dataclass
class LoadedZoo:
    zoo: Zoo
    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "warning"]


def load_zoo(path: Path | str, *, strict: bool = False, configs_root: Path | None = None,
             links_report: Path | None = None) -> LoadedZoo:
    """Load a model index (a ``model-index.yml`` or the folder holding it).

    Never raises for bad input: every problem becomes a diagnostic; warnings are errors when ``strict``.
    ``links_report`` (``zoogen build --links``) replaces zoo.yml's ``links_report``.
    """
    path = Path(path)
    index = path / INDEX_FILE if path.is_dir() else path
    diags = Diagnostics(strict=strict)
    try:
        return _load(index, diags, configs_root, links_report)
    except Exception as exc:  # noqa: BLE001 - last resort: a bug must still name the zoo, never end in a traceback
        diags.error(f"zoogen failed while reading this zoo ({type(exc).__name__}: {exc}); please report it",
                    Location(index, 1))
        zoo = Zoo(root=index.parent, index=index, info=ZooInfo(), methods=[])
        return LoadedZoo(zoo, diags.items)


def _load(index: Path, diags: Diagnostics, configs_root: Path | None, links_report: Path | None) -> LoadedZoo:
    root = index.parent
    info = load_zoo_info(root, load_registry(), diags, links_report)
    registry = load_registry().extended(info.registry_overrides)
    unknown = UnknownNames()
    methods = []
    used_ids: set[str] = set()
    for metafile in _imports(index, diags):
        method = _read_method(metafile, unique_method_id(metafile, root, used_ids), registry, diags, unknown)
        if method:
            methods.append(method)
    unknown.report(diags)
    methods = _order(methods, info.method_order, index, diags)
    _check_zoo(methods, diags, configs_root)
    derive_titles(methods, fixed=set(info.method_titles))
    for method in methods:
        method.title = info.method_titles.get(method.id, method.title)
        method.description = info.method_descriptions.get(method.id)
    return LoadedZoo(Zoo(root=root, index=index, info=info, methods=methods, registry=registry), diags.items)


def _imports(index: Path, diags: Diagnostics) -> list[Path]:
    if not index.is_file():
        diags.error("model index not found", Location(index, 1))
        return []
    try:
        doc = load_yaml(index)
    except YamlError as exc:
        diags.error(str(exc), exc.location)
        return []
    if not isinstance(doc.data, dict):
        diags.error("a model index is a mapping with an 'Import' list", doc.at())
        return []
    fields, _ = canonical_keys(doc.data, MODEL_INDEX_KEYS)
    if "Import" not in fields and ("Collections" in fields or "Models" in fields):
        return [index]  # a single metafile given in place of an index
    import_key = original_key(doc.data, "Import")
    patterns = fields.get("Import") or []
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, list):
        diags.error("Import should be a list of paths", doc.at(import_key), "Import")
        return []
    root = index.parent.resolve()
    repository = repository_root(root)
    files: list[Path] = []
    seen: set[Path] = set()
    for position, pattern in enumerate(patterns):
        where = doc.at(import_key, position)
        if not isinstance(pattern, str) or not pattern.strip():
            diags.error("an Import entry should be a path", where, "Import")
            continue
        start = _fixed_part(index.parent, pattern)
        if _exists(start) and not inside(start, repository):  # not even listed: `../../**` could walk a disk
            diags.error(f"Import entry {pattern!r} leads outside the repository {repository} ({start.resolve()}); "
                        "a metafile is read only from inside the repository", where, "Import")
            continue
        matches = sorted(glob.glob(pattern, root_dir=index.parent, recursive=True))
        if not matches:
            diags.warn(f"imported file not found: {pattern}", where, "Import")
        found = [index.parent / match for match in matches if (index.parent / match).is_file()]
        escaping = [file for file in found if not inside(file, repository)]
        if escaping:  # one error for the entry, and none of its files is read
            diags.error(f"Import entry {pattern!r} leads outside the repository {repository} "
                        f"({escaping[0].resolve()}{f' and {len(escaping) - 1} more' if len(escaping) > 1 else ''}); "
                        "a metafile is read only from inside the repository", where, "Import")
            continue
        outside = unsafe_relative_path(pattern)
        if outside:
            diags.warn(f"Import entry {pattern!r} {outside}: it leaves the index's folder", where, "Import")
        for file in found:
            resolved = file.resolve()
            if not outside and not resolved.is_relative_to(root):
                diags.warn(f"Import entry {pattern!r} leads to {file.relative_to(index.parent)} outside the "
                           "index's folder (a link)", where, "Import")
            if resolved not in seen:  # a file matched by two globs is read once
                seen.add(resolved)
                files.append(file)
    return files


def _fixed_part(folder: Path, pattern: str) -> Path:
    """The part of an Import pattern before its first wildcard, as a path from ``folder``."""
    parts = Path(pattern).parts
    fixed = next((i for i, part in enumerate(parts) if any(char in part for char in "*?[")), len(parts))
    return folder.joinpath(*parts[:fixed])


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long
        return False


def _read_method(metafile: Path, identifier: str, registry: Registry, diags: Diagnostics,
                 unknown: UnknownNames) -> Method | None:
    try:
        doc = load_yaml(metafile)
    except YamlError as exc:
        diags.error(str(exc), exc.location)
        return None
    doc.warn_duplicate_keys(diags)
    try:
        collections, models = MetafileReader(doc, identifier, registry, diags, unknown).read()
    except Exception as exc:  # noqa: BLE001 - a reader bug must not end the run without naming the file
        diags.error(f"zoogen could not read this metafile ({type(exc).__name__}: {exc}); please report it",
                    Location(metafile, 1))
        return None
    title = collections[0].name if collections else identifier.rsplit("/", 1)[-1]
    method = Method(id=identifier, title=title, description=None, metafile=metafile, collections=collections)
    method.models = [_inherit(model, collections) for model in models]
    return method


def _inherit(model: Model, collections: list[Collection]) -> Model:
    collection = next((c for c in collections if c.name == model.collection), None)
    if collection is None:
        return model
    return replace(
        model,
        metadata={**collection.metadata, **model.metadata},
        paper=model.paper or collection.paper,
        code=model.code or collection.code,
        readme=model.readme or collection.readme,
    )


def _order(methods: list[Method], order: list[str], index: Path, diags: Diagnostics) -> list[Method]:
    """Methods in zoo.yml's order first, then the rest in import order."""
    if not order:
        return methods
    by_id = {method.id: method for method in methods}
    for method_id in order:
        if method_id not in by_id:
            diags.error(f"zoo.yml lists method {method_id!r}, which no imported metafile defines",
                        Location(index.parent / "zoo.yml", 1), "methods")
    ordered = [by_id[m] for m in order if m in by_id]
    return ordered + [m for m in methods if m.id not in order]


def _check_zoo(methods: list[Method], diags: Diagnostics, configs_root: Path | None) -> None:
    """Checks that need the whole zoo: collections, model names, config files."""
    collections: dict[str, Collection] = {}
    for method in methods:
        for collection in method.collections:
            first = collections.setdefault(collection.name, collection)
            if first is not collection:
                diags.warn(f"collection {collection.name!r} is defined twice (first at {first.location})",
                           collection.location, "Collections")
    seen: dict[str, Model] = {}
    for method in methods:
        kept = []
        for model in method.models:
            if model.collection is not None and model.collection not in collections:
                diags.warn(f"model {model.name!r} is in unknown collection {model.collection!r}",
                           model.where("In Collection"), "In Collection")
            own = {(result.task, result.dataset) for result in model.results}
            method.shown[model.name] = method.shown.get(model.name, set()) | own
            earlier = seen.get(model.name)
            if earlier is not None:
                merge_model(earlier, model, diags)
                if earlier not in kept:
                    kept.append(earlier)
                continue
            seen[model.name] = model
            unsafe = unsafe_file_name(model.name)
            if unsafe:
                diags.warn(f"model name {model.name[:80]!r} {unsafe}; a model name must be a safe file name "
                            "(its verification record is stored under it)", model.where("Name"), "Name")
            if configs_root is not None and model.config and not _config_exists(configs_root, model.config):
                diags.warn(f"config not found under {configs_root}: {model.config}", model.where("Config"),
                           "Config")
            kept.append(model)
        method.models = kept


def _config_exists(configs_root: Path, config: str) -> bool:
    """Resolved as `zoogen verify` resolves it (`zoogen.meta.configs.resolve_config`)."""
    return resolve_config(configs_root, config) is not None
