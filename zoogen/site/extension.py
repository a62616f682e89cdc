"""The Sphinx extension behind ``zoogen.sphinx``: renders the zoo into the source folder, then builds it.

One code path for ``zoogen build``, for Read the Docs' own ``sphinx-build`` and for a project that adds the
extension to the ``conf.py`` of its existing docs (``zoogen_pages_dir``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.search import languages as search_languages
from sphinx.util import logging
from sphinx.util.i18n import docname_to_domain

from zoogen import __version__
from zoogen.errors import ZoogenError
from zoogen.project import repository_root
from zoogen.site.builtin import localise
from zoogen.site.catalogs import CHECKED_LOCALES, compile_checked
from zoogen.site.languages import (
    LANGUAGE_NAMES,
    LanguageSites,
    alternate_links,
    language_sites,
    language_tag,
    normalise_language,
)
from zoogen.site.navigation import windowed_navigation
from zoogen.site.prose import ProseTrust, note_trust, setup_prose
from zoogen.site.segmenter import quiet_jieba
from zoogen.site.source import RenderedZoo, is_provided, rendered_zoo
from zoogen.site.table_messages import PlainMessages, RestoreDataTables
from zoogen.site.transforms import DataTableCells, TranslatedReferenceLinks

STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
MYST_EXTENSIONS = ("attrs_block",)  # the pages' ``{.zoo-data}`` lines: enabled in whatever site hosts them
logger = logging.getLogger(__name__)


def _generate(app: Sphinx, config: Config) -> None:
    confdir = Path(app.confdir)
    zoo_path = (confdir / config.zoogen_zoo).resolve()
    results = (confdir / config.zoogen_results).resolve() if config.zoogen_results else None
    try:
        rendered = rendered_zoo(zoo_path, results, config.zoogen_strict)
    except ZoogenError as error:
        raise ConfigError(f"zoogen: {error}") from None
    if config.zoogen_report_warnings and not is_provided(zoo_path, results, config.zoogen_strict):
        report_warnings(rendered)
    enable_myst_extensions(config)
    install_pages(app, rendered)
    config.html_static_path = [*config.html_static_path, str(STATIC_DIR)]
    config.templates_path = [*config.templates_path, str(TEMPLATES_DIR)]
    if (config.language or "").startswith("zh") and "dict" not in config.html_search_options:
        # Sphinx's default re-adds jieba's whole built-in dictionary as a user dictionary on every build
        # (about 2 s); jieba loads that dictionary anyway.
        config.html_search_options = {**config.html_search_options, "dict": ""}
        quiet_jieba()
    pages_dir = config.zoogen_pages_dir.strip("/")
    locale_dir = rendered.locale_dir
    if not pages_dir:  # the zoo is the whole site
        config.project = rendered.title
        config.locale_dirs = []
    if locale_dir and locale_dir.is_dir():  # the zoo's catalogs, checked: Sphinx never reads its .po files
        config.locale_dirs = [*config.locale_dirs, str(_checked_locales(app, config, rendered, pages_dir))]
    localise(app, config, rendered.pages, rendered.title, locale_dir)  # after the zoo's own catalogs


def report_warnings(rendered: RenderedZoo) -> None:
    """The zoo's warnings in Sphinx's log, each at its metafile's line: ``-W`` makes them fail the build,
    ``suppress_warnings = ["zoogen"]`` silences them."""
    for diagnostic in rendered.warnings:
        what = f"{diagnostic.field}: " if diagnostic.field else ""
        logger.warning(f"{what}{diagnostic.message}", location=str(diagnostic.location or "") or None,
                       type="zoogen", subtype="zoo")


def enable_myst_extensions(config: Config) -> None:
    """Add the MyST syntax the pages use to the host's ``myst_enable_extensions`` (MyST reads it later, on
    ``builder-inited``)."""
    enabled = list(config.myst_enable_extensions or [])
    missing = [name for name in MYST_EXTENSIONS if name not in enabled]
    if missing:
        config.myst_enable_extensions = [*enabled, *missing]


def install_pages(app: Sphinx, rendered: RenderedZoo) -> list[Path]:
    """Write the pages into the source folder (only those whose text changed) and note their links."""
    pages_dir = app.config.zoogen_pages_dir.strip("/")
    written = rendered.pages.write(Path(app.srcdir) / pages_dir)
    if not pages_dir:  # the zoo is the whole site: its pages and nothing else
        app.config.include_patterns = page_patterns(rendered.pages.pages)
    app.zoogen_page_links = {  # type: ignore[attr-defined]
        f"{pages_dir}/{docname}" if pages_dir else docname: links
        for docname, links in rendered.pages.links.items()}
    note_trust(app, ProseTrust(frozenset(app.zoogen_page_links), rendered.zoo.info.trusted_prose,  # type: ignore[attr-defined]
                               repository_root(rendered.zoo.root)))
    return written


def page_patterns(docnames: Iterable[str]) -> list[str]:
    """Sphinx ``include_patterns`` for the pages: top-level pages by name, a top folder of them (nested or not)
    as ``folder/**.md``.

    Sphinx compiles the patterns again for every entry of every toctree it resolves (each page's navigation):
    one pattern per method page, or per nested folder (MMPose's ``methods/<task>/<algorithm>/<dataset>``),
    made that grow with the square of the zoo.
    """
    top = sorted(f"{name}.md" for name in docnames if "/" not in name)
    folders = sorted({name.split("/", 1)[0] for name in docnames if "/" in name})
    return [*top, *(f"{folder}/**.md" for folder in folders)]


def _checked_locales(app: Sphinx, config: Config, rendered: RenderedZoo, pages_dir: str) -> Path:
    """The zoo's catalogs for this build's language, compiled and checked into the build state (`catalogs`).

    The catalogs are named after the zoo's own pages (``methods/x.po``); inside another site the same pages
    are ``<pages_dir>/methods/x``, and their domains follow the site's ``gettext_compact``.
    """
    def domain(page: str) -> str:
        return docname_to_domain(f"{pages_dir}/{page}" if pages_dir else page, config.gettext_compact)

    assert rendered.locale_dir is not None
    return compile_checked(rendered.locale_dir, normalise_language(config.language),
                           Path(app.doctreedir) / CHECKED_LOCALES, rendered.pages.links, domain)


def site_languages(config: Config) -> LanguageSites:
    """The languages this site is published in and where (``zoogen_languages``, ``zoogen_language_urls``)."""
    return language_sites(config.language, config.zoogen_languages, config.zoogen_language_urls,
                          whole_site=not config.zoogen_pages_dir.strip("/"))


def _language_switch(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """The switch and the alternate links, on the zoo's own pages where another language is published."""
    sites = site_languages(app.config)
    zoo_page = pagename in getattr(app, "zoogen_page_links", {}) or not app.config.zoogen_pages_dir.strip("/")
    if not (zoo_page and sites.has_switch):
        return
    context["zoogen_languages"] = [
        {"code": lang, "tag": language_tag(lang), "name": LANGUAGE_NAMES[lang], "current": lang == sites.current,
         "url": sites.url(pagename, lang)}
        for lang in sites.languages
    ]
    # sphinx_rtd_theme: beside the breadcrumbs, outside the content that search excerpts are taken from
    context["zoogen_switch_place"] = "breadcrumbs" if app.config.html_theme == "sphinx_rtd_theme" else "document"
    context["metatags"] = context.get("metatags", "") + alternate_links(pagename, sites)


def setup(app: Sphinx) -> dict[str, Any]:
    setup_prose(app)  # zoogen's pages: MyST without raw HTML, raw output or file insertion (see prose.py)
    app.add_config_value("zoogen_zoo", "zoo_meta", "env", str)
    app.add_config_value("zoogen_results", "results", "env", str)
    app.add_config_value("zoogen_strict", False, "env", bool)
    app.add_config_value("zoogen_pages_dir", "", "env", str)
    app.add_config_value("zoogen_report_warnings", True, "env", bool)  # False: a zoogen command reports them
    app.add_config_value("zoogen_languages", None, "html", (list, tuple, str, type(None)))
    app.add_config_value("zoogen_language_urls", {}, "html", dict)
    app.setup_extension("myst_parser")
    app.connect("config-inited", _generate, priority=400)
    app.connect("html-page-context", _language_switch)
    app.connect("html-page-context", windowed_navigation, priority=100)  # before themes read toctree()
    app.setup_extension("zoogen.site.captions")  # captions as headings with a level (after the windowing)
    app.setup_extension("zoogen.plots.directive")  # zoo-plots and zoo-exports
    app.setup_extension("zoogen.site.data_table")  # zoo-data-table: the all-models table
    app.add_transform(DataTableCells)
    app.add_transform(TranslatedReferenceLinks)
    app.add_transform(PlainMessages)
    app.add_transform(RestoreDataTables)
    app.add_js_file("zoo-table.js")
    app.add_js_file("zoogen.js")
    search_languages["zh"] = "zoogen.site.search.ChineseSearch"  # sphinx-doc/sphinx#14229, see search.py
    app.add_css_file("zoogen.css")
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
