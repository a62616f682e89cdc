"""A stale record (its number, weights, config, a _base_ file or tolerance changed) is never shown as ✓."""

from __future__ import annotations

from pathlib import Path

from stale_cases import CHANGES, write_cases

from zoogen.meta import load_zoo
from zoogen.records import MetricCheck, load_records, write_record
from zoogen.render import render_pages

STALE_WORDS = {"number": "数值", "weights": "权重", "config": "配置", "tolerance": "容差"}


def _row(page: str, model: str) -> str:
    return next(line for line in page.splitlines() if f"`model-{model}--" in line)


def test_stale_marks_on_method_page_and_report(tmp_path: Path) -> None:
    cases = write_cases(tmp_path)
    pages = render_pages(load_zoo(cases.zoo).zoo, load_records(cases.results))
    method = pages.pages["methods/m"]
    assert "37.4 [✓](../verification.md)" in _row(method, "same_r50")
    assert "10.0 [✓](../verification.md)" not in _row(method, "same_r50")  # speed: T4 is not the V100 published
    for model, kind in CHANGES.items():
        row = _row(method, model)
        assert f"[↻ stale: {kind}](../verification.md)" in row, row
        assert "✓" not in row and "⚠" not in row and "▲" not in row, row
    assert "39.0 [↻ stale: number]" in _row(method, "number_r50")  # never a drift of the new number
    report = pages.pages["verification"]
    assert "↻ stale: number (number: box AP: 37.4 -\\> 39.0); box AP 37.38" in report
    assert "↻ stale: weights (weights: URL changed (" in report
    assert "↻ stale: config (config: configs/m/base\\_r50.py changed (its content or a \\_base\\_ file))" in report
    assert "↻ stale: tolerance (tolerance: box AP: ±0.3 -\\> ±0.5)" in report
    assert "box AP ✓ 37.38" in report  # same_r50 only
    assert report.count("✓ 37.38") == 1
    zh = pages.localised["zh_CN"]
    zh_method = zh.pages["methods/m"]
    for model, kind in CHANGES.items():
        assert f"[↻ 已过时：{STALE_WORDS[kind]}](../verification.md)" in _row(zh_method, model)
    assert "↻ 已过时：数值 (number: box AP: 37.4 -\\> 39.0)" in zh.pages["verification"]


def test_report_shows_the_conditions(tmp_path: Path) -> None:
    cases = write_cases(tmp_path, changed=False)
    report = render_pages(load_zoo(cases.zoo).zoo, load_records(cases.results)).pages["verification"]
    row = next(line for line in report.splitlines() if line.startswith("| same\\_r50 |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells == ["same\\_r50", "mmdet 3.3.0: coco/bbox\\_mAP",
                     "torch 2.13.0, CUDA 12.1, cuDNN 8.9.2, mmcv 2.1.0, mmengine 0.10.7, mmdet 3.3.0",
                     "Tesla T4", "1", "-", "5000", "2026-11-20", "105.3 ± 2.1 ms/image (9.5 fps, 2000 images)",
                     "MMDetection benchmark"]
    assert "## Conditions" in report


def test_better_than_published_is_flagged_its_own_way(tmp_path: Path) -> None:
    cases = write_cases(tmp_path, changed=False)
    records = load_records(cases.results)
    better = records["same_r50"][0]
    better.metrics = [MetricCheck("Object Detection", "COCO", "box AP", 37.4, 38.2, 0.3, "better")]
    write_record(cases.results, better)
    old = records["config_r50"][0]  # zoogen 0.2 wrote "drift" either way
    old.metrics = [MetricCheck("Object Detection", "COCO", "box AP", 37.4, 38.1, 0.3, "drift")]
    write_record(cases.results, old)
    below = records["base_r50"][0]
    below.metrics = [MetricCheck("Object Detection", "COCO", "box AP", 37.4, 36.0, 0.3, "drift")]
    write_record(cases.results, below)
    pages = render_pages(load_zoo(cases.zoo).zoo, load_records(cases.results))
    method = pages.pages["methods/m"]
    assert "37.4 [▲ 38.2](../verification.md)" in _row(method, "same_r50")
    assert "37.4 [▲ 38.1](../verification.md)" in _row(method, "config_r50")
    assert "37.4 [⚠ 36.0](../verification.md)" in _row(method, "base_r50")
    report = pages.pages["verification"]
    assert "box AP ▲ 38.2 (37.4, better than published)" in report
    assert "box AP ⚠ 36.0 (37.4)" in report
    assert "box AP ▲ 38.2 (37.4, 优于公布值)" in pages.localised["zh_CN"].pages["verification"]
