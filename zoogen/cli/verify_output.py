"""What ``zoogen verify`` and its Slurm commands print: the usage error, the summary table, the error lines,
the command line as typed. `zoogen.cli.verify` and `zoogen.cli.verify_slurm` both import it; `verify` imports
`verify_slurm`, never the other way round."""

from __future__ import annotations

import shlex
import sys
from typing import NoReturn

import click
from rich.table import Table

from zoogen.records import VerificationRecord

EXIT_USAGE = 2
VERDICT_WORDS = {"drift": "drift (below published)", "better": "better than published"}  # both flagged


def fail(message: str) -> NoReturn:
    """One line on stderr, exit code 2, no traceback."""
    click.echo(f"zoogen verify: {message}", err=True)
    sys.exit(EXIT_USAGE)


def summary_table(records: list[VerificationRecord], skipped: list[str]) -> Table:
    """Model, status, metric verdicts and fps of each record; errors are listed under it (`error_lines`),
    so the table stays readable at 80 columns."""
    table = Table(title="zoogen verify", show_lines=False)
    table.add_column("model", overflow="fold", ratio=3)
    table.add_column("status", no_wrap=True)
    table.add_column("metrics", overflow="fold", ratio=4)
    table.add_column("fps", no_wrap=True, justify="right")
    colours = {"passed": "green", "drift": "red", "better": "red", "subset": "yellow", "missing": "magenta"}
    status_colours = {"ok": "green", "partial": "yellow", "error": "red"}
    for record in records:
        metrics = ", ".join(
            f"{m.metric} [{colours.get(m.verdict, 'white')}]{VERDICT_WORDS.get(m.verdict, m.verdict.value)}[/]"
            + (f" ({_like(m.measured, m.published)} vs {m.published:g})"
               if m.measured is not None and m.published is not None else "")
            for m in record.metrics
        )
        fps = f"{record.speed.fps:.2f}" if record.speed and record.speed.fps is not None else ""
        status = record.status.value
        table.add_row(record.model, f"[{status_colours[status]}]{status}[/]", metrics or "-", fps)
    for name in skipped:
        table.add_row(name, "[dim]skipped[/]", "", "")
    return table


def _like(measured: float, published: float) -> str:
    """``measured`` with as many decimals as ``published`` shows, at least one (38.2 vs 37.4; 0.658 vs 0.636)."""
    text = f"{published:g}"
    decimals = len(text.split(".", 1)[1]) if "." in text and "e" not in text else 0
    return f"{measured:.{max(decimals, 1)}f}"


def error_lines(records: list[VerificationRecord]) -> list[str]:
    """``model: step failed: message`` for each record that is not a clean ok (printed under the table)."""
    return [f"{r.model}: {r.step.value if r.step else 'verify'} {'failed' if r.status == 'error' else 'incomplete'}: "
            f"{r.error}" for r in records if r.status != "ok"]


def command_line() -> str:
    """``zoogen verify ...`` as typed (whatever script or ``python -c`` ran the command)."""
    args = sys.argv[1:]
    if "verify" in args:
        args = args[args.index("verify") + 1 :]
    return shlex.join(["zoogen", "verify", *args])
