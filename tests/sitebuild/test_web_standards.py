"""The built bundled site against web standards that need no browser: the Nu HTML Checker (errors only),
BCP 47 language tags, the language switch outside the text search excerpts come from, and file modes a web
server running as another user can read."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from web_checkers import summarise, vnu_errors

pytestmark = pytest.mark.slow
BCP47 = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")


def test_no_errors_from_the_nu_html_checker(bundled_site: Path):
    errors = vnu_errors(bundled_site)
    assert not errors, f"{len(errors)} vnu errors:\n{summarise(errors)}"


def test_lang_and_hreflang_are_bcp47(bundled_site: Path):
    pages = [bundled_site / language / name for language in ("en", "zh_CN")
             for name in ("index.html", "methods/faster_rcnn.html", "models.html", "search.html")]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        tags = re.findall(r'(?<![\w-])(?:lang|hreflang)="([^"]*)"', text)
        assert tags and all(BCP47.match(tag) for tag in tags), (page, sorted(set(tags)))
        assert 'hreflang="zh-CN"' in text and 'hreflang="en"' in text  # the alternates name both


def test_the_switch_is_outside_the_searched_content(bundled_site: Path):
    """Sphinx's search shows excerpts of ``[role=main]``'s text: the switch stays out of it."""
    for language in ("en", "zh_CN"):
        text = (bundled_site / language / "methods" / "faster_rcnn.html").read_text(encoding="utf-8")
        switch, main = text.find('class="zoogen-lang-switch"'), text.find('role="main"')
        assert 0 <= switch < main, "the language switch is inside role=main"


def test_published_files_are_readable_by_any_web_server(bundled_site: Path):
    wrong = []
    for path in bundled_site.rglob("*"):  # the output folder itself is the test's (a private temporary one)
        mode = stat.S_IMODE(path.lstat().st_mode)
        if path.is_dir() and mode != 0o755 or path.is_file() and mode != 0o644:
            wrong.append(f"{oct(mode)} {path.relative_to(bundled_site)}")
    assert not wrong, "\n".join(wrong[:20])
