"""``zoogen verify --slurm`` on a real one-node Slurm cluster (``tools/setup-slurm.sh``).

The tiny, really trained detector under six names, verified as a job array of three shards, must give the
records of a single local run; ``zoogen verify status`` reports it; a pre-empted task (``scontrol
requeue``) and a cancelled one (``scancel``, then ``zoogen verify resubmit``) resume where they stopped.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from zoogen.cli.verify import verify_command
from zoogen.records import iter_record_files, load_records
from zoogen.verify.slurm import load_job, run_records

if shutil.which("sbatch") is None:
    pytest.skip("sbatch not found: Slurm is not installed here (bash tools/setup-slurm.sh sets it up)",
                allow_module_level=True)

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 600
# The slurm_zoo fixture: the trained detector under six names and one model whose checkpoint is gone;
# three shards: (a, d, gone), (b, e), (c, f).
MODELS = [f"tiny_{letter}" for letter in "abcdef"]
GONE = "tiny_gone"


def _args(zoo: Path, results: Path, cache: Path, coco: Path, configs: Path) -> list[str]:
    return ["--zoo", str(zoo), "--data-root", str(coco), "--configs-root", str(configs), "--results", str(results),
            "--cache-dir", str(cache)]


def _zoogen(*args: str) -> subprocess.CompletedProcess[str]:
    """``zoogen verify ...`` in a process of its own, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "zoogen.cli", "verify", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=TIMEOUT, check=False)


def _comparable(results: Path) -> dict[str, list[tuple]]:
    """What a run measured and judged, per model and environment (dates, commands, timings left out)."""
    out = {}
    for name, records in load_records(results).items():
        out[name] = [
            (r.tag, r.status, r.step, r.error, r.config, r.checkpoint.url, r.checkpoint.sha256, r.images, r.subset,
             [(m.task, m.dataset, m.metric, m.published, m.measured, m.tolerance, m.verdict) for m in r.metrics],
             r.speed.verdict if r.speed else None, r.memory.verdict if r.memory else None)
            for r in records
        ]
    return out


def _wait_for(predicate, what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def local_run(slurm_zoo, tiny_coco, tiny_configs_root, tmp_path_factory) -> Path:
    """The zoo verified by one local process (exit 1: one model's checkpoint is gone)."""
    root = tmp_path_factory.mktemp("local")
    result = CliRunner().invoke(verify_command, _args(slurm_zoo, root / "results", root / "cache", tiny_coco,
                                                      tiny_configs_root))
    assert result.exit_code == 1, result.output
    records = load_records(root / "results")
    assert sorted(records) == [*MODELS, GONE]
    assert records[GONE][0].status == "error" and records[GONE][0].step == "download"
    return root / "results"


def test_array_of_three_shards_equals_a_local_run(local_run, slurm_zoo, tiny_coco, tiny_configs_root,
                                                  tmp_path: Path) -> None:
    results = tmp_path / "my results $(touch pwned) `touch pwned`"  # a path is text, never shell
    started = time.monotonic()
    done = _zoogen(*_args(slurm_zoo, results, tmp_path / "cache", tiny_coco, tiny_configs_root),
                   "--slurm", "--shards", "3", "--wait")
    wall = time.monotonic() - started
    print(f"zoogen verify --slurm --shards 3 --wait: {len(MODELS) + 1} models, {wall:.1f} s")
    assert done.returncode == 1, done.stdout + done.stderr  # as the local run: one error record
    assert "Merged into" in done.stderr and GONE in done.stdout
    assert _comparable(results) == _comparable(local_run)
    records = load_records(results)
    assert all(records[name][0].status == "ok" and records[name][0].metrics[0].verdict == "passed"
               for name in MODELS)

    job = load_job(results)
    assert job.shards == 3 and sorted(sum(job.models, [])) == [*MODELS, GONE]
    for index in (1, 2, 3):  # each task ran once, in its own shard, with the same python and options
        log = job.shard_log(index).read_text(encoding="utf-8")
        verify_status = 1 if GONE in job.models[index - 1] else 0  # 1: a model's record is an error
        assert log.count("attempt 1,") == 1 and f"shard {index} finished with exit status {verify_status}" in log
        assert sorted(p.parent.name for p in iter_record_files(job.shard_dir(index))) == sorted(job.models[index - 1])
    script = (job.directory / "shard.sbatch").read_text(encoding="utf-8")
    assert sys.executable in script and "#SBATCH --requeue" in script and "#SBATCH --array=1-3" in script
    assert f"--zoo {shlex.quote(str(slurm_zoo.resolve()))}" in script
    assert not [p for p in tmp_path.rglob("pwned*")] and not (REPO / "pwned").exists()

    status = _zoogen("status", "--results", str(results))
    assert status.returncode == 0, status.stderr
    rows = [line for line in status.stdout.splitlines() if line.startswith("│")]
    shard_rows = [row.split("│")[1:-1] for row in rows[:3]]
    assert [[cell.strip() for cell in row] for row in shard_rows] == [
        ["1", "3", "3", "1", "done"], ["2", "2", "2", "0", "done"], ["3", "2", "2", "0", "done"]]
    assert "merged" in rows[3]

    # --resume: a second submission skips what the first verified (its records are copied into the shards)
    # and retries only the error record.
    before = {p.parent.name: p.read_bytes() for p in iter_record_files(results)}
    again = _zoogen(*_args(slurm_zoo, results, tmp_path / "cache", tiny_coco, tiny_configs_root),
                    "--slurm", "--shards", "3", "--resume", "--wait")
    assert again.returncode == 1, again.stdout + again.stderr
    after = {p.parent.name: p.read_bytes() for p in iter_record_files(results)}
    assert {name: after[name] for name in MODELS} == {name: before[name] for name in MODELS}
    second = load_job(results)
    assert second.directory != job.directory and len(second.seeded) == len(MODELS) + 1
    assert [p.parent.name for i in (1, 2, 3) for p in run_records(second, i)] == [GONE]
    assert again.stdout.count("skipped") == len(MODELS)


def test_a_refused_submission_is_one_usage_error_and_leaves_nothing(slurm_zoo, tiny_coco, tiny_configs_root,
                                                                    tmp_path: Path) -> None:
    results = tmp_path / "results"
    done = _zoogen(*_args(slurm_zoo, results, tmp_path / "cache", tiny_coco, tiny_configs_root),
                   "--slurm", "--shards", "3", "--partition", "no-such-partition")
    assert done.returncode == 2
    assert done.stderr.startswith("zoogen verify: sbatch refused the job: ") and "partition" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert list((results / ".slurm").glob("*/job.json")) == []


def _records_of(directory: Path) -> dict[str, bytes]:
    return {p.parent.name: p.read_bytes() for p in iter_record_files(directory)}


def test_preempted_and_cancelled_tasks_resume(local_run, slurm_zoo, tiny_coco, tiny_configs_root,
                                             tmp_path: Path) -> None:
    results = tmp_path / "results"
    submitted = _zoogen(*_args(slurm_zoo, results, tmp_path / "cache", tiny_coco, tiny_configs_root),
                        "--slurm", "--shards", "3", "--array-parallelism", "1")  # one task at a time
    assert submitted.returncode == 0, submitted.stderr
    job = load_job(results)
    array = job.array_id
    assert "#SBATCH --array=1-3%1" in (job.directory / "shard.sbatch").read_text(encoding="utf-8")

    # Task 1 is pre-empted after its first model (scontrol requeue: killed, queued again, as pre-emption
    # with --requeue does); task 2 is cancelled after its first model.
    _wait_for(lambda: len(_records_of(job.shard_dir(1))) >= 1, "shard 1's first record")
    subprocess.run(["scontrol", "requeue", f"{array}_1"], check=True, capture_output=True)
    kept_1 = _records_of(job.shard_dir(1))
    _wait_for(lambda: len(_records_of(job.shard_dir(2))) >= 1, "shard 2's first record")
    subprocess.run(["scancel", f"{array}_2"], check=False, capture_output=True)
    _wait_for(lambda: "CANCELLED" in subprocess.run(["squeue", "-h", "-r", "-t", "all", "-j", f"{array}_2",
                                                     "-o", "%T"], capture_output=True, text=True).stdout,
              "the cancel", timeout=60)
    kept_2 = _records_of(job.shard_dir(2))
    assert kept_1 and len(kept_2) == 1, "shard 2 was not cancelled in the middle"

    status = _zoogen("status", "--results", str(results))
    assert status.returncode == 0, status.stderr
    row_2 = next(line for line in status.stdout.splitlines() if line.startswith("│ 2 "))
    assert "cancelled" in row_2

    resubmitted = _zoogen("resubmit", "--results", str(results), "--wait")
    assert resubmitted.returncode == 1, resubmitted.stdout + resubmitted.stderr  # the error record of GONE
    assert "Merged into" in resubmitted.stderr
    assert "Resubmitted shard(s) 2 " in resubmitted.stderr  # task 1 was still queued: left to Slurm
    assert _comparable(results) == _comparable(local_run)

    for index, kept in ((1, kept_1), (2, kept_2)):  # what was finished before the kill was not redone
        now = _records_of(job.shard_dir(index))
        assert {name: now[name] for name in kept} == kept
        log = job.shard_log(index).read_text(encoding="utf-8")
        assert log.count("skipped (--resume: already verified)") >= len(kept), log
    assert "attempt 2," in job.shard_log(1).read_text(encoding="utf-8")
    job = load_job(results)
    assert len(job.submissions) == 2 and job.submissions[1]["shards"] == [2]
    assert json.loads((job.directory / "job.json").read_text(encoding="utf-8"))["shards"] == 3
