"""Verified values carry a mark, drifted ones both numbers; unverified values stay plain."""

from __future__ import annotations

from pathlib import Path

import pytest

from zoogen.meta import load_zoo
from zoogen.records import (
    Environment,
    MetricCheck,
    SpeedCheck,
    VerificationRecord,
    load_records,
    write_record,
)
from zoogen.render import render_pages

METAFILE = """
Models:
  - Name: good_r50_fpn_1x_coco
    Config: configs/m/good_r50_fpn_1x_coco.py
    Metadata:
      inference time (ms/im):
        - {value: 50.0, hardware: V100, backend: PyTorch, batch size: 1, mode: FP32, resolution: (800, 1333)}
    Results:
      - {Task: Object Detection, Dataset: COCO, Metrics: {box AP: 37.4}}
      - {Task: Instance Segmentation, Dataset: COCO, Metrics: {mask AP: 34.7}}
  - Name: drifting_r50_fpn_1x_coco
    Config: configs/m/drifting_r50_fpn_1x_coco.py
    Results:
      - {Task: Object Detection, Dataset: COCO, Metrics: {box AP: 37.4}}
  - Name: unverified_r50_fpn_1x_coco
    Config: configs/m/unverified_r50_fpn_1x_coco.py
    Results:
      - {Task: Object Detection, Dataset: COCO, Metrics: {box AP: 35.5}}
"""


def record(model: str, checks: list[MetricCheck], speed: SpeedCheck | None = None) -> VerificationRecord:
    env = Environment(tag="cuda-tesla-v100-torch2.13.0-cu121", device="cuda:0", device_name="Tesla V100-SXM2",
                      date="2026-11-20T08:00:00Z", torch="2.13.0")
    return VerificationRecord(model=model, images=5000, environment=env, metrics=checks, speed=speed)


@pytest.fixture
def results(tmp_path: Path) -> Path:
    folder = tmp_path / "results"
    write_record(folder, record(
        "good_r50_fpn_1x_coco",
        [MetricCheck("Object Detection", "COCO", "box AP", 37.4, 37.38, 0.3, "passed"),
         MetricCheck("Instance Segmentation", "COCO", "mask AP", 34.7, 34.6, 0.3, "passed")],
        SpeedCheck(fps=20.5, ms_per_image=48.8, images=2000, published_fps=20.0, published_hardware="V100",
                   verdict="passed"),
    ))
    write_record(folder, record(
        "drifting_r50_fpn_1x_coco", [MetricCheck("Object Detection", "COCO", "box AP", 37.4, 36.4, 0.3, "drift")]))
    return folder


def test_marks_in_tables_and_report(make_zoo, results: Path):
    zoo = load_zoo(make_zoo({"m/metafile.yml": METAFILE})).zoo
    pages = render_pages(zoo, load_records(results)).pages
    lines = pages["methods/m"].splitlines()

    def row(config: str) -> str:
        return next(line for line in lines if line.endswith(f"| {config} |"))

    good = row("good\\_r50\\_fpn\\_1x\\_coco.py")
    drift = row("drifting\\_r50\\_fpn\\_1x\\_coco.py")
    plain = row("unverified\\_r50\\_fpn\\_1x\\_coco.py")
    assert "37.4 [✓](../verification.md)" in good and "34.7 [✓](../verification.md)" in good
    assert "20.0 [✓](../verification.md)" in good  # speed compared on matching hardware
    assert "37.4 [⚠ 36.4](../verification.md)" in drift
    assert "✓" not in plain and "⚠" not in plain
    # where and when, on the method page and in the report
    assert "| good\\_r50\\_fpn\\_1x\\_coco | box AP ✓ 37.38; mask AP ✓ 34.6; 20.5 fps \\[passed\\] | " \
           "Tesla V100-SXM2 | 2026-11-20 |" in pages["methods/m"]
    report = pages["verification"]
    assert "box AP ⚠ 36.4 (37.4) | Tesla V100-SXM2 | 5000 | 2026-11-20 |" in report
    assert "| unverified\\_r50\\_fpn\\_1x\\_coco | - | - | - | - |" in report


def test_partial_record_keeps_metric_marks(make_zoo, tmp_path: Path):
    """A speed step that failed after a whole evaluation: the metric verdicts still show."""
    folder = tmp_path / "partial"
    partial = record("drifting_r50_fpn_1x_coco",
                     [MetricCheck("Object Detection", "COCO", "box AP", 37.4, 36.4, 0.3, "drift")])
    partial.status, partial.step, partial.error = "partial", "speed", "timing failed"
    write_record(folder, partial)
    zoo = load_zoo(make_zoo({"m/metafile.yml": METAFILE})).zoo
    pages = render_pages(zoo, load_records(folder)).pages
    drift = next(line for line in pages["methods/m"].splitlines()
                 if line.endswith("| drifting\\_r50\\_fpn\\_1x\\_coco.py |"))
    assert "37.4 [⚠ 36.4](../verification.md)" in drift
    assert "partial (speed); box AP ⚠ 36.4 (37.4)" in pages["verification"]
