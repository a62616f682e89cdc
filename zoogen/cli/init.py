"""``zoogen init``: adopt zoogen in a repository that has a model index."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from zoogen.adopt import DEFAULT_CONF_DIR, init_repository
from zoogen.errors import ZoogenError


@click.command("init")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True), default=".")
@click.option("--conf-dir", type=click.Path(path_type=Path), default=DEFAULT_CONF_DIR, show_default=True,
              help="Folder of the zoo's Sphinx conf.py, relative to DIRECTORY.")
@click.option("--title", help="Title of the site [default: '<repository> Model Zoo'].")
@click.option("--no-catalogs", is_flag=True, help="Do not create the Chinese catalogs now.")
@click.option("--requirement", "requirement", metavar="SPEC",
              help="How Read the Docs installs zoogen (<conf-dir>/requirements.txt): a pip requirement such as "
                   "'zoogen @ git+https://github.com/zoogen-dev/zoogen@v0.2.0', a VCS URL or a path "
                   "[default: zoogen==<this version>].")
def init_command(directory: Path, conf_dir: Path, title: str | None, no_catalogs: bool,
                 requirement: str | None) -> None:
    """Write what DIRECTORY (default: here; it holds model-index.yml) needs for its zoo site.

    Writes zoo.yml, <conf-dir>/conf.py (the zoogen.sphinx extension on this zoo), <conf-dir>/requirements.txt,
    the Read the Docs configuration for the English project and its Chinese translation project, and the
    Chinese catalogs. Never overwrites a file. The Read the Docs configuration goes to the repository's root
    only where the repository has none (neither there nor under docs/); otherwise beside conf.py, and init
    says which path the zoo's projects must name.
    """
    try:
        report = init_repository(directory, conf_dir, title, catalogs=not no_catalogs, requirement=requirement)
    except ZoogenError as error:
        click.secho(f"zoogen init: {error}", err=True, fg="red")
        sys.exit(1)
    here = Path.cwd()
    for path in report.written:
        click.echo(f"wrote  {_short(path, here)}")
    for path in report.kept:
        click.echo(f"kept   {_short(path, here)} (exists)")
    for note in report.notes:
        click.echo(f"\nnote: {note}")
    click.echo("\nnext:")
    for command in report.next_commands:
        click.echo(f"  {command}")


def _short(path: Path, here: Path) -> str:
    try:
        return str(path.resolve().relative_to(here.resolve()))
    except ValueError:
        return str(path)
