"""Compare measured numbers with the published ones of a metafile.

Metrics: absolute tolerance per metric, from the model's ``Tolerance`` (zoogen extension key) or else the
registry default; a run on a subset of the images is recorded as ``subset`` and never judged. Speed and
memory: compared only on the hardware the metafile names (`zoogen.verify.hardware.hardware_matches`: whole
tokens, ``V100`` names ``Tesla V100-SXM2-32GB``, ``A10`` does not name an A100) and, for speed, only against
FP32 / batch-1 / PyTorch figures, which is what `zoogen.verify.timing` measures; relative tolerance from
the registry's ``speed.tolerance_fraction``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Protocol

from zoogen.currency import published_number, tolerance_for
from zoogen.meta.registry import MetricInfo, Registry, load_registry
from zoogen.meta.schema import Model, SpeedRecord
from zoogen.records import Comparison, MemoryCheck, MetricCheck, SpeedCheck, Verdict
from zoogen.verify.hardware import hardware_matches

__all__ = [
    "SPEED_PROTOCOL", "hardware_matches", "is_subset", "judge_memory", "judge_metrics", "judge_speed",
    "judged_datasets", "matching_speed_record", "metric_verdict", "speed_precision", "tolerance_for",
    "unjudged_metrics",
]

_EPSILON = 1e-9  # published numbers have one or two decimals: forgive float noise at the boundary
SPEED_PROTOCOL = ("MMDetection InferenceBenchmark: batch 1, no loader workers, 5 warm-up images excluded, "
                  "synchronised around each step")


class SpeedLike(Protocol):
    """What `judge_speed` reads of ``zoogen.verify.timing.SpeedMeasurement`` (read-only)."""

    @property
    def fps(self) -> float: ...

    @property
    def ms_per_image(self) -> float: ...

    @property
    def ms_std(self) -> float: ...

    @property
    def images(self) -> int: ...

    @property
    def peak_memory_mb(self) -> float | None: ...

    @property
    def memory_kind(self) -> str | None: ...


def is_subset(images: int, images_in_set: int | None, max_images: int | None = None) -> bool:
    """True if fewer images were evaluated than the annotations hold, or ``max_images`` capped them."""
    if images_in_set is not None and images < images_in_set:
        return True
    return max_images is not None and (images_in_set is None or max_images < images_in_set)


def metric_verdict(measured: float, published: float, tolerance: float, info: MetricInfo) -> Verdict:
    """``passed`` within the tolerance; beyond it ``better`` (better than published, in the metric's own
    direction) or ``drift`` (worse): both flagged."""
    if abs(measured - published) <= tolerance + _EPSILON:
        return Verdict.PASSED
    above = measured > published
    return Verdict.BETTER if above == info.higher_is_better else Verdict.DRIFT


def judged_datasets(model: Model, dataset_type: str | None, registry: Registry | None = None) -> tuple[str, ...]:
    """The datasets of ``model``'s results that its config's test set (class ``dataset_type``) measures.

    The registry names the dataset a class reads (``ADE20KDataset`` -> ADE20K); a class it does not know
    measures the model's only published dataset when there is one (the metafile pairs that config with it),
    else nothing.
    """
    registry = registry or load_registry()
    published = list(dict.fromkeys(r.dataset for r in model.results))
    name = registry.dataset_of_type(dataset_type) if dataset_type else None
    if name is not None:
        return tuple(d for d in published if (registry.canonical("datasets", d) or d) == name)
    return tuple(published) if len(published) == 1 else ()


def _judged(model: Model, library: str, datasets: Collection[str] | None, registry: Registry):
    """(result, metric name, info or None, published value) of every published number on ``datasets``."""
    for result in model.results:
        if datasets is not None and result.dataset not in datasets:
            continue
        for metric, raw in result.metrics.items():
            published = published_number(raw)
            if published is None:
                continue
            info = registry.metric(metric, result.task, result.dataset)
            yield result, metric, info if info is not None and info.evaluator_key(library) else None, published


def unjudged_metrics(model: Model, library: str, datasets: Collection[str] | None,
                     registry: Registry | None = None) -> list[str]:
    """``"mIoU (ms+flip) (Semantic Segmentation on ADE20K)"``: published numbers no key of ``library``'s
    evaluator maps to, so that a run reports them once instead of guessing."""
    registry = registry or load_registry()
    return [f"{metric} ({result.task} on {result.dataset})"
            for result, metric, info, _ in _judged(model, library, datasets, registry) if info is None]


def judge_metrics(
    model: Model,
    measured: Mapping[str, float] | None,
    *,
    subset: bool,
    datasets: Collection[str] | None = ("COCO",),
    registry: Registry | None = None,
    library: str = "mmdet",
) -> list[MetricCheck]:
    """One `MetricCheck` per published metric that the registry maps to a key of ``library``'s evaluator.

    ``measured`` holds the evaluator's keys (``coco/bbox_mAP`` as a fraction, ``accuracy/top1`` in percent);
    each value is scaled from the library's unit to the metric's. Results on datasets outside ``datasets``
    (None: all) and metrics without a key (`unjudged_metrics`) are left out: nothing here measured them.
    """
    registry = registry or load_registry()
    measured = measured or {}
    library_info = registry.libraries.get(library)
    reported_unit = library_info.unit if library_info else "fraction"
    checks: list[MetricCheck] = []
    for result, metric, info, published in _judged(model, library, datasets, registry):
        if info is None:
            continue
        keys = info.evaluator_keys(library)
        key = next((k for k in keys if k in measured), keys[0])
        tolerance = tolerance_for(model, metric, info, registry)
        value = measured.get(key)
        value = None if value is None else round(info.from_evaluator(float(value), reported_unit), 4)
        if value is None:
            verdict = Verdict.MISSING
        elif subset:
            verdict = Verdict.SUBSET
        else:
            verdict = metric_verdict(value, published, tolerance, info)
        checks.append(MetricCheck(result.task, result.dataset, metric, published, value, tolerance, verdict,
                                  key=key))
    return checks


_FP16 = ("FP16", "FLOAT16", "HALF", "AMP", "MIXED", "MIXED PRECISION")


def _like_ours(record: SpeedRecord, precision: str = "fp32") -> bool:
    """A figure taken as we measure: batch size 1, PyTorch, and our precision (FP32: unstated counts as
    such; FP16: the figure must say so)."""
    stated = (record.precision or "").strip().upper()
    precision_ok = stated in _FP16 if precision == "fp16" else stated in ("", "FP32", "FLOAT32")
    batch_ok = record.batch_size in (None, 1)
    backend_ok = record.backend is None or record.backend.strip().lower() in ("pytorch", "torch")
    return precision_ok and batch_ok and backend_ok


def matching_speed_record(model: Model, device_name: str | None, precision: str = "fp32") -> SpeedRecord | None:
    """The model's published speed taken on this hardware and under our conditions, if any."""
    for record in model.speed:
        if hardware_matches(record.hardware, device_name) and _like_ours(record, precision):
            return record
    return None


def speed_precision(model: Model, device_name: str | None) -> str:
    """The precision to time ``model`` in: ``fp16`` only when its figure for this hardware is FP16 (and none
    is FP32); else ``fp32``, as MMDetection's ``InferenceBenchmark`` times (it never uses autocast)."""
    if matching_speed_record(model, device_name, "fp32") is None and matching_speed_record(
        model, device_name, "fp16"
    ) is not None:
        return "fp16"
    return "fp32"


def judge_speed(
    model: Model,
    measurement: SpeedLike,
    device_name: str | None,
    *,
    fused: bool = False,
    registry: Registry | None = None,
) -> SpeedCheck:
    """Measured fps against the published fps: ``passed``/``drift`` on matching hardware, else not-comparable.

    Only a figure of the same kind is a yardstick: the measurement's precision (``fp16`` against FP16
    figures only), and never for a conv-bn ``fused`` model (metafiles publish unfused figures). The
    published figure shown is the matching one, or else the model's first (for reference only).
    """
    registry = registry or load_registry()
    precision = str(getattr(measurement, "precision", "fp32") or "fp32")
    record = None if fused else matching_speed_record(model, device_name, precision)
    shown = record or (model.speed[0] if model.speed else None)
    check = SpeedCheck(
        fps=round(measurement.fps, 2),
        ms_per_image=round(measurement.ms_per_image, 2),
        ms_std=round(measurement.ms_std, 2),
        images=measurement.images,
        fused=fused,
        precision=precision,
        published_fps=round(shown.fps, 2) if shown else None,
        published_hardware=shown.hardware if shown else None,
        verdict=Comparison.NOT_COMPARABLE,
        batch_size=1,
        protocol=getattr(measurement, "protocol", None) or SPEED_PROTOCOL,
    )
    if record is not None and record.ms_per_image > 0:
        relative = abs(measurement.fps - record.fps) / record.fps
        passed = relative <= registry.speed_tolerance_fraction + _EPSILON
        check.verdict = Comparison.PASSED if passed else Comparison.DRIFT
    return check


def judge_memory(
    measurement: SpeedLike,
    device_name: str | None,
    *,
    published_mb: float | None = None,
    published_hardware: str | None = None,
    registry: Registry | None = None,
) -> MemoryCheck:
    """Peak inference memory against a published figure on the same hardware.

    OpenMMLab metafiles publish training memory only (``Training Memory (GB)``), which is no yardstick for
    inference: unless a caller passes a published inference figure, the verdict is ``not-comparable``.
    """
    registry = registry or load_registry()
    peak = measurement.peak_memory_mb
    check = MemoryCheck(
        peak_mb=None if peak is None else round(peak, 1),
        kind=measurement.memory_kind,
        published_mb=published_mb,
        verdict=Comparison.NOT_COMPARABLE,
    )
    if peak is not None and published_mb and hardware_matches(published_hardware, device_name):
        relative = abs(peak - published_mb) / published_mb
        passed = relative <= registry.speed_tolerance_fraction + _EPSILON
        check.verdict = Comparison.PASSED if passed else Comparison.DRIFT
    return check
