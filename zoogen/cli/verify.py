"""``zoogen verify``: re-check published checkpoints; ``zoogen verify merge``: join the results of shards."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from zoogen.records import RecordError, VerificationRecord, merge_results

EXIT_USAGE = 2


def _fail(message: str) -> NoReturn:
    """One line on stderr, exit code 2, no traceback."""
    click.echo(f"zoogen verify: {message}", err=True)
    sys.exit(EXIT_USAGE)


class ThroughputColumn(ProgressColumn):
    """Models per hour for the run, MB/s for a download (from rich's own speed estimate)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if not speed:
            return Text("")
        if task.fields.get("unit") == "bytes":
            return Text(f"{speed / 1e6:.1f} MB/s", style="progress.data.speed")
        return Text(f"{speed * 3600:.1f} models/h", style="progress.data.speed")


class RichReporter:
    """Progress of a run with `rich.progress`: the model, its step, throughput and ETA, plus its download."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            TextColumn("{task.fields[step]}"),
            BarColumn(),
            TextColumn("{task.fields[detail]}"),
            ThroughputColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self.overall: TaskID | None = None
        self.download_task: TaskID | None = None

    def __enter__(self) -> RichReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop_download()
        if self.overall is not None:
            self.progress.update(self.overall, description="done", step="")
        self.progress.stop()

    def _stop_download(self) -> None:
        if self.download_task is not None:
            self.progress.remove_task(self.download_task)
            self.download_task = None

    def _detail(self) -> str:
        task = self.progress.tasks[0]
        return f"{int(task.completed)}/{int(task.total or 0)} models"

    def start(self, total: int) -> None:
        self.overall = self.progress.add_task("models", total=total, step="", detail="", unit="models")
        self.progress.update(self.overall, detail=self._detail())

    def model_started(self, model: Any) -> None:
        self.progress.update(self.overall, description=model.name, step="")

    def step(self, model: Any, step: str) -> None:
        if step != "download":
            self._stop_download()
        self.progress.update(self.overall, step=step)

    def download(self, model: Any, done: int, total: int | None) -> None:
        if self.download_task is None:
            self.download_task = self.progress.add_task(
                "  checkpoint", total=total, step="", detail="", unit="bytes"
            )
        size = f"/{total / 1e6:.1f}" if total else ""
        self.progress.update(self.download_task, completed=done, total=total,
                             detail=f"{done / 1e6:.1f}{size} MB")

    def note(self, model: Any, message: str) -> None:
        self.progress.console.print(f"[dim]{model.name}: {message}[/dim]", highlight=False)

    def model_finished(self, model: Any, record: VerificationRecord, skipped: bool = False) -> None:
        self._stop_download()
        console = self.progress.console
        if skipped:
            console.print(f"[dim]{model.name}: skipped (--resume: already verified)[/dim]", highlight=False)
        elif record.status == "error":
            console.print(f"[red]{model.name}: {record.step} failed: {record.error}[/red]", highlight=False)
        self.progress.advance(self.overall)
        self.progress.update(self.overall, detail=self._detail())


def summary_table(records: list[VerificationRecord], skipped: list[str]) -> Table:
    """Model, metric verdicts, fps and error of each record of the run."""
    table = Table(title="zoogen verify", show_lines=False)
    table.add_column("model", no_wrap=True)
    for column in ("status", "metrics", "fps", "speed", "error"):
        table.add_column(column, overflow="fold")
    colours = {"passed": "green", "drift": "red", "subset": "yellow", "missing": "magenta"}
    for record in records:
        metrics = ", ".join(
            f"{m.metric} [{colours.get(m.verdict, 'white')}]{m.verdict}[/]"
            + (f" ({m.measured:.1f} vs {m.published:g})" if None not in (m.measured, m.published) else "")
            for m in record.metrics
        )
        fps = f"{record.speed.fps:.2f}" if record.speed and record.speed.fps is not None else ""
        speed = record.speed.verdict if record.speed else ""
        status = "[red]error[/]" if record.status == "error" else "[green]ok[/]"
        table.add_row(record.model, status, metrics or "-", fps, speed, record.error or "")
    for name in skipped:
        table.add_row(name, "[dim]skipped[/]", "", "", "", "")
    return table


@click.group("verify", invoke_without_command=True, subcommand_metavar="[merge SHARD_DIR... --into DIR]")
@click.option("--gpu", is_flag=True, help="Run on CUDA device 0 (fails at once if there is no CUDA).")
@click.option("--device", "device_spec", metavar="cpu|cuda:N", help="The device to run on (default: cpu).")
@click.option("--zoo", "zoo_dir", type=click.Path(path_type=Path), default=Path("zoo_meta"),
              show_default=True, help="The model index (folder of model-index.yml).")
@click.option("--models", "patterns", multiple=True, metavar="GLOB",
              help="Verify only models whose name matches GLOB (repeatable).")
@click.option("--shard", metavar="I/N", help="Verify the I-th of N stable shards of the selected models.")
@click.option("--data-root", type=click.Path(path_type=Path), default=Path("data/coco"), show_default=True,
              help="COCO layout: annotations/instances_val2017.json and val2017/.")
@click.option("--configs-root", type=click.Path(path_type=Path),
              help="Folder of the MMDetection configs (default: the configs of the installed mmdet).")
@click.option("--max-images", type=click.IntRange(min=1),
              help="Evaluate only the first N images (a subset run: recorded, never judged).")
@click.option("--results", "results_dir", type=click.Path(path_type=Path), default=Path("results"),
              show_default=True, help="Where the records are written.")
@click.option("--resume", is_flag=True, help="Skip models already verified in this environment.")
@click.option("--fail-on-drift", is_flag=True, help="Exit 1 when a published number drifted.")
@click.option("--trust-checkpoints", is_flag=True,
              help="Load checkpoints with torch.load(weights_only=False): runs code they hold. At your risk.")
@click.option("--fuse-conv-bn", is_flag=True, help="Fuse conv and batch-norm layers before timing.")
@click.option("--cache-dir", type=click.Path(path_type=Path),
              help="Checkpoint cache (default: ~/.cache/zoogen/checkpoints).")
@click.pass_context
def verify_command(ctx: click.Context, **opts: Any) -> None:
    """Re-evaluate published checkpoints and compare them with the metafiles' numbers.

    Writes one record per model to RESULTS/<model>/<environment tag>.json. Exit status: 0 when every
    model was verified (drift included unless --fail-on-drift), 1 on any error (or drift with
    --fail-on-drift), 2 on a usage error such as --gpu without CUDA.
    """
    if ctx.invoked_subcommand is not None:
        return
    sys.exit(_run(**opts))


def _run(
    *, gpu: bool, device_spec: str | None, zoo_dir: Path, patterns: tuple[str, ...], shard: str | None,
    data_root: Path, configs_root: Path | None, max_images: int | None, results_dir: Path, resume: bool,
    fail_on_drift: bool, trust_checkpoints: bool, fuse_conv_bn: bool, cache_dir: Path | None,
) -> int:
    try:
        from zoogen.verify.device import DeviceUnavailable, resolve_device
    except ImportError as exc:
        _fail(f"the verification stack is not installed ({exc.msg}); install it with 'bash tools/setup.sh'")

    try:
        device = resolve_device(gpu, device_spec)
    except (DeviceUnavailable, ValueError) as exc:
        _fail(str(exc))
    try:
        shard_of = _parse_shard(shard)
    except ValueError as exc:
        _fail(str(exc))

    from zoogen.meta.loader import load_zoo
    from zoogen.verify.environment import collect_environment
    from zoogen.verify.runner import VerifyOptions, default_configs_root, run_verification, select_models

    console = Console(stderr=True)
    loaded = load_zoo(zoo_dir)
    for diagnostic in loaded.errors[:10]:
        console.print(f"[yellow]{diagnostic}[/yellow]", highlight=False)
    models = select_models(loaded.zoo.models, patterns, shard_of)
    if not models:
        what = f" matching {', '.join(patterns)}" if patterns else ""
        _fail(f"no models{what} in {zoo_dir}" + (f" (shard {shard})" if shard else ""))

    configs_root = configs_root or default_configs_root()
    command = _command_line()
    environment = collect_environment(device.describe(), zoo_dir=zoo_dir, command=command)
    options = VerifyOptions(
        results_dir=results_dir, data_root=data_root, configs_root=configs_root, cache_dir=cache_dir,
        zoo_dir=zoo_dir, max_images=max_images, resume=resume, trust_checkpoints=trust_checkpoints,
        fuse_conv_bn=fuse_conv_bn, command=command,
    )
    console.print(f"Verifying {len(models)} model(s) on {device.name}: "
                  f"{results_dir}/<model>/{environment.tag}.json", highlight=False)
    if configs_root is not None:
        console.print(f"configs: {configs_root}", highlight=False)
    if trust_checkpoints:
        console.print("[yellow]--trust-checkpoints: checkpoints are loaded with torch.load(weights_only=False) "
                      "and can run code[/yellow]", highlight=False)
    with RichReporter(console) as reporter:
        summary = run_verification(models, options=options, environment=environment, device=device,
                                   reporter=reporter)
    Console().print(summary_table(summary.records, summary.skipped))
    if summary.errors:
        return 1
    return 1 if fail_on_drift and summary.drifted else 0


def _command_line() -> str:
    """``zoogen verify ...`` as typed (whatever script or ``python -c`` ran the command)."""
    args = sys.argv[1:]
    if "verify" in args:
        args = args[args.index("verify") + 1 :]
    return shlex.join(["zoogen", "verify", *args])


def _parse_shard(text: str | None) -> tuple[int, int] | None:
    from zoogen.verify.runner import parse_shard

    return parse_shard(text) if text else None


@verify_command.command("merge")
@click.argument("shard_dirs", nargs=-1, required=True, type=click.Path(path_type=Path, file_okay=False))
@click.option("--into", "into", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="The results folder to merge into (created if needed).")
def merge_command(shard_dirs: tuple[Path, ...], into: Path) -> None:
    """Merge the results folders of shards (SHARD_DIR...) into one.

    The union of their records; a model recorded for the same environment in two places keeps the
    record with the newest date.
    """
    missing = [str(d) for d in shard_dirs if not d.is_dir()]
    if missing:
        _fail(f"no such results folder: {', '.join(missing)}")
    try:
        merged = merge_results(shard_dirs, into)
    except RecordError as exc:
        _fail(str(exc))
    count = sum(len(records) for records in merged.values())
    click.echo(f"{into}: {count} record(s) of {len(merged)} model(s) from {len(shard_dirs)} folder(s)")
