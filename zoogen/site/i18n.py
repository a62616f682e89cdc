"""Gettext catalogs, sphinx-intl workflow: extract the pages' messages, update the catalogs, count progress.

``update``: Sphinx's gettext builder writes one ``.pot`` per page; ``sphinx-intl update`` merges them into
``<locale_dir>/<lang>/LC_MESSAGES/<page>.po``. A catalog then keeps only what a translator must translate
(zoo.yml prose, method descriptions): the messages zoogen translates itself (template texts, the registry's
task, dataset, metric and column names: the built-in catalog) and data (method titles, model names, lines
that are only links) are left out, unless a translator already wrote their own text for one. The shared
``zoogen.po`` catalog gets the registry's words (link texts in data cells). A translator's existing text is
never overwritten.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polib
from sphinx_intl.basic import update as sphinx_intl_update

from zoogen.meta.registry import load_registry
from zoogen.site.build import run_sphinx, sphinx_command
from zoogen.site.transforms import WORDS_DOMAIN


@dataclass
class CatalogStatus:
    page: str
    translated: int
    fuzzy: int
    untranslated: int

    @property
    def complete(self) -> bool:
        return self.fuzzy == 0 and self.untranslated == 0


def catalog_dir(locale_dir: Path, language: str) -> Path:
    return locale_dir / language / "LC_MESSAGES"


def update_catalogs(zoo: Path, locale_dir: Path, language: str = "zh_CN") -> list[Path]:
    """Extract messages from a fresh rendering of ``zoo`` and merge them into the catalogs."""
    with tempfile.TemporaryDirectory(prefix="zoogen-gettext-") as staging:
        source = Path(staging) / "src"
        source.mkdir()
        pot_dir = Path(staging) / "pot"
        run_sphinx(sphinx_command("gettext", source, pot_dir, zoo, None, "en", strict=False))
        sphinx_intl_update(str(locale_dir), str(pot_dir), (language,))
        _remove_orphans(pot_dir, catalog_dir(locale_dir, language))
    builtin, data = _builtin_messages(zoo, language)
    root = catalog_dir(locale_dir, language)
    catalogs = sorted(root.rglob("*.po"))
    for path in catalogs:
        if path.stem != WORDS_DOMAIN or path.parent != root:
            page = path.relative_to(root).with_suffix("").as_posix()
            _keep_for_translators(path, builtin.get(page, {}), data)
    words = _update_words(catalog_dir(locale_dir, language) / f"{WORDS_DOMAIN}.po", language)
    return [*catalogs, words] if words not in catalogs else catalogs


def _builtin_messages(zoo: Path, language: str) -> tuple[dict[str, dict[str, str]], set[str]]:
    """zoogen's own translation of each page's messages (template texts, registry names), as the site shows it,
    and the zoo's data that may stand as a message of its own (method titles, model names)."""
    from zoogen.site.builtin import builtin_catalog
    from zoogen.site.source import render_zoo

    rendered = render_zoo(zoo, None, strict=False)
    pages = rendered.pages
    translated = pages.localised.get(language)
    data = {method.title for method in rendered.zoo.methods}
    data |= {name for model in rendered.zoo.models for name in (model.name, *model.alias)}
    registry = rendered.zoo.registry  # names whose Chinese is the same (AP, COCO) are names, not prose
    data |= {term.title for group in (registry.tasks, registry.datasets, registry.metrics, registry.columns)
             for term in group.values() if term.title}
    data |= {name for model in rendered.zoo.models for result in model.results
             for name in (result.task, result.dataset, *result.metrics)}
    return (builtin_catalog(pages, translated).messages if translated else {}), data


_ESCAPE = re.compile(r"\\(.)")
_ONLY_LINKS = re.compile(r"^(?:\s*(?:\[[^\]]*\]\([^)]*\)|\{doc\}`[^`]*`)\s*[·,;|/-]?)+\s*$")


def needs_translator(msgid: str, builtin: dict[str, str], data: set[str]) -> bool:
    """False for a message zoogen translates itself, one that is data (a title, a model name) or one that is
    only links; True for prose a translator must translate."""
    plain = _ESCAPE.sub(r"\1", msgid)  # a title as the Markdown source writes it: "rtmpose\_coco"
    return msgid not in builtin and plain not in data and not _ONLY_LINKS.match(msgid)


def _keep_for_translators(path: Path, builtin: dict[str, str], data: set[str]) -> None:
    """Remove the entries no translator needs to write (a translator's own text for one is kept)."""
    catalog = polib.pofile(str(path))
    drop = [entry for entry in catalog
            if not needs_translator(entry.msgid, builtin, data)
            and (entry.obsolete or entry.fuzzy or not entry.msgstr or entry.msgstr == builtin.get(entry.msgid))]
    for entry in drop:
        catalog.remove(entry)
    if drop:
        catalog.save()


def _remove_orphans(pot_dir: Path, po_dir: Path) -> None:
    """A page that no longer exists loses its catalog."""
    pages = {p.relative_to(pot_dir).with_suffix("") for p in pot_dir.rglob("*.pot")}
    for po in po_dir.rglob("*.po"):
        page = po.relative_to(po_dir).with_suffix("")
        if page not in pages and po.stem != WORDS_DOMAIN:
            po.unlink()
            po.with_suffix(".mo").unlink(missing_ok=True)


def _update_words(path: Path, language: str) -> Path:
    registry = load_registry()
    catalog = polib.pofile(str(path)) if path.exists() else polib.POFile()
    catalog.metadata.setdefault("Content-Type", "text/plain; charset=UTF-8")
    catalog.metadata.setdefault("Language", language)
    known = {entry.msgid for entry in catalog}
    for word, term in registry.words.items():
        if word not in known:
            catalog.append(polib.POEntry(msgid=word, msgstr=(term.zh_CN or "") if language == "zh_CN" else ""))
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.save(str(path))
    return path


def catalog_status(locale_dir: Path, language: str = "zh_CN") -> list[CatalogStatus]:
    """Translated, fuzzy and untranslated message counts of each page's catalog."""
    root = catalog_dir(locale_dir, language)
    statuses = []
    for path in sorted(root.rglob("*.po")):
        catalog = polib.pofile(str(path))
        fuzzy = len(catalog.fuzzy_entries())
        statuses.append(CatalogStatus(
            page=str(path.relative_to(root).with_suffix("")),
            translated=len(catalog.translated_entries()),
            fuzzy=fuzzy,
            untranslated=len(catalog.untranslated_entries()),
        ))
    return statuses

