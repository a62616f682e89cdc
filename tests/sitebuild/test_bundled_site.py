"""The bundled zoo built for real by Sphinx, in English and Chinese, read back from the HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from html_reader import has_cjk, numbers, read_page

from zoogen.meta import load_zoo

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
SEED_002 = ROOT.parent / "shared" / "seeds" / "002_5722c6b48356b208.txt"


@pytest.fixture(scope="module")
def zoo():
    return load_zoo(ROOT / "zoo_meta", strict=True).zoo


def test_every_model_appears_in_both_languages_with_identical_numbers(bundled_site: Path, zoo):
    for method in zoo.methods:
        en = bundled_site / "en" / "methods" / f"{method.id}.html"
        zh = bundled_site / "zh_CN" / "methods" / f"{method.id}.html"
        en_page, zh_page = read_page(en), read_page(zh)
        assert numbers(en_page) == numbers(zh_page), method.id
        en_html, zh_html = en.read_text(encoding="utf-8"), zh.read_text(encoding="utf-8")
        for model in method.models:
            needle = model.weights or (model.config or "").rsplit("/", 1)[-1]
            assert needle in en_html and needle in zh_html, (method.id, model.name)
            for result in model.results:
                for value in result.metrics.values():
                    assert str(value) in numbers(en_page), (model.name, value)


def test_overview_carries_every_baseline_of_seed_002(bundled_site: Path):
    seed = SEED_002.read_text(encoding="utf-8")
    baselines = seed.split("## Baselines")[1].split("## Speed benchmark")[0]
    expected = [line[4:].strip() for line in baselines.splitlines() if line.startswith("### ")]
    assert len(expected) == 58  # 56 methods, "Other datasets", "Pre-trained Models"
    headings = [text for _, text in read_page(bundled_site / "en" / "index.html").headings]
    missing = [title for title in expected if title not in headings]
    assert missing == []


def test_overview_carries_the_seed_tables(bundled_site: Path):
    page = read_page(bundled_site / "en" / "index.html")
    cells = {cell for table in page.tables for row in table for cell in row}
    for value in ("ResNext101_32x8d", "62", "0.216", "25.6 (26.3)", "38.8 & 35.4", "3.9"):
        assert value in cells, value
    zh = read_page(bundled_site / "zh_CN" / "index.html")
    assert numbers(zh) == numbers(page)


def test_chinese_headings_are_chinese(bundled_site: Path):
    headings = read_page(bundled_site / "zh_CN" / "index.html").headings
    top = [text for tag, text in headings if tag in ("h1", "h2")]
    assert top and all(has_cjk(text) for text in top), top
    method = read_page(bundled_site / "zh_CN" / "methods" / "faster_rcnn.html")
    header_row = method.tables[0][0]
    assert "主干网络" in header_row and "下载" in header_row


def test_language_switch_leads_to_the_same_page(bundled_site: Path):
    for lang, other in (("en", "zh_CN"), ("zh_CN", "en")):
        for page in (bundled_site / lang).rglob("*.html"):
            if page.name in ("genindex.html", "search.html"):
                continue
            links = [href for href in read_page(page).links if f"{other}/" in href and href.endswith(".html")]
            assert links, page
            target = (page.parent / links[0]).resolve()
            assert target == (bundled_site / other / page.relative_to(bundled_site / lang)).resolve()
            assert target.is_file()


def test_chinese_search_index_has_chinese_words(bundled_site: Path):
    text = (bundled_site / "zh_CN" / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1: text.rindex(")")])
    chinese_terms = [term for term in index["terms"] if has_cjk(term)]
    assert "模型" in chinese_terms or "模型库" in chinese_terms
    assert all(len(term) < 8 for term in chinese_terms)  # segmented into words, not whole sentences


def test_all_models_page_is_searchable_offline(bundled_site: Path, zoo):
    for lang in ("en", "zh_CN"):
        html = (bundled_site / lang / "models.html").read_text(encoding="utf-8")
        assert 'class="zoo-data zoo-sortable' in html
        scripts = re.findall(r'<script src="([^"]+)"', html)
        assert any(src.split("?")[0].endswith("zoo-table.js") for src in scripts)
        assert not any(src.startswith(("http:", "https:", "//")) for src in scripts)
        assert (bundled_site / lang / "_static" / "zoo-table.js").is_file()
        assert all(model.name in html for model in zoo.models)


def test_statistics_page(bundled_site: Path, zoo):
    page = read_page(bundled_site / "en" / "statistics.html")
    totals = dict(row for row in page.tables[0][1:])
    assert totals["Models"] == str(len(zoo.models))
    assert totals["Checkpoints"] == str(sum(1 for m in zoo.models if m.weights))


def test_translated_pages_keep_every_link(bundled_site: Path):
    for en in [bundled_site / "en" / "index.html", *(bundled_site / "en" / "methods").glob("*.html")]:
        zh = bundled_site / "zh_CN" / en.relative_to(bundled_site / "en")

        def external(page: Path) -> set[str]:
            return {href for href in read_page(page).links if href.startswith("http")}

        assert external(en) == external(zh), en.name
