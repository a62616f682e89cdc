"""How far a submission got: records counted on disk, exit files, and Slurm's live states."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from zoogen.records import RecordError, iter_record_files, read_record
from zoogen.verify.slurm.job import SlurmError, SlurmJob
from zoogen.verify.slurm.submission import run_slurm

TERMINAL_STATES = frozenset({
    "BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED",
    "REVOKED", "TIMEOUT",
})


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
        done = run_slurm(args)
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
        if self.slurm_state is not None and self.live:
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
            listed = submission.get("shards")
            for index in listed if isinstance(listed, list) and listed else range(1, job.shards + 1):
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
