"""The generated sbatch scripts and the ``--slurm`` options, without a cluster (fast)."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import tiny_detector
from click.testing import CliRunner

from zoogen.cli.verify import verify_command
from zoogen.cli.verify_slurm import forwarded_args
from zoogen.verify.slurm import SlurmOptions, array_ranges, create_job, load_job


def test_forwarded_options_are_absolute_and_leave_out_what_each_task_sets(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    opts = {"zoo_dir": Path("zoo"), "patterns": ("a*", "b*"), "shard": "1/2", "results_dir": Path("res"),
            "resume": True, "max_images": 4, "fuse_conv_bn": True, "trust_checkpoints": False,
            "data_root": Path("data/coco"), "cache_dir": None, "slurm": True, "shards": 3}
    args = forwarded_args(verify_command, opts)
    assert args == ["--zoo", str(tmp_path / "zoo"), "--models", "a*", "--models", "b*",
                    "--data-root", str(tmp_path / "data" / "coco"), "--max-images", "4", "--fuse-conv-bn"]


def test_arrayarray_ranges() -> None:
    assert array_ranges([5, 1, 2, 3]) == "1-3,5"
    assert array_ranges([2]) == "2"
    assert array_ranges([1, 3, 4, 6]) == "1,3-4,6"


def test_scripts_are_valid_bash_with_absolute_paths(tmp_path: Path) -> None:
    options = SlurmOptions(shards=2, partition="gpu", gpus_per_task=1, array_parallelism=1, time_limit="2:00:00",
                           extra=("--account=zoo",))
    job = create_job(tmp_path / "results", [["a", "c"], ["b"]], options, verify_args=["--zoo", "/z", "--gpu"],
                     command="zoogen verify --slurm", python=sys.executable, cwd=tmp_path)
    shard = (job.directory / "shard.sbatch").read_text(encoding="utf-8")
    merge = (job.directory / "merge.sbatch").read_text(encoding="utf-8")
    for script in ("shard.sbatch", "merge.sbatch"):
        subprocess.run(["bash", "-n", str(job.directory / script)], check=True)
    for line in ("#SBATCH --array=1-2%1", "#SBATCH --partition=gpu", "#SBATCH --gpus-per-task=1",
                 "#SBATCH --time=2:00:00", "#SBATCH --account=zoo", "#SBATCH --requeue", "#SBATCH --ntasks=1"):
        assert line in shard.splitlines()
    assert "#SBATCH --output" not in shard  # given on sbatch's command line, where a path needs no quoting
    assert f"job_dir={shlex.quote(str(job.directory))}" in shard
    assert '"${verify[@]}" --results "$job_dir/shard-$i" --shard "$i/$shards" --resume' in shard
    assert f"verify=({shlex.quote(sys.executable)} -m zoogen.cli verify --zoo /z --gpu)" in shard
    assert f"results={shlex.quote(str(tmp_path / 'results'))}" in merge and "#SBATCH --gpus-per-task" not in merge
    assert load_job(tmp_path / "results").models == [["a", "c"], ["b"]]
    assert (tmp_path / "results" / ".slurm" / ".gitignore").read_text(encoding="utf-8").endswith("\n*\n")


def test_slurm_options_need_slurm_and_status_needs_a_submission(tmp_path: Path) -> None:
    result = CliRunner().invoke(verify_command, ["--shards", "3", "--zoo", str(tmp_path)])
    assert result.exit_code == 2 and "--shards: only with --slurm" in result.output
    result = CliRunner().invoke(verify_command, ["status", "--results", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip() == (f"zoogen verify: no Slurm submission under {tmp_path / '.slurm'} "
                                     "(submit one with zoogen verify --slurm)")


def test_a_run_level_problem_is_one_usage_error_before_anything_is_queued(tmp_path: Path) -> None:
    zoo = tiny_detector.write_tiny_zoo(tmp_path / "zoo", "http://127.0.0.1:9/tiny_20260101-abcdef12.pth", 40.0)
    (tmp_path / "configs").mkdir()
    result = CliRunner().invoke(verify_command, [
        "--zoo", str(zoo), "--data-root", str(tmp_path / "no-such-coco"), "--configs-root", str(tmp_path / "configs"),
        "--results", str(tmp_path / "results"), "--slurm", "--shards", "2"])
    assert result.exit_code == 2, result.output
    assert "no-such-coco" in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "results" / ".slurm").exists()


def test_the_slurm_modules_import_without_torch() -> None:
    """Submission belongs on a login node: the job, scripts, submission and progress modules and the CLI's
    Slurm module never import torch (issue 15)."""
    code = ("import sys; sys.modules['torch'] = None\n"
            "import zoogen.verify.slurm, zoogen.cli.verify_slurm, zoogen.cli.verify_output\n"
            "assert not [m for m in sys.modules if m.split('.')[0] in ('mmdet', 'mmcv', 'mmengine')]")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
