"""Screenshots of the overview, a method page and the all-models page in both languages, kept as test artefacts
(``build/test-artefacts/screenshots``, printed at the start of the session) for a person to look at."""

from __future__ import annotations

import struct

import pytest
from browsing import visit

from zoogen.meta import load_zoo

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", ["bundled", "furo"])
def test_screenshots_of_the_main_pages(browser, sites, screenshots, name: str):
    site = sites[name]
    method = next(m.id for m in load_zoo(site.zoo).zoo.methods if m.models)
    for language in ("en", "zh_CN"):
        for label, page in (("overview", "index.html"), ("method", f"methods/{method}.html"),
                            ("all-models", "models.html")):
            visit(browser, site.url(language, page))
            path = screenshots / f"{name}-{language}-{label}.png"
            assert browser.save_screenshot(str(path)), path
            data = path.read_bytes()
            assert data[:8] == b"\x89PNG\r\n\x1a\n", path
            width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
            assert (width, height) == (1400, 1000) or width >= 1000, (path, width, height)
            assert len(data) > 30_000, path  # a rendered page, not a blank one
