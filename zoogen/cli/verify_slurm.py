"""``zoogen verify --slurm``, ``zoogen verify status`` and ``zoogen verify resubmit``: a Slurm job array.

The scripts, submission and progress counting are `zoogen.verify.slurm`'s; this module holds the click
options and their checks (every value that reaches a script: no control character; ``--gpu`` only with GPUs
per task), the ``--wait`` loop (rich progress) and the status table. What it prints besides comes from
`zoogen.cli.verify_output`; it never imports `zoogen.cli.verify` (which imports it).
"""

from __future__ import annotations

import shlex
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from zoogen.cli.verify_output import command_line, error_lines, fail, summary_table
from zoogen.records import RecordError, VerificationRecord, read_record
from zoogen.verify.slurm import (
    TERMINAL_STATES,
    InvalidValue,
    JobProgress,
    SlurmError,
    SlurmJob,
    SlurmOptions,
    control_character,
    create_job,
    job_progress,
    load_job,
    run_records,
    seed_shards,
    submit,
)

POLL_SECONDS = 2.0
# Options of `zoogen verify` that each array task sets itself.
PER_TASK = frozenset({"shard", "results_dir", "resume"})
SLURM_NAMES = ("slurm", "shards", "wait", "partition", "gpus_per_task", "cpus_per_task", "array_parallelism",
               "slurm_time", "slurm_mem", "sbatch_options")
# What each value that reaches a script was given as (`InvalidValue.field` -> the option), for errors.
FLAGS = {
    "shards": "--shards", "partition": "--partition", "gpus_per_task": "--gpus-per-task",
    "cpus_per_task": "--cpus-per-task", "array_parallelism": "--array-parallelism", "time_limit": "--slurm-time",
    "mem": "--slurm-mem", "extra": "--sbatch-option", "results_dir": "--results",
    "python": "the Python interpreter (sys.executable)", "cwd": "the working directory",
    "command": "the command line", "verify_args": "an option of zoogen verify",
}


_OPTIONS = [
    click.option("--slurm", is_flag=True,
                 help="Submit the run as a Slurm job array (one task per shard) and a merge job into --results."),
    click.option("--shards", type=click.IntRange(min=1), metavar="N",
                 help="With --slurm: the number of array tasks (default: one per model, at most 100)."),
    click.option("--wait", is_flag=True,
                 help="With --slurm: follow the array until the merge is done; exit as a local run would."),
    click.option("--partition", metavar="P", help="With --slurm: the Slurm partition."),
    click.option("--gpus-per-task", type=click.IntRange(min=0), default=0, show_default=True, metavar="G",
                 help="With --slurm: GPUs of each array task (one task of G GPUs; >0 implies --gpu unless --device "
                      "is given). --gpu or --device cuda:N with --slurm needs it."),
    click.option("--cpus-per-task", type=click.IntRange(min=1), default=1, show_default=True,
                 help="With --slurm: CPU cores of each array task."),
    click.option("--array-parallelism", type=click.IntRange(min=1), metavar="K",
                 help="With --slurm: at most K array tasks at once."),
    click.option("--slurm-time", metavar="TIME", help="With --slurm: time limit of each task (sbatch --time)."),
    click.option("--slurm-mem", metavar="SIZE", help="With --slurm: memory of each task (sbatch --mem)."),
    click.option("--sbatch-option", "sbatch_options", multiple=True, metavar="OPT",
                 help="With --slurm: one more #SBATCH line for the tasks, e.g. --sbatch-option=--account=abc "
                      "(one word: no spaces, quotes, backslashes or #)."),
]


def slurm_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the ``--slurm`` options to ``zoogen verify``."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


@dataclass(frozen=True)
class SlurmRequest:
    """What ``--slurm`` and its options asked for."""

    options: SlurmOptions  # its shards are set once the models are known
    shards: int | None
    wait: bool


def pop_slurm_options(opts: dict[str, Any]) -> SlurmRequest | None:
    """Take the ``--slurm`` options out of ``opts``; None when ``--slurm`` was not given."""
    values = {name: opts.pop(name, None) for name in SLURM_NAMES}
    if not values["slurm"]:
        given = [f"--{name.replace('_', '-')}" for name in ("shards", "wait", "partition", "array_parallelism")
                 if values[name]]
        if values["gpus_per_task"] or values["sbatch_options"]:
            given.append("--gpus-per-task/--sbatch-option")
        if given:
            fail(f"{', '.join(given)}: only with --slurm")
        return None
    for name, value in values.items():  # first, before anything is read or written
        flag = "--sbatch-option" if name == "sbatch_options" else f"--{name.replace('_', '-')}"
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, str):
                _require_plain(flag, item)
    try:
        options = SlurmOptions(
            shards=values["shards"] or 1, partition=values["partition"],
            gpus_per_task=values["gpus_per_task"] or 0, cpus_per_task=values["cpus_per_task"] or 1,
            array_parallelism=values["array_parallelism"], time_limit=values["slurm_time"], mem=values["slurm_mem"],
            extra=tuple(values["sbatch_options"] or ()),
        )
    except InvalidValue as exc:
        fail(f"{FLAGS.get(exc.field, exc.field)}: {exc}")
    _check_gpus(options.gpus_per_task, bool(opts.get("gpu")), opts.get("device_spec"))
    return SlurmRequest(options, values["shards"], bool(values["wait"]))


def _require_plain(flag: str, value: str) -> None:
    char = control_character(value)
    if char is not None:
        fail(f"{flag}: a newline, NUL or other control character ({char!r}) cannot go into a Slurm script")


def _check_gpus(gpus_per_task: int, gpu: bool, device_spec: str | None) -> None:
    """A task runs on a GPU only when it asked Slurm for one: ``--gpu``/``--device cuda:N`` needs
    ``--gpus-per-task G`` with N < G (a task sees its own GPUs as cuda:0 .. cuda:G-1)."""
    if device_spec is not None:
        _require_plain("--device", device_spec)
    cuda = device_spec is not None and device_spec.strip().lower().startswith("cuda")
    if (gpu or cuda) and not gpus_per_task:
        what = "--gpu" if gpu else f"--device {device_spec}"
        fail(f"{what} with --slurm needs --gpus-per-task G: without it the tasks get no GPU")
    if cuda and device_spec is not None:
        _, _, index = device_spec.partition(":")
        if index.strip().isdigit() and int(index) >= gpus_per_task:
            fail(f"--device {device_spec}: each task sees only its {gpus_per_task} GPU(s), "
                 f"cuda:0 to cuda:{gpus_per_task - 1} (--gpus-per-task)")


def check_plain_options(command: click.Command, opts: dict[str, Any]) -> None:
    """A usage error naming the option when any value of ``opts`` holds a newline, NUL or other control
    character: every value may reach a Slurm script."""
    for param in command.params:
        value = opts.get(param.name or "")
        for item in value if isinstance(value, (tuple, list)) else (value,):
            if isinstance(item, (str, Path)):
                flag = max(param.opts, key=len) if isinstance(param, click.Option) else param.human_readable_name
                _require_plain(flag, str(item))


def forwarded_args(command: click.Command, opts: dict[str, Any]) -> list[str]:
    """The options of this ``zoogen verify`` run that every array task repeats (paths made absolute)."""
    args: list[str] = []
    for param in command.params:
        if not isinstance(param, click.Option) or param.name in PER_TASK or param.name in SLURM_NAMES:
            continue
        value = opts.get(param.name or "")
        if value is None or value == ():
            continue
        if param.is_flag and not isinstance(value, str):
            if value != param.default:
                flags = param.opts if value else param.secondary_opts
                if flags:
                    args.append(max(flags, key=len))
            continue
        flag = max(param.opts, key=len)
        for item in value if param.multiple else (value,):
            if isinstance(item, Path):
                args += [flag, str(item.resolve())]
            elif item != param.default or param.multiple:
                args += [flag, str(item)]
    return args


def submit_run(ctx: click.Context, request: SlurmRequest, opts: dict[str, Any]) -> int:
    """``zoogen verify --slurm ...``: write the scripts, submit them, and with ``--wait`` follow them."""
    from zoogen.meta.loader import load_zoo
    from zoogen.verify.libraries import LibraryMissing, zoo_configs_root
    from zoogen.verify.runner import RunError, VerifyOptions, check_run, select_models

    check_plain_options(ctx.command, opts)
    if opts.get("shard"):
        fail("--shard and --slurm exclude each other: --slurm makes the shards (--shards N)")
    if opts.get("estimate"):
        fail("--estimate runs nothing: use it without --slurm")
    zoo_dir = opts.get("zoo_dir")
    if zoo_dir is None or not Path(zoo_dir).exists():
        fail(f"no model index at {zoo_dir}; pass --zoo DIR" if zoo_dir else "no model index found; pass --zoo DIR")
    console = Console(stderr=True)
    loaded = load_zoo(Path(zoo_dir))
    for diagnostic in loaded.errors[:10]:
        console.print(f"[yellow]{diagnostic}[/yellow]", highlight=False)
    models = select_models(loaded.zoo.models, tuple(opts.get("patterns") or ()))
    if not models:
        patterns = opts.get("patterns") or ()
        fail(f"no models{' matching ' + ', '.join(patterns) if patterns else ''} in {zoo_dir}")
    results_dir = Path(opts.get("results_dir") or "results")
    try:  # what is wrong with the run as a whole is said here, once, before any task is queued
        configs_root = zoo_configs_root(models, getattr(loaded.zoo.info, "library", None), opts.get("configs_root"))
        check_run(VerifyOptions(
            results_dir=results_dir, data_root=Path(opts.get("data_root") or "data/coco"),
            configs_root=configs_root, cache_dir=opts.get("cache_dir"),
        ), models)
    except (RunError, LibraryMissing) as exc:
        fail(str(exc))
    count = min(request.shards or min(len(models), 100), len(models))
    shards = [[m.name for m in select_models(models, (), (i, count))] for i in range(1, count + 1)]
    verify_args = forwarded_args(ctx.command, opts)
    if request.options.gpus_per_task and not (opts.get("gpu") or opts.get("device_spec")):
        verify_args.append("--gpu")
    options = replace(request.options, shards=count)
    try:
        job = create_job(results_dir, shards, options, verify_args=verify_args, command=command_line(),
                         python=sys.executable, cwd=Path.cwd())
    except InvalidValue as exc:
        fail(f"{FLAGS.get(exc.field, exc.field)}: {exc}")
    except OSError as exc:
        fail(f"cannot write the job folder under {results_dir}: {exc}")
    try:
        if opts.get("resume") or opts.get("stale"):
            seeded = seed_shards(job, results_dir)
            if seeded:
                console.print(f"--resume: {seeded} record(s) of {results_dir} copied into the shards", highlight=False)
        submission = submit(job)
    except (OSError, SlurmError) as exc:
        shutil.rmtree(job.directory, ignore_errors=True)  # nothing was queued: leave no half a submission
        fail(str(exc))
    if request.shards and request.shards > count:
        console.print(f"[yellow]--shards {request.shards}: only {count} model(s), so {count} shard(s)[/yellow]",
                      highlight=False)
    console.print(f"Submitted {len(models)} model(s) as Slurm array {submission['array']} ({count} task(s)) and "
                  f"merge job {submission['merge']} into {job.results_dir}", highlight=False)
    console.print(f"scripts and logs: {job.directory}", highlight=False)
    console.print(f"progress: zoogen verify status --results {shlex.quote(str(results_dir))}", highlight=False)
    if not request.wait:
        return 0
    return wait_for(job, fail_on_drift=bool(opts.get("fail_on_drift")), console=console)


def _states_line(progress: JobProgress) -> str:
    counts: dict[str, int] = {}
    for shard in progress.shards:
        key = shard.state.split(" (")[0]
        counts[key] = counts.get(key, 0) + 1
    tasks = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    merge = "merged" if progress.merged else (
        f"exit {progress.merge_exit}" if progress.merge_exit is not None else (progress.merge_state or "?").lower()
    )
    return f"tasks: {tasks}; merge: {merge}"


def wait_for(job: SlurmJob, *, fail_on_drift: bool, console: Console, poll: float = POLL_SECONDS) -> int:
    """Follow ``job`` until its merge job ends; print the summary of its records; a local run's exit code."""
    progress_bar = Progress(
        SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("models; {task.fields[states]}"), TimeElapsedColumn(), console=console,
    )
    ended_at: float | None = None
    try:
        with progress_bar:
            task = progress_bar.add_task(f"array {job.array_id}", total=sum(map(len, job.models)), states="")
            while True:
                progress = job_progress(job)
                progress_bar.update(task, completed=progress.done, states=_states_line(progress))
                if progress.merge_exit is not None:
                    break
                if progress.merge_state is None or progress.merge_state in TERMINAL_STATES:
                    # ended (cancelled, killed) or forgotten without its exit file: give the file a moment
                    ended_at = ended_at or time.monotonic()
                    if time.monotonic() - ended_at > 2 * poll + 5:
                        break
                else:
                    ended_at = None
                time.sleep(poll)
    except KeyboardInterrupt:
        results = shlex.quote(str(job.results_dir))
        console.print(f"Stopped waiting; the jobs go on: zoogen verify status --results {results}", highlight=False)
        return 130
    return _finish(job, progress, fail_on_drift=fail_on_drift, console=console)


def _finish(job: SlurmJob, progress: JobProgress, *, fail_on_drift: bool, console: Console) -> int:
    records: list[VerificationRecord] = []
    for index in range(1, job.shards + 1):
        for path in run_records(job, index):
            try:
                records.append(read_record(path))
            except RecordError as exc:
                console.print(f"[red]{exc}[/red]", highlight=False)
    names = {record.model for record in records}
    skipped = [name for shard in job.models for name in shard if name not in names]
    records.sort(key=lambda r: r.model)
    out = Console()
    out.print(summary_table(records, skipped))
    for line in error_lines(records):
        out.print(line, highlight=False, markup=False, soft_wrap=False)
    if not progress.merged:
        how = f"exit {progress.merge_exit}" if progress.merge_exit is not None else progress.merge_state or "gone"
        console.print(f"[red]The merge job {job.merge_id} ended without merging ({how}); {job.merge_log}:[/red]",
                      highlight=False)
        for line in _tail(job.merge_log):
            console.print(f"  {line}", highlight=False, markup=False)
        for shard in progress.shards:
            if not shard.finished:
                console.print(f"[red]shard {shard.index}: {shard.state}; log {job.shard_log(shard.index)}[/red]",
                              highlight=False)
        return 1
    console.print(f"Merged into {job.results_dir}", highlight=False)
    if any(record.status == "error" for record in records):
        return 1
    return 1 if fail_on_drift and any(record.drifted for record in records) else 0


def _tail(path: Path, lines: int = 8) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except OSError:
        return ["(no log)"]


# --- zoogen verify status / resubmit ----------------------------------------------------------------------

def status_table(progress: JobProgress) -> Table:
    job = progress.job
    table = Table(title=f"{job.name}: array {job.array_id}, merge {job.merge_id}")
    for column in ("shard", "models", "done", "errors", "state"):
        table.add_column(column, justify="right" if column in ("models", "done", "errors") else "left")
    for shard in progress.shards:
        table.add_row(str(shard.index), str(shard.models), str(shard.done), str(shard.errors), shard.state)
    merge = ("merged" if progress.merged else f"failed (exit {progress.merge_exit})"
             if progress.merge_exit is not None else (progress.merge_state or "unknown").lower()
             + (f" ({progress.merge_reason})" if progress.merge_reason else ""))
    table.add_row("merge", "", "", "", merge, end_section=True)
    table.add_row("all", str(progress.models), str(progress.done), str(progress.errors), "")
    return table


_results_option = click.option("--results", "results_dir", type=click.Path(path_type=Path), default=Path("results"),
                               show_default=True, help="The --results folder of the submission.")
_job_option = click.option("--job", "job_name", metavar="NAME",
                           help="The submission (a folder name under RESULTS/.slurm; default: the newest).")


@click.command("status")
@_results_option
@_job_option
def status_command(results_dir: Path, job_name: str | None) -> None:
    """Progress of a ``zoogen verify --slurm`` submission: records written so far, Slurm's task states."""
    try:
        job = load_job(results_dir, job_name)
    except SlurmError as exc:
        fail(str(exc))
    progress = job_progress(job)
    Console().print(status_table(progress))
    click.echo(f"scripts and logs: {job.directory}")


@click.command("resubmit")
@_results_option
@_job_option
@click.option("--wait", is_flag=True, help="Follow the tasks until the merge is done.")
@click.option("--fail-on-drift", is_flag=True, help="With --wait: exit 1 when a published number drifted.")
def resubmit_command(results_dir: Path, job_name: str | None, wait: bool, fail_on_drift: bool) -> None:
    """Submit again the shards of a submission that did not finish (cancelled, failed, lost); each one
    resumes where it stopped. Then merge again."""
    try:
        job = load_job(results_dir, job_name)
        progress = job_progress(job)
        live = [s for s in progress.shards if s.live]
        again = [s.index for s in progress.shards if not s.finished and not s.live]
        if not again and live:
            fail(f"shard(s) {', '.join(str(s.index) for s in live)} still queued or running: nothing to resubmit")
        submission = submit(job, again, also_after=sorted({s.array_id for s in live if s.array_id}))
    except (SlurmError, InvalidValue) as exc:
        fail(str(exc))
    console = Console(stderr=True)
    what = f"shard(s) {', '.join(map(str, again))} as array {submission['array']}" if again else "no shard"
    console.print(f"Resubmitted {what}; merge job {submission['merge']}", highlight=False)
    if wait:
        sys.exit(wait_for(job, fail_on_drift=fail_on_drift, console=console))


