"""Chinese all the way: every word zoogen puts on a Chinese page is Chinese.

Walks every Chinese page of each site in the browser (so words a script adds count too) and fails on any
Latin word outside data cells, code, URLs and the names that stay untranslated by design. What may stay is
data, never a list in this test: the registry's Chinese names, ``zoogen/site/untranslated.txt``, the zoo's
own names (models, methods, metadata values) and what the zoo's translators kept in Latin letters.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import polib
import pytest
from browsing import visit

from zoogen.meta import load_zoo
from zoogen.meta.registry import load_registry

pytestmark = pytest.mark.slow

SITES = ["bundled", "mmdet_v1_rpn", "paddledetection"]
# A Latin word (not the x of 1333x800); joined by "-", "_", "." or "/" it is an identifier (a file, model or
# config name: untranslated by design), which ``_words`` leaves out.
LATIN_WORD = re.compile(r"(?<![0-9A-Za-z])[A-Za-z][A-Za-z0-9]*(?:[-_./'’][A-Za-z0-9]+)*")

# The text a reader sees, without data cells, code, plots' data, external links (their text is data: paper
# titles, file names) and parts marked as another language (the switch's "English").
VISIBLE_TEXT = """
const copy = document.body.cloneNode(true);
copy.querySelectorAll('script, style, noscript, code, pre, kbd, samp, [lang]:not([lang^="zh"]), .headerlink,'
  + 'table.zoo-data tbody td, a[href^="http"]').forEach(e => e.remove());
copy.querySelectorAll('a[href]').forEach(a => {  // a link to a file (an export): its text is the file's name
  if (!/\\.html([?#].*)?$/.test(a.getAttribute('href'))) a.remove();
});
const texts = [];
const walker = document.createTreeWalker(copy, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) texts.push(walker.currentNode.nodeValue);
const filter = document.querySelector('input.zoo-filter');
return [document.title, ...texts, filter ? filter.placeholder : ''].join(' ');
"""

TABLE_CELLS = """
return Array.from(document.querySelectorAll('table.zoo-data td, table.zoo-data th'))
  .map(c => c.textContent.replace(/\\s+/g, ' ').trim());
"""


def _words(text: str) -> set[str]:
    return {word.lower() for word in LATIN_WORD.findall(text) if not re.search(r"[-_./]", word)}


def allowed_words(zoo_dir: Path) -> set[str]:
    registry = load_registry()
    allowed: set[str] = set()
    for group in (registry.tasks, registry.datasets, registry.metrics, registry.columns, registry.words):
        for term in group.values():
            allowed |= _words(term.zh_CN or "")
    names = resources.files("zoogen") / "site" / "untranslated.txt"
    allowed |= _words(" ".join(line for line in names.read_text(encoding="utf-8").splitlines()
                               if not line.startswith("#")))
    zoo = load_zoo(zoo_dir).zoo
    for method in zoo.methods:
        allowed |= _words(f"{method.id} {method.title}")
        for model in method.models:
            allowed |= _words(" ".join([model.name, model.collection or "", model.config or "",
                                        *(str(v) for v in model.metadata.values()),
                                        *(m for r in model.results for m in r.metrics)]))
    for catalog in (zoo.info.locale_dir / "zh_CN" / "LC_MESSAGES").rglob("*.po"):
        for entry in polib.pofile(str(catalog)):
            if entry.translated():
                allowed |= _words(entry.msgstr)
    return allowed


@pytest.mark.parametrize("name", SITES)
def test_every_chinese_page_is_chinese(browser, sites, name: str):
    site = sites[name]
    allowed = allowed_words(site.zoo)
    registry = load_registry()
    english_names = {term.title for group in (registry.tasks, registry.datasets, registry.columns)
                     for term in group.values() if term.zh_CN and term.zh_CN != term.title}
    pages = sorted(p.relative_to(site.folder / "zh_CN").as_posix() for p in (site.folder / "zh_CN").rglob("*.html"))
    assert len(pages) >= 6
    found: dict[str, set[str]] = {}
    for page in pages:
        visit(browser, site.url("zh_CN", page))
        english = _words(browser.execute_script(VISIBLE_TEXT)) - allowed
        # registry names are Chinese in every table, data cells included
        english |= {cell for cell in browser.execute_script(TABLE_CELLS)
                    if cell in english_names or any(part in english_names for part in cell.split(", "))}
        if english:
            found[page] = english
    assert not found, "English on Chinese pages:\n" + "\n".join(f"{page}: {sorted(words)}"
                                                               for page, words in found.items())
