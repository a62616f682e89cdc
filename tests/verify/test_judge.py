"""zoogen.verify.judge: tolerances, subsets, hardware matching for speed and memory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from zoogen.errors import Location
from zoogen.meta.registry import load_registry
from zoogen.meta.schema import Model, Result, SpeedRecord
from zoogen.verify.judge import (
    hardware_matches,
    is_subset,
    judge_memory,
    judge_metrics,
    judge_speed,
    matching_speed_record,
    speed_precision,
)

HERE = Location(Path("metafile.yml"), 1)


def make_model(
    metrics: dict | None = None,
    *,
    dataset: str = "COCO",
    speed: list[SpeedRecord] | None = None,
    tolerances: dict[str, float] | None = None,
) -> Model:
    metrics = {"box AP": 37.4, "mask AP": 34.1} if metrics is None else metrics
    return Model(
        name="mask_rcnn_r50_fpn_1x_coco", method="mask_rcnn", collection=None, config=None, metadata={},
        results=[Result("Instance Segmentation", dataset, metrics, HERE)], weights=None, log=None,
        speed=speed or [], paper=None, code=None, readme=None, alias=[], converted_from=None,
        tolerances=tolerances or {}, location=HERE,
    )


@dataclass
class Speed:
    fps: float
    ms_per_image: float = 0.0
    ms_std: float = 1.0
    images: int = 2000
    peak_memory_mb: float | None = 1500.0
    memory_kind: str | None = "cuda"
    precision: str = "fp32"


def verdicts(checks) -> dict[str, str]:
    return {c.metric: c.verdict for c in checks}


def test_within_and_outside_tolerance() -> None:
    checks = judge_metrics(make_model(), {"coco/bbox_mAP": 0.373, "coco/segm_mAP": 0.337}, subset=False)
    assert verdicts(checks) == {"box AP": "passed", "mask AP": "drift"}
    box = checks[0]
    assert (box.task, box.dataset, box.published, box.measured, box.tolerance) == \
        ("Instance Segmentation", "COCO", 37.4, 37.3, 0.3)


def test_boundary_is_inclusive() -> None:
    checks = judge_metrics(make_model({"box AP": 37.4}), {"coco/bbox_mAP": 0.371}, subset=False)
    assert verdicts(checks) == {"box AP": "passed"}


def test_model_tolerance_overrides_registry() -> None:
    measured = {"coco/bbox_mAP": 0.373, "coco/segm_mAP": 0.337}
    model = make_model(tolerances={"mask AP": 0.5})
    assert verdicts(judge_metrics(model, measured, subset=False))["mask AP"] == "passed"
    aliased = make_model(tolerances={"segm AP": 0.5})  # any spelling the registry knows
    checks = judge_metrics(aliased, measured, subset=False)
    assert [c.tolerance for c in checks] == [0.3, 0.5]


def test_registry_default_tolerance() -> None:
    checks = judge_metrics(make_model({"box AP": 40.0}), {"coco/bbox_mAP": 0.4}, subset=False)
    assert checks[0].tolerance == load_registry().metric("box AP").tolerance


def test_subset_is_never_judged() -> None:
    checks = judge_metrics(make_model(), {"coco/bbox_mAP": 0.1, "coco/segm_mAP": 0.1}, subset=True)
    assert verdicts(checks) == {"box AP": "subset", "mask AP": "subset"}
    assert checks[0].measured == 10.0


def test_missing_measurement() -> None:
    checks = judge_metrics(make_model(), {"coco/bbox_mAP": 0.374}, subset=False)
    assert verdicts(checks) == {"box AP": "passed", "mask AP": "missing"}
    assert checks[1].measured is None


def test_unjudgeable_metrics_are_left_out() -> None:
    model = make_model({"box AP": "37.4", "mask AP": "-", "AP50": 58.1})
    checks = judge_metrics(model, {"coco/bbox_mAP": 0.374}, subset=False)
    assert verdicts(checks) == {"box AP": "passed"}  # "-" is no number, AP50 has no evaluator key
    assert judge_metrics(make_model(dataset="LVIS v1"), {"coco/bbox_mAP": 0.374}, subset=False) == []


def test_is_subset() -> None:
    assert not is_subset(5000, 5000)
    assert is_subset(100, 5000)
    assert is_subset(100, 5000, max_images=100)
    assert not is_subset(16, 16, max_images=100)  # a cap above the set size is no subset
    assert is_subset(16, None, max_images=16)


def test_hardware_matching() -> None:
    assert hardware_matches("V100", "Tesla V100-SXM2-32GB")
    assert hardware_matches("v100", "TESLA V100-SXM2-32GB")
    assert hardware_matches("RTX 3090", "NVIDIA GeForce RTX 3090")
    assert not hardware_matches("V100", "NVIDIA A100-SXM4-40GB")
    assert not hardware_matches(None, "Tesla V100")
    assert not hardware_matches("V100", None)


def v100(ms: float = 50.0, **kwargs) -> SpeedRecord:
    return SpeedRecord(ms_per_image=ms, hardware="V100", backend="PyTorch", batch_size=1, precision="FP32",
                       **kwargs)


def test_speed_on_matching_hardware() -> None:
    model = make_model(speed=[v100(50.0)])  # 20 fps
    passed = judge_speed(model, Speed(fps=19.0), "Tesla V100-SXM2-32GB")
    assert (passed.verdict, passed.published_fps, passed.published_hardware) == ("passed", 20.0, "V100")
    assert judge_speed(model, Speed(fps=22.0), "Tesla V100-SXM2-32GB").verdict == "passed"
    assert judge_speed(model, Speed(fps=17.0), "Tesla V100-SXM2-32GB").verdict == "drift"
    assert judge_speed(model, Speed(fps=25.0), "Tesla V100-SXM2-32GB").verdict == "drift"


def test_speed_elsewhere_is_not_comparable() -> None:
    model = make_model(speed=[v100(50.0)])
    check = judge_speed(model, Speed(fps=2.0, ms_per_image=500.0), "AMD EPYC 7B12", fused=True)
    assert check.verdict == "not-comparable"
    assert (check.published_fps, check.fps, check.ms_per_image, check.fused) == (20.0, 2.0, 500.0, True)
    none = judge_speed(make_model(), Speed(fps=2.0), "Tesla V100")
    assert (none.verdict, none.published_fps, none.published_hardware) == ("not-comparable", None, None)


def test_speed_under_other_conditions_is_not_comparable() -> None:
    fp16 = SpeedRecord(ms_per_image=25.0, hardware="V100", backend="PyTorch", batch_size=1, precision="FP16")
    batch8 = SpeedRecord(ms_per_image=10.0, hardware="V100", batch_size=8)
    model = make_model(speed=[fp16, batch8])
    assert matching_speed_record(model, "Tesla V100") is None
    assert judge_speed(model, Speed(fps=40.0), "Tesla V100").verdict == "not-comparable"
    both = make_model(speed=[fp16, v100(50.0)])
    assert matching_speed_record(both, "Tesla V100").precision == "FP32"


def test_fp16_figures_are_timed_and_judged_as_fp16_only() -> None:
    fp16 = SpeedRecord(ms_per_image=25.0, hardware="V100", backend="PyTorch", batch_size=1, precision="FP16")
    only_fp16 = make_model(speed=[fp16])
    assert speed_precision(only_fp16, "Tesla V100-SXM2-32GB") == "fp16"
    assert speed_precision(only_fp16, "NVIDIA A100-SXM4-40GB") == "fp32"  # no figure here: as InferenceBenchmark
    assert speed_precision(make_model(speed=[fp16, v100(50.0)]), "Tesla V100") == "fp32"
    check = judge_speed(only_fp16, Speed(fps=39.0, precision="fp16"), "Tesla V100-SXM2-32GB")
    assert (check.verdict, check.precision, check.published_fps) == ("passed", "fp16", 40.0)
    assert judge_speed(only_fp16, Speed(fps=39.0), "Tesla V100").verdict == "not-comparable"  # fp32 vs FP16
    fp32_only = make_model(speed=[v100(50.0)])
    assert judge_speed(fp32_only, Speed(fps=20.0, precision="fp16"), "Tesla V100").verdict == "not-comparable"


def test_a_fused_figure_is_never_judged_against_unfused_ones() -> None:
    model = make_model(speed=[v100(50.0)])
    check = judge_speed(model, Speed(fps=20.0), "Tesla V100-SXM2-32GB", fused=True)
    assert (check.verdict, check.fused, check.published_fps) == ("not-comparable", True, 20.0)
    assert judge_speed(model, Speed(fps=20.0), "Tesla V100-SXM2-32GB").verdict == "passed"


def test_memory() -> None:
    assert judge_memory(Speed(fps=1.0), "Tesla V100").verdict == "not-comparable"
    check = judge_memory(Speed(fps=1.0, peak_memory_mb=1500.0), "Tesla V100", published_mb=1450.0,
                         published_hardware="V100")
    assert (check.verdict, check.peak_mb, check.kind) == ("passed", 1500.0, "cuda")
    other = judge_memory(Speed(fps=1.0), "AMD EPYC", published_mb=1450.0, published_hardware="V100")
    assert other.verdict == "not-comparable"
    assert judge_memory(Speed(fps=1.0, peak_memory_mb=3000.0), "Tesla V100", published_mb=1450.0,
                        published_hardware="V100").verdict == "drift"


def test_speed_tolerance_comes_from_the_registry() -> None:
    assert load_registry().speed_tolerance_fraction == pytest.approx(0.1)


def test_verdicts_say_which_way() -> None:
    """Beyond the tolerance, above the published value reads "better", below "drift"; both are flagged."""
    checks = judge_metrics(make_model(), {"coco/bbox_mAP": 0.380, "coco/segm_mAP": 0.337}, subset=False)
    assert verdicts(checks) == {"box AP": "better", "mask AP": "drift"}
    from zoogen.records import VerificationRecord

    assert VerificationRecord(model="m", metrics=checks[:1]).drifted  # better than published is flagged too
    assert not VerificationRecord(model="m", metrics=[]).drifted
