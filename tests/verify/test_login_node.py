"""A login node without torch: plan, --estimate, status, resubmit, merge and Slurm submission still work.

Each command runs in a child process whose ``sitecustomize`` makes ``import torch`` (and mmcv, mmengine,
mmdet) fail as where they are not installed; a command that needs torch says so in one line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from stale_cases import MODELS, write_cases

ROOT = Path(__file__).resolve().parents[2]
BLOCKER = """import sys
for _name in ("torch", "torchvision", "mmcv", "mmengine", "mmdet"):
    sys.modules[_name] = None  # `import torch` raises ModuleNotFoundError, as on a machine without it
"""


@pytest.fixture(scope="module")
def login_node(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("login")
    (folder / "blocker").mkdir()
    (folder / "blocker" / "sitecustomize.py").write_text(BLOCKER, encoding="utf-8")
    cases = write_cases(folder / "cases")
    coco = folder / "coco"
    (coco / "annotations").mkdir(parents=True)
    (coco / "val2017").mkdir()
    (coco / "annotations" / "instances_val2017.json").write_text('{"images": [], "annotations": [], '
                                                                  '"categories": []}', encoding="utf-8")

    def run(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(folder / "blocker"), str(ROOT)]))
        if path is not None:
            env["PATH"] = path
        return subprocess.run([sys.executable, "-m", "zoogen.cli", *args], capture_output=True, text=True,
                              cwd=folder, env=env, timeout=120)

    return run, cases, coco


def _clean(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr and "ModuleNotFoundError" not in result.stderr, result.stderr


def test_torch_is_blocked_there(login_node) -> None:
    run, _, _ = login_node
    probe = run("verify", "--gpu")  # the one command that needs torch: one clear message
    assert probe.returncode == 2 and "verification stack is not installed" in probe.stderr
    _clean(probe)


def test_plan_and_estimate_without_torch(login_node) -> None:
    run, cases, _ = login_node
    plan = run("verify", "plan", "--zoo", str(cases.zoo), "--results", str(cases.results), "--configs-root",
               str(cases.zoo), "--tag", "cuda-tesla-t4-torch2.13.0-cu121", "--json")
    assert plan.returncode == 0, plan.stderr
    reasons = {entry["model"]: entry["reasons"] for entry in json.loads(plan.stdout)}
    assert sorted(reasons) == sorted(MODELS)
    assert reasons["number_r50"][0] == "a published number changed (box AP: 37.4 -> 39.0)"
    for stale in ([], ["--stale"]):
        estimate = run("verify", "--zoo", str(cases.zoo), "--results", str(cases.results), "--estimate", *stale)
        assert estimate.returncode == 0, estimate.stderr
        assert "model(s) to verify: about" in estimate.stdout
        _clean(estimate)


def test_merge_status_resubmit_and_submission_without_torch(login_node, tmp_path: Path) -> None:
    run, cases, coco = login_node
    merged = run("verify", "merge", str(cases.results), "--into", str(tmp_path / "merged"))
    assert merged.returncode == 0, merged.stderr
    assert len(list((tmp_path / "merged").glob("*/*.json"))) == len(MODELS)
    for command in ("status", "resubmit"):
        result = run("verify", command, "--results", str(tmp_path / "merged"))
        assert "no Slurm submission" in result.stderr  # it ran: nothing was submitted from this folder
        _clean(result)
    submit = run("verify", "--slurm", "--zoo", str(cases.zoo), "--results", str(tmp_path / "merged"),
                 "--data-root", str(coco), "--configs-root", str(cases.zoo), path=str(tmp_path / "no-slurm"))
    assert submit.returncode != 0 and "sbatch not found" in submit.stderr  # got as far as calling sbatch
    _clean(submit)
