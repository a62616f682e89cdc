"""Chinese search in the browser under Sphinx 8.2 and 9.0.

Sphinx 9.0 writes ``window.Stemmer = ChineseStemmer;`` into ``language_data.js``, but its Chinese search
ships the English stemmer (class ``EnglishStemmer``): the browser stops at ``ChineseStemmer is not defined``,
then ``Stemmer is not defined``, and the search page never answers (sphinx-doc/sphinx#14229; fixed upstream
by sphinx-doc/sphinx#14416, which names the class after the stemmer's file). The same fix, as a search
language the extension registers for ``zh``: the class name comes from the stemmer file's name.
"""

from __future__ import annotations

from pathlib import PurePath

from sphinx.search.zh import SearchChinese


def stemmer_language_name(rawcode: str | None, fallback: str) -> str:
    """``english-stemmer.js`` -> ``English`` (the JS class is ``EnglishStemmer``); ``fallback`` without one."""
    if not rawcode:
        return fallback
    stem = PurePath(rawcode).name.removesuffix(".js").removesuffix("-stemmer")
    return "".join(part.capitalize() for part in stem.replace("-", "_").split("_")) or fallback


class ChineseSearch(SearchChinese):
    """Sphinx's Chinese search (jieba), with a ``language_data.js`` that defines the stemmer it names."""

    language_name = stemmer_language_name(getattr(SearchChinese, "js_stemmer_rawcode", ""),
                                          SearchChinese.language_name)
