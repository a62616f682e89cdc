"""The ``zoogen.site.extension`` Sphinx extension: renders the zoo into the source folder, then builds it.

Used by ``conf.py`` both under ``zoogen build`` and under Read the Docs' own ``sphinx-build``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

from zoogen.meta import load_zoo
from zoogen.records import load_records
from zoogen.render import render_pages
from zoogen.site.languages import LANGUAGE_NAMES, LANGUAGES, switch_url
from zoogen.site.transforms import DataTableCells, TranslatedReferenceLinks

STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


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
    pages.write(Path(app.srcdir))
    app.zoogen_page_links = pages.links  # type: ignore[attr-defined]
    config.include_patterns = [f"{docname}.md" for docname in pages.pages]
    config.project = loaded.zoo.info.title
    config.html_static_path = [*config.html_static_path, str(STATIC_DIR)]
    config.templates_path = [*config.templates_path, str(TEMPLATES_DIR)]
    if loaded.zoo.info.locale_dir:
        config.locale_dirs = [str(loaded.zoo.info.locale_dir)]


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
    app.connect("config-inited", _generate, priority=400)
    app.connect("html-page-context", _language_switch)
    app.add_transform(DataTableCells)
    app.add_transform(TranslatedReferenceLinks)
    app.add_js_file("zoo-table.js")
    app.add_css_file("zoogen.css")
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
