"""The built site shows verification marks, with where and when, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, build
from html_reader import has_cjk, read_page

from zoogen.meta import load_zoo
from zoogen.records import CheckpointInfo, Environment, MetricCheck, VerificationRecord, write_record

pytestmark = pytest.mark.slow


def test_marks_in_both_languages(tmp_path: Path):
    results = tmp_path / "results"
    weights = {m.name: CheckpointInfo(url=m.weights) for m in load_zoo(ROOT / "examples" / "mmdet_v1_rpn").zoo.models}
    env = Environment(tag="cpu-xeon-torch2.13.0", device="cpu", device_name="Intel Xeon", torch="2.13.0",
                      date="2026-11-21T10:00:00Z")
    write_record(results, VerificationRecord(
        model="rpn_r50_caffe_c4_2x", images=5000, environment=env, checkpoint=weights["rpn_r50_caffe_c4_2x"],
        metrics=[MetricCheck("Object Detection", "COCO", "AR@1000", 52.2, 52.1, 0.3, "passed")]))
    write_record(results, VerificationRecord(
        model="rpn_r50_fpn_1x", images=5000, environment=env, checkpoint=weights["rpn_r50_fpn_1x"],
        metrics=[MetricCheck("Object Detection", "COCO", "AR@1000", 57.1, 55.0, 0.3, "drift")]))
    out = build(ROOT / "examples" / "mmdet_v1_rpn", tmp_path / "site", "--results", str(results))
    for lang in ("en", "zh_CN"):
        page = read_page(out / lang / "methods" / "rpn.html")
        cells = [cell for row in page.tables[0] for cell in row]
        assert "52.2 ✓" in cells and "57.1 ⚠ 55.0" in cells
        assert sum("✓" in c or "⚠" in c for c in cells) == 2
        notes = page.tables[-1]
        assert ["rpn_r50_fpn_1x", "AR@1000 ⚠ 55.0 (57.1)", "Intel Xeon", "2026-11-21"] in notes
        report = read_page(out / lang / "verification.html")
        assert any("rpn_r50_caffe_c4_2x" in row for row in report.tables[0])
    zh_headings = [text for _, text in read_page(out / "zh_CN" / "verification.html").headings]
    assert has_cjk(zh_headings[0])


def test_stale_records_in_both_languages(tmp_path: Path):
    """A real build of the stale cases: one ✓, each changed model its own stale mark, in both languages."""
    from stale_cases import CHANGES, write_cases

    cases = write_cases(tmp_path / "cases")
    out = build(cases.zoo, tmp_path / "site", "--results", str(cases.results))
    words = {"en": "stale: {}", "zh_CN": "已过时：{}"}
    kinds = {"en": {k: k for k in CHANGES.values()},
             "zh_CN": {"number": "数值", "weights": "权重", "config": "配置", "tolerance": "容差"}}
    for lang in ("en", "zh_CN"):
        page = read_page(out / lang / "methods" / "m.html")
        rows = {row[0]: row for row in page.tables[0][1:]} if page.tables[0][1:] else {}
        cells = [cell for row in page.tables[0] for cell in row]
        assert sum("✓" in c for c in cells) == 1 and not any("⚠" in c or "▲" in c for c in cells)
        for kind in CHANGES.values():
            assert any(f"↻ {words[lang].format(kinds[lang][kind])}" in c for c in cells), (lang, kind, rows)
        assert "39.0 ↻ " + words[lang].format(kinds[lang]["number"]) in cells
        report = read_page(out / lang / "verification.html")
        text = " ".join(cell for table in report.tables for row in table for cell in row)
        assert "box AP: 37.4 -> 39.0" in text and "105.3 ± 2.1 ms/image" in text
        assert f"↻ {words[lang].format(kinds[lang]['number'])} (number: box AP: 37.4 -> 39.0)" in text
    models = (out / "exports" / "models.json").read_text(encoding="utf-8")
    assert models.count('"verdict": "stale"') == len(CHANGES)
