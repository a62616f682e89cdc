"""The COCO detection path: MMDetection's configs on a COCO-layout ``--data-root``.

`DetectorSession` is `zoogen.verify.session.TestSession` (what ``tools/test.py`` runs: the config's test
dataset, pipeline, model ``test_step`` and evaluator) with these differences that do not change the numbers:

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
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoogen.verify.eval_config import innermost_dataset, load_config
from zoogen.verify.session import TestSession

if TYPE_CHECKING:
    from mmengine.config import Config

    from zoogen.verify.device import Device

__all__ = [
    "ANN_FILE",
    "IMG_PREFIX",
    "DetectorSession",
    "coco_backend",
    "count_detections",
    "empty_detection_metrics",
    "prepare_test_config",
    "recall_fix",
    "resolve_coco_backend",
]

ANN_FILE = "annotations/instances_val2017.json"
IMG_PREFIX = "val2017/"


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


def prepare_test_config(
    config_file: Path | str | Config,
    *,
    data_root: Path,
    max_images: int | None = None,
    work_dir: Path | None = None,
    loader_workers: int | None = None,
) -> Config:
    """Load the model's config and point its test set and COCO evaluators at the COCO layout under ``data_root``.

    Sets: dataset ``data_root``/``ann_file``/``data_prefix.img``, evaluator ``ann_file``; with ``work_dir``,
    also what `zoogen.verify.eval_config.for_test_run` sets (subset, workers, no ``load_from``). Returns a
    fresh ``Config`` (never shared with inference APIs, which mutate it).
    """
    from zoogen.verify.eval_config import for_test_run

    cfg = load_config(config_file)
    data_root = Path(data_root).resolve()
    if not (data_root / ANN_FILE).is_file():
        raise FileNotFoundError(f"no COCO annotations at {data_root / ANN_FILE}")
    dataset = innermost_dataset(cfg.test_dataloader.dataset)
    dataset["data_root"] = str(data_root)
    dataset["ann_file"] = ANN_FILE
    prefix = dict(dataset.get("data_prefix") or {})
    prefix["img"] = IMG_PREFIX
    dataset["data_prefix"] = prefix
    dataset["test_mode"] = True
    evaluators = cfg.test_evaluator
    for metric in evaluators if isinstance(evaluators, list) else [evaluators]:
        if "ann_file" in metric or str(metric.get("type", "")).endswith("CocoMetric"):
            metric["ann_file"] = str(data_root / ANN_FILE)
        metric["format_only"] = False
    if work_dir is not None:
        for_test_run(cfg, max_images=max_images, work_dir=work_dir, loader_workers=loader_workers)
    return cfg


class DetectorSession(TestSession):
    """An MMDetection model on a COCO-layout ``data_root`` (module doc).

    Args (beside `TestSession`'s):
        data_root: COCO layout root (``annotations/instances_val2017.json``, ``val2017/``).
        coco_eval: ``auto`` | ``faster-coco-eval`` | ``pycocotools``.
    """

    default_scope = "mmdet"

    def __init__(self, config_file: Path | str | Config, checkpoint: dict[str, Any], *, data_root: Path,
                 device: Device, coco_eval: str = "auto", **kwargs: Any) -> None:
        self.data_root = Path(data_root)
        self.coco_eval = resolve_coco_backend(coco_eval)
        super().__init__(config_file, checkpoint, device=device, **kwargs)

    def _prepare(self, cfg: Config) -> Config:
        return prepare_test_config(cfg, data_root=self.data_root)

    def _before_evaluate(self, evaluator: Any) -> None:
        self._restrict_metrics_to_subset(evaluator)

    def _count(self, outputs: Any) -> int:
        return count_detections(outputs)

    @contextlib.contextmanager
    def _metrics_context(self) -> Iterator[None]:
        with coco_backend(self.coco_eval), recall_fix():
            yield

    def _complete(self, metrics: dict[str, Any], evaluator: Any, predictions: int) -> dict[str, Any]:
        if predictions == 0:
            return {**empty_detection_metrics(evaluator), **metrics}
        return metrics

    def _restrict_metrics_to_subset(self, evaluator: Any) -> None:
        """On a subset, score COCO metrics on the evaluated images only (not on every image of the
        annotation file, which would count the unevaluated ones as misses)."""
        ids = [self.dataset.get_data_info(i)["img_id"] for i in range(len(self.dataset))]
        for metric in evaluator.metrics:
            coco_api = getattr(metric, "_coco_api", None)
            if coco_api is None or not hasattr(metric, "img_ids"):
                continue
            if set(ids) != set(coco_api.get_img_ids()):
                metric.img_ids = ids
