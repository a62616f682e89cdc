"""One CSV per task and dataset, in the spirit of timm's ``results/*.csv``: a row per model.

Metric columns hold the values exactly as the site's tables show them (the metafile's numbers); ``fps`` is
the table's figure (one decimal) with the hardware and protocol it was measured under beside it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from zoogen.export.models_json import link
from zoogen.export.values import hardware, overall_verdict, remeasured
from zoogen.meta.keys import fold
from zoogen.meta.schema import Model, Zoo
from zoogen.records import VerificationRecord

PARAM_KEYS = ("Parameters", "Params", "Param Count", "#Params")
MEMORY_KEY = "Training Memory (GB)"


def _metadata(model: Model, keys: tuple[str, ...]) -> str:
    wanted = {fold(k) for k in keys}
    for key, value in model.metadata.items():
        if fold(str(key)) in wanted and value not in (None, "") and not isinstance(value, dict | list):
            return " ".join(str(value).split())
    return ""


def _metric_names(models: list[Model], task: str, dataset: str) -> list[str]:
    names: dict[str, None] = {}
    for model in models:
        for result in model.results:
            if (result.task, result.dataset) == (task, dataset):
                for name in result.metrics:
                    names.setdefault(name, None)
    return list(names)


def csv_rows(zoo: Zoo, task: str, dataset: str,
             records: Mapping[str, list[VerificationRecord]] | None = None) -> list[dict[str, str]]:
    """The rows of the CSV of ``task`` on ``dataset`` (column name -> text)."""
    records = records or {}
    models = [m for m in zoo.models if any((r.task, r.dataset) == (task, dataset) for r in m.results)]
    metrics = _metric_names(models, task, dataset)
    rows = []
    for model in models:
        own = records.get(model.name, [])
        row = {"model": model.name, "method": model.method}
        for name in metrics:
            value = model.metric(task, dataset, name)
            row[name] = "" if value is None else str(value)
        for name in metrics:
            again = remeasured(model, own, task, dataset, name, configs_root=zoo.root, registry=zoo.registry)
            row[f"{name} measured"] = "" if again is None or again.measured is None else str(round(again.measured, 2))
        speed = model.speed[0] if model.speed else None
        protocol = [p for p in (speed.backend, f"batch {speed.batch_size}" if speed.batch_size else None,
                                speed.precision) if p] if speed else []
        newest = max(own, key=lambda r: r.environment.date or "", default=None)
        measured_fps = newest.speed.fps if newest and newest.speed and newest.speed.fps else None
        verdict = overall_verdict(own, model, task, dataset, configs_root=zoo.root)
        row.update({
            "params": _metadata(model, PARAM_KEYS),
            "memory_gb": _metadata(model, (MEMORY_KEY,)),
            "fps": f"{speed.fps:.1f}" if speed else "",
            "ms_per_image": f"{speed.ms_per_image:g}" if speed else "",
            "fps_hardware": (speed.hardware or "") if speed else "",
            "fps_protocol": ", ".join(protocol),
            "fps_measured": f"{measured_fps:.1f}" if measured_fps else "",
            "fps_measured_hardware": (hardware(newest) or "") if measured_fps and newest else "",
            "config": link(zoo, model.config) or model.config or "",
            "weights": model.weights or "",
            "verified": verdict.verdict if verdict else "",
            "verified_hardware": (verdict.hardware or "") if verdict else "",
            "verified_date": (verdict.date or "")[:10] if verdict else "",
        })
        rows.append(row)
    return rows


def csv_text(zoo: Zoo, task: str, dataset: str,
             records: Mapping[str, list[VerificationRecord]] | None = None) -> str:
    """The CSV file of ``task`` on ``dataset`` (header row first; RFC 4180 quoting, ``\\n`` line ends)."""
    rows = csv_rows(zoo, task, dataset, records)
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
