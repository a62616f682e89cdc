"""Accuracy of a checkpoint with MMDetection's own test pipeline and metrics.

``evaluate()`` runs what ``tools/test.py`` (``Runner.from_cfg(cfg).test()``) runs for the model's
config -- the config's test dataset, pipeline, model ``test_step`` and evaluator -- with these
differences that do not change the numbers:

* the data is pointed at ``data_root`` (COCO layout: ``annotations/instances_val2017.json``,
  ``val2017/``), read with the config's loader workers or ``loader_workers``;
* the weights come from the already safely loaded ``checkpoint["state_dict"]``: nothing is
  ``torch.load``-ed again;
* RPN's ``proposal_fast`` recall runs with a numpy-2 compatible copy of mmdet's ``eval_recalls``
  (same numbers; the original fails on numpy >= 1.24);
* a model that detects nothing is measured, not skipped: MMDetection's ``CocoMetric`` logs "The testing
  results of the whole dataset is empty" and reports no metric at all; `empty_detection_metrics` gives
  the 0.0 every COCO AP and AR is for an empty result (no true positive at any threshold);
* COCO statistics are computed by faster-coco-eval when it is installed (identical statistics,
  several times faster; ``coco_backend="pycocotools"`` restores MMDetection's default).

On a subset (``max_images``) the COCO metrics are restricted to the evaluated images; MMDetection's
loop would score them against every image of the annotation file.

Heavy imports (torch, mmengine, mmdet) happen only when a function runs.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mmengine.config import Config

    from zoogen.verify.device import Device

__all__ = [
    "ANN_FILE",
    "IMG_PREFIX",
    "Evaluation",
    "coco_backend",
    "count_detections",
    "empty_detection_metrics",
    "evaluate",
    "prepare_test_config",
    "recall_fix",
    "resolve_coco_backend",
]

ANN_FILE = "annotations/instances_val2017.json"
IMG_PREFIX = "val2017/"


@dataclass
class Evaluation:
    """Result of one evaluation.

    Attributes:
        metrics: MMDetection's metric keys and values (``coco/bbox_mAP``: fractions, as it reports them).
        images: number of images evaluated.
        coco_backend: ``faster-coco-eval`` or ``pycocotools``.
        missing_keys / unexpected_keys: state-dict keys the model lacked / did not use when loading.
        seconds: wall time of the pass over the data plus the metric computation.
    """

    metrics: dict[str, float]
    images: int
    coco_backend: str = "pycocotools"
    missing_keys: list[str] = field(default_factory=list)
    unexpected_keys: list[str] = field(default_factory=list)
    seconds: float = 0.0


def resolve_coco_backend(name: str = "auto") -> str:
    """``auto`` -> ``faster-coco-eval`` when importable, else ``pycocotools``."""
    if name not in ("auto", "faster-coco-eval", "pycocotools"):
        raise ValueError(f"unknown COCO evaluation backend {name!r}")
    if name != "auto":
        return name
    try:
        import faster_coco_eval  # noqa: F401
    except ImportError:
        return "pycocotools"
    return "faster-coco-eval"


@contextlib.contextmanager
def coco_backend(name: str) -> Iterator[None]:
    """Let MMDetection's ``CocoMetric`` use ``name``'s COCOeval while the block runs.

    mmdet 3.3.0's ``CocoMetric.compute_metrics`` calls the module-level name ``COCOeval``
    (pycocotools'); faster-coco-eval's ``COCOeval_faster`` is a drop-in replacement of it (same
    ``params``, ``evaluate/accumulate/summarize`` and ``stats``). The name is restored on exit.
    """
    if resolve_coco_backend(name) == "pycocotools":
        yield
        return
    from faster_coco_eval import COCOeval_faster
    from mmdet.evaluation.metrics import coco_metric

    original = coco_metric.COCOeval
    coco_metric.COCOeval = COCOeval_faster
    try:
        yield
    finally:
        coco_metric.COCOeval = original


def _eval_recalls(gts, proposals, proposal_nums=None, iou_thrs=0.5, logger=None, use_legacy_coordinate=False):
    """mmdet 3.3.0's ``eval_recalls`` (``proposal_fast``, RPN's ``AR@N``) for numpy >= 1.24.

    The original ends with ``np.array(all_ious)`` over per-image arrays of different shapes, which
    numpy >= 1.24 refuses; older numpy built the object array made here explicitly. Same numbers.
    """
    import numpy as np
    from mmdet.evaluation.functional.bbox_overlaps import bbox_overlaps
    from mmdet.evaluation.functional.recall import _recalls, print_recall_summary, set_recall_param

    img_num = len(gts)
    assert img_num == len(proposals)
    proposal_nums, iou_thrs = set_recall_param(proposal_nums, iou_thrs)
    all_ious = np.empty(img_num, dtype=object)
    for i in range(img_num):
        if proposals[i].ndim == 2 and proposals[i].shape[1] == 5:
            img_proposal = proposals[i][np.argsort(proposals[i][:, 4])[::-1], :]
        else:
            img_proposal = proposals[i]
        prop_num = min(img_proposal.shape[0], proposal_nums[-1])
        if gts[i] is None or gts[i].shape[0] == 0:
            all_ious[i] = np.zeros((0, img_proposal.shape[0]), dtype=np.float32)
        else:
            all_ious[i] = bbox_overlaps(
                gts[i], img_proposal[:prop_num, :4], use_legacy_coordinate=use_legacy_coordinate
            )
    recalls = _recalls(all_ious, proposal_nums, iou_thrs)
    print_recall_summary(recalls, proposal_nums, iou_thrs, logger=logger)
    return recalls


@contextlib.contextmanager
def recall_fix() -> Iterator[None]:
    """Let ``CocoMetric``'s ``proposal_fast`` use :func:`_eval_recalls` while the block runs."""
    from mmdet.evaluation.metrics import coco_metric

    original = coco_metric.eval_recalls
    coco_metric.eval_recalls = _eval_recalls
    try:
        yield
    finally:
        coco_metric.eval_recalls = original


_COCO_AP_ITEMS = ("mAP", "mAP_50", "mAP_75", "mAP_s", "mAP_m", "mAP_l")


def count_detections(outputs: Any) -> int:
    """Predicted instances in the ``test_step`` outputs of one batch (``DetDataSample.pred_instances``)."""
    total = 0
    for sample in outputs or []:
        instances = getattr(sample, "pred_instances", None)
        if instances is not None:
            total += len(instances)
    return total


def empty_detection_metrics(evaluator: Any) -> dict[str, float]:
    """The keys each ``CocoMetric`` of ``evaluator`` reports, all 0.0: its result for no detections."""
    out: dict[str, float] = {}
    for metric in getattr(evaluator, "metrics", []):
        if not type(metric).__name__.endswith("CocoMetric"):
            continue
        prefix = getattr(metric, "prefix", None) or "coco"
        nums = list(getattr(metric, "proposal_nums", (100, 300, 1000)))
        for kind in getattr(metric, "metrics", ["bbox"]):
            if kind in ("bbox", "segm"):
                out.update({f"{prefix}/{kind}_{item}": 0.0 for item in _COCO_AP_ITEMS})
            elif kind in ("proposal", "proposal_fast"):
                out.update({f"{prefix}/AR@{n}": 0.0 for n in nums})
                if kind == "proposal":
                    out.update({f"{prefix}/AR_{size}@{nums[-1]}": 0.0 for size in ("s", "m", "l")})
    return out


def _innermost_dataset(dataset_cfg: dict) -> dict:
    """The dataset dict that reads files (descends through wrappers like ``ClassBalancedDataset``)."""
    while "dataset" in dataset_cfg and isinstance(dataset_cfg["dataset"], dict):
        dataset_cfg = dataset_cfg["dataset"]
    return dataset_cfg


def prepare_test_config(
    config_file: Path | str | Config,
    *,
    data_root: Path,
    max_images: int | None,
    work_dir: Path,
    loader_workers: int | None = None,
) -> Config:
    """Load the model's config and point its test dataloader and evaluator at ``data_root``.

    Sets: dataset ``data_root``/``ann_file``/``data_prefix.img`` and ``indices`` (the subset),
    loader ``num_workers=loader_workers`` (None: the config's; none also drops persistent workers),
    evaluator ``ann_file`` with ``format_only=False``, ``work_dir``, no ``load_from``. Returns a fresh
    ``Config`` (never shared with inference APIs, which mutate it).
    """
    from mmengine.config import Config

    cfg = copy.deepcopy(config_file) if isinstance(config_file, Config) else Config.fromfile(str(config_file))
    data_root = Path(data_root).resolve()
    if not (data_root / ANN_FILE).is_file():
        raise FileNotFoundError(f"no COCO annotations at {data_root / ANN_FILE}")

    loader = cfg.test_dataloader
    if loader_workers is not None:
        if loader_workers < 0:
            raise ValueError(f"loader_workers must be >= 0, got {loader_workers}")
        loader.num_workers = loader_workers
    if not loader.get("num_workers"):
        loader.persistent_workers = False
        loader.pop("prefetch_factor", None)
    dataset = _innermost_dataset(loader.dataset)
    dataset["data_root"] = str(data_root)
    dataset["ann_file"] = ANN_FILE
    prefix = dict(dataset.get("data_prefix") or {})
    prefix["img"] = IMG_PREFIX
    dataset["data_prefix"] = prefix
    dataset["test_mode"] = True
    if max_images is not None:
        if max_images < 1:
            raise ValueError(f"max_images must be >= 1, got {max_images}")
        dataset["indices"] = int(max_images)
    else:
        dataset.pop("indices", None)

    evaluators = cfg.test_evaluator
    for metric in evaluators if isinstance(evaluators, list) else [evaluators]:
        if "ann_file" in metric or str(metric.get("type", "")).endswith("CocoMetric"):
            metric["ann_file"] = str(data_root / ANN_FILE)
        metric["format_only"] = False
        metric.pop("outfile_prefix", None)

    cfg.work_dir = str(work_dir)
    cfg.load_from = None
    cfg.resume = False
    return cfg


def evaluate(
    config_file: Path,
    checkpoint: dict[str, Any],
    *,
    data_root: Path,
    device: Device,
    max_images: int | None,
    work_dir: Path,
    coco_eval: str = "auto",
    loader_workers: int | None = None,
) -> Evaluation:
    """Evaluate ``checkpoint`` (a loaded ``{meta, state_dict}`` dict) with the config's evaluator.

    Thin wrapper over :class:`zoogen.verify.session.DetectorSession` (use the session directly to
    also measure speed on the same built model and data).
    """
    from zoogen.verify.session import DetectorSession

    session = DetectorSession(
        config_file,
        checkpoint,
        data_root=data_root,
        device=device,
        max_images=max_images,
        work_dir=work_dir,
        coco_eval=coco_eval,
        eval_workers=loader_workers,
    )
    return session.evaluate()
