"""Hugging Face model-card metadata: a ``model-index`` block per model with its published results.

zoogen's re-measurement goes into a ``zoogen:`` block of its own beside ``model-index``; Hugging Face's
``verified`` flag is never set (only Hugging Face's own evaluator sets it).
"""

from __future__ import annotations

from typing import Any

import yaml

from zoogen.export.values import by_date, hardware, remeasured
from zoogen.meta.schema import Method, Model, Zoo
from zoogen.records import VerificationRecord, slugify

# libyaml's emitter where PyYAML was built with it (the same YAML, faster), else PyYAML's own
_SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# Hugging Face task ids (https://huggingface.co/tasks) for the registry's tasks; others get their slug.
HF_TASKS = {
    "Object Detection": "object-detection",
    "Open Vocabulary Object Detection": "zero-shot-object-detection",
    "Instance Segmentation": "image-segmentation",
    "Panoptic Segmentation": "image-segmentation",
    "Semantic Segmentation": "image-segmentation",
    "Image Classification": "image-classification",
    "Video Instance Segmentation": "video-classification",
}


def _source(zoo: Zoo, method: Method) -> dict[str, str] | None:
    from zoogen.export.models_json import link

    url = link(zoo, method.readme)
    return {"name": zoo.info.title, "url": url} if url else None


def model_card(zoo: Zoo, method: Method, model: Model, records: list[VerificationRecord]) -> dict[str, Any]:
    """The card metadata of one model: ``model-index`` (published results) and ``zoogen`` (re-measurement)."""
    results = []
    checks = []
    for result in model.results:
        metrics = []
        for name, value in result.metrics.items():
            metrics.append({"type": slugify(name).replace("-", "_") or "metric", "name": name, "value": value})
            again = remeasured(records, result.task, result.dataset, name)
            if again is not None:
                checks.append({"task": result.task, "dataset": result.dataset, "metric": name, "published": value,
                               "measured": again.measured, "verdict": again.verdict, "tolerance": again.tolerance,
                               "images": again.images, "hardware": again.hardware, "date": again.date,
                               "environment": again.environment})
        entry: dict[str, Any] = {
            "task": {"type": HF_TASKS.get(result.task, slugify(result.task)), "name": result.task},
            "dataset": {"type": slugify(result.dataset), "name": result.dataset},
            "metrics": metrics,
        }
        source = _source(zoo, method)
        if source:
            entry["source"] = source
        results.append(entry)
    card: dict[str, Any] = {"model-index": [{"name": model.name, "results": results}]}
    if checks:
        newest = by_date(records)[-1]
        env = newest.environment
        card["zoogen"] = {
            "remeasured": checks,
            "provenance": {"tool": f"zoogen {env.zoogen}" if env.zoogen else "zoogen", "command": env.command,
                           "hardware": hardware(newest), "torch": env.torch, "mmdet": env.mmdet,
                           "zoo_commit": env.zoo_commit, "checkpoint_sha256": newest.checkpoint.sha256},
        }
    return card


def model_card_yaml(card: dict[str, Any]) -> str:
    """The card metadata as the YAML block between ``---`` lines at the top of a README.md."""
    body = yaml.dump(card, Dumper=_SafeDumper, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return f"---\n{body}---\n"
