"""``zoo-data-table``: body rows written straight to HTML are exactly what MyST and Sphinx write for them."""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace

from zoogen.site.data_table import parse_cell, parse_rows

HEAD = ["{.zoo-data .zoo-sortable}", "| Model | Method | Score | Download |", "| --- | --- | --- | --- |"]
ROWS = [
    r"| faster\_rcnn\_r50\_fpn\_1x\_coco | {doc}`methods/faster` | 37.4 | [model](https://example.org/a_b-1.pth) |",
    r"| a\*b \<c\> \& d\|e \\ f | {doc}`methods/faster` | - | [model](https://example.org/x.pth) ✗ |",
    r"| 模型 (1:2) | {doc}`methods/faster` | 40 | - |",
]


def test_cells_of_the_renderers_forms_are_read_and_others_are_left_to_myst():
    assert parse_cell(r"faster\_rcnn \[x\]") == [("text", "faster_rcnn [x]", "")]
    assert parse_cell("[model](https://e.org/m.pth) ✗") == [("link", "model", "https://e.org/m.pth"),
                                                          ("text", " ✗", "")]
    assert parse_cell("{doc}`methods/rpn`") == [("doc", "", "methods/rpn")]
    for other in ("**bold**", "[x](methods/a.md)", "<b>x</b>", "`code`", "{ref}`x`", "a_b", "[x](javascript:1)", ""):
        assert parse_cell(other) is None, other
    assert parse_rows(["| a | b |"], 2) == [[[("text", "a", "")], [("text", "b", "")]]]
    assert parse_rows(["| a | b |"], 3) is None  # another number of cells
    assert parse_rows(["| a | **b** |"], 2) is None


def _page(table: list[str]) -> str:
    return "\n".join(["# Models", "", *table, ""])


def _tables(html: str) -> list[str]:
    return re.findall(r"<table.*?</table>", html, flags=re.S)


def test_the_html_equals_mysts_and_an_odd_cell_falls_back(tmp_path: Path):
    src = tmp_path / "src"
    (src / "methods").mkdir(parents=True)
    (src / "conf.py").write_text('extensions = ["myst_parser", "zoogen.site.data_table"]\nsmartquotes = False\n'
                                 'myst_enable_extensions = ["attrs_block"]\n', encoding="utf-8")
    (src / "methods" / "faster.md").write_text("# Faster R-CNN\n", encoding="utf-8")
    odd = ROWS[0].replace("37.4", "**37.4**")
    (src / "index.md").write_text(
        "\n".join(["# Zoo", "", "```{toctree}", "methods/faster", "direct", "plain", "```", ""]), encoding="utf-8")
    (src / "plain.md").write_text(_page([*HEAD, *ROWS]) + "\n" + _page([*HEAD, odd])[len("# Models\n"):],
                                  encoding="utf-8")
    (src / "direct.md").write_text(
        _page(["````{zoo-data-table}", *HEAD, *ROWS, "````"]) + "\n"
        + "\n".join(["````{zoo-data-table}", *HEAD, odd, "````", ""]), encoding="utf-8")
    with docutils_namespace():  # as sphinx-build does: docutils' registries restored afterwards
        app = Sphinx(src, src, tmp_path / "html", tmp_path / "doctrees", "html", status=None, warningiserror=True,
                     freshenv=True)
        app.build()
    assert app.statuscode == 0
    plain = _tables((tmp_path / "html" / "plain.html").read_text(encoding="utf-8"))
    direct = _tables((tmp_path / "html" / "direct.html").read_text(encoding="utf-8"))
    assert len(plain) == len(direct) == 2
    assert direct == plain
    assert '<a class="reference internal" href="methods/faster.html"><span class="doc">Faster R-CNN</span></a>' \
        in direct[0]
    assert "a*b &lt;c&gt; &amp; d|e \\ f" in direct[0] and "<strong>37.4</strong>" in direct[1]
    index = (tmp_path / "html" / "searchindex.js").read_text(encoding="utf-8")
    assert '"faster_rcnn_r50_fpn_1x_coco":' in index  # the rows' text is searched as before
