"""The imported zoo on disk: ``model-index.yml``, ``<method>/metafile.yml`` and ``zoo.yml``, each atomically.

A metafile is its collection followed by the YAML of its models as ``convert`` made them, row by row.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from zoogen.importer.convert import ImportResult


def _write(path: Path, data: Any, comment: str = "", parts: Iterable[str] = ()) -> None:
    """``comment``, then ``data`` as YAML (when given), then ``parts`` as they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}-",
                                     suffix=".tmp", delete=False) as handle:
        handle.write(comment)
        if data is not None:
            handle.write(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120))
        handle.writelines(parts)
    os.chmod(handle.name, 0o644)  # a temporary file is private; the result is not
    os.replace(handle.name, path)


def write_zoo(result: ImportResult, out: Path) -> list[Path]:
    """Write the zoo under ``out``; returns the files written."""
    source = f"# Imported by `zoogen import` from {result.page.name}.\n"
    written = []
    for method in result.methods:
        path = out / method.id / "metafile.yml"
        _write(path, None, source, [method.header(), *method.model_yaml])
        written.append(path)
    index = out / "model-index.yml"
    _write(index, {"Import": [f"{m.id}/metafile.yml" for m in result.methods]}, source)
    columns = result.methods[0].columns if result.methods else []
    zoo: dict[str, Any] = {"title": result.title or "Model Zoo",
                           "table": {"columns": columns, "group_by": "dataset"},
                           "methods": [{"id": m.id, "title": m.title} for m in result.methods]}
    _write(out / "zoo.yml", zoo, source)
    return [*written, index, out / "zoo.yml"]
