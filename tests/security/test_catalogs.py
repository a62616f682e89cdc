"""Translations get the trust of metafile text (issue 16 §1), in the stand-alone site and inside a host site.

A translated message may bring back the markup its original had; raw HTML, directives, roles and links it did
not have go in escaped, with a warning naming the catalog file and line (an error for ``zoogen build``), and
no catalog makes the build read a file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from html_reader import read_page
from security_sites import (
    Repository,
    everything_written,
    host_build,
    page_text,
    readthedocs_build,
    repository,
    zoogen_build,
)

from zoogen.site.markup_signature import describe, foreign_markup

pytestmark = pytest.mark.slow

DESCRIPTION = ("The Region Proposal Network of Faster R-CNN trained and evaluated on its own; it scores anchors "
               "as object or background and refines them into proposals, reported as proposal recall (AR1000).")
PAPER = "Paper: [Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks][paper]"
BASELINES = "Models with more backbones will be added to the model zoo later."
SCRIPT = "主干<script>alert('header')</script>"
IMAGE = "<img src=x onerror=alert(2)>风格"


def hostile_catalogs(repo: Repository) -> dict[str, dict[str, int]]:
    """Markup in a method page's table headers, directives that read the secret, in three catalogs."""
    include = f"```{{include}} {repo.path_to_secret()}\n```"
    return {
        "methods/rpn": repo.translate("methods/rpn", {"Backbone": SCRIPT, "Style": IMAGE, DESCRIPTION: include}),
        "index": repo.translate("index", {
            BASELINES: f"```{{literalinclude}} {repo.path_to_secret()}\n```",
            "Environment": "环境<script>alert('index')</script>"}),
        "zoogen": repo.translate("zoogen", {"model": "<img src=x onerror=alert(3)>模型"}),
    }


def test_markup_a_translation_may_and_may_not_bring():
    links = {"paper": "https://arxiv.org/abs/1506.01497", "readme": "https://example.com/readme"}
    assert foreign_markup(PAPER, "论文：[更快的 R-CNN][paper]", links) == []  # the same link
    assert foreign_markup("See {doc}`models`", "见 {doc}`所有模型 <models>`") == []  # the same role and target
    assert foreign_markup("Backbone", "**主干** `网络`") == []  # formatting only
    added = [describe(mark) for mark in foreign_markup(PAPER, "论文 [README][readme]", links)]
    assert added == ["link 'https://example.com/readme'"]  # a link to another of the page's targets
    assert [m[0] for m in foreign_markup("See {doc}`models`", "见 {download}`x <../../etc/passwd>`")] == ["role"]
    assert [m[0] for m in foreign_markup("Backbone", SCRIPT)] == ["raw HTML", "raw HTML"]
    assert [m[0] for m in foreign_markup(DESCRIPTION, "```{include} ../x\n```")] == ["directive"]
    assert [m[0] for m in foreign_markup(DESCRIPTION, "![x](../../secret.png)")] == ["image"]


def test_zoogen_build_refuses_hostile_translations_naming_catalog_and_line(tmp_path: Path):
    repo = repository(tmp_path)
    lines = hostile_catalogs(repo)
    out = tmp_path / "site"
    result = zoogen_build(repo, out, "zh_CN")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    for catalog, msgids in lines.items():
        for line in msgids.values():
            assert f"{repo.catalogs / catalog}.po:{line}: WARNING: zoogen: the translation of" in result.stderr
    assert "directive '{include}" in result.stderr and "raw HTML '<script>'" in result.stderr
    assert not (out / "zh_CN").exists()  # nothing published
    assert repo.secret_text not in everything_written(tmp_path / ".zoogen-cache", out)
    assert not list(repo.zoo.rglob("*.mo"))  # the build writes nothing into the zoo's catalogs


def test_hostile_translations_are_plain_text_inside_a_host_site(tmp_path: Path):
    repo = repository(tmp_path)
    lines = hostile_catalogs(repo)
    out = tmp_path / "html"
    result = host_build(repo, out, "zh_CN")
    assert result.returncode == 0, result.stderr
    for catalog, msgids in lines.items():  # warnings name the zoo's own catalog (not a copy) and the line
        for line in msgids.values():
            assert f"{repo.catalogs / catalog}.po:{line}: WARNING" in result.stderr
    method = out / "model_zoo" / "methods" / "rpn.html"
    html = method.read_text(encoding="utf-8")
    assert "<script>alert(" not in html and "onerror" not in html.replace("onerror=alert(2)", "")
    header = read_page(method).tables[0][0]
    assert SCRIPT in header and IMAGE in header  # shown as the translator wrote it, as text
    assert "```{include}" in page_text(method)  # the directive is text on the page
    index = (out / "model_zoo" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(" not in index and "环境&lt;script&gt;alert" in index
    assert "<img src=x onerror" not in everything_written(out, suffixes=(".html", ".js"))
    published = everything_written(out)  # pages, their tables of contents, searchindex.js
    assert repo.secret_text not in published and (out / "searchindex.js").is_file()
    assert repo.secret_text not in everything_written(repo.root / "docs")


def test_site_name_and_footer_keep_their_english_against_hostile_catalogs(tmp_path: Path):
    repo = repository(tmp_path)
    lines = {**repo.translate("index", {"Benchmark and Model Zoo": "<script>alert(6)</script>模型库"}),
             **repo.translate("zoogen", {"OpenMMLab and the zoogen authors": "<b onclick=alert(7)>作者</b>"})}
    out = tmp_path / "html"
    result = readthedocs_build(repo, out, "zh_CN")
    assert result.returncode == 0, result.stderr
    assert f"index.po:{lines['Benchmark and Model Zoo']}: WARNING" in result.stderr
    assert f"zoogen.po:{lines['OpenMMLab and the zoogen authors']}: WARNING" in result.stderr
    html = (out / "models.html").read_text(encoding="utf-8")
    assert "<script>alert(6)" not in html and "<b onclick" not in html  # the index heading: escaped text
    assert "<title>所有模型 &mdash; Benchmark and Model Zoo</title>" in html
    assert "OpenMMLab and the zoogen authors" in html


def test_translations_that_reuse_the_originals_markup_still_render(tmp_path: Path):
    repo = repository(tmp_path)
    see = "See [RPN](methods/rpn.md) for its models and results."
    repo.translate("index", {see: "**RPN** 的模型和结果见 [RPN 页面](methods/rpn.md)。"})
    repo.translate("methods/rpn", {PAPER: "论文：[更快的 R-CNN][paper]", "Backbone": "`主干`网络"})
    out = tmp_path / "site"
    result = zoogen_build(repo, out, "zh_CN")
    assert result.returncode == 0, result.stderr  # no warning: warnings fail zoogen build
    index = out / "zh_CN" / "index.html"
    assert "methods/rpn.html" in read_page(index).links and "RPN 的模型和结果见 RPN 页面。" in page_text(index)
    method = out / "zh_CN" / "methods" / "rpn.html"
    assert "https://arxiv.org/abs/1506.01497" in read_page(method).links and "论文：更快的 R-CNN" in page_text(method)
    assert read_page(method).tables[0][0][:2] == ["模型", "主干网络"]  # the model's name first
