"""Issue 14 §7 in headless Chromium: pages open while `zoogen serve` rebuilds after a metafile edit reload
themselves (their own script, no help from the test) and show the edited number: the model's method page and
the all-models page, each in a tab of its own, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browsing import console_errors, wait_for
from test_serve import METHOD, small_zoo, start_serve  # tests/sitebuild (on pytest's pythonpath)
from test_serve import wait_for as wait_for_process

pytestmark = pytest.mark.slow

OLD, NEW = "36.5", "99.1"
RELOADS = "return performance.getEntriesByType('navigation')[0].type === 'reload'"
TEXT = "return document.body.innerText"


def test_open_pages_show_an_edited_number_after_the_rebuild(browser, tmp_path: Path):
    zoo = small_zoo(tmp_path)
    log = tmp_path / "serve.log"
    process = start_serve(zoo, tmp_path, log)
    try:
        base = wait_for_process(lambda: re.search(r"http://127\.0\.0\.1:\d+", log.read_text()), 240,
                                "the first build", process).group(0)
        pages = {f"{language}/{page}": f"{base}/{language}/{page}"
                 for language in ("en", "zh_CN") for page in (f"methods/{METHOD}.html", "models.html")}
        console_errors(browser)
        browser.get(pages[f"en/methods/{METHOD}.html"])
        for url in list(pages.values())[1:]:
            browser.execute_script("window.open(arguments[0]);", url)
        tabs = dict(zip(pages, browser.window_handles, strict=True))
        for name, tab in tabs.items():
            browser.switch_to.window(tab)
            wait_for(browser, "return document.readyState === 'complete'")
            text = browser.execute_script(TEXT)
            assert OLD in text and NEW not in text, name
            assert not browser.execute_script(RELOADS), name

        metafile = zoo / METHOD / "metafile.yml"
        metafile.write_text(metafile.read_text(encoding="utf-8").replace(f"box AP: {OLD}", f"box AP: {NEW}"),
                            encoding="utf-8")
        for name, tab in tabs.items():  # each reloaded itself and shows the new number, the old one gone
            browser.switch_to.window(tab)
            wait_for(browser, f"{RELOADS} && document.readyState === 'complete' && "
                              f"document.body.innerText.includes('{NEW}')", 120)
            assert OLD not in browser.execute_script(TEXT), name
        assert console_errors(browser) == []
    finally:
        process.terminate()
        process.wait(timeout=30)
        for tab in browser.window_handles[1:]:
            browser.switch_to.window(tab)
            browser.close()
        browser.switch_to.window(browser.window_handles[0])
