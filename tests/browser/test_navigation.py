"""Moving around the sites as a reader does: the language switch on every kind of page, the overview's links,
the quick links to the all-models, statistics and report pages; no console error on any page visited."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from browsing import visit, wait_for

from zoogen.meta import load_zoo

pytestmark = pytest.mark.slow

SITES = ["bundled", "mmdet_v1_rpn", "paddledetection", "furo"]
WITH_CORPORA = [*SITES, "mmpose", "mmpretrain"]  # the family's corpora after `zoogen init`
OTHER = {"en": "zh_CN", "zh_CN": "en"}


def kinds_of_page(site) -> list[str]:
    method = load_zoo(site.zoo).zoo.methods[0].id
    return ["index.html", f"methods/{method}.html", "models.html", "statistics.html", "verification.html",
            "search.html?q=RPN"]


def switch_to(browser, language: str) -> None:
    tag = language.replace("_", "-")  # hreflang is BCP 47: zh-CN
    link = wait_for(browser, "return document.querySelector("
                             "'.zoogen-lang-switch a[hreflang=\"' + arguments[0] + '\"]');", 10, tag)
    link.click()
    wait_for(browser, "return document.readyState === 'complete' && document.documentElement.lang"
                      ".replace('-', '_').toLowerCase() === arguments[0].toLowerCase();", 10, language)


@pytest.mark.parametrize("name", WITH_CORPORA)
def test_language_switch_lands_on_the_same_page_and_back(browser, sites, name: str):
    site = sites[name]
    for page in kinds_of_page(site):
        for language in ("en", "zh_CN"):
            start = site.url(language, page)
            visit(browser, start)
            switch_to(browser, OTHER[language])
            assert browser.current_url == site.url(OTHER[language], page), (start, browser.current_url)
            switch_to(browser, language)
            assert browser.current_url == start


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.hrefs.append(attributes["href"] or "")
        if attributes.get("id"):
            self.ids.add(attributes["id"] or "")


def _fetch(url: str) -> _Links:
    assert urlsplit(url).hostname == "127.0.0.1"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (a local server)
            body = response.read()
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{url}: HTTP {error.code}") from None
    parser = _Links()
    if url.split("?")[0].endswith((".html", "/")):
        parser.feed(body.decode("utf-8"))
    return parser


@pytest.mark.parametrize("language", ["en", "zh_CN"])
@pytest.mark.parametrize("name", WITH_CORPORA)
def test_every_internal_link_of_the_overview_resolves(browser, sites, name: str, language: str):
    site = sites[name]
    overview = site.url(language, "index.html")
    visit(browser, overview)
    hrefs = browser.execute_script(  # HTML links and those of the plots (SVG)
        "return Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href')"
        " || a.getAttribute('xlink:href')).filter(Boolean).map(h => new URL(h, location.href).href);")
    internal = {href for href in hrefs if urlsplit(href).netloc == urlsplit(overview).netloc}
    assert len(internal) > 5
    pages: dict[str, _Links] = {}
    for href in sorted(internal):
        page, fragment = urldefrag(href)
        if page not in pages:
            pages[page] = _fetch(page)
        if fragment:
            assert fragment in pages[page].ids, href


@pytest.mark.parametrize("name", WITH_CORPORA)
def test_report_statistics_and_all_models_are_one_click_from_the_top(browser, sites, name: str):
    site = sites[name]
    for language in ("en", "zh_CN"):
        visit(browser, site.url(language, "index.html"))
        quick = browser.execute_script(
            "const nav = document.querySelector('p.zoo-nav');"
            "const top = nav && nav.getBoundingClientRect().top;"
            "return nav && {top: top, links: Array.from(nav.querySelectorAll('a')).map(a => a.href)};")
        assert quick, (name, language)
        assert quick["top"] < 400  # near the top of the overview, without scrolling
        targets = [re.sub(r".*/", "", href) for href in quick["links"]]
        assert targets == ["models.html", "statistics.html", "verification.html"]
        for href in quick["links"]:
            assert _fetch(urljoin(site.url(language, ""), href))
