"""The three spellings of a language and where each language's site is."""

from __future__ import annotations

import pytest

from zoogen.site.languages import language_sites, language_tag, normalise_language, readthedocs_code, readthedocs_root


@pytest.mark.parametrize("code", ["zh_CN", "zh-cn", "zh_cn", "zh-CN"])
def test_one_language_three_spellings(code: str):
    assert normalise_language(code) == "zh_CN"  # Sphinx's, and the local build's folder
    assert language_tag(code) == "zh-CN"  # BCP 47, for lang and hreflang
    assert readthedocs_code(code) == "zh-cn"  # Read the Docs' URLs and READTHEDOCS_LANGUAGE


def test_local_builds_link_side_by_side_and_only_to_built_languages():
    both = language_sites("en", ["en", "zh_CN"], None, whole_site=True, environ={})
    assert both.has_switch and both.url("methods/x", "zh_CN") == "../../zh_CN/methods/x.html"
    assert not language_sites("en", ["en"], None, whole_site=True, environ={}).has_switch
    assert language_sites("zh_CN", None, None, whole_site=True, environ={}).has_switch  # a zoo site: both
    assert not language_sites("en", None, None, whole_site=False, environ={}).has_switch  # inside a host: asked


def test_readthedocs_urls_from_its_environment():
    environ = {"READTHEDOCS": "True", "READTHEDOCS_LANGUAGE": "zh-cn", "READTHEDOCS_VERSION": "v1.2"}
    assert readthedocs_root("en", environ) == "/en/v1.2/"
    sites = language_sites("zh_CN", None, None, whole_site=True, environ=environ)
    assert sites.url("methods/x", "en") == "/en/v1.2/methods/x.html"
    custom = {**environ, "READTHEDOCS_CANONICAL_URL": "https://docs.example.org/zh-cn/v1.2/"}
    assert readthedocs_root("en", custom) == "https://docs.example.org/en/v1.2/"
    old_code = {**environ, "READTHEDOCS_LANGUAGE": "zh_CN",
                "READTHEDOCS_CANONICAL_URL": "https://x.readthedocs.io/zh_CN/latest/"}
    assert readthedocs_root("en", old_code) == "https://x.readthedocs.io/en/latest/"
    given = language_sites("zh_CN", ["en", "zh_CN"], {"en": "https://example.org/en"}, whole_site=False,
                           environ=custom)  # a project's own setting wins
    assert given.url("model_zoo/index", "en") == "https://example.org/en/model_zoo/index.html"
