"""Arguments never become shell: ``zoogen verify --slurm`` through the CLI with a recording fake ``sbatch``
on PATH (it checks each script with ``bash -n`` and its ``#SBATCH`` lines as sbatch would split them), then
the scripts' bodies really run with a stub Python: ``$(touch pwned)`` and backticks in ``--results``, the
working directory and ``--models`` stay text. A control character in any value is one usage error naming
the option, before anything is written or submitted. ``--gpu`` needs GPUs per task (issue 17).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tiny_detector
from click.testing import CliRunner

from zoogen.cli.verify import verify_command

HOSTILE = "r $(touch pwned) `touch pwned2` 'q' \"d\" ; touch pwned3 # %a"
REAL_PYTHON = sys.executable
PATH_OPTIONS = ("--results", "--data-root", "--configs-root", "--cache-dir")

FAKE_SBATCH = textwrap.dedent("""\
    #!{python}
    import json, os, re, subprocess, sys
    record = os.environ["FAKE_SBATCH_RECORD"]
    script = sys.argv[-1]
    text = open(script, encoding="utf-8").read()
    checked = subprocess.run(["bash", "-n", script], capture_output=True, text=True)
    bad = [line for line in text.splitlines()
           if line.startswith("#SBATCH") and not re.fullmatch(r"#SBATCH [!$-&(-\\[\\]-~]+", line)]
    calls = open(record, encoding="utf-8").read().splitlines() if os.path.exists(record) else []
    with open(record, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({{"argv": sys.argv[1:], "script": text, "bash_n": checked.returncode,
                                 "bad_sbatch_lines": bad}}) + "\\n")
    if checked.returncode or bad:
        sys.exit("sbatch: error: " + checked.stderr + repr(bad))
    print(f"{{100 + len(calls)}}")
""")

STUB_PYTHON = textwrap.dedent("""\
    #!{python}
    import json, os, sys
    with open(os.environ["STUB_RECORD"], "a", encoding="utf-8") as handle:
        handle.write(json.dumps({{"argv": sys.argv[1:], "cwd": os.getcwd()}}) + "\\n")
""")


def _executable(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture()
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A zoo, a (tiny, empty) COCO layout, a configs folder, a fake sbatch on PATH, a stub Python as
    ``sys.executable`` and a working directory whose name is itself hostile."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _executable(bin_dir / "sbatch", FAKE_SBATCH.format(python=REAL_PYTHON))
    stub = _executable(bin_dir / "python", STUB_PYTHON.format(python=REAL_PYTHON))
    coco = tmp_path / "coco"
    (coco / "annotations").mkdir(parents=True)
    (coco / "val2017").mkdir()
    (coco / "annotations" / "instances_val2017.json").write_text('{"images": []}', encoding="utf-8")
    (tmp_path / "configs").mkdir()
    zoo = tiny_detector.write_tiny_zoo(tmp_path / "zoo", "http://127.0.0.1:9/tiny_20260101-abcdef12.pth", 40.0)
    work = tmp_path / "work $(touch pwned4)"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SBATCH_RECORD", str(tmp_path / "sbatch-calls.jsonl"))
    monkeypatch.setenv("STUB_RECORD", str(tmp_path / "python-calls.jsonl"))
    monkeypatch.setattr(sys, "executable", str(stub))
    return {"root": tmp_path, "zoo": zoo, "coco": coco, "configs": tmp_path / "configs", "work": work}


def _verify(site: dict[str, Path], results: str, *extra: str, monkeypatch: pytest.MonkeyPatch):
    args = ["--zoo", str(site["zoo"]), "--data-root", str(site["coco"]), "--configs-root", str(site["configs"]),
            "--cache-dir", str(site["root"] / "cache"), "--results", results, "--slurm", *extra]
    monkeypatch.setattr(sys, "argv", ["zoogen", "verify", *args])
    return CliRunner().invoke(verify_command, args)


def _calls(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def _pwned(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith("pwned")]


def _run_script(path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The script's body, as a Slurm node runs it (bash, Slurm's variables; `sys.executable` is the stub)."""
    environ = {**os.environ, "SLURM_JOB_ID": "77", "SLURM_CPUS_PER_TASK": "1", **env}
    return subprocess.run(["bash", str(path)], capture_output=True, text=True, env=environ, timeout=60, check=False)


def test_shell_in_arguments_stays_text(site, monkeypatch) -> None:
    results = str(site["root"] / HOSTILE)
    done = _verify(site, results, "--models", "tiny*", "--models", "*; touch pwned5", "--models", "$(touch pwned6)*",
                   monkeypatch=monkeypatch)
    assert done.exit_code == 0, done.output
    calls = _calls(site["root"] / "sbatch-calls.jsonl")
    assert [c["bash_n"] for c in calls] == [0, 0] and [c["bad_sbatch_lines"] for c in calls] == [[], []]
    job_dir = next((Path(results) / ".slurm").glob("*/job.json")).parent
    shard_call, merge_call = calls
    # the log paths travel on sbatch's command line, as one argument each ("%" doubled for sbatch)
    assert shard_call["argv"] == ["--parsable", f"--output={str(job_dir).replace('%', '%%')}/logs/shard-%a.log",
                                  str(job_dir / "shard.sbatch")]
    assert merge_call["argv"] == ["--parsable", f"--output={str(job_dir).replace('%', '%%')}/logs/merge.log",
                                  "--dependency=afterany:100", "--kill-on-invalid-dep=yes",
                                  str(job_dir / "merge.sbatch")]
    assert _pwned(site["root"]) == []

    # The merge job before any shard finished: nothing merged, the resubmit hint printed as text.
    merged = _run_script(job_dir / "merge.sbatch")
    assert _pwned(site["root"]) == [], merged.stderr
    assert merged.returncode == 3, merged.stderr
    assert "resubmit them with: zoogen verify resubmit --results " in merged.stderr
    assert "$(touch pwned)" in merged.stderr and "`touch pwned2`" in merged.stderr

    # The array task: the stub Python gets every value back as one argument, in the hostile working directory.
    shard = _run_script(job_dir / "shard.sbatch", SLURM_ARRAY_TASK_ID="1")
    assert _pwned(site["root"]) == [], shard.stderr
    assert shard.returncode == 0, shard.stdout + shard.stderr
    assert "shard 1 finished with exit status 0" in shard.stdout
    merged = _run_script(job_dir / "merge.sbatch")
    assert merged.returncode == 0, merged.stderr
    verify_call, merge_run = _calls(site["root"] / "python-calls.jsonl")
    assert verify_call["cwd"] == str(site["work"])
    argv = verify_call["argv"]
    assert argv[:3] == ["-m", "zoogen.cli", "verify"]
    assert [argv[i + 1] for i, arg in enumerate(argv) if arg == "--models"] == [
        "tiny*", "*; touch pwned5", "$(touch pwned6)*"]  # patterns, never commands
    assert argv[-5:] == ["--results", str(job_dir / "shard-1"), "--shard", "1/1", "--resume"]
    assert argv[argv.index("--zoo") + 1] == str(site["zoo"])
    assert merge_run["argv"] == ["-m", "zoogen.cli", "verify", "merge", str(job_dir / "shard-1"), "--into", results]
    assert (job_dir / "state" / "merge-77.exit").read_text(encoding="utf-8") == "0\n"
    assert _pwned(site["root"]) == []


@pytest.mark.parametrize("option", ["--results", "--partition", "--sbatch-option", "--slurm-time", "--slurm-mem",
                                    "--models", "--data-root", "--configs-root", "--cache-dir", "--device"])
@pytest.mark.parametrize("char", ["\n", "\r", "\x00", "\x1b", "\u2028"])
def test_a_control_character_in_any_value_is_one_usage_error(site, monkeypatch, option: str, char: str) -> None:
    if char == "\x00" and option in PATH_OPTIONS:
        pytest.skip("a NUL cannot reach a path option: no command line carries one (C strings), and click's "
                    "Path type stats the value first")
    results = str(site["root"] / "results")
    value = f"{'cuda:0' if option == '--device' else 'x'}{char}touch pwned"
    args = [option, f"--account=x{char}id" if option == "--sbatch-option" else value]
    if option == "--results":
        results, args = value, []
    done = _verify(site, results, *args, monkeypatch=monkeypatch)
    assert done.exit_code == 2, done.output
    lines = done.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"zoogen verify: {option}: "), done.output
    assert "control character" in lines[0]
    assert _calls(site["root"] / "sbatch-calls.jsonl") == []
    assert not list(site["root"].rglob(".slurm")) and _pwned(site["root"]) == []


@pytest.mark.parametrize(("option", "value"), [
    ("--partition", "gpu --wrap=id"), ("--partition", "gpu#x"), ("--slurm-time", "1:00 --wrap=id"),
    ("--slurm-mem", "4G'"), ("--sbatch-option", "--comment=a b"), ("--sbatch-option", "account=x"),
])
def test_a_value_sbatch_would_split_is_one_usage_error(site, monkeypatch, option: str, value: str) -> None:
    done = _verify(site, str(site["root"] / "results"), option, value, monkeypatch=monkeypatch)
    assert done.exit_code == 2 and re.match(f"zoogen verify: {option}: ", done.output), done.output
    assert _calls(site["root"] / "sbatch-calls.jsonl") == []


def test_gpu_tasks_need_gpus_per_task(site, monkeypatch) -> None:
    results = str(site["root"] / "results")
    for args, message in ((["--gpu"], "--gpu with --slurm needs --gpus-per-task G"),
                          (["--device", "cuda:0"], "--device cuda:0 with --slurm needs --gpus-per-task G"),
                          (["--device", "cuda:1", "--gpus-per-task", "1"], "each task sees only its 1 GPU(s)")):
        done = _verify(site, results, *args, monkeypatch=monkeypatch)
        assert done.exit_code == 2 and message in done.output, done.output
    assert _calls(site["root"] / "sbatch-calls.jsonl") == []

    done = _verify(site, results, "--gpus-per-task", "2", "--cpus-per-task", "4", monkeypatch=monkeypatch)
    assert done.exit_code == 0, done.output
    script = _calls(site["root"] / "sbatch-calls.jsonl")[0]["script"].splitlines()
    assert "#SBATCH --ntasks=1" in script and "#SBATCH --gpus-per-task=2" in script
    assert "#SBATCH --cpus-per-task=4" in script
    verify = next(line for line in script if line.startswith("verify=("))
    assert verify.endswith(" --gpu)")  # GPUs per task imply --gpu for each task
