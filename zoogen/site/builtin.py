"""The built-in catalog: zoogen's own words in another language, for a zoo whose catalog lacks them.

The renderer renders every page twice: in English (Sphinx's source) and with zoogen's own words (template
texts, registry names of tasks, datasets, metrics and columns) in the target language. Both renderings have
the same lines; where a line differs, the English text is a message and the other its translation. These
pairs become one ``.mo`` catalog per page, placed after the zoo's own catalogs in ``locale_dirs`` so that a
translator's text always wins. Body cells of data tables are never translated from catalogs: the differing
ones (a task name in the all-models table) are returned as a cell map for ``DataTableCells``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polib
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util.i18n import docname_to_domain

from zoogen.meta.registry import load_registry
from zoogen.render import PageSet
from zoogen.render.markup import split_row
from zoogen.site.languages import normalise_language
from zoogen.site.markup_signature import foreign_markup
from zoogen.site.transforms import WORDS_DOMAIN

_MARKUP = re.compile(r"[\\`*\[\]<>{}]")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # a backslash-escaped punctuation character (markup.escape)
_LINK_TEXT = re.compile(r"\[([^\[\]]+)\]\(")


@dataclass
class BuiltinCatalog:
    messages: dict[str, dict[str, str]] = field(default_factory=dict)  # docname -> msgid -> msgstr
    cells: dict[str, dict[str, str]] = field(default_factory=dict)  # docname -> cell text -> translated text
    link_words: dict[str, str] = field(default_factory=dict)  # link texts in data cells (verification marks)


def page_messages(source: str, translated: str,
                  link_words: dict[str, str] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """(messages, data cells) that differ between a page's English and translated renderings.

    Link texts that differ inside data cells (``[↻ stale: number](...)``) go into ``link_words``.
    """
    messages: dict[str, str] = {}
    cells: dict[str, str] = {}
    link_words = {} if link_words is None else link_words
    source_lines, translated_lines = source.splitlines(), translated.splitlines()
    if len(source_lines) != len(translated_lines):  # a template whose translation spans lines: skip the page
        return messages, cells
    header_next = False
    for en, other in zip(source_lines, translated_lines, strict=True):
        is_row = en.startswith("|")
        is_header = is_row and header_next
        header_next = en.startswith("{.zoo-data") or (header_next and not is_row)
        if en == other:
            continue
        if en.startswith("#"):
            messages[en.lstrip("#").strip()] = other.lstrip("#").strip()
        elif en.startswith(":caption:"):  # a sidebar group's toctree caption
            messages[en.removeprefix(":caption:").strip()] = other.removeprefix(":caption:").strip()
        elif is_row:
            for en_cell, other_cell in zip(split_row(en), split_row(other), strict=False):
                if en_cell == other_cell:
                    continue
                messages[en_cell] = other_cell
                if is_header:
                    continue
                plain_en, plain_other = _ESCAPED.sub("", en_cell), _ESCAPED.sub("", other_cell)
                if not _MARKUP.search(plain_en + plain_other):  # plain text, or escapes only
                    cells[_ESCAPED.sub(r"\1", en_cell)] = _ESCAPED.sub(r"\1", other_cell)
                en_links, other_links = _LINK_TEXT.findall(en_cell), _LINK_TEXT.findall(other_cell)
                if len(en_links) == len(other_links):
                    link_words.update((a, b) for a, b in zip(en_links, other_links, strict=True) if a != b)
        elif en.startswith("- "):
            messages[en[2:].strip()] = other[2:].strip()
        else:
            messages[en.strip()] = other.strip()
    return messages, cells


def builtin_catalog(source: PageSet, translated: PageSet, prefix: str = "") -> BuiltinCatalog:
    """Messages and data cells of every page (docnames carry ``prefix/`` inside another site)."""
    catalog = BuiltinCatalog()
    for docname, text in source.pages.items():
        messages, cells = page_messages(text, translated.pages.get(docname, text), catalog.link_words)
        full = f"{prefix}/{docname}" if prefix else docname
        catalog.messages[full] = messages
        catalog.cells[full] = cells
    return catalog


def write_catalogs(catalog: BuiltinCatalog, root: Path, language: str, domain: Callable[[str], str],
                   words: dict[str, str]) -> Path:
    """``root/<language>/LC_MESSAGES/<domain>.mo`` for every page, and the shared words catalog."""
    by_domain: dict[str, dict[str, str]] = {}
    for docname, messages in catalog.messages.items():
        by_domain.setdefault(domain(docname), {}).update(messages)
    by_domain.setdefault(WORDS_DOMAIN, {}).update(words)
    target = root / language / "LC_MESSAGES"
    for name, messages in by_domain.items():
        po = polib.POFile()
        po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": language}
        for msgid, msgstr in messages.items():
            po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
        path = target / f"{name}.mo"
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        po.save_as_mofile(str(temporary))
        os.replace(temporary, path)
    return root


BUILTIN_LOCALES = "zoogen-builtin-locales"


def catalog_text(locale_dir: Path | None, language: str, domain: str, text: str) -> str:
    """``text`` as the zoo's own catalog ``<domain>.po`` translates it (read directly), else unchanged."""
    if not locale_dir:
        return text
    path = locale_dir / language / "LC_MESSAGES" / f"{domain}.po"
    if not path.is_file():
        return text
    for entry in polib.pofile(str(path)):
        if entry.msgid == text and entry.msgstr and not entry.fuzzy and not entry.obsolete:
            # a translation that adds markup is refused here too (`catalogs` warns about it)
            return text if foreign_markup(entry.msgid, entry.msgstr) else entry.msgstr
    return text


def registry_words(language: str) -> dict[str, str]:
    """The registry's words (link texts in data cells) in ``language``."""
    words = load_registry().words
    return {word: text for word, term in words.items() if (text := getattr(term, language, None))}


def localise(app: Sphinx, config: Config, pages: PageSet, title: str,
             locale_dir: Path | None) -> dict[str, dict[str, str]]:
    """Site name, page title and footer in the build's language; the built-in catalog after the zoo's own.

    Call on ``config-inited`` once ``config.locale_dirs`` holds the zoo's catalogs. The catalogs are build
    state: they go into Sphinx's doctree folder, never into the published output. Returns the data cells'
    text in the build's language, by page (for `DataTableCells`).
    """
    language = normalise_language(config.language)
    pages_dir = config.zoogen_pages_dir.strip("/")
    cell_text: dict[str, dict[str, str]] = {}
    translated = pages.localised.get(language)
    if translated is not None:
        catalog = builtin_catalog(pages, translated, pages_dir)
        root = write_catalogs(catalog, Path(app.doctreedir) / BUILTIN_LOCALES, language,
                              lambda docname: docname_to_domain(docname, config.gettext_compact),
                              {**catalog.link_words, **registry_words(language)})
        config.locale_dirs = [*config.locale_dirs, str(root)]
        cell_text = catalog.cells
    if pages_dir:  # inside another site: its name, title and footer are its own
        return cell_text
    site_name = catalog_text(locale_dir, language, "index", title)
    if site_name == title and translated is not None and translated.title:  # zoogen's words: "mmpose 模型库"
        site_name = translated.title
    config.project = site_name
    if "html_title" not in getattr(config, "_raw_config", {}):
        config.html_title = site_name
    if pages.footer:
        footer = catalog_text(locale_dir, language, WORDS_DOMAIN, pages.footer)
        if footer == pages.footer and translated is not None and translated.footer:
            footer = translated.footer  # a holder zoogen named: "mmpose 的作者"
        config.copyright = footer
    return cell_text
