"""``zoogen check``, ``zoogen build`` and ``zoogen i18n``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from zoogen.cli.options import zoo_argument
from zoogen.cli.options import zoo_option as zoo_option_factory
from zoogen.errors import Diagnostic, ZoogenError
from zoogen.meta import LoadedZoo, load_zoo
from zoogen.site.languages import LANGUAGES

zoo_option = zoo_option_factory()
strict_option = click.option("--strict", is_flag=True, help="Treat warnings as errors.")


def _report(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        click.secho(str(diagnostic), err=True, fg="red" if diagnostic.level == "error" else "yellow")


def _load(zoo: Path, strict: bool, configs_root: Path | None = None, links_report: Path | None = None) -> LoadedZoo:
    loaded = load_zoo(zoo, strict=strict, configs_root=configs_root, links_report=links_report)
    _report(loaded.diagnostics)
    if loaded.errors:
        click.secho(f"{len(loaded.errors)} error(s) in {zoo}", err=True, fg="red")
        sys.exit(1)
    return loaded


def _fail(error: ZoogenError) -> NoReturn:
    click.secho(f"zoogen: {error}", err=True, fg="red")
    sys.exit(1)


@click.command("check")
@zoo_argument()
@click.option("--configs-root", type=click.Path(path_type=Path, file_okay=False),
              help="Check that every model's Config exists below this folder.")
@click.option("--results", type=click.Path(path_type=Path, file_okay=False), default=Path("results"),
              show_default=True, help="Verification records: list the stale ones (if the folder exists).")
@strict_option
def check_command(zoo: Path, configs_root: Path | None, results: Path, strict: bool) -> None:
    """Validate the metafiles of ZOO (default: the repository's model index) and report every problem once.

    A verification record whose model changed since (published number, weights, config or one of its
    _base_ files, tolerance) is stale: it is listed, and fails the check with --strict.
    """
    loaded = _load(zoo, strict, configs_root)
    methods = loaded.zoo.methods
    stale = _stale(loaded, results, configs_root)
    click.echo(f"{zoo}: {len(methods)} methods, {len(loaded.zoo.models)} models, "
               f"{len(loaded.warnings)} warning(s)" + (f", {len(stale)} stale record(s)" if stale else ""))
    unlinked = sum(1 for m in loaded.zoo.models if m.config and not m.config.startswith(("http://", "https://")))
    if unlinked and not loaded.zoo.info.config_base_url:
        click.echo(f"note: the Config cells of {unlinked} model(s) show a plain file name, not a link: zoo.yml "
                   "has no config_base_url (zoogen init sets it from the repository's git remote; set it to the "
                   "URL that the Config paths are relative to, e.g. https://github.com/OWNER/REPO/blob/main/)")
    if stale and strict:
        click.secho(f"{len(stale)} stale verification record(s) (--strict): verify them again "
                    f"(zoogen verify --stale) or restore what changed", err=True, fg="red")
        sys.exit(1)


def _stale(loaded: LoadedZoo, results: Path, configs_root: Path | None) -> list[str]:
    """One line per stale record under ``results`` (printed as warnings)."""
    if not results.is_dir():
        return []
    from zoogen.currency import stale_records
    from zoogen.records import RecordError, load_records

    try:
        records = load_records(results)
    except RecordError as error:
        _fail(ZoogenError(str(error)))
    lines = [item.describe() for item in stale_records(loaded.zoo.models, records,
                                                         configs_root=configs_root or loaded.zoo.root,
                                                         registry=loaded.zoo.registry)]
    for line in lines:
        click.secho(f"{results}: {line}", err=True, fg="yellow")
    return lines


@click.command("build")
@click.option("--lang", type=click.Choice([*LANGUAGES, "all"]), default="all", show_default=True,
              help="The language to build.")
@zoo_option
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("build/html"),
              show_default=True, help="Output folder; each language goes to <out>/<lang>.")
@click.option("--results", type=click.Path(path_type=Path, file_okay=False), default=Path("results"),
              show_default=True, help="Verification records to show in the tables (if the folder exists).")
@click.option("--links", "links_report", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="A link-health report (zoogen links --json) whose dead links the tables mark "
                   "[default: links_report of zoo.yml].")
@click.option("--no-wait", is_flag=True,
              help="Fail at once when another build is writing to --out (default: wait for it).")
@strict_option
def build_command(lang: str, zoo: Path, out: Path, results: Path, links_report: Path | None, no_wait: bool,
                  strict: bool) -> None:
    """Validate the zoo and build its site with Sphinx (warnings are errors)."""
    from zoogen.render.links import dead_urls
    from zoogen.site.build import build_site

    links_report = links_report.resolve() if links_report is not None else None
    loaded = _load(zoo, strict, links_report=links_report)
    try:
        dead_urls(loaded.zoo.info.links_report)  # a broken report: one error before any build
    except ZoogenError as error:
        _fail(error)
    if results.is_dir():
        from zoogen.records import RecordError, load_records

        try:
            load_records(results)
        except RecordError as error:
            _fail(ZoogenError(str(error)))
    languages = LANGUAGES if lang == "all" else (lang,)
    try:
        built = build_site(zoo.resolve(), out, languages,
                           results=results.resolve() if results.is_dir() else None, strict=strict,
                           links_report=links_report, wait=not no_wait,
                           on_wait=lambda message: click.echo(f"zoogen: {message}", err=True))
    except ZoogenError as error:
        _fail(error)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the staging is gone, the last good site stays
        click.secho("zoogen: build interrupted; the last good site is left as it was", err=True, fg="red")
        sys.exit(130)
    for result in built:
        click.echo(f"{result.language}: {result.output} ({result.seconds:.1f} s)")


@click.group("i18n")
def i18n_group() -> None:
    """Gettext catalogs of the site (sphinx-intl workflow)."""


@i18n_group.command("update")
@zoo_option
@click.option("--lang", "language", default="zh_CN", show_default=True, help="Catalog language.")
def i18n_update(zoo: Path, language: str) -> None:
    """Extract the pages' messages and update the catalogs of LANG."""
    from zoogen.site.i18n import update_catalogs

    loaded = _load(zoo, strict=False)
    locale_dir = _locale_dir(loaded, zoo)
    try:
        catalogs = update_catalogs(zoo.resolve(), locale_dir, language)
    except ZoogenError as error:
        _fail(error)
    click.echo(f"updated {len(catalogs)} catalog(s) in {locale_dir}")


def _locale_dir(loaded: LoadedZoo, zoo: Path) -> Path:
    """The zoo's catalog folder (zoo.yml's ``locale_dir`` was refused when there is none: already reported)."""
    if loaded.zoo.info.locale_dir is None:
        _fail(ZoogenError(f"{zoo}: the zoo has no usable catalog folder (see zoo.yml's locale_dir)"))
    return loaded.zoo.info.locale_dir


@i18n_group.command("status")
@zoo_option
@click.option("--lang", "language", default="zh_CN", show_default=True, help="Catalog language.")
@strict_option
def i18n_status(zoo: Path, language: str, strict: bool) -> None:
    """Translated, fuzzy and untranslated counts per page; --strict fails unless all are translated."""
    from zoogen.site.i18n import catalog_status

    loaded = _load(zoo, strict=False)
    statuses = catalog_status(_locale_dir(loaded, zoo), language)
    if not statuses:
        click.echo(f"no catalogs for {language} in {loaded.zoo.info.locale_dir}; run 'zoogen i18n update'")
        sys.exit(1 if strict else 0)
    width = max(len(s.page) for s in statuses)
    click.echo(f"{'page':<{width}}  translated  fuzzy  untranslated")
    for s in statuses:
        click.echo(f"{s.page:<{width}}  {s.translated:>10}  {s.fuzzy:>5}  {s.untranslated:>12}")
    incomplete = [s.page for s in statuses if not s.complete]
    click.echo(f"{len(statuses) - len(incomplete)}/{len(statuses)} pages fully translated")
    if strict and incomplete:
        sys.exit(1)
