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
from zoogen.site.builtin import localise
from zoogen.site.catalogs import CHECKED_LOCALES, compile_checked
from zoogen.site.context import (
    RENDERED_SETTING,
    BuildContext,
    BuildOptions,
    build_context,
    build_options,
    prose_trust,
    set_build_context,
    take_rendered,
)
from zoogen.site.languages import (
    LANGUAGE_NAMES,
    LanguageSites,
    alternate_links,
    language_sites,
    language_tag,
)
from zoogen.site.navigation import windowed_navigation
from zoogen.site.prose import setup_prose
from zoogen.site.segmenter import quiet_jieba
from zoogen.site.source import RenderedZoo, render_zoo
from zoogen.site.table_messages import PlainMessages, RestoreDataTables
from zoogen.site.transforms import DataTableCells, TranslatedReferenceLinks

STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
MYST_EXTENSIONS = ("attrs_block",)  # the pages' ``{.zoo-data}`` lines: enabled in whatever site hosts them
logger = logging.getLogger(__name__)


def _generate(app: Sphinx, config: Config) -> None:
    """``config-inited``: resolve the build's context (rendering the zoo unless a zoogen command did), write
    the pages, and set what the site takes from the zoo (title, catalogs, static files)."""
    options = build_options(Path(app.confdir), config)
    rendered = take_rendered(config)
    if rendered is None:  # a plain sphinx-build: render here, and report the zoo's warnings in Sphinx's log
        try:
            rendered = render_zoo(options.zoo, options.results, options.strict, options.links_report)
        except ZoogenError as error:
            raise ConfigError(f"zoogen: {error}") from None
        if options.report_warnings:
            report_warnings(rendered)
    enable_myst_extensions(config)
    page_links = install_pages(app, options, rendered)
    config.html_static_path = [*config.html_static_path, str(STATIC_DIR)]
    config.templates_path = [*config.templates_path, str(TEMPLATES_DIR)]
    if options.language.startswith("zh") and "dict" not in config.html_search_options:
        # Sphinx's default re-adds jieba's whole built-in dictionary as a user dictionary on every build
        # (about 2 s); jieba loads that dictionary anyway.
        config.html_search_options = {**config.html_search_options, "dict": ""}
        quiet_jieba()
    locale_dir = rendered.locale_dir
    if not options.pages_dir:  # the zoo is the whole site
        config.project = rendered.title
        config.locale_dirs = []
    if locale_dir and locale_dir.is_dir():  # the zoo's catalogs, checked: Sphinx never reads its .po files
        config.locale_dirs = [*config.locale_dirs, str(_checked_locales(app, config, rendered, options))]
    cell_text = localise(app, config, rendered.pages, rendered.title, locale_dir)  # after the zoo's own catalogs
    set_build_context(config, BuildContext(options, rendered, page_links, cell_text,
                                           prose_trust(page_links, rendered.zoo)))


def renew_context(app: Sphinx, rendered: RenderedZoo, *, preview: bool = False) -> None:
    """``zoogen serve``: the next build of ``app`` starts from ``rendered`` (the zoo after an edit), whose pages
    the caller wrote (``preview``: only the edited ones so far); what the site read from the zoo when it
    started (title, catalogs) stays."""
    context = build_context(app)
    links = install_pages(app, context.options, rendered, write=False)
    set_build_context(app.config, context.renewed(rendered, links, preview=preview))


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


def install_pages(app: Sphinx, options: BuildOptions, rendered: RenderedZoo, *,
                  write: bool = True) -> dict[str, dict[str, str]]:
    """Write the pages into the source folder (only those whose text changed; none unless ``write``); return
    each page's links (by its docname in this site)."""
    if write:
        rendered.pages.write(Path(app.srcdir) / options.pages_dir)
    if not options.pages_dir:  # the zoo is the whole site: its pages and nothing else
        app.config.include_patterns = page_patterns(rendered.pages.pages)
    return {options.docname(docname): links for docname, links in rendered.pages.links.items()}


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


def _checked_locales(app: Sphinx, config: Config, rendered: RenderedZoo, options: BuildOptions) -> Path:
    """The zoo's catalogs for this build's language, compiled and checked into the build state (`catalogs`).

    The catalogs are named after the zoo's own pages (``methods/x.po``); inside another site the same pages
    are ``<pages_dir>/methods/x``, and their domains follow the site's ``gettext_compact``.
    """
    def domain(page: str) -> str:
        return docname_to_domain(options.docname(page), config.gettext_compact)

    assert rendered.locale_dir is not None
    return compile_checked(rendered.locale_dir, options.language,
                           Path(app.doctreedir) / CHECKED_LOCALES, rendered.pages.links, domain)


def site_languages(config: Config) -> LanguageSites:
    """The languages this site is published in and where (``zoogen_languages``, ``zoogen_language_urls``)."""
    return language_sites(config.language, config.zoogen_languages, config.zoogen_language_urls,
                          whole_site=not config.zoogen_pages_dir.strip("/"))


def _language_switch(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """The switch and the alternate links, on the zoo's own pages where another language is published."""
    sites = site_languages(app.config)
    build = build_context(app)
    zoo_page = build.is_zoo_page(pagename) or not build.options.pages_dir
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
    app.add_config_value("zoogen_links", "", "env", str)  # a links report; "": zoo.yml's links_report
    app.add_config_value(RENDERED_SETTING, None, "")  # the zoo a zoogen command rendered (-D only)
    app.add_config_value("zoogen_languages", None, "html", (list, tuple, str, type(None)))
    app.add_config_value("zoogen_language_urls", {}, "html", dict)
    app.setup_extension("myst_parser")
    app.connect("config-inited", _generate, priority=400)
    app.connect("html-page-context", _language_switch)
    app.connect("html-page-context", windowed_navigation, priority=100)  # before themes read toctree()
    app.setup_extension("zoogen.site.captions")  # captions as headings with a level (after the windowing)
    app.setup_extension("zoogen.plots.directive")  # zoo-plots
    app.setup_extension("zoogen.site.exports")  # zoo-exports, and the exports of a plain sphinx-build
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
