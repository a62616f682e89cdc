"""``zoogen links``: check every URL the zoo publishes and write the link report."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from zoogen.cli.options import zoo_option
from zoogen.errors import ZoogenError
from zoogen.meta import load_zoo

if TYPE_CHECKING:
    from zoogen.links.cache import LinkCache
    from zoogen.links.check import CheckSettings, LinkResult
    from zoogen.links.collect import LinkTarget


@click.command("links")
@zoo_option()
@click.option("--json", "json_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report here [default: links_report of zoo.yml, if set].")
@click.option("--fail-on", type=click.Choice(["dead", "unreachable"]), default="dead", show_default=True,
              help="Exit 1 on dead links, or on dead and unreachable ones.")
@click.option("--cache", "cache_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Cache of recent answers [default: <user cache dir>/zoogen/links.json].")
@click.option("--cache-hours", type=click.FloatRange(min=0), default=24.0, show_default=True,
              help="Answers younger than this are reused and not asked again (0: ask again).")
@click.option("--connections", type=click.IntRange(1, 512), default=32, show_default=True,
              help="URLs checked at once.")
@click.option("--per-host", type=click.IntRange(1, 128), default=8, show_default=True,
              help="Connections open at once to one host.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=20.0, show_default=True,
              help="Seconds to wait for a connection or an answer.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Retries for 429/5xx answers, time-outs and dropped connections (exponential back-off).")
def links_command(zoo: Path, json_path: Path | None, fail_on: str, cache_path: Path | None, cache_hours: float,
                  connections: int, per_host: int, timeout: float, retries: int) -> None:
    """Check the zoo's links: weights, logs, configs, papers, code, zoo.yml prose and mirrors."""
    from zoogen.links.cache import LinkCache, default_cache_path
    from zoogen.links.check import CheckSettings
    from zoogen.links.collect import collect_links
    from zoogen.links.report import read_report, report_entries, write_report
    from zoogen.links.run import check_links

    loaded = load_zoo(zoo)
    for diagnostic in loaded.errors:
        click.secho(str(diagnostic), err=True, fg="red")
    if loaded.errors:
        click.secho(f"{len(loaded.errors)} error(s) in {zoo}", err=True, fg="red")
        sys.exit(1)
    info = loaded.zoo.info
    json_path = json_path or info.links_report
    try:
        previous = read_report(json_path) if json_path and json_path.is_file() else []
    except ZoogenError as error:
        click.secho(f"zoogen: {error}", err=True, fg="red")
        sys.exit(1)
    targets = collect_links(loaded.zoo)
    settings = CheckSettings(per_host=per_host, workers=connections, connect_timeout=timeout,
                             read_timeout=timeout, retries=retries)
    cache = LinkCache(cache_path or default_cache_path(), cache_hours * 3600) if cache_hours > 0 else None
    results = _check_with_progress(targets, settings, cache, check_links)
    entries = report_entries(results, previous)
    if json_path:
        write_report(json_path, entries)
    _summary(entries, json_path)
    failing = {"dead"} if fail_on == "dead" else {"dead", "unreachable"}
    if any(entry["status"] in failing for entry in entries):
        sys.exit(1)


def _check_with_progress(targets: list[LinkTarget], settings: CheckSettings, cache: LinkCache | None,
                         check_links: Callable[..., list[LinkResult]]) -> list[LinkResult]:
    """``check_links`` with a progress bar on a terminal (stderr); plain otherwise."""
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    if not console.is_terminal:
        return check_links(targets, settings, cache)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("checking links", total=len(targets))
        return check_links(targets, settings, cache, lambda _: progress.advance(task))


def _summary(entries: list[dict], json_path: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=False, highlight=False)
    counts = Counter(entry["status"] for entry in entries)
    for status, style in (("dead", "red"), ("unreachable", "yellow")):
        rows = [e for e in entries if e["status"] == status]
        if not rows:
            continue
        table = Table(title=f"{status} ({len(rows)})", title_style=f"bold {style}", show_lines=False)
        for column in ("URL", "code", "reason", "used by"):
            table.add_column(column, overflow="fold")
        for entry in rows:
            used = ", ".join(entry["where"][:3]) + (f" (+{len(entry['where']) - 3})" if len(entry["where"]) > 3 else "")
            table.add_row(entry["url"], str(entry["code"] or "-"), entry["reason"] or "-", used)
        console.print(table)
    console.print(f"{len(entries)} link(s): {counts['alive']} alive, {counts['dead']} dead, "
                  f"{counts['unreachable']} unreachable" + (f"; report: {json_path}" if json_path else ""))
