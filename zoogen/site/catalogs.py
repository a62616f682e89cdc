"""The zoo's catalogs as Sphinx reads them: compiled by zoogen, every translation held to its message's markup.

Translations arrive as pull requests from people the maintainers do not know, so a translated message gets
the trust of metafile text: it may bring back the markup its original had (zoogen's own roles and links, see
`markup_signature`), nothing else. Sphinx never reads the zoo's ``.po`` files itself: zoogen compiles each
one into a ``.mo`` in the build state, and a translation that adds markup (raw HTML, a directive, a role or
a link the original did not have) goes in escaped, so that the page shows its text and runs nothing, with a
warning naming the catalog file and line (an error under ``-W``, as in ``zoogen build``). No catalog can make
Sphinx parse a directive, so none can make the build read a file. The zoo's locale folder is only read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import polib
from sphinx.util import logging

from zoogen.render.markup import escape
from zoogen.site.markup_signature import describe, foreign_markup
from zoogen.site.transforms import WORDS_DOMAIN

logger = logging.getLogger(__name__)
CHECKED_LOCALES = "zoogen-locales"  # below the build state: the checked, compiled catalogs


def compile_checked(locale_dir: Path, language: str, target_root: Path, page_links: Mapping[str, Mapping[str, str]],
                    domain: Callable[[str], str] = lambda page: page) -> Path:
    """Compile ``locale_dir/<language>/LC_MESSAGES/**.po`` into ``target_root`` (returned, for ``locale_dirs``).

    A page's catalog becomes the ``.mo`` of ``domain(page)`` (inside another site, pages carry its folder);
    the shared words catalog keeps its name. ``page_links`` gives each page's reference-link labels.
    """
    source = locale_dir / language / "LC_MESSAGES"
    by_domain: dict[str, polib.POFile] = {}
    for path in sorted(source.rglob("*.po")) if source.is_dir() else []:
        page = path.relative_to(source).with_suffix("").as_posix()
        checked = checked_catalog(path, page_links.get(page, {}), as_text=page == WORDS_DOMAIN)
        merged = by_domain.setdefault(page if page == WORDS_DOMAIN else domain(page), checked)
        if merged is not checked:  # several pages in one domain (gettext_compact)
            merged.extend(checked)
    target = target_root / language / "LC_MESSAGES"
    written = {path for name, catalog in by_domain.items() for path in _write(catalog, target / name)}
    for stale in (p for p in target.rglob("*") if p.is_file() and p not in written) if target.is_dir() else []:
        stale.unlink()  # the catalog of a page that is gone
    return target_root


def checked_catalog(path: Path, links: Mapping[str, str], *, as_text: bool = False) -> polib.POFile:
    """The translated entries of the catalog at ``path``, each escaped where it adds markup (with a warning).

    ``as_text``: the catalog's messages land as plain text (the shared words catalog: table cells, link texts),
    where an escape would show; a translation that adds markup is left out instead, so the English stands.
    """
    try:
        catalog = polib.pofile(str(path))
    except (OSError, ValueError) as error:  # polib raises OSError for a syntax error
        logger.warning("zoogen: catalog %s cannot be read: %s", path, error, type="zoogen", subtype="catalog",
                       location=str(path))
        return polib.POFile()
    checked = polib.POFile()  # written as UTF-8, whatever the file declared (polib read it in its charset)
    checked.metadata = {**catalog.metadata, "Content-Type": "text/plain; charset=UTF-8"}
    for original in catalog.translated_entries():
        entry = polib.POEntry(msgid=original.msgid, msgctxt=original.msgctxt, msgstr=original.msgstr,
                              msgid_plural=original.msgid_plural, msgstr_plural=dict(original.msgstr_plural),
                              linenum=original.linenum)
        if entry.msgid_plural:
            entry.msgstr_plural = {n: _checked(path, entry, text, links) for n, text in entry.msgstr_plural.items()}
        else:
            entry.msgstr = _checked(path, entry, entry.msgstr, links)
        escaped = (entry.msgstr, entry.msgstr_plural) != (original.msgstr, dict(original.msgstr_plural))
        if as_text and escaped:
            continue  # as plain text its escapes would show: the English stands
        checked.append(entry)
    return checked


def _checked(path: Path, entry: polib.POEntry, translation: str, links: Mapping[str, str]) -> str:
    if translation == entry.msgid:
        return translation
    extra = foreign_markup(entry.msgid, translation, links)
    if not extra:
        return translation
    logger.warning("zoogen: the translation of %r adds markup its message does not have (%s); it is shown as "
                   "plain text", entry.msgid[:80], ", ".join(describe(mark) for mark in extra[:3]),
                   type="zoogen", subtype="catalog", location=f"{path}:{entry.linenum}")
    return plain_text(translation)


_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9])(:)(?=//)|(?<=www)(\.)")
_BLOCK_START = re.compile(r"^(\s*(?:\d+)?)([-+=.)])")  # a list item or a setext underline


def plain_text(translation: str) -> str:
    """Markdown that shows ``translation`` as text: escaped, and bare URLs broken up (``https\\://``, ``www\\.``)
    so that a site's autolink syntax (``linkify``, ``gfm_autolink``) makes no link of them either, and no
    line starts a list."""
    text = _AUTOLINK.sub(lambda match: "\\" + match.group(0), escape(translation))
    return _BLOCK_START.sub(lambda match: match.group(1) + "\\" + match.group(2), text)


def _write(catalog: polib.POFile, stem: Path) -> tuple[Path, Path]:
    """``stem.po`` and ``stem.mo``, each rewritten only when its content changed: Sphinx notes the catalogs as
    dependencies of their pages, so an unchanged catalog leaves an incremental build incremental (the ``.po``
    is what Sphinx looks for; written first, it never looks newer than its ``.mo``)."""
    po, mo = stem.with_suffix(".po"), stem.with_suffix(".mo")
    stem.parent.mkdir(parents=True, exist_ok=True)
    for path, data in ((po, str(catalog).encode("utf-8")), (mo, catalog.to_binary())):
        if path.is_file() and path.read_bytes() == data:
            continue
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    return po, mo
