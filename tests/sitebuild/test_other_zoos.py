"""Zoos other than the bundled one: the real corpus, the example zoos, hostile input, failed builds."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, build, zoogen
from html_reader import read_page

from zoogen.meta import load_zoo

pytestmark = pytest.mark.slow


def test_the_corpus_builds_leniently_with_every_downloadable_model(corpus: Path, tmp_path: Path):
    out = tmp_path / "site"
    result = zoogen("build", "--zoo", str(corpus / "model-index.yml"), "--lang", "en", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "warning" in result.stderr  # the corpus's oddities are reported, not fatal
    html = "".join(p.read_text(encoding="utf-8") for p in (out / "en" / "methods").glob("*.html"))
    models = load_zoo(corpus / "model-index.yml").zoo.models
    with_weights = [m for m in models if m.weights]
    assert len(with_weights) > 450
    missing = [m.name for m in with_weights if m.weights.replace("&", "&amp;") not in html]
    assert missing == []


def test_paddledetection_example_in_chinese(tmp_path: Path):
    out = build(ROOT / "examples" / "paddledetection", tmp_path, "--strict")
    page = read_page(out / "zh_CN" / "methods" / "faster_rcnn.html")
    header = page.tables[0][0]
    assert header[:6] == ["模型", "骨架网络", "网络类型", "每张GPU图片个数", "学习率策略", "Box AP"]  # the model first
    assert header[-2:] == ["下载", "配置文件"]
    rows = {row[1] + " " + row[2]: row for row in page.tables[0][1:]}
    assert rows["ResNet50-FPN Mask"][5:7] == ["38.3", "34.5"]
    html = (out / "zh_CN" / "methods" / "faster_rcnn.html").read_text(encoding="utf-8")
    assert ">下载链接</a>" in html and ">配置文件</a>" in html
    titles = [text for tag, text in read_page(out / "zh_CN" / "index.html").headings if tag == "h1"]
    assert titles == ["模型库和基线"]


def test_mmdet_v1_rpn_example(tmp_path: Path):
    out = build(ROOT / "examples" / "mmdet_v1_rpn", tmp_path, "--strict")
    page = read_page(out / "en" / "methods" / "rpn.html")
    header, *rows = page.tables[0]
    assert header == ["Model", "Backbone", "Style", "Lr schd", "Mem (GB)", "Train time (s/iter)",
                      "Inf time (fps)", "AR1000", "Download"]  # the model's name first
    assert rows[1][1:8] == ["R-50-C4", "caffe", "2x", "2.2", "0.17", "20.3", "52.2"]
    assert rows[0][4] == "-"  # no memory given for the first row




def test_injected_markup_is_escaped_in_every_page(make_zoo, hostile_metafile, tmp_path: Path):
    zoo = make_zoo({"evil/metafile.yml": hostile_metafile})
    out = build(zoo, tmp_path / "site")
    for page in (out / "en").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html, page
        assert "<img src=x" not in html and 'href="javascript' not in html, page
    method = (out / "en" / "methods" / "evil.html").read_text(encoding="utf-8")
    assert "<h1>Evil | &lt;script&gt;alert('c')&lt;/script&gt;" in method
    models = (out / "en" / "models.html").read_text(encoding="utf-8")
    assert "net|&lt;script&gt;alert('m')&lt;/script&gt;_r50_fpn_1x_coco" in models


def test_a_failed_build_leaves_the_previous_output_untouched(make_zoo, hostile_metafile, tmp_path: Path):
    out = tmp_path / "site"
    good = make_zoo({"evil/metafile.yml": hostile_metafile})
    build(good, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    # English builds; the Chinese build then fails (a broken catalog): nothing of either may be swapped in
    catalogs = good / "locales" / "zh_CN" / "LC_MESSAGES"
    catalogs.mkdir(parents=True)
    (catalogs / "index.po").write_text('msgid "Object Detection"\nmsgstr "[broken](missing-doc.md)"\n',
                                       encoding="utf-8")  # the overview's heading of its one task
    result = zoogen("build", "--zoo", str(good), "--lang", "all", "--out", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "missing-doc" in result.stderr
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_bad_zoo_fails_before_sphinx_with_one_clear_message(make_zoo, tmp_path: Path):
    zoo = make_zoo({"m/metafile.yml": "Models:\n  - Name: [unclosed\n"})
    result = zoogen("build", "--zoo", str(zoo), "--lang", "en", "--out", str(tmp_path / "site"))
    assert result.returncode == 1
    assert "m/metafile.yml:3: error: invalid YAML" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "site" / "en").exists()
