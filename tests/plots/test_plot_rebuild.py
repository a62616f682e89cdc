"""The overview plots are drawn as their page is written: an incremental rebuild (zoogen serve) shows an edited
number there, in both languages, without reading the overview page again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from zoogen.site.serve import LiveSite

ROOT = Path(__file__).resolve().parents[2]
TINY_ZOO = ROOT / "tests" / "export" / "zoo"
pytestmark = pytest.mark.slow


def test_an_edit_reaches_the_overview_plot_after_a_rebuild(tmp_path: Path):
    zoo = tmp_path / "zoo"
    shutil.copytree(TINY_ZOO, zoo)
    site = LiveSite(zoo / "model-index.yml", tmp_path / "serve", ["en", "zh_CN"], results=None, strict=False)
    try:
        started = site.start()
        assert all(report.ok for report in started), [report.messages for report in started]
        pages = {language: tmp_path / "serve" / "html" / language / "index.html" for language in ("en", "zh_CN")}
        for page in pages.values():
            assert "box AP: 39.4" in page.read_text(encoding="utf-8")  # a point's tooltip
        metafile = zoo / "alpha" / "metafile.yml"
        metafile.write_text(metafile.read_text(encoding="utf-8").replace("box AP: 39.4", "box AP: 39.8"),
                            encoding="utf-8")
        reports = site.rebuild()
        assert all(report.ok for report in reports), [report.messages for report in reports]
        for page in pages.values():
            text = page.read_text(encoding="utf-8")
            assert "box AP: 39.8" in text and "box AP: 39.4" not in text
    finally:
        site.stop()
