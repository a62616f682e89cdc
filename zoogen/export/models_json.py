"""``models.json``: one record per model, every Result with its published and re-measured values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zoogen import __version__
from zoogen.currency import currency
from zoogen.export.values import by_date, hardware, plain, remeasured, text
from zoogen.meta.schema import Method, Model, Zoo
from zoogen.records import VerificationRecord

FORMAT_VERSION = 1


def link(zoo: Zoo, path: str | None) -> str | None:
    """A Config or README path as a URL (``config_base_url`` + path), a URL as it is, else None."""
    if not path:
        return None
    if path.startswith(("http://", "https://")):
        return path
    base = zoo.info.config_base_url
    return f"{base.rstrip('/')}/{path.lstrip('/')}" if base else None


def _speed(model: Model) -> list[dict[str, Any]]:
    return [{"fps": round(s.fps, 3), "ms_per_image": s.ms_per_image, "hardware": s.hardware,
             "backend": s.backend, "batch_size": s.batch_size, "precision": s.precision,
             "resolution": list(s.resolution) if s.resolution else None} for s in model.speed]


def _results(zoo: Zoo, model: Model, records: list[VerificationRecord]) -> list[dict[str, Any]]:
    out = []
    for result in model.results:
        metrics = []
        for name, value in result.metrics.items():
            again = remeasured(model, records, result.task, result.dataset, name, configs_root=zoo.root,
                               registry=zoo.registry)
            metrics.append({
                "metric": name,
                "published": value,
                "measured": again.measured if again else None,
                "verdict": again.verdict if again else None,
                "tolerance": again.tolerance if again else model.tolerances.get(name),
                "hardware": again.hardware if again else None,
                "date": again.date if again else None,
                "environment": again.environment if again else None,
                "images": again.images if again else None,
                "subset": again.subset if again else None,
                "changed": list(again.changed) if again else None,
            })
        out.append({"task": result.task, "dataset": result.dataset, "metrics": metrics})
    return out


def _verification(zoo: Zoo, model: Model, record: VerificationRecord) -> dict[str, Any]:
    env = record.environment
    changes = currency(model, record, configs_root=zoo.root, registry=zoo.registry).changes
    speed = record.speed
    memory = record.memory
    return {
        "environment": env.tag,
        "status": text(record.status),
        "step": text(record.step) if record.step else None,
        "error": record.error,
        "hardware": hardware(record),
        "device": env.device,
        "date": env.date,
        "images": record.images,
        "subset": record.subset,
        "checkpoint_sha256": record.checkpoint.sha256,
        "versions": {key: getattr(env, key) for key in ("torch", "mmcv", "mmdet", "mmengine", "zoogen", "python",
                                                         "library", "library_version")},
        "speed": None if speed is None else {
            "fps": speed.fps, "ms_per_image": speed.ms_per_image, "published_fps": speed.published_fps,
            "published_hardware": speed.published_hardware, "verdict": text(speed.verdict),
        },
        "memory": None if memory is None else {
            "peak_mb": memory.peak_mb, "kind": memory.kind, "published_mb": memory.published_mb,
            "verdict": text(memory.verdict),
        },
        "changed": [change.value for change in changes],
    }


def model_record(zoo: Zoo, method: Method, model: Model, records: list[VerificationRecord]) -> dict[str, Any]:
    """The JSON object of one model (see ``models.schema.json``)."""
    paper = model.paper or method.paper
    return {
        "name": model.name,
        "method": model.method,
        "method_title": method.title,
        "collection": model.collection,
        "config": model.config,
        "config_url": link(zoo, model.config),
        "weights": model.weights,
        "log": model.log,
        "paper": {"title": paper.title, "url": paper.url} if paper else None,
        "code": model.code,
        "readme": link(zoo, model.readme or method.readme) or model.readme or method.readme,
        "alias": list(model.alias),
        "converted_from": model.converted_from,
        "metadata": plain(model.metadata),
        "speed": _speed(model),
        "results": _results(zoo, model, records),
        "verifications": [_verification(zoo, model, r) for r in by_date(records)],
    }


def models_document(zoo: Zoo, records: Mapping[str, list[VerificationRecord]] | None = None) -> dict[str, Any]:
    """The whole ``models.json`` document."""
    records = records or {}
    return {
        "format_version": FORMAT_VERSION,
        "generator": f"zoogen {__version__}",
        "zoo": zoo.info.title,
        "models": [model_record(zoo, method, model, records.get(model.name, []))
                   for method in zoo.methods for model in method.models],
    }
