"""The generated scripts, byte for byte (``tests/slurm/golden/*.sbatch``), and the checks of every value
that lands in them.

After a deliberate change of the scripts, regenerate the golden files and review their diff:

    ZOOGEN_UPDATE_GOLDEN=1 python3 -m pytest tests/slurm/test_golden.py -q
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from zoogen.verify.slurm import InvalidValue, SlurmJob, SlurmOptions, merge_script, shard_script
from zoogen.verify.slurm.scripts import assign, assign_array, comment, output_option, sbatch_line

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("ZOOGEN_UPDATE_GOLDEN") == "1"
HOSTILE = "/srv/zoo/my results $(touch pwned) `touch pwned` 'q' \"d\" ; rm -rf ~ # %a \\n"

CASES = {
    "cpu": dict(
        results="/srv/zoo/results", cwd="/srv/zoo", models=[["a", "d"], ["b"], ["c"]],
        options=SlurmOptions(shards=3, partition="cpu"),
        verify_args=["--zoo", "/srv/zoo/zoo_meta", "--data-root", "/data/coco", "--max-images", "4"],
        command="zoogen verify --slurm --shards 3 --partition cpu --max-images 4",
    ),
    "gpu": dict(
        results="/srv/zoo/results", cwd="/srv/zoo", models=[["a", "c"], ["b"]],
        options=SlurmOptions(shards=2, partition="gpu,gpu-long", gpus_per_task=2, cpus_per_task=8,
                             array_parallelism=1, time_limit="1-12:00:00", mem="64G",
                             extra=("--account=zoo", "--constraint=a100|h100", "-Qsome")),
        verify_args=["--zoo", "/srv/zoo/zoo_meta", "--gpu"],
        command="zoogen verify --slurm --gpus-per-task 2 ...",
    ),
    "hostile": dict(
        results=HOSTILE, cwd="/srv/a dir $(id)", models=[["m"]],
        options=SlurmOptions(shards=1),
        verify_args=["--zoo", "/srv/zoo $(touch pwned)", "--models", "*; touch pwned", "--models", "$HOME`id`"],
        command=shlex.join(["zoogen", "verify", "--slurm", "--results", HOSTILE, "--models", "*; touch pwned"]),
    ),
}


def _scripts(case: dict) -> dict[str, str]:
    results = Path(case["results"])
    job = SlurmJob(directory=results / ".slurm" / "20260101-000000-abcd1234", results_dir=results,
                   shards=case["options"].shards, models=case["models"], date="2026-01-01T00:00:00Z",
                   command=case["command"], array_parallelism=case["options"].array_parallelism)
    common = dict(python="/opt/py 3/bin/python3", cwd=Path(case["cwd"]))
    return {"shard": shard_script(job, case["options"], verify_args=case["verify_args"], **common),
            "merge": merge_script(job, case["options"], **common)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_scripts_equal_their_golden_files(name: str) -> None:
    for kind, text in _scripts(CASES[name]).items():
        path = GOLDEN / f"{name}-{kind}.sbatch"
        if UPDATE:
            path.write_bytes(text.encode("utf-8"))
        assert path.read_bytes() == text.encode("utf-8"), f"{path} differs: regenerate (module docstring) and review"
        subprocess.run(["bash", "-n", str(path)], check=True)


def _sbatch_words(line: str) -> list[str]:
    """An ``#SBATCH`` line split as sbatch splits it (whitespace, quotes, backslash, an unquoted '#')."""
    assert re.fullmatch(r"#SBATCH [!$-&(-\[\]-~]+", line), line  # nothing sbatch would read another way
    return line.split()[1:]


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_value_lands_once_in_its_place(name: str) -> None:
    case = CASES[name]
    for text in _scripts(case).values():
        lines = text.splitlines()
        body = [line for line in lines if not line.startswith("#")]
        for line in lines:
            if line.startswith("#SBATCH"):
                assert len(_sbatch_words(line)) == 1
        # the only lines with a value: the assignments, each one shell word (or a bash array of them)
        assignments = [line for line in body if re.match(r"[a-z_]+=", line)]
        for line in assignments:
            value = line.split("=", 1)[1]
            words = shlex.split(value[1:-1]) if value.startswith("(") else shlex.split(value)
            assert value.startswith("(") or len(words) == 1, line
        assert f"workdir={shlex.quote(case['cwd'])}" in lines
        assert f"job_dir={shlex.quote(case['results'] + '/.slurm/20260101-000000-abcd1234')}" in lines
        # no value inside a double-quoted string: every double-quoted string holds only $variables and text
        for line in body:
            if line in assignments:
                continue
            assert case["results"] not in line and case["cwd"] not in line, line
    shard = _scripts(case)["shard"].splitlines()
    verify = next(line for line in shard if line.startswith("verify=("))
    assert shlex.split(verify[len("verify=("):-1]) == ["/opt/py 3/bin/python3", "-m", "zoogen.cli", "verify",
                                                        *case["verify_args"]]


def test_gpu_tasks_ask_for_one_task_with_its_gpus() -> None:
    shard = _scripts(CASES["gpu"])["shard"]
    assert "#SBATCH --ntasks=1\n" in shard and "#SBATCH --gpus-per-task=2\n" in shard
    merge = _scripts(CASES["gpu"])["merge"]
    assert "#SBATCH --ntasks=1\n" in merge and "#SBATCH --gpus-per-task" not in merge and "#SBATCH --time" not in merge


@pytest.mark.parametrize(("field", "value"), [
    ("partition", "gpu\n/bin/touch pwned"), ("partition", "gpu --wrap=id"), ("partition", "gpu#x"),
    ("partition", "a'b"), ("time_limit", "1:00:00\nid"), ("time_limit", "1:00 --wrap=id"), ("time_limit", "1h"),
    ("mem", "4G\x00"), ("mem", "4 G"), ("extra", "--account=zoo\nid"), ("extra", "--comment=a b"),
    ("extra", '--comment="x"'), ("extra", "--comment=a\\b"), ("extra", "account=zoo"), ("extra", "--x=\u2028"),
])
def test_options_refuse_what_sbatch_or_bash_would_read_another_way(field: str, value: str) -> None:
    kwargs: dict = {"extra": (value,)} if field == "extra" else {field: value}
    with pytest.raises(InvalidValue) as caught:
        SlurmOptions(shards=1, **kwargs)
    assert caught.value.field == field


def test_values_accepted_where_slurm_accepts_them() -> None:
    for limit in ("30", "30:00", "2:30:00", "1-0", "1-12", "1-12:30", "1-12:30:00", "UNLIMITED"):
        SlurmOptions(shards=1, time_limit=limit)
    for mem in ("0", "4000", "4G", "512m"):
        SlurmOptions(shards=1, mem=mem)
    SlurmOptions(shards=1, partition="gpu,debug", extra=("--account=a-b_c.d", "--nodelist=n[1-3]", "-Aabc"))


def test_place_functions_refuse_control_characters_and_quote_the_rest() -> None:
    for bad in ("a\nb", "a\rb", "a\x00b", "a\x1bb", "a\tb", "a\x85b", "a\u2029b"):
        for call in (lambda v: assign("x", v), lambda v: assign_array("x", ["ok", v]), comment,
                     lambda v: sbatch_line("--partition", v), lambda v: output_option(Path(v), "merge.log")):
            with pytest.raises(InvalidValue):
                call(bad)
    assert assign("x", "a b'$(c)") == "x='a b'\"'\"'$(c)'"
    assert assign("n", 3) == "n=3"
    with pytest.raises(InvalidValue):
        sbatch_line("--partition", "a b")
    assert output_option(Path("/r/100% sure"), "shard-%a.log") == "--output=/r/100%% sure/shard-%a.log"
    with pytest.raises(InvalidValue):
        output_option(Path("/r/a\\b"), "merge.log")
