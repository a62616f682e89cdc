"""The GPU workflow's shell steps, run with bash against an ``nvidia-smi`` stand-in (a script on PATH).

What they must do: plan without building mmcv; check the hardware before installing; pin each shard to one
GPU (the runner's ZOOGEN_GPU, else shard - 1 modulo the GPUs); refuse to time while another compute
process uses that GPU.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "verify-gpu.yml").read_text(encoding="utf-8"))

FAKE_SMI = """#!/bin/sh
case "$*" in
  *--query-compute-apps*) cat "$FAKE_APPS" ;;
  *--id=*uuid*) id=$(echo "$*" | sed 's/.*--id=\\([0-9]*\\).*/\\1/'); echo "GPU-fake-$id" ;;
  *--query-gpu=index\\ *)
    i=0; while [ $i -lt "$FAKE_GPUS" ]; do echo $i; i=$((i+1)); done ;;
  *) echo "index, name, driver_version, memory.total [MiB], compute_cap"
     echo "0, NVIDIA A10, 550.54.15, 23028 MiB, 8.6" ;;
esac
"""


def _step(job: str, name_start: str) -> str:
    for step in WORKFLOW["jobs"][job]["steps"]:
        if str(step.get("name", "")).startswith(name_start):
            return step["run"]
    raise AssertionError(f"no step {name_start!r} in job {job}")


def _run(
    script: str, tmp_path: Path, *, gpus: int, apps: str = "", **env: str
) -> tuple[subprocess.CompletedProcess, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    smi = bin_dir / "nvidia-smi"
    smi.write_text(FAKE_SMI)
    smi.chmod(0o755)
    (tmp_path / "apps").write_text(apps)
    github_env = tmp_path / "github_env"
    github_env.write_text("")
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=60,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "FAKE_GPUS": str(gpus),
             "FAKE_APPS": str(tmp_path / "apps"), "GITHUB_ENV": str(github_env), **env},
    )
    return done, github_env.read_text()


@pytest.mark.parametrize(("shard", "gpus", "runner_gpu", "expected"),
                         [(1, 2, None, "GPU-fake-0"), (4, 2, None, "GPU-fake-1"), (3, 4, "2", "GPU-fake-2")])
def test_each_shard_is_pinned_to_one_gpu(tmp_path: Path, shard: int, gpus: int, runner_gpu: str | None,
                                          expected: str) -> None:
    script = _step("shard", "Check the hardware and pin").replace("${{ matrix.shard }}", str(shard))
    env = {"ZOOGEN_GPU": runner_gpu} if runner_gpu else {}
    done, github_env = _run(script, tmp_path, gpus=gpus, **env)
    assert done.returncode == 0, done.stderr
    assert f"CUDA_VISIBLE_DEVICES={expected}\n" in github_env
    assert f"ZOOGEN_GPU_UUID={expected}\n" in github_env


def test_a_gpu_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    script = _step("shard", "Check the hardware and pin").replace("${{ matrix.shard }}", "1")
    done, github_env = _run(script, tmp_path, gpus=2, ZOOGEN_GPU="5")
    assert done.returncode == 1 and "GPU 5 does not exist" in done.stderr
    assert "CUDA_VISIBLE_DEVICES" not in github_env


def test_timing_waits_for_a_free_gpu_and_refuses_a_busy_one(tmp_path: Path) -> None:
    script = _step("shard", "Wait until no other compute process uses this GPU")
    free, _ = _run(script, tmp_path, gpus=2, apps="GPU-fake-1, 4242, python\n", ZOOGEN_GPU_UUID="GPU-fake-0",
                   GPU_IDLE_WAIT_SECONDS="0")
    assert free.returncode == 0, free.stderr
    busy, _ = _run(script, tmp_path, gpus=2, apps="GPU-fake-0, 4242, python\n", ZOOGEN_GPU_UUID="GPU-fake-0",
                   GPU_IDLE_WAIT_SECONDS="0")
    assert busy.returncode == 1
    assert "refusing to time on a shared GPU" in busy.stderr and "4242" in busy.stderr


def test_the_hardware_is_checked_before_anything_is_installed_and_the_plan_builds_no_mmcv() -> None:
    for job in ("plan", "shard"):
        names = [str(step.get("name", "")) for step in WORKFLOW["jobs"][job]["steps"]]
        check = next(i for i, n in enumerate(names) if n.startswith("Check the hardware"))
        install = next(i for i, n in enumerate(names) if n.startswith("Install"))
        assert check < install, names
    plan_runs = " ".join(str(step.get("run", "")) for step in WORKFLOW["jobs"]["plan"]["steps"])
    assert "setup.sh" not in plan_runs and "mmcv" not in plan_runs.replace("no mmcv", "")
    shard_install = _step("shard", "Install the CUDA stack")
    assert "tools/setup.sh verify" in shard_install and "preflight --device cuda:0" in shard_install
