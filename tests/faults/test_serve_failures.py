"""Issue 16 §8: `zoogen serve` says when a rebuild failed, for real: the server on a free port of 127.0.0.1,
pages fetched over HTTP. The error shows on every page in both languages (escaped) until the next good build.
(tests/browser/test_serve_errors.py watches the same in headless Chromium.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_serve import METHOD, fetch, small_zoo, start_serve, wait_for

from zoogen.site.serve import FAILURE_BANNER_ID, FAILURE_HEADINGS, with_failure_banner

HOSTILE_COLUMN = "<img src=x onerror=alert(1)>"
BROKEN_ZOO_YML = f'title: Broken zoo\ntable:\n  columns: ["{HOSTILE_COLUMN}"]\n'
PAGES = ("index.html", f"methods/{METHOD}.html", "models.html")
BANNER = re.compile(rf'<div id="{FAILURE_BANNER_ID}" role="alert" lang="([\w-]+)".*?</div>', re.S)


def state(base: str) -> dict:
    return json.loads(fetch(f"{base}/_zoogen/version"))


def banners(base: str) -> dict[str, list[tuple[str, str]]]:
    """Every page of both languages: its banners (language, HTML)."""
    found = {}
    for language in ("en", "zh_CN"):
        for page in PAGES:
            html = fetch(f"{base}/{language}/{page}")
            found[f"{language}/{page}"] = [(m.group(1), m.group(0)) for m in BANNER.finditer(html)]
            assert HOSTILE_COLUMN not in html  # never live markup
    return found


@pytest.mark.slow
def test_a_failed_rebuild_shows_on_every_page_until_the_next_good_build(tmp_path: Path):
    zoo = small_zoo(tmp_path)
    zoo_yml = zoo / "zoo.yml"
    zoo_yml.write_text("title: Good zoo\n", encoding="utf-8")
    log = tmp_path / "serve.log"
    process = start_serve(zoo, tmp_path, log)
    try:
        base = wait_for(lambda: re.search(r"http://127\.0\.0\.1:\d+", log.read_text()), 240,
                        "the first build", process).group(0)
        assert all(found == [] for found in banners(base).values())
        before = state(base)
        assert before["error"] is None

        zoo_yml.write_text(BROKEN_ZOO_YML, encoding="utf-8")  # an error in zoo.yml: the zoo does not load
        failed = wait_for(lambda: (s := state(base))["version"] > before["version"] and s, 120, "the failed rebuild",
                          process)
        assert f"{zoo_yml}:3: error: table.columns: unknown column '{HOSTILE_COLUMN}'" in failed["error"]
        for page, found in banners(base).items():
            assert len(found) == 1, page
            language, banner = found[0]
            assert language == ("zh-CN" if page.startswith("zh_CN") else "en")
            assert FAILURE_HEADINGS[page.split("/")[0]] in banner
            assert "table.columns: unknown column &#x27;&lt;img src=x onerror=alert(1)&gt;&#x27;" in banner
        assert "Good zoo" in fetch(f"{base}/en/index.html")  # the last good build, still served
        assert "error" in log.read_text()  # and the terminal says it too

        zoo_yml.write_text("title: Mended zoo\n", encoding="utf-8")
        mended = wait_for(lambda: (s := state(base))["version"] > failed["version"] and s["error"] is None and s,
                          180, "the next good build", process)
        assert all(found == [] for found in banners(base).values())
        assert "Mended zoo" in fetch(f"{base}/en/index.html")

        # the zoo loads, Sphinx fails (a reference to no page: warnings are errors): the same banner
        zoo_yml.write_text("title: Mended zoo\nintro: 'See {doc}`no-such-page`.'\n", encoding="utf-8")
        sphinx_failed = wait_for(lambda: (s := state(base))["version"] > mended["version"] and s, 180,
                                 "the rebuild that Sphinx fails", process)
        assert "no-such-page" in (sphinx_failed["error"] or ""), sphinx_failed
        assert all(len(found) == 1 and "no-such-page" in found[0][1] for found in banners(base).values())
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_banner_opens_the_body_and_escapes_the_error():
    page = '<html><head><title>x</title></head><body class="wy-body">\n<p>page</p></body></html>'
    error = "zoo.yml:3: error: </pre><script>alert('x')</script>" + "y" * 30_000
    shown = with_failure_banner(page, error, "zh_CN")
    assert shown.startswith(f'<html><head><title>x</title></head><body class="wy-body"><div id="{FAILURE_BANNER_ID}"')
    assert "<script>" not in shown and "&lt;/pre&gt;&lt;script&gt;alert(&#x27;x&#x27;)" in shown
    assert FAILURE_HEADINGS["zh_CN"] in shown and len(shown) < 21_500  # a long error is cut
    assert FAILURE_HEADINGS["en"] in with_failure_banner("no body at all", "e", "_static")
