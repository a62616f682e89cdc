"""The Sphinx extension behind ``zoogen.sphinx``: renders the zoo into the source folder, then builds it.

One code path for ``zoogen build``, for Read the Docs' own ``sphinx-build`` and for a project that adds the
extension to the ``conf.py`` of its existing docs (``zoogen_pages_dir``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

from zoogen import __version__
from zoogen.meta import load_zoo
from zoogen.records import load_records
from zoogen.render import render_pages
from zoogen.site.languages import LANGUAGE_NAMES, LANGUAGES, switch_url
from zoogen.site.transforms import WORDS_DOMAIN, DataTableCells, TranslatedReferenceLinks

STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
EMBEDDED_LOCALES = "zoogen-locales"


def _generate(app: Sphinx, config: Config) -> None:
    confdir = Path(app.confdir)
    zoo_path = (confdir / config.zoogen_zoo).resolve()
    loaded = load_zoo(zoo_path, strict=config.zoogen_strict)
    if loaded.errors:
        details = "\n".join(str(d) for d in loaded.errors)
        raise ConfigError(f"zoogen: the zoo at {zoo_path} has errors:\n{details}")
    results = (confdir / config.zoogen_results).resolve() if config.zoogen_results else None
    records = load_records(results) if results and results.is_dir() else {}
    pages = render_pages(loaded.zoo, records)
    pages_dir = config.zoogen_pages_dir.strip("/")
    pages.write(Path(app.srcdir) / pages_dir)
    app.zoogen_page_links = {  # type: ignore[attr-defined]
        f"{pages_dir}/{docname}" if pages_dir else docname: links for docname, links in pages.links.items()}
    config.html_static_path = [*config.html_static_path, str(STATIC_DIR)]
    config.templates_path = [*config.templates_path, str(TEMPLATES_DIR)]
    locale_dir = loaded.zoo.info.locale_dir
    if not pages_dir:  # the zoo is the whole site
        config.include_patterns = [f"{docname}.md" for docname in pages.pages]
        config.project = loaded.zoo.info.title
        if locale_dir:
            config.locale_dirs = [str(locale_dir)]
    elif locale_dir and locale_dir.is_dir():
        config.locale_dirs = [*config.locale_dirs, str(_embedded_locales(app, locale_dir, pages_dir))]


def _embedded_locales(app: Sphinx, locale_dir: Path, pages_dir: str) -> Path:
    """A catalog folder whose domains carry the pages' subfolder (``model_zoo/methods/x``).

    The zoo's catalogs are named after the zoo's own pages (``methods/x.po``); inside another site the same
    pages are ``<pages_dir>/methods/x``. Each language's catalogs are copied under that prefix (the shared
    words catalog stays at the top, where the data-cell transform looks for it).
    """
    root = Path(app.doctreedir).parent / EMBEDDED_LOCALES
    for language_dir in sorted(p for p in locale_dir.iterdir() if (p / "LC_MESSAGES").is_dir()):
        catalogs = language_dir / "LC_MESSAGES"
        target = root / language_dir.name / "LC_MESSAGES"
        shutil.copytree(catalogs, target / pages_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.mo"))
        words = catalogs / f"{WORDS_DOMAIN}.po"
        if words.is_file():
            shutil.copy2(words, target / words.name)
    return root


def _language_switch(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    current = app.config.language or "en"
    context["zoogen_languages"] = [
        {"code": lang, "name": LANGUAGE_NAMES[lang], "current": lang == current,
         "url": switch_url(pagename, lang)}
        for lang in LANGUAGES
    ]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("zoogen_zoo", "zoo_meta", "env", str)
    app.add_config_value("zoogen_results", "results", "env", str)
    app.add_config_value("zoogen_strict", False, "env", bool)
    app.add_config_value("zoogen_pages_dir", "", "env", str)
    app.connect("config-inited", _generate, priority=400)
    app.connect("html-page-context", _language_switch)
    app.setup_extension("zoogen.plots.directive")  # zoo-plots and zoo-exports
    app.add_transform(DataTableCells)
    app.add_transform(TranslatedReferenceLinks)
    app.add_js_file("zoo-table.js")
    app.add_css_file("zoogen.css")
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
