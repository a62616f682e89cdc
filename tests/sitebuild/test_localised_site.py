"""Chinese without a catalog of the zoo's own, the search fix, footer and site name per language."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT, zoogen
from html_reader import read_page

from zoogen.site.search import ChineseSearch, stemmer_language_name

pytestmark = pytest.mark.slow


def test_a_newly_adopted_zoo_is_chinese_before_it_has_a_catalog(tmp_path: Path):
    zoo = tmp_path / "rpn"
    shutil.copytree(ROOT / "examples" / "mmdet_v1_rpn", zoo, ignore=shutil.ignore_patterns("locales"))
    (zoo / "zoo.yml").unlink()  # as a real model index: no zoo.yml, no catalogs
    out = tmp_path / "site"
    result = zoogen("build", "--zoo", str(zoo), "--lang", "zh_CN", "--out", str(out))
    assert result.returncode == 0, result.stderr
    method = read_page(out / "zh_CN" / "methods" / "rpn.html")
    assert ("h2", "COCO 上的候选区域生成") in method.headings or ("h2", "COCO 上的目标检测") in method.headings
    assert method.tables[0][0][:4] == ["模型", "主干网络", "风格", "学习率策略"]
    models = read_page(out / "zh_CN" / "models.html")
    assert models.headings[0] == ("h1", "所有模型")
    assert models.tables[0][0][:2] == ["模型", "方法"]  # one table per task, under the task's name
    assert {text for tag, text in models.headings[1:]} <= {"目标检测", "候选区域生成"}
    report = read_page(out / "zh_CN" / "verification.html")
    assert report.headings[0] == ("h1", "验证报告") and not report.tables
    stats = read_page(out / "zh_CN" / "statistics.html")
    assert stats.tables[0][0] == ["项目", "数量"] and stats.tables[0][1][0] == "方法"
    # built-in catalogs are build state: nothing of them is published
    assert not list((out / "zh_CN").rglob("*.mo"))


def test_site_name_title_and_footer_in_each_language(bundled_site: Path):
    en = (bundled_site / "en" / "models.html").read_text(encoding="utf-8")
    zh = (bundled_site / "zh_CN" / "models.html").read_text(encoding="utf-8")
    assert "<title>All models &mdash; Benchmark and Model Zoo</title>" in en
    assert "<title>所有模型 &mdash; 模型库</title>" in zh  # the index catalog's translation of the title
    assert "OpenMMLab and the zoogen authors" in en and "OpenMMLab 与 zoogen 作者" in zh
    assert "Benchmark and Model Zoo" not in zh


def test_chinese_search_names_a_stemmer_that_exists(bundled_site: Path):
    assert ChineseSearch.language_name == stemmer_language_name("english-stemmer.js", "x") == "English"
    script = (bundled_site / "zh_CN" / "_static" / "language_data.js").read_text(encoding="utf-8")
    assert "window.Stemmer = EnglishStemmer;" in script and "EnglishStemmer" in script.split("window.Stemmer")[0]
