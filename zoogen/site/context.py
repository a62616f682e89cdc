"""One build state, in the open: what a zoogen site build reads, resolved once per Sphinx application.

The ``zoogen.sphinx`` extension resolves a `BuildContext` on ``config-inited`` (the zoo, its records and links
report, the language, the options, the rendered pages) and every later stage (directives, transforms, the
page-context and build-finished handlers) reads that same object through `build_context`, and hands what it
needs on as arguments. Nothing travels through module-level caches, attributes set on the Sphinx application
or environment variables that zoogen sets for itself.

Inputs (`build_options`), in order of precedence:

1. ``-D`` overrides: what ``zoogen build`` and ``zoogen serve`` pass, with the zoo they rendered once for every
   language (``zoogen_rendered``, never set in ``conf.py``);
2. for a plain ``sphinx-build`` (Read the Docs), the environment variables of `ENVIRONMENT` (``ZOOGEN_ZOO``,
   ``ZOOGEN_RESULTS``, ``ZOOGEN_LINKS``): read here and nowhere else in a build;
3. the ``zoogen_*`` settings of ``conf.py``.

The context lives on the build's Sphinx `Config`: the one object every stage reaches (``app.config``,
``env.config``, a directive's or transform's ``self.config``), created anew for every application, and whose
private attributes Sphinx leaves out when it pickles the environment. Sphinx gives directives no builder
(sphinx-doc/sphinx#14136): `note_builder` keeps it there too on ``builder-inited``, for `builder_of`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx.config import Config
from sphinx.errors import ConfigError, ExtensionError

from zoogen.meta.schema import Zoo
from zoogen.project import ZOO_ENVIRONMENT, repository_root
from zoogen.records import VerificationRecord
from zoogen.site.languages import normalise_language
from zoogen.site.source import RENDERED_SETTING, RenderedZoo

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.builders import Builder
    from sphinx.environment import BuildEnvironment

# The settings a plain ``sphinx-build`` may take from its environment (Read the Docs: the project's variables).
ENVIRONMENT = {"zoogen_zoo": ZOO_ENVIRONMENT, "zoogen_results": "ZOOGEN_RESULTS", "zoogen_links": "ZOOGEN_LINKS"}
_ATTRIBUTE = "_zoogen_build_context"  # on the Config; private names are not pickled with the environment
_BUILDER = "_zoogen_builder"


@dataclass(frozen=True)
class BuildOptions:
    """The build's ``zoogen_*`` settings, paths resolved against the folder of ``conf.py``."""

    zoo: Path
    results: Path | None  # verification records (None: none)
    links_report: Path | None  # None: zoo.yml's links_report
    strict: bool
    language: str  # normalised: "en", "zh_CN"
    pages_dir: str  # "": the zoo is the whole site; else the folder of its pages inside a host site
    report_warnings: bool
    exports_url: str | None  # None: the exports go into the output folder
    plots: bool

    def docname(self, page: str) -> str:
        """A zoo page's docname in this site (``methods/x`` or ``<pages_dir>/methods/x``)."""
        return f"{self.pages_dir}/{page}" if self.pages_dir else page


@dataclass(frozen=True)
class ProseTrust:
    """zoogen's pages (docnames), the markup their prose may use beyond plain MyST, and the zoo's repository."""

    pages: frozenset[str]
    allowed: frozenset[str]
    repository: Path


@dataclass(frozen=True)
class BuildContext:
    """Everything a zoogen site build reads beyond Sphinx's own state."""

    options: BuildOptions
    rendered: RenderedZoo
    page_links: Mapping[str, Mapping[str, str]]  # each zoo page (docname) -> its reference labels -> URLs
    cell_text: Mapping[str, Mapping[str, str]]  # docname -> data-cell text -> its text in the build's language
    trust: ProseTrust
    # ``zoogen serve``'s first pass after an edit: only the edited pages are read and written; the pages that
    # aggregate every method (the overview's plots) wait for the second pass
    preview: bool = False

    @property
    def zoo(self) -> Zoo:
        return self.rendered.zoo

    @property
    def records(self) -> Mapping[str, list[VerificationRecord]]:
        return self.rendered.records

    def is_zoo_page(self, docname: str) -> bool:
        return docname in self.page_links

    def renewed(self, rendered: RenderedZoo, page_links: Mapping[str, Mapping[str, str]], *,
                preview: bool = False) -> BuildContext:
        """This context on a new rendering of the same zoo (``zoogen serve`` after an edit)."""
        return dataclasses.replace(self, rendered=rendered, page_links=page_links,
                                   trust=prose_trust(page_links, rendered.zoo), preview=preview)


def prose_trust(page_links: Mapping[str, Mapping[str, str]], zoo: Zoo) -> ProseTrust:
    return ProseTrust(frozenset(page_links), zoo.info.trusted_prose, repository_root(zoo.root))


def build_context(holder: Sphinx | BuildEnvironment | Config) -> BuildContext:
    """The context of this build: from the application, its environment or its configuration."""
    context = vars(_config(holder)).get(_ATTRIBUTE)
    if context is None:
        raise ExtensionError("zoogen: no build context (is zoogen.sphinx in the extensions of conf.py?)")
    return context


def has_build_context(holder: Sphinx | BuildEnvironment | Config) -> bool:
    """Whether ``zoogen.sphinx`` resolved a context (a directive may be used without it: ``zoo-data-table``)."""
    return _ATTRIBUTE in vars(_config(holder))


def note_builder(app: Sphinx) -> None:
    """``builder-inited``: the builder, for the directives (`builder_of`)."""
    setattr(app.config, _BUILDER, app.builder)


def builder_of(holder: Sphinx | BuildEnvironment | Config) -> Builder | None:
    """This build's builder (None before ``builder-inited``, or where no zoogen extension noted it)."""
    return vars(_config(holder)).get(_BUILDER)


def _config(holder: Sphinx | BuildEnvironment | Config) -> Config:
    return holder if isinstance(holder, Config) else holder.config


def set_build_context(config: Config, context: BuildContext) -> None:
    """Make ``context`` the build's (on ``config-inited``; ``zoogen serve`` renews it after an edit)."""
    setattr(config, _ATTRIBUTE, context)


def build_options(confdir: Path, config: Config) -> BuildOptions:
    """The build's settings: ``-D``, else the environment (`ENVIRONMENT`), else ``conf.py``."""
    def path(name: str) -> Path | None:
        value = str(_setting(config, name) or "")
        return (confdir / value).resolve() if value else None

    return BuildOptions(
        zoo=path("zoogen_zoo") or confdir.resolve(), results=path("zoogen_results"),
        links_report=path("zoogen_links"), strict=bool(config.zoogen_strict),
        language=normalise_language(config.language), pages_dir=config.zoogen_pages_dir.strip("/"),
        report_warnings=bool(config.zoogen_report_warnings), exports_url=config.zoogen_exports_url,
        plots=bool(config.zoogen_plots))


def _setting(config: Config, name: str) -> Any:
    variable = ENVIRONMENT.get(name)
    if variable and name not in config.overrides and os.environ.get(variable):
        return os.environ[variable]
    return getattr(config, name)


def take_rendered(config: Config) -> RenderedZoo | None:
    """The zoo a zoogen command rendered for this build (None for a plain ``sphinx-build``), taken out of the
    settings: the context holds it from now on, and the environment is pickled without it."""
    rendered = getattr(config, RENDERED_SETTING)
    if rendered is None:
        return None
    if not isinstance(rendered, RenderedZoo):
        raise ConfigError(f"{RENDERED_SETTING} is set by zoogen's own commands only; remove it from the settings")
    setattr(config, RENDERED_SETTING, None)
    return rendered
