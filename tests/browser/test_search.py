"""Sphinx's search in the browser, in both languages, on every site (sphinx-doc/sphinx#14229 fixed by zoogen)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from browsing import search

from zoogen.meta import load_zoo

pytestmark = pytest.mark.slow

SITES = ["bundled", "mmdet_v1_rpn", "paddledetection", "furo"]
WORDS = {"zh_CN": ["模型", "训练", "目标检测"], "en": ["model", "training", "detection"]}


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("name", SITES)
def test_search_finds_words_and_model_names(browser, sites, name: str, language: str):
    site = sites[name]
    model = load_zoo(site.zoo).zoo.models[0].name
    for query in [*WORDS[language], model]:
        hits = search(browser, site.url(language, f"search.html?q={quote(query)}"))
        assert hits, (name, language, query)
