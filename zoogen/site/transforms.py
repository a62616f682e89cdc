"""Docutils transforms: keep data out of the gettext catalogs, translate the few words in data cells."""

from __future__ import annotations

import gettext
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

from zoogen.site.context import build_context

DATA_CLASS = "zoo-data"
NAV_CLASS = "zoo-nav"
TRANSLATE_PREFIX = "zoo-translate-"
WORDS_DOMAIN = "zoogen"


class DataTableCells(SphinxTransform):
    """Body cells of ``zoo-data`` tables are data: never extracted into, or translated from, a page catalog.

    Columns named by a ``zoo-translate-<index>`` class hold prose and stay translatable. Link texts in data
    cells (``model``, ``log``, ``config``) are translated from the shared ``zoogen`` catalog instead.
    Runs before Sphinx's ``Locale`` transform (priority 20).
    """

    default_priority = 15

    def apply(self, **kwargs: object) -> None:
        words = words_catalog(tuple(self.config.locale_dirs), self.config.language or "en", str(self.env.srcdir))
        cell_text = build_context(self.env).cell_text.get(self.env.docname, {})
        for paragraph in self.document.findall(nodes.paragraph):
            if NAV_CLASS in paragraph.get("classes", []):  # links whose text is the target's title
                paragraph["translatable"] = False
        for table in self.document.findall(nodes.table):
            classes: list[str] = table.get("classes", [])
            if DATA_CLASS not in classes:
                continue
            prose = {int(c[len(TRANSLATE_PREFIX):]) for c in classes if c.startswith(TRANSLATE_PREFIX)}
            for tbody in table.findall(nodes.tbody):
                for row in tbody.findall(nodes.row):
                    for index, entry in enumerate(c for c in row.children if isinstance(c, nodes.entry)):
                        if index in prose:
                            continue
                        for element in entry.findall(nodes.paragraph):
                            element["translatable"] = False
                            localised = cell_text.get(element.astext())
                            if localised is not None:  # a registry name the renderer gave in this language
                                element.clear()
                                element += nodes.Text(localised)
                        for reference in entry.findall(nodes.reference):
                            _translate_link_text(reference, words)
                        for xref in entry.findall(addnodes.pending_xref):  # a link to a page (a mark's report)
                            _translate_text_in(xref, words)


def _translate_link_text(reference: nodes.reference, words: gettext.NullTranslations) -> None:
    text = reference.astext()
    translated = words.gettext(text)
    if translated != text:
        reference.children = []
        reference += nodes.Text(translated)  # with its parent set (docutils 0.20's smart quotes need it)


def _translate_text_in(node: nodes.Element, words: gettext.NullTranslations) -> None:
    """Translate a link whose text is one text node, keeping the elements around it (a cross-reference)."""
    texts = list(node.findall(nodes.Text))
    if len(texts) != 1:
        return
    translated = words.gettext(texts[0].astext())
    if translated != texts[0].astext():
        texts[0].parent.replace(texts[0], nodes.Text(translated))


@cache
def words_catalog(locale_dirs: tuple[str, ...], language: str, srcdir: str) -> gettext.NullTranslations:
    """The shared ``zoogen`` catalog of link words in data cells, merged over the locale folders."""
    translations: gettext.NullTranslations = gettext.NullTranslations()
    for directory in reversed(locale_dirs):
        path = Path(srcdir, directory)
        found = gettext.translation(WORDS_DOMAIN, localedir=path, languages=[language], fallback=True)
        found.add_fallback(translations)
        translations = found
    return translations


REFERENCE_LINK = re.compile(r"\[([^\[\]]+)\]\[([^\[\]]+)\]")


class TranslatedReferenceLinks(SphinxTransform):
    """Restore reference-style links (``[text][label]``) in translated paragraphs.

    MyST parses each translated message on its own, without the page's link definitions, so a reference
    link comes out as literal text (MyST-Parser issue #690). The renderer knows every page's labels; this
    turns such literal text back into links. Runs after Sphinx's ``Locale`` transform (priority 20).
    """

    default_priority = 25

    def apply(self, **kwargs: object) -> None:
        links = build_context(self.env).page_links.get(self.env.docname, {})
        if not links:
            return
        for text in list(self.document.findall(nodes.Text)):
            parent = text.parent
            if parent is None or isinstance(parent, nodes.FixedTextElement | nodes.literal | nodes.reference):
                continue
            pieces = _link_pieces(str(text), links)
            if pieces is not None:
                parent.replace(text, pieces)


def _link_pieces(value: str, links: Mapping[str, str]) -> list[nodes.Node] | None:
    pieces: list[nodes.Node] = []
    position = 0
    for match in REFERENCE_LINK.finditer(value):
        label = match.group(2)
        if label not in links:
            continue
        if match.start() > position:
            pieces.append(nodes.Text(value[position:match.start()]))
        pieces.append(nodes.reference(match.group(1), match.group(1), refuri=links[label]))
        position = match.end()
    if not pieces:
        return None
    if position < len(value):
        pieces.append(nodes.Text(value[position:]))
    return pieces
