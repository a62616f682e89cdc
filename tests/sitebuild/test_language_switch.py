"""The language switch links only to languages that are built."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, zoogen

pytestmark = pytest.mark.slow


def test_a_one_language_build_has_no_switch(tmp_path: Path):
    done = zoogen("build", "--zoo", str(ROOT / "examples" / "mmdet_v1_rpn"), "--lang", "en", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    pages = sorted((tmp_path / "en").rglob("*.html"))
    assert len(pages) > 3 and not (tmp_path / "zh_CN").exists()
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "zoogen-lang-switch" not in text and 'rel="alternate"' not in text, page
