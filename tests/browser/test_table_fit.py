"""At 1400 px a Chinese table fits wherever its English one does: Chinese headers and link words are wider
than English ones (学习率策略 against "Lr schd"), and the Faster R-CNN table's last column (下载) was cut."""

from __future__ import annotations

import pytest
from browsing import reset_viewport, set_viewport, visit
from conftest import DESKTOP

from zoogen.meta import load_zoo

pytestmark = pytest.mark.slow
OVERFLOW = "return Array.from(document.querySelectorAll('.zoo-table-scroll')).map(b => b.scrollWidth - b.clientWidth);"


def test_chinese_tables_fit_where_english_ones_do(browser, sites):
    site = sites["bundled"]
    pages = [f"methods/{method.id}.html" for method in load_zoo(site.zoo).zoo.methods]
    set_viewport(browser, *DESKTOP)
    try:
        overflow = {}
        for language in ("en", "zh_CN"):
            for page in pages:
                visit(browser, site.url(language, page))
                overflow[language, page] = browser.execute_script(OVERFLOW)
    finally:
        reset_viewport(browser)
    assert overflow["en", "methods/faster_rcnn.html"][0] <= 0, "the English Faster R-CNN table no longer fits"
    cut = [(page, index, english, chinese) for page in pages
           for index, (english, chinese) in enumerate(zip(overflow["en", page], overflow["zh_CN", page], strict=True))
           if english <= 0 < chinese]
    assert not cut, f"Chinese tables wider than the window where the English ones fit (page, table, px): {cut}"
