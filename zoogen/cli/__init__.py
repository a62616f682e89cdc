"""The ``zoogen`` command line: options in, one pipeline call out."""

from __future__ import annotations

import click

from zoogen import __version__
from zoogen.cli.build import build_command, check_command, i18n_group
from zoogen.cli.export import export_command
from zoogen.cli.importer import import_command
from zoogen.cli.init import init_command
from zoogen.cli.links import links_command
from zoogen.cli.serve import serve_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="zoogen")
def cli() -> None:
    """Model-zoo pages from OpenMMLab metafiles: validated, bilingual, verified."""


cli.add_command(check_command)
cli.add_command(build_command)
cli.add_command(i18n_group)
cli.add_command(export_command)
cli.add_command(init_command)
cli.add_command(links_command)
cli.add_command(import_command)
cli.add_command(serve_command)


def _add_verify() -> None:
    from zoogen.cli.verify import verify_command

    cli.add_command(verify_command)


_add_verify()


def main() -> None:
    cli()
