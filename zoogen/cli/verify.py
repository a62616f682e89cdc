"""``zoogen verify``: re-check published checkpoints; ``zoogen verify merge``: join the results of shards."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path
from typing import Any

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
from rich.text import Text

from zoogen.cli.options import zoo_option
from zoogen.cli.verify_output import command_line as _command_line
from zoogen.cli.verify_output import error_lines, summary_table
from zoogen.cli.verify_output import fail as _fail
from zoogen.cli.verify_slurm import pop_slurm_options, resubmit_command, slurm_options, status_command, submit_run
from zoogen.records import RecordError, VerificationRecord, load_records, merge_results
from zoogen.verify.progress import Reporter


class ThroughputColumn(ProgressColumn):
    """Models per hour for the run, MB/s for a download (from rich's own speed estimate)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if not speed:
            return Text("")
        if task.fields.get("unit") == "bytes":
            return Text(f"{speed / 1e6:.1f} MB/s", style="progress.data.speed")
        return Text(f"{speed * 3600:.1f} models/h", style="progress.data.speed")


class RichReporter(Reporter):
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

    @property
    def _overall(self) -> TaskID:
        if self.overall is None:
            raise RuntimeError("the progress display was not started")
        return self.overall

    def model_started(self, model: Any) -> None:
        self.progress.update(self._overall, description=model.name, step="")

    def step(self, model: Any, step: str) -> None:
        if step != "download":
            self._stop_download()
        self.progress.update(self._overall, step=step)

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

    def run_note(self, message: str) -> None:
        self.progress.console.print(f"[yellow]{message}[/yellow]", highlight=False)

    def model_finished(self, model: Any, record: VerificationRecord, skipped: bool = False) -> None:
        self._stop_download()
        console = self.progress.console
        if skipped:
            console.print(f"[dim]{model.name}: skipped (--resume: already verified)[/dim]", highlight=False)
        elif record.status == "error":
            console.print(f"[red]{model.name}: {_step(record)} failed: {record.error}[/red]", highlight=False)
        elif record.status == "partial":
            console.print(f"[yellow]{model.name}: incomplete ({_step(record)}): {record.error}[/yellow]",
                          highlight=False)
        self.progress.advance(self._overall)
        self.progress.update(self._overall, detail=self._detail())


def _step(record: VerificationRecord) -> str:
    return record.step.value if record.step is not None else "?"


@click.group("verify", invoke_without_command=True, subcommand_metavar="[merge|plan|status|resubmit ...]")
@click.option("--gpu", is_flag=True, help="Run on CUDA device 0 (fails at once if there is no CUDA).")
@click.option("--device", "device_spec", metavar="cpu|cuda:N", help="The device to run on (default: cpu).")
@zoo_option("--zoo", "zoo_dir")
@click.option("--models", "patterns", multiple=True, metavar="GLOB",
              help="Verify only models whose name matches GLOB (repeatable).")
@click.option("--shard", metavar="I/N", help="Verify the I-th of N stable shards of the selected models.")
@click.option("--data-root", type=click.Path(path_type=Path), default=Path("data/coco"), show_default=True,
              help="The test data, in the layout each model's config reads: COCO (annotations/instances_val2017.json, "
                   "val2017/), ImageNet (meta/val.txt, val/), ADE20K (images/validation, annotations/validation)...")
@click.option("--configs-root", type=click.Path(path_type=Path),
              help="Folder of the zoo's configs (default: those shipped by the zoo's installed library: zoo.yml's "
                   "`library`, else the one whose configs hold the zoo's Config paths).")
@click.option("--max-images", type=click.IntRange(min=1),
              help="Evaluate only the first N images (a subset run: recorded, never judged).")
@click.option("--results", "results_dir", type=click.Path(path_type=Path), default=Path("results"),
              show_default=True, help="Where the records are written.")
@click.option("--resume", is_flag=True, help="Skip models already verified in this environment.")
@click.option("--fail-on-drift", is_flag=True, help="Exit 1 when a published number drifted.")
@click.option("--trust-checkpoints", is_flag=True,
              help="Load checkpoints with torch.load(weights_only=False): runs code they hold. At your risk.")
@click.option("--trust-configs", is_flag=True,
              help="Run configs outside --configs-root or with custom_imports: executes the zoo's Python. "
                   "Without it such configs are refused (only the configs of --configs-root run).")
@click.option("--fuse-conv-bn", is_flag=True, help="Fuse conv and batch-norm layers before timing.")
@click.option("--cache-dir", type=click.Path(path_type=Path),
              help="Checkpoint cache (default: ~/.cache/zoogen/checkpoints).")
@click.option("--min-rate", type=click.FloatRange(min=0.001), default=50.0, show_default=True, metavar="KB/S",
              help="A download slower than this (kB/s) over --rate-window fails; also sets each file's deadline.")
@click.option("--rate-window", type=click.FloatRange(min=0.1), default=60.0, show_default=True, metavar="S",
              help="Seconds over which --min-rate is measured.")
@click.option("--stale", is_flag=True, help="Verify only the models `zoogen verify plan` says need it.")
@click.option("--max-age", type=click.IntRange(min=0), metavar="DAYS",
              help="With --stale/--estimate: records older than DAYS need verifying again.")
@click.option("--estimate", is_flag=True,
              help="Print the device-hours the selected (or, with --stale, the stale) models need; run nothing.")
@slurm_options
@click.pass_context
def verify_command(ctx: click.Context, **opts: Any) -> None:
    """Re-evaluate published checkpoints and compare them with the metafiles' numbers.

    Writes one record per model to RESULTS/<model>/<environment tag>.json. Exit status: 0 when every
    model was verified (drift included unless --fail-on-drift), 1 on any error or incomplete record (or
    drift with --fail-on-drift), 2 on a usage error such as --gpu without CUDA or no dataset at
    --data-root (found before any model starts).

    Any OpenMMLab 2.0 library's models: each runs as its library's tools/test.py runs it (the config's test
    dataloader, model and evaluator, by its default_scope: MMDetection, MMPretrain, MMSegmentation...), its
    evaluator's keys mapped to the metafile's metrics by zoogen's registry.

    Safe by default: a config is Python that mmengine executes, so only configs under --configs-root
    (default: the zoo's installed library's) that set no custom_imports are run; --trust-configs runs any
    (the zoo's own Python). Checkpoints are loaded with torch.load(weights_only=True) unless
    --trust-checkpoints.
    """
    if ctx.invoked_subcommand is not None:
        return
    slurm = pop_slurm_options(opts)  # --slurm: submit a job array instead (zoogen/cli/verify_slurm.py)
    if slurm is not None:
        sys.exit(submit_run(ctx, slurm, opts))
    sys.exit(_run(**opts))


def _run(
    *, gpu: bool, device_spec: str | None, zoo_dir: Path, patterns: tuple[str, ...], shard: str | None,
    data_root: Path, configs_root: Path | None, max_images: int | None, results_dir: Path, resume: bool,
    fail_on_drift: bool, trust_checkpoints: bool, fuse_conv_bn: bool, cache_dir: Path | None,
    trust_configs: bool = False, min_rate: float = 50.0, rate_window: float = 60.0, stale: bool = False,
    max_age: int | None = None, estimate: bool = False,
) -> int:
    try:
        shard_of = _parse_shard(shard)
    except ValueError as exc:
        _fail(str(exc))
    if estimate and not gpu and not (device_spec or "").startswith("cuda"):  # a login node: no torch needed
        return _estimate_here(zoo_dir, patterns, shard_of, results_dir, configs_root, max_age, stale=stale)
    try:
        from zoogen.verify.device import DeviceUnavailable, resolve_device
    except Exception as exc:  # ImportError, or OSError of a CUDA build whose libraries do not load
        _fail(f"the verification stack does not load ({type(exc).__name__}: {exc}); install it with "
              "'bash tools/setup.sh verify'"
              + ("; for a GPU's estimate without it: zoogen verify plan --tag TAG --estimate" if estimate else ""))

    try:
        device = resolve_device(gpu, device_spec)
    except (DeviceUnavailable, ValueError) as exc:
        _fail(str(exc))

    from zoogen.meta.loader import load_zoo
    from zoogen.verify.environment import collect_environment
    from zoogen.verify.fetch import MinimumRate
    from zoogen.verify.runner import RunError, VerifyOptions, run_verification, select_models

    console = Console(stderr=True)
    if zoo_dir is None:
        _fail("no model-index.yml here or above (nor zoo_meta/); pass --zoo DIR")
    loaded = load_zoo(zoo_dir)
    for diagnostic in loaded.errors[:10]:
        console.print(f"[yellow]{diagnostic}[/yellow]", highlight=False)
    models = select_models(loaded.zoo.models, patterns, shard_of)
    if not models:
        what = f" matching {', '.join(patterns)}" if patterns else ""
        _fail(f"no models{what} in {zoo_dir}" + (f" (shard {shard})" if shard else ""))

    configs_root = _configs_root(configs_root, models, loaded)
    command = _command_line()
    environment = collect_environment(device.describe(), zoo_dir=zoo_dir, command=command)
    tag = environment.tag or "unknown"
    if stale or estimate:
        models, entries, records = _stale_models(models, results_dir, tag, configs_root, max_age,
                                                 only_stale=stale)
        if stale:
            console.print(f"--stale: {len(models)} of {len(entries)} model(s) need verifying", highlight=False)
        if estimate:
            from zoogen.verify.plan import estimate as plan_estimate

            click.echo(plan_estimate(entries if stale else [_all(e) for e in entries], records,
                                     tag).describe(tag))
            return 0
        if not models:
            Console().print("Nothing to verify: every selected model is up to date.")
            return 0
    options = VerifyOptions(
        results_dir=results_dir, data_root=data_root, configs_root=configs_root, cache_dir=cache_dir,
        zoo_dir=zoo_dir, max_images=max_images, resume=resume, trust_checkpoints=trust_checkpoints,
        trust_configs=trust_configs, fuse_conv_bn=fuse_conv_bn, command=command,
        rate=MinimumRate(bytes_per_second=min_rate * 1000, window=rate_window),
        mirrors=[(m.primary, m.mirror) for m in getattr(loaded.zoo.info, "mirrors", [])],
    )
    console.print(f"Verifying {len(models)} model(s) on {device.name}: "
                  f"{results_dir}/<model>/{environment.tag}.json", highlight=False)
    if configs_root is not None:
        console.print(f"configs: {configs_root}", highlight=False)
    if trust_checkpoints:
        console.print("[yellow]--trust-checkpoints: checkpoints are loaded with torch.load(weights_only=False) "
                      "and can run code[/yellow]", highlight=False)
    if trust_configs:
        console.print("[yellow]--trust-configs: configs outside the configs root and custom_imports are run: "
                      "this executes the zoo's Python[/yellow]", highlight=False)
    try:
        from zoogen.verify.runner import check_run

        check_run(options, models)  # before the progress display: one usage error, no records
    except RunError as exc:
        _fail(str(exc))
    from zoogen.verify.preflight import OpsUnavailable, check_ops

    try:
        ops = check_ops(device)  # seconds, before any download: mmcv's ops work on this device
    except OpsUnavailable as exc:
        _fail(str(exc))
    if ops.mmcv_cuda:
        console.print(f"mmcv {ops.mmcv} ops (CUDA {ops.mmcv_cuda}) checked on {device.name} in {ops.seconds:.1f} s",
                      highlight=False)
    with RichReporter(console) as reporter:
        summary = run_verification(models, options=options, environment=environment, device=device,
                                   reporter=reporter)
    out = Console()
    out.print(summary_table(summary.records, summary.skipped))
    for line in error_lines(summary.records) + [f"record not written: {u}" for u in summary.unwritten]:
        out.print(line, highlight=False, markup=False, soft_wrap=False)
    for gap, names in summary.unverifiable.items():
        out.print(f"not verifiable by this version of zoogen: {len(names)} model(s) of {gap}", highlight=False,
                  markup=False)
    if summary.stopped:
        out.print(f"stopped: {summary.stopped}", highlight=False, markup=False, soft_wrap=False)
    if summary.errors or summary.unwritten or summary.stopped:
        return 1
    return 1 if fail_on_drift and summary.drifted else 0


def _estimate_here(zoo_dir: Path | None, patterns: tuple[str, ...], shard_of: Any, results_dir: Path,
                   configs_root: Path | None, max_age: int | None, *, stale: bool) -> int:
    """``--estimate`` for this machine's CPU: read files only (the tag without importing torch)."""
    from zoogen.meta.loader import load_zoo
    from zoogen.verify.plan import estimate as plan_estimate
    from zoogen.verify.plan import local_cpu_tag
    from zoogen.verify.selection import select_models

    if zoo_dir is None:
        _fail("no model-index.yml here or above (nor zoo_meta/); pass --zoo DIR")
    loaded = load_zoo(zoo_dir)
    models = select_models(loaded.zoo.models, patterns, shard_of)
    tag = local_cpu_tag()
    _, entries, records = _stale_models(models, results_dir, tag,
                                        _configs_root(configs_root, models, loaded, required=False),
                                        max_age, only_stale=stale)
    click.echo(plan_estimate(entries if stale else [_all(e) for e in entries], records, tag).describe(tag))
    return 0


def _configs_root(given: Path | None, models: list, loaded: Any, *, required: bool = True) -> Path | None:
    """``--configs-root``, else the configs of the zoo's installed library: a usage error naming the library when
    it is not installed and a run needs it (``plan`` and ``--estimate`` go on without: configs count as unknown)."""
    from zoogen.verify.libraries import LibraryMissing, zoo_configs_root

    try:
        return zoo_configs_root(models, getattr(loaded.zoo.info, "library", None), given)
    except LibraryMissing as exc:
        if required:
            _fail(str(exc))
        return None


def _all(entry: Any) -> Any:
    """A plan entry counted as needing verification (``--estimate`` without ``--stale``)."""
    from zoogen.verify.plan import PlanEntry

    return PlanEntry(entry.model, entry.reasons or ["selected"])


def _stale_models(models: list, results_dir: Path, tag: str, configs_root: Path | None, max_age: int | None,
                  *, only_stale: bool) -> tuple[list, list, dict]:
    """(models to verify, the plan entries, the records read) for --stale / --estimate."""
    from datetime import timedelta

    from zoogen.verify.plan import plan

    try:
        records = load_records(results_dir)
    except RecordError as exc:
        _fail(str(exc))
    entries = plan(models, records, tag=tag, configs_root=configs_root,
                   max_age=None if max_age is None else timedelta(days=max_age))
    stale = {e.model for e in entries if e.reasons}
    return [m for m in models if m.name in stale or not only_stale], entries, records


def _parse_shard(text: str | None) -> tuple[int, int] | None:
    from zoogen.verify.selection import parse_shard

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


@verify_command.command("plan")
@zoo_option("--zoo", "zoo_dir")
@click.option("--results", "results_dir", type=click.Path(path_type=Path), default=Path("results"),
              show_default=True, help="The records to compare with (the repository's results/).")
@click.option("--configs-root", type=click.Path(path_type=Path),
              help="Folder of the zoo's configs (default: those shipped by the zoo's installed library).")
@click.option("--models", "patterns", multiple=True, metavar="GLOB", help="Only models matching GLOB.")
@click.option("--tag", help="The environment tag to plan for (default: this machine; see --gpu).")
@click.option("--gpu", is_flag=True, help="Plan for this machine's CUDA device 0 (imports torch).")
@click.option("--max-age", type=click.IntRange(min=0), metavar="DAYS", help="Records older than DAYS are stale.")
@click.option("--json", "as_json", is_flag=True, help='Print [{"model": ..., "reasons": [...]}, ...].')
@click.option("--estimate", is_flag=True, help="Also print the device-hours the plan needs.")
def plan_command(zoo_dir: Path | None, results_dir: Path, configs_root: Path | None, patterns: tuple[str, ...],
                 tag: str | None, gpu: bool, max_age: int | None, as_json: bool, estimate: bool) -> None:
    """Print, per model, whether it needs verifying in this environment and why.

    Reasons: no record for this environment; the weights URL (with its hash) changed; the config file or
    one of its _base_ files changed; a published number changed; the zoogen, mmdet, mmcv or torch version
    changed; the last run did not end ok; the record is older than --max-age.
    """
    import json
    from datetime import timedelta

    from zoogen.meta.loader import load_zoo
    from zoogen.verify.plan import estimate as plan_estimate
    from zoogen.verify.plan import local_cpu_tag, plan
    from zoogen.verify.selection import select_models

    if zoo_dir is None:
        _fail("no model-index.yml here or above (nor zoo_meta/); pass --zoo DIR")
    if tag is None and gpu:
        from zoogen.records import environment_tag
        from zoogen.verify.device import DeviceUnavailable, resolve_device

        try:
            tag = environment_tag(resolve_device(True, None).describe() | {"torch": _torch_version()})
        except (DeviceUnavailable, ValueError) as exc:
            _fail(str(exc))
    tag = tag or local_cpu_tag()
    loaded = load_zoo(zoo_dir)
    models = select_models(loaded.zoo.models, patterns)
    try:
        records = load_records(results_dir)
    except RecordError as exc:
        _fail(str(exc))
    entries = plan(models, records, tag=tag, configs_root=_configs_root(configs_root, models, loaded, required=False),
                   max_age=None if max_age is None else timedelta(days=max_age))
    if as_json:
        click.echo(json.dumps([e.to_json() for e in entries], indent=2, ensure_ascii=False))
    else:  # one line per model, then the summary, all on stdout (in order wherever it is sent)
        for entry in entries:
            click.echo(_one_line(f"{entry.model}: " + ("; ".join(entry.reasons) or "up to date")))
        stale = sum(1 for e in entries if e.reasons)
        click.echo(f"{stale} of {len(entries)} model(s) need verifying on {_one_line(tag)}")
    if estimate:
        sys.stdout.flush()
        click.echo(plan_estimate(entries, records, tag).describe(tag), err=as_json)


def _one_line(text: str) -> str:
    """``text`` on one line: line breaks and other control characters (from metafile text) as spaces."""
    return "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)


def _torch_version() -> str | None:
    from zoogen.verify.environment import package_version

    return package_version("torch")


verify_command.add_command(status_command)  # zoogen/cli/verify_slurm.py
verify_command.add_command(resubmit_command)
