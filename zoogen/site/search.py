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


# The browser splits a query at spaces and punctuation only: 目标检测模型 stays one word, which is not in the
# index (jieba split the pages into 目标检测 and 模型). This splitter cuts each run of Chinese characters into
# the longest words the loaded index holds (forward maximum matching), so a query is segmented like the pages;
# single characters the index does not hold (上, 的) are left out, as the index leaves them out.
SPLIT_QUERY_JS = r"""
var splitQuery = function (query) {
  var words = query.split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu).filter(Boolean);
  var index = (typeof Search !== "undefined" && Search._index) ? Search._index.terms : null;
  if (!index) return words;
  var known = function (word) { return Object.prototype.hasOwnProperty.call(index, word); };
  var result = [];
  words.forEach(function (word) {
    (word.match(/\p{Script=Han}+|[^\p{Script=Han}]+/gu) || []).forEach(function (run) {
      if (!/\p{Script=Han}/u.test(run) || known(run)) { result.push(run); return; }
      var start = 0;
      while (start < run.length) {
        var end = Math.min(run.length, start + 12);
        while (end > start + 1 && !known(run.slice(start, end))) end -= 1;
        var piece = run.slice(start, end);
        if (piece.length > 1 || known(piece)) result.push(piece);  // the index keeps no single characters
        start = end;
      }
    });
  });
  return result;
};
"""


class ChineseSearch(SearchChinese):
    """Sphinx's Chinese search (jieba), with a ``language_data.js`` that defines the stemmer it names and
    splits a Chinese query into the index's words."""

    language_name = stemmer_language_name(getattr(SearchChinese, "js_stemmer_rawcode", ""),
                                          SearchChinese.language_name)
    js_splitter_code = SPLIT_QUERY_JS

    def __init__(self, options: dict[str, str]) -> None:
        super().__init__(options)
        _add_registry_words()
        # A zoo's pages repeat the same short texts thousands of times (table cells: "-", numbers, names):
        # each is segmented (jieba) and stemmed once per build.
        self._splits: dict[str, list[str]] = {}
        self._stems: dict[str, str] = {}

    def split(self, input: str) -> list[str]:  # noqa: A002 (Sphinx's name)
        words = self._splits.get(input)
        if words is None:
            words = self._splits[input] = super().split(input)  # also notes the text's Latin words
        return words

    def stem(self, word: str) -> str:
        lowered = word.lower()
        stemmed = self._stems.get(lowered)
        if stemmed is None:
            stemmed = self._stems[lowered] = self.stemmer.stemWord(lowered)
        # as Sphinx: a Latin word of the pages that stemming would cut below 3 characters stays whole
        return lowered if len(word) >= 3 > len(stemmed) and word in self.latin_terms else stemmed


def _add_registry_words() -> None:
    """The registry's Chinese names (目标检测, 实例分割...) are words of their own for the segmenter.

    The browser does not segment a query: a reader who types 目标检测 finds it only when the index holds that
    whole word, not just 目标 and 检测.
    """
    try:
        import jieba
    except ImportError:
        return
    from zoogen.meta.registry import load_registry

    registry = load_registry()
    for group in (registry.tasks, registry.datasets, registry.metrics, registry.columns, registry.words):
        for term in group.values():
            name = term.zh_CN or ""
            if any("\u4e00" <= ch <= "\u9fff" for ch in name) and " " not in name:
                jieba.add_word(name)
