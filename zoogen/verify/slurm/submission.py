"""Writing a submission's folder and handing its scripts to ``sbatch``."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from zoogen.records import iter_record_files
from zoogen.verify.slurm.job import SLURM_DIR, SlurmError, SlurmJob, SlurmOptions, check_plain, utc_now
from zoogen.verify.slurm.scripts import MERGE_SCRIPT, SHARD_SCRIPT, merge_script, output_option, shard_script

SHARD_LOG = "shard-%a.log"  # sbatch expands %a to the array task's index
MERGE_LOG = "merge.log"


def create_job(
    results_dir: Path, models: list[list[str]], options: SlurmOptions, *, verify_args: Sequence[str],
    command: str, python: str, cwd: Path,
) -> SlurmJob:
    """Make the job folder under ``<results>/.slurm/`` and write its scripts; nothing is submitted yet.

    ``verify_args`` are the options every shard passes to ``zoogen verify`` (absolute paths), without
    ``--results``, ``--shard`` and ``--resume``, which the array script adds. A value that cannot go into a
    script raises `InvalidValue` before anything is written.
    """
    results_dir = results_dir.resolve()
    check_plain([("results_dir", results_dir), ("python", python), ("cwd", cwd), ("command", command),
                 *(("verify_args", arg) for arg in verify_args)])
    output_option(results_dir, MERGE_LOG)  # a results path sbatch cannot take as a log path: refused now
    base = results_dir / SLURM_DIR
    base.mkdir(parents=True, exist_ok=True)
    ignore = base / ".gitignore"  # scripts and logs of a submission never go into git with the records
    if not ignore.exists():
        ignore.write_text("# written by zoogen verify --slurm: job folders stay out of git\n*\n", encoding="utf-8")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    directory = Path(tempfile.mkdtemp(prefix=f"{stamp}-", dir=base))
    try:
        job = SlurmJob(directory=directory, results_dir=results_dir, shards=len(models), models=models,
                       date=utc_now(), command=command, array_parallelism=options.array_parallelism)
        shard = shard_script(job, options, python=python, cwd=cwd, verify_args=verify_args)
        merge = merge_script(job, options, python=python, cwd=cwd)
        for sub in ("logs", "state", *(f"shard-{i}" for i in range(1, job.shards + 1))):
            (directory / sub).mkdir()
        (directory / SHARD_SCRIPT).write_text(shard, encoding="utf-8")
        (directory / MERGE_SCRIPT).write_text(merge, encoding="utf-8")
        job.save()
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return job


def seed_shards(job: SlurmJob, results_dir: Path) -> int:
    """Copy the records ``results_dir`` already holds for each shard's models into the shard's folder
    (for ``--resume``: the shard then skips what is verified); returns how many were copied."""
    shard_of = {name: index for index, names in enumerate(job.models, start=1) for name in names}
    for path in iter_record_files(results_dir):
        index = shard_of.get(path.parent.name)
        if index is not None:
            target = job.shard_dir(index) / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            job.seeded[target.relative_to(job.directory).as_posix()] = target.stat().st_mtime_ns
    job.save()
    return len(job.seeded)


def run_slurm(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """A Slurm client command (an argument list, no shell); `SlurmError` when it is missing or hangs."""
    try:
        return subprocess.run(list(args), capture_output=True, text=True, timeout=60, check=False)
    except FileNotFoundError:
        raise SlurmError(f"{args[0]} not found: Slurm's client commands are not installed here") from None
    except subprocess.TimeoutExpired:
        raise SlurmError(f"{args[0]} did not answer in 60 s: is slurmctld running?") from None


def _sbatch(args: Sequence[str]) -> str:
    done = run_slurm(["sbatch", "--parsable", *args])
    if done.returncode != 0:
        message = " ".join((done.stderr or done.stdout).split()) or f"exit status {done.returncode}"
        raise SlurmError(f"sbatch refused the job: {message}")
    return done.stdout.strip().split(";")[0]


def submit(job: SlurmJob, shards: Sequence[int] | None = None, *, also_after: Sequence[str] = ()) -> dict[str, object]:
    """Submit the array (all shards, or only ``shards``) and the merge job that waits for it (and for the
    jobs ``also_after``: earlier arrays of this folder with tasks still queued or running).

    A merge job of an earlier submission of this folder that has not started is cancelled first.
    """
    indices = sorted(set(shards)) if shards is not None else list(range(1, job.shards + 1))
    previous_merge = job.merge_id
    if previous_merge and not job.merge_exit(previous_merge).exists():
        run_slurm(["scancel", "--state=PENDING", previous_merge])
    logs = job.directory / "logs"
    array_id: str | None = None
    if indices:
        for index in indices:
            job.shard_exit(index).unlink(missing_ok=True)
        limit = f"%{job.array_parallelism}" if job.array_parallelism else ""
        args = [] if shards is None else [f"--array={array_ranges(indices)}{limit}"]
        array_id = _sbatch([output_option(logs, SHARD_LOG), *args, str(job.directory / SHARD_SCRIPT)])
    after = [i for i in (*also_after, array_id) if i]
    dependency = [f"--dependency=afterany:{':'.join(after)}", "--kill-on-invalid-dep=yes"] if after else []
    try:
        merge_id = _sbatch([output_option(logs, MERGE_LOG), *dependency, str(job.directory / MERGE_SCRIPT)])
    except SlurmError:
        if array_id:
            run_slurm(["scancel", array_id])
        raise
    submission: dict[str, object] = {"array": array_id, "merge": merge_id, "shards": indices, "date": utc_now()}
    job.submissions.append(submission)
    job.save()
    return submission


def array_ranges(indices: Iterable[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``"1-3,5"`` (sbatch's ``--array`` syntax)."""
    runs: list[list[int]] = []
    for index in sorted(indices):
        if runs and runs[-1][1] == index - 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
