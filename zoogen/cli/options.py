"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import click

from zoogen.errors import ZoogenError
from zoogen.project import find_zoo


def _zoo_or_discovered(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None:
        return value
    try:
        return find_zoo()
    except ZoogenError as error:
        if isinstance(ctx.command, click.Group):  # a subcommand may not need the zoo: the group decides later
            return None
        raise click.UsageError(str(error), ctx) from None


def zoo_option(*names: str):  # noqa: ANN201 (a click decorator)
    """``--zoo DIR``; without it, the repository's own model index (see `zoogen.project.find_zoo`).

    On a command group the value is None when no index is found; the group's own code then reports it.
    """
    return click.option(*(names or ("--zoo",)), type=click.Path(path_type=Path), default=None,
                        callback=_zoo_or_discovered,
                        help="The zoo: a model-index.yml or its folder "
                             "[default: the repository's model-index.yml, or zoo_meta/].")


def zoo_argument(name: str = "zoo"):  # noqa: ANN201 (a click decorator)
    """An optional ZOO argument with the same default as `zoo_option`."""
    return click.argument(name, type=click.Path(path_type=Path), required=False, default=None,
                          callback=_zoo_or_discovered)
