"""``zoogen export``: the zoo's data as models.json, CSV per task and dataset, and model-card metadata."""

from __future__ import annotations

from pathlib import Path

import click

from zoogen.cli.build import _fail, _load, strict_option, zoo_option
from zoogen.errors import ZoogenError


@click.command("export")
@zoo_option
@click.option("--results", type=click.Path(path_type=Path, file_okay=False), default=Path("results"),
              show_default=True, help="Verification records to export beside the published values (if present).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Output folder (replaced as a whole once every file is written).")
@strict_option
def export_command(zoo: Path, results: Path, out: Path, strict: bool) -> None:
    """Write models.json (+ its JSON Schema), one CSV per task and dataset and a model-index block per model."""
    from zoogen.export import write_exports
    from zoogen.records import RecordError, load_records

    loaded = _load(zoo, strict)
    try:
        records = load_records(results) if results.is_dir() else {}
        summary = write_exports(loaded.zoo, out, records)
    except RecordError as error:
        _fail(ZoogenError(str(error)))
    except ZoogenError as error:
        _fail(error)
    click.echo(f"{out}: {len(summary.files)} files, {summary.total_bytes / 1024:.0f} KiB "
               f"({len(loaded.zoo.models)} models, {sum(1 for m in loaded.zoo.models if m.name in records)} verified)")
