"""Plain-text translations without Sphinx's per-message parsing: the Chinese build's extra cost, removed.

Sphinx's ``Locale`` transform (priority 20) walks every node of a page twice and parses each translated
message with a fresh Markdown parser and docutils settings (several ms a message); for each data cell it
skips it logs a debug line whose text (the cell as XML) is built even when nobody reads it. The zoo's data
tables are thousands of cells, and most messages (column headers, names, short sentences) translate to
plain text. So, on a page that has a catalog, `PlainMessages` first takes each ``zoo-data`` table out of the
document, translating its header cells itself, and then translates every paragraph whose translation is
plain text (no character Markdown could read as markup) from the same catalogs ``Locale`` reads; the rest
is left to ``Locale``. `RestoreDataTables` puts the tables back right after ``Locale``. A table with a prose
column (``zoo-translate-N``), or a header whose translation has markup, stays in for ``Locale``. The gettext
builder (no catalog) sees everything as before.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Mapping
from pathlib import Path

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain
from sphinx.util.nodes import extract_messages

from zoogen.site.context import build_context
from zoogen.site.transforms import DATA_CLASS, REFERENCE_LINK, TRANSLATE_PREFIX

# Anything Markdown or MyST could read as markup (then Sphinx's own parsing of the message is needed).
_MARKUP = re.compile(r"[\\`*_\[\]<>&!#|{}$~:\n]|^\s*([-+>=]|\d+[.)])(\s|$)")
_HIDDEN = "zoogen_hidden_tables"


class _HiddenTable(nodes.Element):
    """Where a table was; holds nothing, so no transform walks into the table meanwhile."""


class PlainMessages(SphinxTransform):
    default_priority = 16  # after DataTableCells (15) marked the body cells, before Locale (20)

    def apply(self, **kwargs: object) -> None:
        catalog = _page_catalog(self.env.srcdir, tuple(self.config.locale_dirs), self.config.language,
                                docname_to_domain(self.env.docname, self.config.gettext_compact))
        if catalog is None:
            return
        hidden: list[tuple[_HiddenTable, nodes.table]] = []
        for table in list(self.document.findall(nodes.table)):
            classes: list[str] = table.get("classes", [])
            if DATA_CLASS not in classes or any(c.startswith(TRANSLATE_PREFIX) for c in classes):
                continue
            if not _translate_header(table, catalog):
                continue
            placeholder = _HiddenTable()
            table.replace_self(placeholder)
            hidden.append((placeholder, table))
        if hidden:
            setattr(self.document, _HIDDEN, hidden)
        links = build_context(self.env).page_links.get(self.env.docname, {})
        for node, message in list(extract_messages(self.document)):
            translation = _plain_translation(node, message, catalog, links)
            if translation is not None:
                _set_text(node, translation)
                node["translatable"] = False  # done: Locale leaves it alone


class RestoreDataTables(SphinxTransform):
    default_priority = 21  # right after Locale

    def apply(self, **kwargs: object) -> None:
        hidden = getattr(self.document, _HIDDEN, None)
        if not hidden:
            return
        for placeholder, table in hidden:
            placeholder.replace_self(table)
        delattr(self.document, _HIDDEN)


def _translate_header(table: nodes.table, catalog: dict[str, str]) -> bool:
    """Translate the header cells in place; False (nothing changed) if one needs Sphinx's own parsing."""
    changes: list[tuple[nodes.Element, str]] = []
    for thead in table.findall(nodes.thead):
        for node, message in extract_messages(thead):
            translation = catalog.get(message, "")
            if not translation.strip() or translation == message:
                continue
            plain = _plain_translation(node, message, catalog)
            if plain is None:
                return False
            changes.append((node, plain))
    for node, translation in changes:
        _set_text(node, translation)
    return True


def _plain_translation(node: nodes.Element, message: str, catalog: dict[str, str],
                       links: Mapping[str, str] | None = None) -> str | None:
    """The translation of a paragraph or title when it is plain text that differs from the message, else None.

    A title keeps its section's names and ids (those of the English heading), so links to it still resolve.
    Reference-style links to the page's own ``links`` labels (``[README][readme]``) count as plain text:
    Sphinx's parse leaves them as text too, and `TranslatedReferenceLinks` makes them links in both cases.
    """
    translation = catalog.get(message, "")
    if type(node) not in (nodes.paragraph, nodes.title) or not translation.strip() or translation == message:
        return None
    rest = translation
    if links:
        rest = REFERENCE_LINK.sub(lambda m: m.group(1) if m.group(2) in links else m.group(0), translation)
    return None if _MARKUP.search(rest) else translation.strip()


def _set_text(node: nodes.Element, text: str) -> None:
    node.children = []
    node += nodes.Text(text)
    node["translated"] = True


def _page_catalog(srcdir: Path, locale_dirs: tuple[str, ...], language: str | None,
                  domain: str) -> dict[str, str] | None:
    """The page's messages, merged over the locale folders as ``Locale`` merges them (first folder wins)."""
    merged: dict[str, str] = {}
    found = False
    for directory in reversed(locale_dirs):
        try:
            translations = gettext.translation(domain, localedir=Path(srcdir, directory), languages=[language or "en"])
        except OSError:
            continue
        found = True
        merged |= getattr(translations, "_catalog", {})
    return merged if found else None
