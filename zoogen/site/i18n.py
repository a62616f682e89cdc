"""Gettext catalogs, sphinx-intl workflow: extract the pages' messages, update the catalogs, count progress.

``update``: Sphinx's gettext builder writes one ``.pot`` per page; ``sphinx-intl update`` merges them into
``<locale_dir>/<lang>/LC_MESSAGES/<page>.po``; empty entries are then seeded from the registry's Chinese
names (column headers, tasks, metrics), and the shared ``zoogen.po`` catalog gets the registry's words
(link texts in data cells). A translator's existing text is never overwritten.
"""

from __future__ import annotations

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
    builtin = _builtin_messages(zoo) if language == "zh_CN" else {}
    seed = load_registry().translations() if language == "zh_CN" else {}
    root = catalog_dir(locale_dir, language)
    catalogs = sorted(root.rglob("*.po"))
    for path in catalogs:
        if path.stem != WORDS_DOMAIN or path.parent != root:
            page = path.relative_to(root).with_suffix("").as_posix()
            _seed(path, {**seed, **builtin.get(page, {})})
    words = _update_words(catalog_dir(locale_dir, language) / f"{WORDS_DOMAIN}.po", language)
    return [*catalogs, words] if words not in catalogs else catalogs


def _builtin_messages(zoo: Path) -> dict[str, dict[str, str]]:
    """zoogen's own Chinese for each page's messages (template texts, registry names), as the site shows it."""
    from zoogen.site.builtin import builtin_catalog
    from zoogen.site.source import render_zoo

    pages = render_zoo(zoo, None, strict=False).pages
    translated = pages.localised.get("zh_CN")
    return builtin_catalog(pages, translated).messages if translated else {}


def _remove_orphans(pot_dir: Path, po_dir: Path) -> None:
    """A page that no longer exists loses its catalog."""
    pages = {p.relative_to(pot_dir).with_suffix("") for p in pot_dir.rglob("*.pot")}
    for po in po_dir.rglob("*.po"):
        page = po.relative_to(po_dir).with_suffix("")
        if page not in pages and po.stem != WORDS_DOMAIN:
            po.unlink()
            po.with_suffix(".mo").unlink(missing_ok=True)


def _seed(path: Path, translations: dict[str, str]) -> None:
    catalog = polib.pofile(str(path))
    changed = False
    for entry in catalog:
        if entry.obsolete or entry.translated():
            continue
        if entry.msgid in translations and not entry.msgstr:
            entry.msgstr = translations[entry.msgid]
            changed = True
    if changed:
        catalog.save()


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

