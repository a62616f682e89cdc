"""The family's corpora (MMPose, MMPretrain) after `zoogen init` and `zoogen build --lang all`, in the browser:
search finds their own words and models; MMPretrain's overview plots (accuracy against FLOPs or parameters: it
publishes no speed) are there in both languages, a point focusable and linked to its method page;
axe-core finds nothing on zoogen's own elements. Navigation, the language switch and the all-models page's sort
and filter run on them in test_navigation.py and test_tables.py."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from browsing import search, visit
from test_axe_core import axe_violations
from web_checkers import require_axe

from zoogen.meta import load_zoo

pytestmark = pytest.mark.slow

CORPORA = ["mmpose", "mmpretrain"]
WORDS = {("mmpose", "en"): ["keypoint", "COCO", "RTMPose"], ("mmpose", "zh_CN"): ["模型", "关键点", "COCO"],
         ("mmpretrain", "en"): ["classification", "ImageNet", "ResNet"],
         ("mmpretrain", "zh_CN"): ["模型", "分类", "ImageNet"]}
PLOTS = """
return Array.from(document.querySelectorAll('figure.zoo-plot')).map(figure => ({
  label: figure.querySelector('svg').getAttribute('aria-label') || '',
  text: figure.textContent,
  points: Array.from(figure.querySelectorAll('a.zoo-plot-point')).map(a => new URL(a.getAttribute('href')
    || a.getAttribute('xlink:href'), location.href).href)}));
"""


@pytest.mark.parametrize("language", ["en", "zh_CN"])
@pytest.mark.parametrize("name", CORPORA)
def test_search_finds_the_zoos_words_and_models(browser, sites, name: str, language: str):
    site = sites[name]
    zoo = load_zoo(site.zoo).zoo
    for query in [*WORDS[name, language], zoo.models[0].name, zoo.models[-1].name]:
        hits = search(browser, site.url(language, f"search.html?q={quote(query)}"))
        assert hits, (name, language, query)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_overview_plots_have_focusable_linked_points(browser, sites, language: str):
    """MMPretrain's (MMPose's metafiles have neither speed nor FLOPs nor parameters: no plots)."""
    name = "mmpretrain"
    site = sites[name]
    visit(browser, site.url(language, "index.html"))
    plots = browser.execute_script(PLOTS)
    assert plots, (name, language)
    for plot in plots:
        assert len(plot["points"]) >= 3 and all(plot["points"]), plot["label"]
    words = ("FLOPs", "Params", "参数") if language == "zh_CN" else ("FLOPs", "Params", "parameters")
    assert any(word in plot["text"] for plot in plots for word in words), [p["label"] for p in plots]  # no speed
    focused = browser.execute_script(
        "const a = document.querySelector('figure.zoo-plot a.zoo-plot-point'); a.focus();"
        "return document.activeElement === a;")
    assert focused
    target = plots[0]["points"][0].split("#")[0]
    assert target.startswith(site.url(language, "methods/")), target
    visit(browser, target)  # the point's method page
    assert browser.execute_script("return document.querySelectorAll('table.zoo-data').length") > 0


@pytest.mark.parametrize("language", ["en", "zh_CN"])
@pytest.mark.parametrize("name", CORPORA)
def test_axe_finds_nothing_on_zoogens_elements(browser, sites, name: str, language: str):
    """As test_axe_core.py on the bundled site: the home, all-models and the first method page."""
    source = require_axe()
    site = sites[name]
    for page in ("index.html", "models.html", f"methods/{load_zoo(site.zoo).zoo.methods[0].id}.html"):
        own = [v for v in axe_violations(browser, site.url(language, page), source) if v["zoogen"]]
        assert own == [], (name, language, page, own[:5])
