"""Hugging Face model-card metadata: a ``model-index`` block per model with its published results, and the
Hub's per-result files (``.eval_results/*.yaml``) for the results zoogen re-measured.

zoogen's re-measurement goes into a ``zoogen:`` block of its own beside ``model-index``; Hugging Face's
``verified`` flag is never set (only Hugging Face's own evaluator sets it). The Hub groups a model's results
by task type and dataset (with its config and split): two tasks of one model that map to one Hub task type
on one dataset (Instance and Panoptic Segmentation on COCO) get the dataset's ``config`` set to keep them
apart. Only task types the Hub knows are written.
"""

from __future__ import annotations

from typing import Any

import yaml

from zoogen.export.values import Remeasured, by_date, hardware, remeasured
from zoogen.meta.schema import Method, Model, Zoo
from zoogen.records import VerificationRecord, slugify

# libyaml's emitter where PyYAML was built with it (the same YAML, faster), else PyYAML's own
_SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

ZOOGEN_URL = "https://github.com/zoogen-dev/zoogen"

# The Hub's task ids (https://huggingface.co/tasks) for the registry's tasks: the nearest one the Hub knows.
HF_TASKS = {
    "Object Detection": "object-detection",
    "Region Proposal": "object-detection",
    "Semi-Supervised Object Detection": "object-detection",
    "Oriented Object Detection": "object-detection",
    "Multiple Object Tracking": "object-detection",
    "Text Detection": "object-detection",
    "3D Object Detection": "object-detection",
    "Multi-modality 3D Object Detection": "object-detection",
    "Monocular 3D Object Detection": "object-detection",
    "Open Vocabulary Object Detection": "zero-shot-object-detection",
    "Instance Segmentation": "image-segmentation",
    "Panoptic Segmentation": "image-segmentation",
    "Semantic Segmentation": "image-segmentation",
    "3D Semantic Segmentation": "image-segmentation",
    "Image Matting": "image-segmentation",
    "Image Classification": "image-classification",
    "Image Retrieval": "image-feature-extraction",
    "Text Recognition": "image-to-text",
    "Key Information Extraction": "token-classification",
    "Pose Estimation": "keypoint-detection",
    "Body 2D Keypoint": "keypoint-detection",
    "Face 2D Keypoint": "keypoint-detection",
    "Hand 2D Keypoint": "keypoint-detection",
    "Wholebody 2D Keypoint": "keypoint-detection",
    "Animal 2D Keypoint": "keypoint-detection",
    "Body 3D Keypoint": "keypoint-detection",
    "Video Instance Segmentation": "video-classification",
    "Action Recognition": "video-classification",
    "Skeleton-based Action Recognition": "video-classification",
    "Spatio-Temporal Action Detection": "video-classification",
    "Temporal Action Localization": "video-classification",
    "Unconditional Image Generation": "unconditional-image-generation",
    "Conditional Image Generation": "unconditional-image-generation",
    "Text-to-Image": "text-to-image",
    "Image-to-Image Translation": "image-to-image",
    "Image Super-Resolution": "image-to-image",
    "Video Super-Resolution": "image-to-image",
    "Image Inpainting": "image-to-image",
    "Image Restoration": "image-to-image",
}
HF_OTHER = "other"  # the Hub's task for what none of its tasks describes
# Benchmark datasets on the Hub, for the per-result files; others are named by their slug.
HF_DATASETS = {"COCO": "detection-datasets/coco", "ImageNet-1k": "ILSVRC/imagenet-1k"}


def hf_task(task: str) -> str:
    """The Hub's task id for a zoo task (``other`` for one the Hub has no task for)."""
    return HF_TASKS.get(task, HF_OTHER)


def _source(zoo: Zoo, method: Method) -> dict[str, str] | None:
    from zoogen.export.models_json import link

    url = link(zoo, method.readme)
    return {"name": zoo.info.title, "url": url} if url else None


def _dataset_configs(model: Model) -> dict[tuple[str, str], str | None]:
    """(task, dataset) -> the dataset ``config`` keeping results apart that the Hub would merge, else None."""
    groups: dict[tuple[str, str], list[str]] = {}
    for result in model.results:
        tasks = groups.setdefault((hf_task(result.task), result.dataset), [])
        if result.task not in tasks:
            tasks.append(result.task)
    return {(task, dataset): (slugify(task) if len(tasks) > 1 else None)
            for (_, dataset), tasks in groups.items() for task in tasks}


def model_card(zoo: Zoo, method: Method, model: Model, records: list[VerificationRecord]) -> dict[str, Any]:
    """The card metadata of one model: ``model-index`` (published results) and ``zoogen`` (re-measurement)."""
    results = []
    checks = []
    configs = _dataset_configs(model)
    for result in model.results:
        metrics = []
        for name, value in result.metrics.items():
            metrics.append({"type": slugify(name).replace("-", "_") or "metric", "name": name, "value": value})
            again = remeasured(model, records, result.task, result.dataset, name, configs_root=zoo.root,
                               registry=zoo.registry)
            if again is not None:
                checks.append({"task": result.task, "dataset": result.dataset, "metric": name, "published": value,
                               "measured": again.measured, "verdict": again.verdict, "tolerance": again.tolerance,
                               "images": again.images, "hardware": again.hardware, "date": again.date,
                               "environment": again.environment, "changed": list(again.changed)})
        dataset: dict[str, Any] = {"type": slugify(result.dataset), "name": result.dataset}
        config = configs.get((result.task, result.dataset))
        if config:
            dataset["config"] = config
        entry: dict[str, Any] = {
            "task": {"type": hf_task(result.task), "name": result.task},
            "dataset": dataset,
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
                           "library": " ".join(v for v in (env.library, env.library_version) if v) or None,
                           "zoo_commit": env.zoo_commit, "checkpoint_sha256": newest.checkpoint.sha256},
        }
    return card


def model_card_yaml(card: dict[str, Any]) -> str:
    """The card metadata as the YAML block between ``---`` lines at the top of a README.md."""
    body = yaml.dump(card, Dumper=_SafeDumper, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return f"---\n{body}---\n"


def _record_of(records: list[VerificationRecord], again: Remeasured) -> VerificationRecord | None:
    return next((r for r in records if r.environment.tag == again.environment
                 and r.environment.date == again.date), None)


def _notes(record: VerificationRecord | None, again: Remeasured, published: object) -> str:
    env = record.environment if record is not None else None
    versions = ", ".join(f"{name} {version}" for name, version in (
        ("torch", env.torch if env else None), ("mmcv", env.mmcv if env else None),
        ("mmengine", env.mmengine if env else None), ("mmdet", env.mmdet if env else None),
        (env.library if env and env.library not in (None, "mmdet") else "", env.library_version if env else None))
        if name and version)
    parts = [f"re-measured on {again.hardware or 'unknown hardware'}", versions,
             f"{again.images} images" if again.images else "", f"published {published}",
             f"verdict {again.verdict} (tolerance {again.tolerance})"]
    return "; ".join(part for part in parts if part)


def eval_results(zoo: Zoo, model: Model, records: list[VerificationRecord]) -> list[dict[str, Any]]:
    """The Hub's ``.eval_results/*.yaml`` entries of ``model``: its verified results only, i.e. those whose
    newest re-measurement is current and agreed with the published value (``passed``), measured on the whole
    set. The source names zoogen and the record's environment."""
    entries = []
    for result in model.results:
        for name, value in result.metrics.items():
            again = remeasured(model, records, result.task, result.dataset, name, configs_root=zoo.root,
                               registry=zoo.registry)
            if again is None or again.verdict != "passed" or again.subset or again.measured is None:
                continue
            record = _record_of(records, again)
            tool = f"zoogen {record.environment.zoogen}" if record and record.environment.zoogen else "zoogen"
            entry: dict[str, Any] = {
                "dataset": {"id": HF_DATASETS.get(result.dataset, slugify(result.dataset)),
                            "task_id": f"{slugify(result.task)}-{slugify(name)}"},
                "value": again.measured,
            }
            if again.date:
                entry["date"] = again.date
            entry["source"] = {"url": ZOOGEN_URL, "name": f"{tool} verify ({again.environment or 'unknown'})"}
            entry["notes"] = _notes(record, again, value)
            entries.append(entry)
    return entries


def eval_results_yaml(entries: list[dict[str, Any]]) -> str:
    """The entries as one ``.eval_results/zoogen.yaml`` file."""
    return yaml.dump(entries, Dumper=_SafeDumper, sort_keys=False, allow_unicode=True, default_flow_style=False)

