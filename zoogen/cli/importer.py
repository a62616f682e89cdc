"""``zoogen import``: hand-written model-zoo tables to OpenMMLab metafiles."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import click


@click.command("import")
@click.argument("page", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for model-index.yml, zoo.yml and one metafile per collection.")
@click.option("--collection", help="Put every model in this collection [default: the heading above each table].")
@click.option("--dataset", default="COCO", show_default=True,
              help="Dataset of the metrics (unless a header names one).")
@click.option("--hardware", help="Hardware the page's speeds were measured on (e.g. V100).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the list of cells not placed to this file.")
def import_command(page: Path, out: Path, collection: str | None, dataset: str, hardware: str | None,
                   report_path: Path | None) -> None:
    """Read the Markdown tables of PAGE and write metafiles; every cell not placed is reported."""
    from zoogen.errors import ZoogenError
    from zoogen.importer import import_page, write_zoo
    from zoogen.meta import load_zoo

    try:
        result = import_page(page, collection=collection, dataset=dataset, hardware=hardware)
    except ZoogenError as error:  # too large, not UTF-8, unreadable: names the page (and line)
        _fail(str(error))
    lines = [p.describe(page) for p in (*result.skipped_tables, *result.problems)]
    for line in lines:
        click.secho(line, err=True, fg="yellow")
    if report_path:
        report_path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    if not result.model_count:
        _fail(f"{page}: no model table found ({len(result.skipped_tables)} table(s) skipped)")
    if out.exists() and not out.is_dir():
        _fail(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".zoogen-import-", dir=out))
    try:
        written = write_zoo(result, staging)
        loaded = load_zoo(staging)
        if loaded.errors:  # a bug of the importer, never a half-written zoo: named inside the zoo, not staging
            inside = f"{staging}{os.sep}"
            _fail(f"{page}: the imported zoo does not validate (nothing written to {out}):\n"
                  + "\n".join(str(d).replace(inside, "") for d in loaded.errors))
        for path in written:
            target = out / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    click.echo(f"{out}: {result.model_count} model(s) in {len(result.methods)} metafile(s); cells: "
               f"{result.placed} placed, {result.reported} reported, {result.empty} empty; "
               f"{len(result.skipped_tables)} table(s) skipped")


def _fail(message: str) -> None:
    click.secho(f"zoogen: {message}", err=True, fg="red")
    sys.exit(1)
