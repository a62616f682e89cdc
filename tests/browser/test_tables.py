"""Tables as a reader sees them, at 1400 px and on a phone (390 px): each scrolls in its own box with its
scrollbar in view and the first column fixed, no cell is cut; the all-models table filters and sorts."""

from __future__ import annotations

import pytest
from browsing import reset_viewport, set_viewport, visit
from conftest import DESKTOP, PHONE

from zoogen.meta import load_zoo
from zoogen.meta.registry import load_registry

pytestmark = pytest.mark.slow

SITES = ["bundled", "mmdet_v1_rpn", "paddledetection", "furo"]
WITH_CORPORA = [*SITES, "mmpose", "mmpretrain"]  # the family's corpora after `zoogen init`

# Geometry of every data table of the page: its box, its cells, the viewport.
GEOMETRY = """
const view = {width: document.documentElement.clientWidth, height: window.innerHeight};
return {view: view, tables: Array.from(document.querySelectorAll('table.zoo-data')).map(table => {
  const box = table.closest('.zoo-table-scroll');
  const rect = box ? box.getBoundingClientRect() : null;
  const cells = Array.from(table.querySelectorAll('td, th'));
  return {
    boxed: !!box,
    box: rect && {left: rect.left, right: rect.right, height: rect.height},
    scrollable: box ? box.scrollWidth > box.clientWidth : false,
    widest: Math.max(...cells.map(c => c.getBoundingClientRect().width)),
    cut: cells.filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.textContent.trim()).slice(0, 3),
    headers: Array.from(table.tHead ? table.tHead.rows[0].cells : []).map(th => th.textContent.trim()),
  };
})};
"""


def method_with_widest_table(site) -> str:
    zoo = load_zoo(site.zoo).zoo
    return max(zoo.methods, key=lambda m: sum(len(r.metrics) for model in m.models for r in model.results)).id


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1400px", "390px"])
@pytest.mark.parametrize("name", SITES)
def test_tables_fit_the_window(browser, sites, name: str, viewport: tuple[int, int]):
    site = sites[name]
    set_viewport(browser, *viewport)
    try:
        for language in ("en", "zh_CN"):
            for page in (f"methods/{method_with_widest_table(site)}.html", "models.html", "statistics.html"):
                visit(browser, site.url(language, page))
                found = browser.execute_script(GEOMETRY)
                view = found["view"]
                assert found["tables"], page
                for table in found["tables"]:
                    where = (name, language, page, viewport, table["headers"][:3])
                    assert table["boxed"], where
                    box = table["box"]
                    assert box["left"] >= -1 and box["right"] <= view["width"] + 1, where  # the box fits
                    assert box["height"] <= view["height"], where  # its scrollbar is in view with its top
                    assert table["widest"] <= view["width"], where  # no cell wider than the window
                    assert table["cut"] == [], where  # no cell's text is cut off
    finally:
        reset_viewport(browser)


KEY_METRICS = ("box AP", "mask AP", "AR1000", "Box AP", "Mask AP")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1400px", "390px"])
@pytest.mark.parametrize("name", SITES)
def test_key_metrics_are_reachable_in_the_table_box(browser, sites, name: str, viewport: tuple[int, int]):
    """Scrolled sideways inside its box (not the page), a method table shows its metric columns, and its
    first column stays in view."""
    site = sites[name]
    set_viewport(browser, *viewport)
    try:
        visit(browser, site.url("en", f"methods/{method_with_widest_table(site)}.html"))
        result = browser.execute_script("""
            const table = document.querySelector('table.zoo-data');
            const box = table.closest('.zoo-table-scroll');
            box.scrollIntoView({block: 'start'});
            const pageY = window.scrollY;
            const headers = Array.from(table.tHead.rows[0].cells);
            const metric = headers.find(th => arguments[0].includes(th.textContent.trim()));
            const before = box.getBoundingClientRect(), seen = metric.getBoundingClientRect();
            box.scrollLeft += seen.left - before.left - (box.clientWidth - seen.width) / 2;
            const boxRect = box.getBoundingClientRect(), m = metric.getBoundingClientRect();
            const first = table.tBodies[0].rows[0].cells[0].getBoundingClientRect();
            return {visible: m.left >= boxRect.left - 1 && m.right <= boxRect.right + 1 && m.top >= boxRect.top - 1,
                    firstInView: first.left >= boxRect.left - 1 && first.right <= boxRect.right + 1,
                    scrolled: box.scrollLeft, pageMoved: window.scrollY !== pageY, metric: [m.left, m.right],
                    box: [boxRect.left, boxRect.right],
                    boxHeight: boxRect.height, height: window.innerHeight};
        """, list(KEY_METRICS))
        assert result["visible"], str(result)
        assert result["firstInView"], result
        assert not result["pageMoved"], result
        # the whole box, its horizontal scrollbar included, fits on the screen at once: no scrolling the page to
        # the table's last row to scroll it sideways
        assert result["boxHeight"] <= result["height"], result
    finally:
        reset_viewport(browser)


ROWS = """
return Array.from(document.querySelector('table.zoo-sortable').tBodies[0].rows)
  .filter(row => !row.hidden).map(row => Array.from(row.cells).map(c => c.textContent.trim()));
"""  # the first table of the page (the all-models page has one per task)
ALL_ROWS = """
return Array.from(document.querySelectorAll('table.zoo-sortable')).map(table =>
  Array.from(table.tBodies[0].rows).map(row => row.cells[0].textContent.trim()));
"""


def _filter(browser, text: str) -> list[list[str]]:
    browser.execute_script("""
        const input = document.querySelector('input.zoo-filter');
        input.value = arguments[0];
        input.dispatchEvent(new Event('input'));""", text)
    return browser.execute_script(ROWS)


def _sort(browser, column: int) -> tuple[str, list[str]]:
    browser.execute_script("document.querySelectorAll('table.zoo-sortable thead th')[arguments[0]].click();",
                           column)
    state = browser.execute_script(
        "return document.querySelectorAll('table.zoo-sortable thead th')[arguments[0]].getAttribute('aria-sort');",
        column)
    return state, [row[column] for row in browser.execute_script(ROWS)]


def _numbers(values: list[str]) -> tuple[list[float], list[str]]:
    present = [v for v in values if v != "-"]
    assert values[:len(present)] == present, "missing values are not last"
    return [float(v.split()[0]) for v in present], values[len(present):]


@pytest.mark.parametrize("language", ["en", "zh_CN"])
@pytest.mark.parametrize("name", WITH_CORPORA)
def test_all_models_one_row_per_model_filter_and_sort(browser, sites, name: str, language: str):
    site = sites[name]
    zoo = load_zoo(site.zoo).zoo
    visit(browser, site.url(language, "models.html"))
    label = browser.execute_script(
        "const i = document.querySelector('input.zoo-filter');"
        "const l = document.querySelector('label[for=\"' + i.id + '\"]');"
        "return {label: l && l.textContent, placeholder: i.placeholder};")
    assert label["label"] and label["placeholder"]
    cjk = any("\u4e00" <= ch <= "\u9fff" for ch in label["label"] + label["placeholder"])
    assert cjk == (language == "zh_CN"), label

    tables = browser.execute_script(ALL_ROWS)  # one table per task: every model in one, one row per model each
    # models with results (MMPretrain's 86 self-supervised pretrained-only models have none: on their method
    # pages only; MMPretrain's own summary lists them in a "Pretrained Models" table)
    assert {name for names in tables for name in names} == {model.name for model in zoo.models if model.results}
    assert all(len(names) == len(set(names)) for names in tables)
    rows = browser.execute_script(ROWS)
    model = rows[-1][0]
    narrowed = _filter(browser, model)
    assert 1 <= len(narrowed) < len(rows) and all(model in " ".join(row) for row in narrowed)
    assert len(_filter(browser, "")) == len(rows)  # cleared: every row is back

    headers_script = ("return Array.from(document.querySelector('table.zoo-sortable').tHead.rows[0].cells)"
                      ".map(th => th.textContent);")
    headers = browser.execute_script(headers_script)
    if name in ("mmpose", "mmpretrain") and language != "en":  # their metric names are translated: the English
        visit(browser, site.url("en", "models.html"))        # page's headers name the same columns
        headers = browser.execute_script(headers_script)
        visit(browser, site.url(language, "models.html"))
    registry = load_registry()
    metric_columns = [i for i, header in enumerate(headers) if i >= 2 and registry.metric(
        header.split(" (")[0].split("（")[0].strip()) is not None]
    assert metric_columns, headers
    column = metric_columns[0]
    state, values = _sort(browser, column)  # first click: best first (higher is better for these metrics)
    assert state == "descending"
    numbers, missing = _numbers(values)
    assert numbers == sorted(numbers, reverse=True)
    state, values = _sort(browser, column)
    assert state == "ascending"
    numbers, missing_again = _numbers(values)
    assert numbers == sorted(numbers) and len(missing_again) == len(missing)


def test_long_names_wrap_after_underscores_and_hyphens(browser, sites):
    """On a phone the longest model name of the bundled zoo wraps inside its cell (at ``_`` or ``-``), and the
    copied text is the name unchanged."""
    site = sites["bundled"]
    longest = max((model.name for model in load_zoo(site.zoo).zoo.models), key=len)
    set_viewport(browser, *PHONE)
    try:
        visit(browser, site.url("en", "models.html"))
        cell = browser.execute_script("""
            const cell = Array.from(document.querySelectorAll('table.zoo-sortable td'))
              .find(td => td.textContent.trim() === arguments[0]);
            const wrap = cell.querySelector('.zoo-wrap');
            const line = parseFloat(getComputedStyle(wrap).lineHeight) || 20;
            return {lines: Math.round(wrap.getBoundingClientRect().height / line),
                    breaks: cell.querySelectorAll('wbr').length, width: cell.getBoundingClientRect().width,
                    text: cell.textContent.trim()};""", longest)
    finally:
        reset_viewport(browser)
    assert cell["text"] == longest
    assert cell["breaks"] >= longest.count("_") and cell["lines"] >= 2, cell
    assert cell["width"] < PHONE[0] * 0.6, cell  # the rest of the row stays in view beside it
