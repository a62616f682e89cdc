"""Issue 16 §8 in headless Chromium: a page open in the browser while `zoogen serve` rebuilds shows the failed
build's error (and runs none of its text), in both languages, and loses it after the next good build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browsing import wait_for
from test_serve import METHOD, small_zoo, start_serve  # tests/sitebuild (on pytest's pythonpath)
from test_serve import wait_for as wait_for_process

from zoogen.site.serve import FAILURE_BANNER_ID, FAILURE_HEADINGS

pytestmark = pytest.mark.slow

HOSTILE_COLUMN = "<img src=x onerror=document.title='owned'>"
BANNER_TEXT = f"return (document.getElementById('{FAILURE_BANNER_ID}') || {{}}).textContent || ''"


def test_a_failed_rebuild_shows_in_the_open_pages_of_both_languages(browser, tmp_path: Path):
    zoo = small_zoo(tmp_path)
    zoo_yml = zoo / "zoo.yml"
    zoo_yml.write_text("title: Good zoo\n", encoding="utf-8")
    log = tmp_path / "serve.log"
    process = start_serve(zoo, tmp_path, log)
    try:
        base = wait_for_process(lambda: re.search(r"http://127\.0\.0\.1:\d+", log.read_text()), 240,
                                "the first build", process).group(0)
        pages = {"en": f"{base}/en/methods/{METHOD}.html", "zh_CN": f"{base}/zh_CN/models.html"}
        browser.get(pages["en"])
        browser.execute_script("window.open(arguments[0], 'zh');", pages["zh_CN"])
        tabs = dict(zip(("en", "zh_CN"), browser.window_handles, strict=True))
        for language, tab in tabs.items():
            browser.switch_to.window(tab)
            wait_for(browser, "return document.readyState === 'complete'")
            assert browser.execute_script(BANNER_TEXT) == "", language

        zoo_yml.write_text(f'title: Broken zoo\ntable:\n  columns: ["{HOSTILE_COLUMN}"]\n', encoding="utf-8")
        for language, tab in tabs.items():  # the open pages reload themselves and show the error
            browser.switch_to.window(tab)
            text = wait_for(browser, BANNER_TEXT, 120)
            assert FAILURE_HEADINGS[language] in text
            assert f"zoo.yml:3: error: table.columns: unknown column {HOSTILE_COLUMN!r}" in text
            assert browser.title != "owned"  # the error's markup is text, not an element
            assert browser.execute_script("return document.querySelectorAll('img[src=\"x\"]').length") == 0
            top = browser.execute_script(
                f"return document.getElementById('{FAILURE_BANNER_ID}').getBoundingClientRect().top")
            assert 0 <= top < 50  # in view, at the top

        zoo_yml.write_text("title: Mended zoo\n", encoding="utf-8")
        for language, tab in tabs.items():
            browser.switch_to.window(tab)
            wait_for(browser, f"return !document.getElementById('{FAILURE_BANNER_ID}')", 180)
            assert "Broken" not in browser.title, language
    finally:
        process.terminate()
        process.wait(timeout=30)
        for tab in browser.window_handles[1:]:
            browser.switch_to.window(tab)
            browser.close()
        browser.switch_to.window(browser.window_handles[0])
