"""``zoogen verify`` as a Slurm job array: generated ``sbatch`` scripts, submission, progress read from disk.

One submission is a folder ``<results>/.slurm/<job id>/`` holding everything about it, readable by hand:

* ``shard.sbatch`` -- the array script: task ``I`` runs ``zoogen verify ... --shard I/N --resume`` into
  ``shard-I/`` (``#SBATCH --requeue``: a pre-empted task starts again and skips the models it finished);
* ``merge.sbatch`` -- the merge job (``--dependency=afterany`` on the array): once every shard finished it
  runs ``zoogen verify merge shard-1 ... shard-N --into <results>``; when one did not, it merges nothing
  and says which shards to resubmit;
* ``job.json`` -- what was submitted (the models of each shard, the Slurm job ids of each submission);
* ``state/shard-I.exit``, ``state/merge-<job>.exit`` -- the exit status of each finished task;
* ``logs/shard-I.log``, ``logs/merge.log`` -- the tasks' output (appended across attempts).

Progress is counted from the records the shards wrote so far (and their exit files), so it survives the
Slurm controller forgetting old jobs; ``squeue`` (or ``sacct`` where accounting is on) adds live state.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from zoogen.records import RecordError, iter_record_files, read_record

__all__ = [
    "JOB_FILE", "SLURM_DIR", "JobProgress", "ShardProgress", "SlurmError", "SlurmJob", "SlurmOptions",
    "create_job", "job_progress", "list_jobs", "load_job", "slurm_states", "submit",
]

SLURM_DIR = ".slurm"
JOB_FILE = "job.json"
TERMINAL_STATES = frozenset({
    "BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED",
    "REVOKED", "TIMEOUT",
})


class SlurmError(Exception):
    """Slurm refused or is not there (``sbatch`` missing, a submission rejected, no such job folder)."""


@dataclass(frozen=True)
class SlurmOptions:
    """The resources of each array task (``#SBATCH`` lines of the scripts)."""

    shards: int
    partition: str | None = None
    gpus_per_task: int = 0
    cpus_per_task: int = 1
    array_parallelism: int | None = None
    time_limit: str | None = None
    mem: str | None = None
    extra: tuple[str, ...] = ()  # further sbatch options, one per #SBATCH line ("--account=abc")


@dataclass
class SlurmJob:
    """One submission's folder and its ``job.json``."""

    directory: Path
    results_dir: Path
    shards: int
    models: list[list[str]]  # the model names of each shard, shard 1 first
    date: str  # when it was made (UTC)
    command: str
    array_parallelism: int | None = None
    submissions: list[dict[str, object]] = field(default_factory=list)  # {"array", "merge", "shards", "date"}
    seeded: dict[str, int] = field(default_factory=dict)  # records copied in by --resume: path -> mtime_ns

    @property
    def name(self) -> str:
        return self.directory.name

    def shard_dir(self, index: int) -> Path:
        return self.directory / f"shard-{index}"

    def shard_log(self, index: int) -> Path:
        return self.directory / "logs" / f"shard-{index}.log"

    @property
    def merge_log(self) -> Path:
        return self.directory / "logs" / "merge.log"

    def shard_exit(self, index: int) -> Path:
        return self.directory / "state" / f"shard-{index}.exit"

    def merge_exit(self, merge_id: str) -> Path:
        return self.directory / "state" / f"merge-{merge_id}.exit"

    @property
    def array_id(self) -> str | None:
        return str(self.submissions[-1]["array"]) if self.submissions and self.submissions[-1]["array"] else None

    @property
    def merge_id(self) -> str | None:
        return str(self.submissions[-1]["merge"]) if self.submissions else None

    def save(self) -> None:
        data = {key: value for key, value in asdict(self).items() if key != "directory"}
        data["results_dir"] = str(self.results_dir)
        _write_atomic(self.directory / JOB_FILE, json.dumps(data, indent=2) + "\n")


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- the scripts ------------------------------------------------------------------------------------------

def _sbatch_lines(options: SlurmOptions, *, shard: bool) -> list[str]:
    lines = []
    if options.partition:
        lines.append(f"--partition={options.partition}")
    if shard:
        lines.append(f"--cpus-per-task={options.cpus_per_task}")
        if options.gpus_per_task:
            lines.append(f"--gpus-per-task={options.gpus_per_task}")
        if options.time_limit:
            lines.append(f"--time={options.time_limit}")
        if options.mem:
            lines.append(f"--mem={options.mem}")
        lines.append("--requeue")
        lines.extend(options.extra)
    else:
        lines.append("--cpus-per-task=1")
    return [f"#SBATCH {line}" for line in lines]


def _shard_script(job: SlurmJob, options: SlurmOptions, python: str, cwd: Path, verify_args: Sequence[str]) -> str:
    state = job.directory / "state"
    array = f"1-{job.shards}" + (f"%{options.array_parallelism}" if options.array_parallelism else "")
    command = shlex.join([python, "-m", "zoogen.cli", "verify", *verify_args])
    results = shlex.quote(str(job.directory / "shard-"))
    return "\n".join([
        "#!/bin/bash",
        f"# zoogen verify, shard $SLURM_ARRAY_TASK_ID of {job.shards}: written by `{job.command}`",
        "#SBATCH --job-name=zoogen-verify",
        f"#SBATCH --array={array}",
        f"#SBATCH --output={job.directory}/logs/shard-%a.log",
        "#SBATCH --open-mode=append",
        *_sbatch_lines(options, shard=True),
        "set -u",
        f"cd {shlex.quote(str(cwd))}",
        "export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}",
        "i=$SLURM_ARRAY_TASK_ID",
        f'echo "zoogen: shard $i/{job.shards}, attempt $((${{SLURM_RESTART_COUNT:-0}} + 1)), job ${{SLURM_JOB_ID}}'
        ' on $(hostname) at $(date -u +%FT%TZ)"',
        f"rm -f {shlex.quote(str(state))}/shard-$i.exit",
        f'{command} --results {results}"$i" --shard "$i/{job.shards}" --resume',
        "rc=$?",
        f'echo "$rc" > {shlex.quote(str(state))}/.shard-$i.exit.tmp'
        f" && mv {shlex.quote(str(state))}/.shard-$i.exit.tmp {shlex.quote(str(state))}/shard-$i.exit",
        'echo "zoogen: shard $i finished with exit status $rc at $(date -u +%FT%TZ)"',
        "# 0: every model verified; 1: some record is an error or drift (the records say which): the shard is done",
        '[ "$rc" -le 1 ] && exit 0 || exit "$rc"',
        "",
    ])


def _merge_script(job: SlurmJob, options: SlurmOptions, python: str, cwd: Path) -> str:
    state = shlex.quote(str(job.directory / "state"))
    shard_dirs = " ".join(shlex.quote(str(job.shard_dir(i))) for i in range(1, job.shards + 1))
    merge = shlex.join([python, "-m", "zoogen.cli", "verify", "merge"])
    return "\n".join([
        "#!/bin/bash",
        f"# zoogen verify: merge the {job.shards} shards into {job.results_dir}: written by `{job.command}`",
        "#SBATCH --job-name=zoogen-verify-merge",
        f"#SBATCH --output={job.directory}/logs/merge.log",
        "#SBATCH --open-mode=append",
        *_sbatch_lines(options, shard=False),
        "set -u",
        f"cd {shlex.quote(str(cwd))}",
        'echo "zoogen: merge, job ${SLURM_JOB_ID} at $(date -u +%FT%TZ)"',
        "unfinished=()",
        f"for i in $(seq 1 {job.shards}); do",
        f'  rc=$(cat {state}/shard-$i.exit 2>/dev/null || true)',
        '  if [ -z "$rc" ] || [ "$rc" -gt 1 ]; then unfinished+=("$i"); fi',
        "done",
        'if [ "${#unfinished[@]}" -gt 0 ]; then',
        f'  echo "zoogen: shard(s) ${{unfinished[*]}} of {job.shards} did not finish: nothing merged;'
        f' resubmit them with: zoogen verify resubmit --results {shlex.quote(str(job.results_dir))}'
        f' --job {job.name}" >&2',
        "  rc=3",
        "else",
        f"  {merge} {shard_dirs} --into {shlex.quote(str(job.results_dir))}",
        "  rc=$?",
        "fi",
        f'echo "$rc" > {state}/.merge.exit.tmp && mv {state}/.merge.exit.tmp {state}/merge-$SLURM_JOB_ID.exit',
        'exit "$rc"',
        "",
    ])


def create_job(
    results_dir: Path, models: list[list[str]], options: SlurmOptions, *, verify_args: Sequence[str],
    command: str, python: str, cwd: Path,
) -> SlurmJob:
    """Make the job folder under ``<results>/.slurm/`` and write its scripts; nothing is submitted yet.

    ``verify_args`` are the options every shard passes to ``zoogen verify`` (absolute paths), without
    ``--results``, ``--shard`` and ``--resume``, which the array script adds.
    """
    results_dir = results_dir.resolve()
    base = results_dir / SLURM_DIR
    base.mkdir(parents=True, exist_ok=True)
    ignore = base / ".gitignore"  # scripts and logs of a submission never go into git with the records
    if not ignore.exists():
        ignore.write_text("# written by zoogen verify --slurm: job folders stay out of git\n*\n", encoding="utf-8")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    directory = Path(tempfile.mkdtemp(prefix=f"{stamp}-", dir=base))
    for sub in ("logs", "state"):
        (directory / sub).mkdir()
    job = SlurmJob(directory=directory, results_dir=results_dir, shards=len(models), models=models,
                   date=_utc_now(), command=command, array_parallelism=options.array_parallelism)
    for index in range(1, job.shards + 1):
        job.shard_dir(index).mkdir()
    (directory / "shard.sbatch").write_text(_shard_script(job, options, python, cwd, verify_args), encoding="utf-8")
    (directory / "merge.sbatch").write_text(_merge_script(job, options, python, cwd), encoding="utf-8")
    job.save()
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


# --- submitting -------------------------------------------------------------------------------------------

def _slurm(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(list(args), capture_output=True, text=True, timeout=60, check=False)
    except FileNotFoundError:
        raise SlurmError(f"{args[0]} not found: Slurm's client commands are not installed here") from None
    except subprocess.TimeoutExpired:
        raise SlurmError(f"{args[0]} did not answer in 60 s: is slurmctld running?") from None


def _sbatch(args: Sequence[str]) -> str:
    done = _slurm(["sbatch", "--parsable", *args])
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
        _slurm(["scancel", "--state=PENDING", previous_merge])
    array_id: str | None = None
    if indices:
        for index in indices:
            job.shard_exit(index).unlink(missing_ok=True)
        limit = f"%{job.array_parallelism}" if job.array_parallelism else ""
        args = [] if shards is None else [f"--array={_ranges(indices)}{limit}"]
        array_id = _sbatch([*args, str(job.directory / "shard.sbatch")])
    after = [i for i in (*also_after, array_id) if i]
    dependency = [f"--dependency=afterany:{':'.join(after)}", "--kill-on-invalid-dep=yes"] if after else []
    try:
        merge_id = _sbatch([*dependency, str(job.directory / "merge.sbatch")])
    except SlurmError:
        if array_id:
            _slurm(["scancel", array_id])
        raise
    submission: dict[str, object] = {"array": array_id, "merge": merge_id, "shards": indices, "date": _utc_now()}
    job.submissions.append(submission)
    job.save()
    return submission


def _ranges(indices: Iterable[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``"1-3,5"`` (sbatch's ``--array`` syntax)."""
    runs: list[list[int]] = []
    for index in sorted(indices):
        if runs and runs[-1][1] == index - 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


# --- reading a job back -----------------------------------------------------------------------------------

def list_jobs(results_dir: Path) -> list[Path]:
    """The job folders under ``<results>/.slurm/``, oldest first."""
    base = Path(results_dir) / SLURM_DIR
    return sorted(p for p in base.glob("*") if (p / JOB_FILE).is_file()) if base.is_dir() else []


def load_job(results_dir: Path, name: str | None = None) -> SlurmJob:
    """The job folder ``name`` under ``<results>/.slurm/`` (default: the newest)."""
    jobs = list_jobs(results_dir)
    if not jobs:
        raise SlurmError(f"no Slurm submission under {Path(results_dir) / SLURM_DIR} "
                         "(submit one with zoogen verify --slurm)")
    if name is None:
        directory = jobs[-1]
    else:
        matches = [p for p in jobs if p.name == name or p.name.startswith(name)]
        if len(matches) != 1:
            known = ", ".join(p.name for p in jobs[-5:])
            raise SlurmError(f"no single Slurm submission {name!r} under {Path(results_dir) / SLURM_DIR} "
                             f"(recent: {known})")
        directory = matches[0]
    path = directory / JOB_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SlurmJob(
            directory=directory, results_dir=Path(data["results_dir"]), shards=int(data["shards"]),
            models=[list(map(str, names)) for names in data["models"]], date=str(data["date"]),
            command=str(data["command"]), array_parallelism=data.get("array_parallelism"),
            submissions=list(data.get("submissions") or []),
            seeded={str(k): int(v) for k, v in (data.get("seeded") or {}).items()},
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SlurmError(f"{path}: not a zoogen Slurm job file ({exc})") from None


def slurm_states(job_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """``{"123_4": ("RUNNING", reason), "124": ("PENDING", "Dependency")}`` for the jobs Slurm still
    knows (``squeue``, then ``sacct`` for those it forgot); {} when neither answers."""
    ids = [i for i in job_ids if i]
    if not ids:
        return {}
    states: dict[str, tuple[str, str]] = {}
    done = _try(["squeue", "-h", "-r", "-t", "all", "-j", ",".join(ids), "-o", "%i|%T|%r"])
    for line in done.splitlines():
        parts = line.strip().split("|")
        if len(parts) == 3:
            states[parts[0]] = (parts[1], parts[2] if parts[2] not in ("None", "(null)") else "")
    known = {key.split("_")[0] for key in states}
    forgotten = [i for i in ids if i not in known]
    if forgotten:
        for line in _try(["sacct", "-n", "-P", "-X", "-j", ",".join(forgotten), "-o", "JobID,State"]).splitlines():
            parts = line.strip().split("|")
            if len(parts) == 2 and parts[0]:
                states.setdefault(parts[0], (parts[1].split()[0], ""))
    return states


def _try(args: Sequence[str]) -> str:
    try:
        done = _slurm(args)
    except SlurmError:
        return ""
    return done.stdout if done.returncode == 0 else ""


@dataclass
class ShardProgress:
    """One array task: its models, how many have a record of this run, and its state."""

    index: int
    models: int
    done: int
    errors: int
    exit_status: int | None  # from state/shard-I.exit; None while it has not finished
    slurm_state: str | None  # from squeue/sacct; None when Slurm no longer knows the task
    reason: str = ""
    task_id: str | None = None  # "<array>_<index>" of its latest submission

    @property
    def live(self) -> bool:
        """Queued, running or requeued (Slurm will run it)."""
        return self.slurm_state is not None and self.slurm_state not in TERMINAL_STATES

    @property
    def array_id(self) -> str | None:
        return self.task_id.split("_")[0] if self.task_id else None

    @property
    def finished(self) -> bool:
        return self.exit_status is not None and self.exit_status <= 1

    @property
    def state(self) -> str:
        if self.live:
            return self.slurm_state.lower() + (f" ({self.reason})" if self.reason else "")
        if self.exit_status is not None:
            return "done" if self.finished else f"failed (exit {self.exit_status})"
        if self.slurm_state:
            return self.slurm_state.lower()
        return "unknown"


@dataclass
class JobProgress:
    """A submission as far as it got."""

    job: SlurmJob
    shards: list[ShardProgress]
    merge_state: str | None
    merge_exit: int | None
    merge_reason: str = ""

    @property
    def models(self) -> int:
        return sum(s.models for s in self.shards)

    @property
    def done(self) -> int:
        return sum(s.done for s in self.shards)

    @property
    def errors(self) -> int:
        return sum(s.errors for s in self.shards)

    @property
    def merged(self) -> bool:
        return self.merge_exit == 0


def _read_exit(path: Path) -> int | None:
    try:
        return int(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def run_records(job: SlurmJob, index: int) -> list[Path]:
    """The record files shard ``index`` wrote in this submission (copies of older ones left out)."""
    return [p for p in iter_record_files(job.shard_dir(index))
            if job.seeded.get(p.relative_to(job.directory).as_posix()) != p.stat().st_mtime_ns]


def job_progress(job: SlurmJob, *, query_slurm: bool = True) -> JobProgress:
    """Count each shard's records so far and ask Slurm for the tasks' state."""
    states: dict[str, tuple[str, str]] = {}
    if query_slurm:
        ids = [str(s[key]) for s in job.submissions for key in ("array", "merge") if s.get(key)]
        states = slurm_states(ids)
    task_ids: dict[int, str] = {}
    for submission in job.submissions:  # the latest submission of each shard wins
        if submission.get("array"):
            for index in submission.get("shards") or range(1, job.shards + 1):
                task_ids[int(index)] = f"{submission['array']}_{index}"
    shards = []
    for index, names in enumerate(job.models, start=1):
        exit_status = _read_exit(job.shard_exit(index))
        errors = 0
        files = run_records(job, index)
        for path in files:
            try:
                errors += read_record(path).status == "error"
            except RecordError:
                errors += 1
        done = len(names) if exit_status is not None and exit_status <= 1 else min(len(files), len(names))
        state, reason = states.get(task_ids.get(index, ""), (None, ""))
        shards.append(ShardProgress(index, len(names), done, errors, exit_status, state, reason,
                                    task_ids.get(index)))
    merge_id = job.merge_id
    merge_state, merge_reason, merge_exit = None, "", None
    if merge_id:
        merge_state, merge_reason = states.get(merge_id, (None, ""))
        merge_exit = _read_exit(job.merge_exit(merge_id))
    return JobProgress(job, shards, merge_state, merge_exit, merge_reason)
