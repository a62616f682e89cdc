"""Dead links are marked in the tables of the rendered pages (and so on both languages' sites)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from html_reader import read_page

from zoogen.meta import load_zoo
from zoogen.render.links import DEAD_MARK, mark_dead_links
from zoogen.render.pages import render_pages

ROOT = Path(__file__).resolve().parents[2]
DEAD = "https://example.com/models/dead_model-0123abcd.pth"
ALIVE = "https://example.com/models/alive_model-4567cdef.pth"


def _report(path: Path, dead: str, alive: str) -> None:
    path.write_text(json.dumps([{"url": dead, "status": "dead"}, {"url": alive, "status": "alive"},
                                {"url": "https://example.com/gone", "status": "unreachable"}]))


def test_dead_download_links_are_marked_in_tables(make_zoo: Callable[..., Path]) -> None:
    root = make_zoo({"dead_model": DEAD, "alive_model": ALIVE}, "links_report: links.json\n")
    _report(root / "links.json", DEAD, ALIVE)
    pages = render_pages(load_zoo(root).zoo).pages
    for docname in ("methods/demo", "models"):
        text = pages[docname]
        assert f"[model]({DEAD}) {DEAD_MARK}" in text
        assert f"[model]({ALIVE}) {DEAD_MARK}" not in text and f"[model]({ALIVE})" in text
        assert text.count(DEAD_MARK) == 1


def test_no_report_no_marks(make_zoo: Callable[..., Path]) -> None:
    root = make_zoo({"dead_model": DEAD}, "links_report: links.json\n")  # named, not written yet
    assert DEAD_MARK not in render_pages(load_zoo(root).zoo).pages["methods/demo"]


def test_prose_lines_are_left_alone(tmp_path: Path) -> None:
    report = tmp_path / "links.json"
    _report(report, DEAD, ALIVE)
    text = f"See [model]({DEAD}).\n\n| a |\n| --- |\n| [model]({DEAD}) |\n"
    assert mark_dead_links(text, report) == f"See [model]({DEAD}).\n\n| a |\n| --- |\n| [model]({DEAD}) {DEAD_MARK} |\n"


@pytest.mark.slow
def test_dead_link_shown_on_both_languages_sites(tmp_path: Path) -> None:
    zoo = tmp_path / "rpn"
    shutil.copytree(ROOT / "examples" / "mmdet_v1_rpn", zoo)
    with (zoo / "zoo.yml").open("a", encoding="utf-8") as handle:
        handle.write("\nlinks_report: links.json\n")
    dead = "https://s3.ap-northeast-2.amazonaws.com/open-mmlab/mmdetection/models/rpn_r50_caffe_c4_2x-c6d5b958.pth"
    _report(zoo / "links.json", dead, ALIVE)
    out = tmp_path / "site"
    build = subprocess.run([sys.executable, "-m", "zoogen.cli", "build", "--zoo", str(zoo), "--lang", "all",
                            "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert build.returncode == 0, build.stderr
    for lang, word in (("en", "model"), ("zh_CN", "模型")):
        cells = [cell for row in read_page(out / lang / "methods" / "rpn.html").tables[0] for cell in row]
        assert cells.count(f"{word} {DEAD_MARK}") == 1, cells
        assert cells.count(word) >= 5


@pytest.mark.slow
def test_build_links_option_marks_dead_links_and_refuses_a_broken_report(tmp_path: Path) -> None:
    """`zoogen build --links FILE`: a report kept anywhere, with no zoo.yml entry; a broken one stops the build."""
    zoo = tmp_path / "rpn"
    shutil.copytree(ROOT / "examples" / "mmdet_v1_rpn", zoo)
    dead = "https://s3.ap-northeast-2.amazonaws.com/open-mmlab/mmdetection/models/rpn_r50_caffe_c4_2x-c6d5b958.pth"
    report = tmp_path / "reports" / "links.json"
    report.parent.mkdir()
    _report(report, dead, ALIVE)
    out = tmp_path / "site"
    command = [sys.executable, "-m", "zoogen.cli", "build", "--zoo", str(zoo), "--lang", "all", "--out", str(out)]
    env = {k: v for k, v in os.environ.items() if k != "ZOOGEN_LINKS"}
    build = subprocess.run([*command, "--links", str(report)], capture_output=True, text=True, cwd=ROOT, env=env)
    assert build.returncode == 0, build.stderr
    for lang, word in (("en", "model"), ("zh_CN", "模型")):
        cells = [cell for row in read_page(out / lang / "methods" / "rpn.html").tables[0] for cell in row]
        assert cells.count(f"{word} {DEAD_MARK}") == 1, cells
    report.write_text("{not json", encoding="utf-8")
    broken = subprocess.run([*command, "--links", str(report)], capture_output=True, text=True, cwd=ROOT, env=env)
    assert broken.returncode == 1 and "unreadable link report" in broken.stderr
    assert "Traceback" not in broken.stderr
