"""Write every export into a folder atomically: built in a temporary sibling folder, then swapped in."""

from __future__ import annotations

import html
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from zoogen.errors import ZoogenError
from zoogen.export.csv_tables import csv_text
from zoogen.export.files import (
    INDEX_HTML,
    MODELS_JSON,
    SCHEMA_JSON,
    csv_name,
    eval_results_name,
    model_card_name,
    task_datasets,
)
from zoogen.export.model_card import eval_results, eval_results_yaml, model_card, model_card_yaml
from zoogen.export.models_json import models_document
from zoogen.meta.schema import Zoo
from zoogen.permissions import make_public
from zoogen.records import VerificationRecord


@dataclass
class ExportSummary:
    folder: Path
    files: dict[str, int]  # relative path -> bytes

    @property
    def total_bytes(self) -> int:
        return sum(self.files.values())


def schema_text() -> str:
    """The JSON Schema of ``models.json``, as shipped in the package."""
    return (resources.files("zoogen.export") / SCHEMA_JSON).read_text(encoding="utf-8")


def export_files(zoo: Zoo, records: Mapping[str, list[VerificationRecord]] | None = None) -> dict[str, str]:
    """Every export file: relative path -> text."""
    records = records or {}
    files = {MODELS_JSON: json.dumps(models_document(zoo, records), indent=1, ensure_ascii=False) + "\n",
             SCHEMA_JSON: schema_text()}
    for task, dataset in task_datasets(zoo):
        files[csv_name(task, dataset)] = csv_text(zoo, task, dataset, records)
    for method in zoo.methods:
        for model in method.models:
            card = model_card(zoo, method, model, records.get(model.name, []))
            files[model_card_name(model.name)] = model_card_yaml(card)
            verified = eval_results(zoo, model, records.get(model.name, []))
            if verified:
                files[eval_results_name(model.name)] = eval_results_yaml(verified)
    files[INDEX_HTML] = _index(zoo, files)
    return files


def _index(zoo: Zoo, files: Mapping[str, str]) -> str:
    items = "\n".join(f'<li><a href="{html.escape(name)}">{html.escape(name)}</a></li>' for name in files)
    title = html.escape(f"{zoo.info.title}: data")
    return (f'<!DOCTYPE html>\n<html lang="en"><meta charset="utf-8"><title>{title}</title>\n<h1>{title}</h1>\n'
            f"<p>models.json (see models.schema.json), one CSV per task and dataset, Hugging Face model-card "
            f"metadata per model (model-index/) and, for the results zoogen verified, the Hub's per-result file "
            f"(eval-results/&lt;model&gt;/zoogen.yaml, to copy as .eval_results/zoogen.yaml).</p>\n"
            f"<ul>\n{items}\n</ul>\n</html>\n")


def write_exports(zoo: Zoo, out: Path, records: Mapping[str, list[VerificationRecord]] | None = None) -> ExportSummary:
    """Write the exports into ``out`` (replacing what was there only once every file is written)."""
    files = export_files(zoo, records)
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        try:
            for name, text in files.items():
                path = staging / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            make_public(staging)  # mkdtemp made it 0700
            _swap(staging, out)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    except OSError as exc:
        raise ZoogenError(f"{out}: cannot write the exports: {exc.strerror or exc}") from exc
    return ExportSummary(out, {name: len(text.encode("utf-8")) for name, text in files.items()})


def _swap(new: Path, final: Path) -> None:
    old = final.with_name(f".{final.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        if not final.is_dir():
            raise ZoogenError(f"{final}: exists and is not a folder")
        os.replace(final, old)
    os.replace(new, final)
    if old.exists():
        shutil.rmtree(old)


def stage_exports(zoo: Zoo, records: Mapping[str, list[VerificationRecord]], staging: Path) -> Path:
    """Write the exports of ``zoo`` into ``staging/exports`` for `zoogen build` to swap in beside the languages."""
    target = staging / "exports"
    write_exports(zoo, target, records)
    return target
