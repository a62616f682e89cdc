"""zoogen.verify.runner and ``zoogen verify``: selection, resolving, error records, resume, shards, CLI.

The fast tests replace the MMDetection backend by a fake one; the ``slow`` ones run the tiny, really
trained detector of ``tiny_detector.py`` through the real pipeline (MMDetection required).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import tiny_detector
import torch
from checkpoint_server import CheckpointServer
from click.testing import CliRunner

from zoogen.cli.verify import verify_command
from zoogen.errors import Location
from zoogen.meta.schema import Model, Result
from zoogen.records import Environment, RecordError, environment_tag, load_records
from zoogen.verify import runner as runner_module
from zoogen.verify.backends import Prepared
from zoogen.verify.environment import collect_environment
from zoogen.verify.runner import (
    BackendResult,
    RunError,
    StepError,
    VerifyOptions,
    mmdet3_spelling,
    parse_shard,
    resolve_config,
    resolve_dataset,
    run_verification,
    select_models,
)

REPO = Path(__file__).resolve().parents[2]
HERE = Location(Path("metafile.yml"), 1)
TAG = "cpu-test-cpu-torch2.13.0"


# --- helpers ----------------------------------------------------------------------------------------------

def make_model(name: str, *, config: str | None = "configs/tiny/tiny-retinanet_coco.py",
               weights: str | None = None, box_ap: float = 40.0) -> Model:
    return Model(
        name=name, method="tiny", collection=None, config=config, metadata={},
        results=[Result("Object Detection", "COCO", {"box AP": box_ap}, HERE)], weights=weights, log=None,
        speed=[], paper=None, code=None, readme=None, alias=[], converted_from=None, tolerances={},
        location=HERE,
    )


def write_coco(root: Path, images: int = 4) -> Path:
    (root / "annotations").mkdir(parents=True)
    (root / "val2017").mkdir()
    data = {"images": [{"id": i, "file_name": f"{i}.jpg", "width": 8, "height": 8} for i in range(images)],
            "annotations": [], "categories": [{"id": 1, "name": "thing"}]}
    (root / "annotations" / "instances_val2017.json").write_text(json.dumps(data), encoding="utf-8")
    return root


def hashed_checkpoint() -> tuple[str, bytes]:
    buffer = io.BytesIO()
    torch.save({"meta": {"epoch": 1}, "state_dict": {"w": torch.ones(2)}}, buffer)
    body = buffer.getvalue()
    return f"tiny_20260101-{hashlib.sha256(body).hexdigest()[:8]}.pth", body


@dataclass
class FakeEvaluation:
    metrics: dict[str, float]
    images: int


@dataclass
class FakeSpeed:
    fps: float = 10.0
    ms_per_image: float = 100.0
    ms_std: float = 1.0
    images: int = 4
    peak_memory_mb: float = 100.0
    memory_kind: str = "cpu-rss"


class FakeBackend:
    """Inspects every config as MMDetection's on COCO and reports box AP 0.400 (40.0) on as many images as
    asked; remembers its calls."""

    def __init__(self, images: int = 4, fail: str | None = None) -> None:
        self.images = images
        self.fail = fail
        self.calls: list[dict] = []

    def inspect(self, config_file, data_root) -> Prepared:
        return Prepared("mmdet", "CocoDataset", config_file, [], path="coco")

    def run(self, prepared, checkpoint, *, max_images, on_step, **kwargs) -> BackendResult:
        self.calls.append({"config": prepared.config, "checkpoint": checkpoint, "max_images": max_images,
                           **kwargs})
        on_step("evaluate")
        if self.fail:
            raise StepError("evaluate", self.fail)
        images = min(self.images, max_images or self.images)
        return BackendResult(FakeEvaluation({"coco/bbox_mAP": 0.4}, images), FakeSpeed(images=images))


@pytest.fixture
def server() -> Iterator[CheckpointServer]:
    with CheckpointServer() as srv:
        name, body = hashed_checkpoint()
        srv.add(name, body)
        srv.checkpoint_name = name
        yield srv


@pytest.fixture
def setup(tmp_path: Path, server: CheckpointServer) -> dict:
    configs = tmp_path / "configs"
    (configs / "tiny").mkdir(parents=True)
    (configs / "tiny" / "tiny-retinanet_coco.py").write_text("# config\n", encoding="utf-8")
    options = VerifyOptions(results_dir=tmp_path / "results", data_root=write_coco(tmp_path / "coco"),
                            configs_root=configs, cache_dir=tmp_path / "cache")
    return {"options": options, "url": server.url(server.checkpoint_name), "server": server}


def environment() -> Environment:
    return Environment(tag=TAG, device="cpu", device_name="Test CPU", torch="2.13.0")


# --- selection --------------------------------------------------------------------------------------------

def test_parse_shard() -> None:
    assert parse_shard("1/4") == (1, 4)
    assert parse_shard(" 4 / 4 ") == (4, 4)
    for bad in ("0/4", "5/4", "1/0", "a/b", "1"):
        with pytest.raises(ValueError, match="shard"):
            parse_shard(bad)


def test_select_models_globs_and_stable_shards() -> None:
    names = ["retinanet_r50", "faster_rcnn_r50", "faster_rcnn_r101", "mask_rcnn_r50", "yolox_s"]
    models = [make_model(n) for n in names]
    assert [m.name for m in select_models(models, ["faster_*"])] == ["faster_rcnn_r101", "faster_rcnn_r50"]
    assert [m.name for m in select_models(models, ["*_r50", "yolox*"])] == \
        ["faster_rcnn_r50", "mask_rcnn_r50", "retinanet_r50", "yolox_s"]
    shards = [[m.name for m in select_models(models, (), (i, 3))] for i in (1, 2, 3)]
    assert sorted(sum(shards, [])) == sorted(names)  # disjoint and complete
    assert shards == [[m.name for m in select_models(list(reversed(models)), (), (i, 3))] for i in (1, 2, 3)]


# --- resolving --------------------------------------------------------------------------------------------

def test_mmdet3_spelling() -> None:
    assert mmdet3_spelling(Path("faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py")) == \
        Path("faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py")
    assert mmdet3_spelling(Path("retinanet/retinanet_r50_fpn_1x_coco.py")) == \
        Path("retinanet/retinanet_r50_fpn_1x_coco.py")


def test_resolve_config_spellings(tmp_path: Path) -> None:
    root = tmp_path / "configs"
    for rel in ("faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py",
                "faster_rcnn/faster-rcnn_r50-caffe_fpn_1x_coco.py",
                "cascade_rcnn/cascade-mask-rcnn_r50_fpn_1x_coco.py",
                "retinanet/retinanet_r50_fpn_1x_coco.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("", encoding="utf-8")
    cases = {
        "configs/retinanet/retinanet_r50_fpn_1x_coco.py": "configs/retinanet/retinanet_r50_fpn_1x_coco.py",
        "configs/faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py":
            "configs/faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py",
        "faster_rcnn/faster_rcnn_r50_caffe_fpn_1x_coco.py":
            "configs/faster_rcnn/faster-rcnn_r50-caffe_fpn_1x_coco.py",
        "configs/cascade_rcnn/cascade_mask_rcnn_r50_fpn_1x_coco.py":
            "configs/cascade_rcnn/cascade-mask-rcnn_r50_fpn_1x_coco.py",
    }
    for written, used in cases.items():
        path, name = resolve_config(written, root)
        assert name == used and path == root / used.removeprefix("configs/")
    with pytest.raises(StepError, match="not found") as info:
        resolve_config("configs/yolo/yolov3_d53_320_273e_coco.py", root)
    assert info.value.step == "resolve"
    with pytest.raises(StepError, match="no Config"):
        resolve_config(None, root)
    with pytest.raises(StepError, match="--configs-root"):
        resolve_config("configs/a/b.py", None)


def test_resolve_dataset(tmp_path: Path) -> None:
    assert resolve_dataset(write_coco(tmp_path / "coco", images=7)).images == 7
    with pytest.raises(StepError, match="instances_val2017.json"):
        resolve_dataset(tmp_path / "nowhere")


# --- the pipeline with a fake backend ---------------------------------------------------------------------

def test_run_writes_one_record_per_model_and_goes_on_after_errors(setup: dict) -> None:
    options, url = setup["options"], setup["url"]
    models = [
        make_model("good", weights=url),
        make_model("no_config", config=None, weights=url),
        make_model("no_weights"),
        make_model("bad_url", weights=url.replace("/files/", "/files/missing-")),
        make_model("drifted", weights=url, box_ap=45.0),
    ]
    backend = FakeBackend()
    summary = run_verification(models, options=options, environment=environment(), device=None,
                               backend=backend)
    records = {r.model: r for rs in load_records(options.results_dir).values() for r in rs}
    assert set(records) == {m.name for m in models}
    good = records["good"]
    assert (good.status, good.config, good.images, good.subset) == \
        ("ok", "configs/tiny/tiny-retinanet_coco.py", 4, False)
    assert good.checkpoint.url == url and good.checkpoint.sha256.startswith(url[-12:-4])
    assert [(m.metric, m.published, m.measured, m.verdict) for m in good.metrics] == \
        [("box AP", 40.0, 40.0, "passed")]
    assert good.speed.fps == 10.0 and good.memory.kind == "cpu-rss"
    assert (records["no_config"].step, records["no_config"].status) == ("resolve", "error")
    assert "Config" in records["no_config"].error
    assert records["no_weights"].step == "download" and "Weights" in records["no_weights"].error
    assert records["bad_url"].step == "download" and "404" in records["bad_url"].error
    assert records["drifted"].metrics[0].verdict == "drift" and records["drifted"].status == "ok"
    assert [r.model for r in summary.errors] == ["no_config", "no_weights", "bad_url"]
    assert [r.model for r in summary.drifted] == ["drifted"]
    assert all(r.environment.tag == TAG and r.environment.date for r in records.values())
    assert len(backend.calls) == 2  # the checkpoint was loaded safely before the backend saw it
    assert backend.calls[0]["checkpoint"]["state_dict"]["w"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize("problem", ["data", "data-file", "configs", "results", "cache"])
def test_run_level_problem_is_one_usage_error_and_no_record(setup: dict, tmp_path: Path, problem: str) -> None:
    options = setup["options"]
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    if problem == "data":
        options.data_root = tmp_path / "no-coco"
    elif problem == "data-file":
        options.data_root = blocker
    elif problem == "configs":
        options.configs_root = tmp_path / "no-configs"
    elif problem == "results":
        options.results_dir = blocker / "results"
    else:
        options.cache_dir = blocker / "cache"
    backend = FakeBackend()
    with pytest.raises(RunError) as info:
        run_verification([make_model(f"m{i}", weights=setup["url"]) for i in range(3)], options=options,
                         environment=environment(), device=None, backend=backend)
    assert {"data": "--data-root", "data-file": "is not a folder (--data-root)", "configs": "--configs-root",
            "results": "--results", "cache": "--cache-dir"}[problem] in str(info.value)
    assert not backend.calls
    assert not (options.results_dir.exists() and any(options.results_dir.rglob("*.json")))


def test_cli_run_level_problem_exits_2_before_any_model(setup: dict, tmp_path: Path) -> None:
    zoo = tiny_detector.write_tiny_zoo(tmp_path / "zoo", setup["url"], 40.0)
    args = _cli_args(tmp_path, setup, zoo)
    args[args.index("--data-root") + 1] = str(tmp_path / "typo")
    result = CliRunner().invoke(verify_command, args)
    assert result.exit_code == 2 and "--data-root" in result.output and "Traceback" not in result.output
    assert not setup["options"].results_dir.exists() or not any(setup["options"].results_dir.rglob("*.json"))


def test_config_outside_configs_root_is_refused_unless_trusted(setup: dict, tmp_path: Path) -> None:
    options = setup["options"]
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil" / "x.py"
    evil.parent.mkdir()
    evil.write_text(f"import os\nos.system('touch {marker}')\n", encoding="utf-8")
    custom = options.configs_root / "tiny" / "custom.py"
    custom.write_text("custom_imports = dict(imports=['os'], allow_failed_imports=False)\n", encoding="utf-8")
    base_out = options.configs_root / "tiny" / "base_out.py"
    base_out.write_text(f"_base_ = ['{evil}']\n", encoding="utf-8")
    models = [make_model("outside", config="../evil/x.py", weights=setup["url"]),
              make_model("custom", config="configs/tiny/custom.py", weights=setup["url"]),
              make_model("base_out", config="configs/tiny/base_out.py", weights=setup["url"])]
    backend = FakeBackend()
    summary = run_verification(models, options=options, environment=environment(), device=None,
                               backend=backend)
    by_name = {r.model: r for r in summary.records}
    assert all(r.status == "error" and r.step == "resolve" for r in summary.records)
    assert "outside" in by_name["outside"].error and "--trust-configs" in by_name["outside"].error
    assert "custom_imports" in by_name["custom"].error
    assert "_base_" in by_name["base_out"].error
    assert not backend.calls and not marker.exists()
    options.trust_configs = True
    trusted = run_verification(models[1:2], options=options, environment=environment(), device=None,
                               backend=backend)
    assert trusted.records[0].status == "ok" and len(backend.calls) == 1


def test_unverifiable_task_is_reported_once_without_records(setup: dict) -> None:
    options = setup["options"]
    models = [make_model("det", weights=setup["url"])]
    for i in range(3):
        ocr = make_model(f"ocr{i}", weights=setup["url"])
        ocr.results = [Result("Text Recognition", "IIIT5K", {"word accuracy": 0.95}, HERE)]
        models.append(ocr)

    class Notes(runner_module.Reporter):
        def __init__(self) -> None:
            self.notes: list[str] = []

        def run_note(self, message: str) -> None:
            self.notes.append(message)

    reporter = Notes()
    summary = run_verification(models, options=options, environment=environment(), device=None,
                               backend=FakeBackend(), reporter=reporter)
    assert [r.model for r in summary.records] == ["det"]
    assert summary.unverifiable == {"Text Recognition on IIIT5K": ["ocr0", "ocr1", "ocr2"]}
    assert len([n for n in reporter.notes if "not verifiable" in n]) == 1
    assert sorted(load_records(options.results_dir)) == ["det"]


def test_missing_metric_is_partial_and_speed_failure_keeps_verdicts(setup: dict) -> None:
    options = setup["options"]
    with_mask = make_model("mask", weights=setup["url"])
    with_mask.results[0].metrics["mask AP"] = 35.0  # the evaluator reports no segm metric
    (record,) = run_verification([with_mask], options=options, environment=environment(), device=None,
                                 backend=FakeBackend()).records
    verdicts = {m.metric: (m.measured, m.verdict) for m in record.metrics}
    assert verdicts == {"box AP": (40.0, "passed"), "mask AP": (None, "missing")}
    assert record.status == "partial" and "mask AP" in record.error and record.evaluated

    class SpeedFails(FakeBackend):
        def run(self, *args, **kwargs) -> BackendResult:
            result = super().run(*args, **kwargs)
            return BackendResult(result.evaluation, None, "CUDA error: out of memory")

    (slow,) = run_verification([make_model("slow", weights=setup["url"], box_ap=45.0)], options=options,
                               environment=environment(), device=None, backend=SpeedFails()).records
    assert (slow.status, slow.step) == ("partial", "speed") and "out of memory" in slow.error
    assert [(m.measured, m.verdict) for m in slow.metrics] == [(40.0, "drift")] and slow.evaluated


def test_record_write_failure_never_ends_the_run(setup: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    options = setup["options"]
    real = runner_module.write_record

    def flaky(results_dir, record):
        if record.model == "first":
            raise RecordError(f"{results_dir}/first: cannot write verification record: No space left on device")
        return real(results_dir, record)

    monkeypatch.setattr(runner_module, "write_record", flaky)
    models = [make_model("first", weights=setup["url"]), make_model("../second", weights=setup["url"])]
    summary = run_verification(models, options=options, environment=environment(), device=None, backend=FakeBackend())
    assert [r.model for r in summary.records] == ["first", "../second"]  # the run went on after "first"
    assert len(summary.unwritten) == 1 and "No space left" in summary.unwritten[0]
    assert list(load_records(options.results_dir)) == ["../second"]
    assert all(p.is_relative_to(options.results_dir) for p in options.results_dir.rglob("*.json"))


def test_records_keep_timings_and_inputs(setup: dict) -> None:
    (record,) = run_verification([make_model("m", weights=setup["url"])], options=setup["options"],
                                 environment=environment(), device=None, backend=FakeBackend()).records
    assert {"resolve", "download", "load", "evaluate", "total"} <= set(record.timings)
    assert record.timings["total"] >= record.timings["download"] >= 0
    assert record.inputs.published == {"Object Detection / COCO / box AP": 40.0}
    assert record.inputs.config_sha256 and len(record.inputs.config_sha256) == 64


def test_backend_failure_and_refused_checkpoint(setup: dict) -> None:
    options, server = setup["options"], setup["server"]
    evil = io.BytesIO()
    torch.save({"state_dict": {}, "meta": {"x": Evil()}}, evil)
    name = f"evil_20260101-{hashlib.sha256(evil.getvalue()).hexdigest()[:8]}.pth"
    server.add(name, evil.getvalue())
    models = [make_model("broken", weights=setup["url"]), make_model("evil", weights=server.url(name))]
    summary = run_verification(models, options=options, environment=environment(), device=None,
                               backend=FakeBackend(fail="CUDA out of memory"))
    broken, evil_record = summary.records
    assert (broken.step, broken.error) == ("evaluate", "CUDA out of memory")
    assert evil_record.step == "load" and "--trust-checkpoints" in evil_record.error


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_subset_run(setup: dict) -> None:
    options = setup["options"]
    options.max_images = 2
    backend = FakeBackend()
    summary = run_verification([make_model("m", weights=setup["url"], box_ap=10.0)], options=options,
                               environment=environment(), device=None, backend=backend)
    (record,) = summary.records
    assert record.subset and record.images == 2 and record.metrics[0].verdict == "subset"
    assert backend.calls[0]["max_images"] == 2 and backend.calls[0]["speed_images"] == 2


def test_resume_skips_finished_models_and_retries_errors(setup: dict) -> None:
    options, url = setup["options"], setup["url"]
    models = [make_model("a", weights=url), make_model("b", weights=url), make_model("c")]
    run_verification(models[:1] + models[2:], options=options, environment=environment(), device=None,
                     backend=FakeBackend())
    first = (options.results_dir / "a" / f"{TAG}.json").read_bytes()
    options.resume = True
    backend = FakeBackend()
    summary = run_verification(models, options=options, environment=environment(), device=None,
                               backend=backend)
    assert summary.skipped == ["a"]
    assert [r.model for r in summary.records] == ["b", "c"]  # c had an error record: tried again
    assert (options.results_dir / "a" / f"{TAG}.json").read_bytes() == first
    other_env = Environment(tag="cuda-other-torch2.13.0-cu121", device="cuda", torch="2.13.0")
    again = run_verification(models[:1], options=options, environment=other_env, device=None, backend=backend)
    assert again.skipped == []  # resume is per environment tag


def test_environment_block(tmp_path: Path) -> None:
    info = {"device": "cpu", "device_name": "Test CPU", "driver": None, "cuda": None, "cudnn": None}
    env = collect_environment(info, zoo_dir=tmp_path, command=["zoogen", "verify", "--models", "a b"])
    version = torch.__version__.split("+")[0]
    assert env.tag == environment_tag(env) and env.tag.startswith("cpu-") and f"torch{version}" in env.tag
    assert env.torch == version and env.python.count(".") == 2
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", env.date)
    assert env.command == "zoogen verify --models 'a b'"
    assert env.zoo_commit is None  # not a git checkout
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(tmp_path)]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "model-index.yml").write_text("Import: []\n", encoding="utf-8")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "zoo"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout
    assert collect_environment(info, zoo_dir=tmp_path).zoo_commit == head.strip()


# --- the CLI ----------------------------------------------------------------------------------------------

def test_gpu_without_cuda_exits_2_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    result = CliRunner().invoke(verify_command, ["--gpu"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "CUDA" in lines[0] and "--gpu" in lines[0]


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_gpu_without_cuda_in_a_real_process() -> None:
    done = subprocess.run([sys.executable, "-m", "zoogen.cli", "verify", "--gpu"], capture_output=True,
                          text=True, cwd=REPO, check=False, timeout=300)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "CUDA" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_bad_device_and_shard_are_usage_errors() -> None:
    assert CliRunner().invoke(verify_command, ["--device", "tpu"]).exit_code == 2
    result = CliRunner().invoke(verify_command, ["--shard", "5/4"])
    assert result.exit_code == 2 and "shard" in result.output


def _cli_args(tmp_path: Path, setup: dict, zoo: Path, *extra: str) -> list[str]:
    options = setup["options"]
    return ["--zoo", str(zoo), "--data-root", str(options.data_root), "--configs-root",
            str(options.configs_root), "--results", str(options.results_dir), "--cache-dir",
            str(options.cache_dir), *extra]


def test_cli_run_with_fake_backend(setup: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "DEFAULT_BACKEND", FakeBackend())
    zoo = tiny_detector.write_tiny_zoo(tmp_path / "zoo", setup["url"], 40.0)
    result = CliRunner().invoke(verify_command, _cli_args(tmp_path, setup, zoo))
    assert result.exit_code == 0, result.output
    assert "tiny-retinanet_coco" in result.output and "passed" in result.output
    (records,) = load_records(setup["options"].results_dir).values()
    assert records[0].environment.command.startswith("zoogen verify")

    drifted = tiny_detector.write_tiny_zoo(tmp_path / "zoo2", setup["url"], 45.0)
    assert CliRunner().invoke(verify_command, _cli_args(tmp_path, setup, drifted)).exit_code == 0
    result = CliRunner().invoke(verify_command, _cli_args(tmp_path, setup, drifted, "--fail-on-drift"))
    assert result.exit_code == 1 and "drift" in result.output
    result = CliRunner().invoke(verify_command, _cli_args(tmp_path, setup, zoo, "--models", "nothing*"))
    assert result.exit_code == 2 and "no models" in result.output


def test_cli_error_exits_1(setup: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "DEFAULT_BACKEND", FakeBackend(fail="boom"))
    zoo = tiny_detector.write_tiny_zoo(tmp_path / "zoo", setup["url"], 40.0)
    result = CliRunner().invoke(verify_command, _cli_args(tmp_path, setup, zoo))
    assert result.exit_code == 1
    assert "boom" in result.output


def test_cli_merge(tmp_path: Path, setup: dict) -> None:
    options, url = setup["options"], setup["url"]
    models = [make_model(n, weights=url) for n in ("a", "b", "c")]
    for index in (1, 2):
        options.results_dir = tmp_path / f"shard{index}"
        run_verification(select_models(models, (), (index, 2)), options=options, environment=environment(),
                         device=None, backend=FakeBackend())
    result = CliRunner().invoke(verify_command, ["merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"),
                                                 "--into", str(tmp_path / "merged")])
    assert result.exit_code == 0, result.output
    assert sorted(load_records(tmp_path / "merged")) == ["a", "b", "c"]
    missing = CliRunner().invoke(verify_command, ["merge", str(tmp_path / "nope"), "--into", str(tmp_path)])
    assert missing.exit_code == 2


# --- end to end with MMDetection (slow) -------------------------------------------------------------------

@pytest.fixture
def tiny_server(tiny_checkpoint: Path) -> Iterator[CheckpointServer]:
    with CheckpointServer() as srv:
        srv.add(tiny_checkpoint.name, tiny_checkpoint.read_bytes())
        srv.checkpoint_name = tiny_checkpoint.name
        yield srv


def _tiny_args(zoo: Path, results: Path, cache: Path, tiny_coco: Path, tiny_configs_root: Path,
               *extra: str) -> list[str]:
    return ["--zoo", str(zoo), "--data-root", str(tiny_coco), "--configs-root", str(tiny_configs_root),
            "--results", str(results), "--cache-dir", str(cache), *extra]


def _many_models_zoo(zoo: Path, names: list[str]) -> Path:
    """The tiny zoo with its one model repeated under several names."""
    metafile = zoo / "tiny" / "metafile.yml"
    text = metafile.read_text(encoding="utf-8")
    head, model = text.split("Models:\n", 1)
    copies = [model.replace(f"Name: {tiny_detector.MODEL_NAME}", f"Name: {name}", 1) for name in names]
    metafile.write_text(head + "Models:\n" + "".join(copies), encoding="utf-8")
    return zoo


@pytest.mark.slow
def test_verify_reproduces_mmdetection_test_loop(tiny_zoo, tiny_server, tiny_coco, tiny_configs_root,
                                                 tiny_reference_metrics, tmp_path: Path) -> None:
    zoo = tiny_zoo(tiny_server.url(tiny_server.checkpoint_name))
    args = _tiny_args(zoo, tmp_path / "results", tmp_path / "cache", tiny_coco, tiny_configs_root)
    result = CliRunner().invoke(verify_command, args)
    assert result.exit_code == 0, result.output
    (records,) = load_records(tmp_path / "results").values()
    (record,) = records
    assert record.status == "ok" and not record.subset
    assert record.config == tiny_detector.CONFIG_REL
    (check,) = record.metrics
    assert check.verdict == "passed"
    assert check.measured == pytest.approx(100 * tiny_reference_metrics["coco/bbox_mAP"], abs=1e-6)
    assert record.speed is not None and record.speed.fps > 0
    assert record.checkpoint.sha256.startswith(tiny_server.checkpoint_name.rsplit("-", 1)[1][:8])


@pytest.mark.slow
def test_tampered_published_number_is_drift(tiny_server, tiny_coco, tiny_configs_root, tiny_box_ap,
                                            tmp_path: Path) -> None:
    zoo = tiny_detector.write_tiny_zoo(tmp_path / "zoo", tiny_server.url(tiny_server.checkpoint_name),
                                       tiny_box_ap + 5.0)
    args = _tiny_args(zoo, tmp_path / "results", tmp_path / "cache", tiny_coco, tiny_configs_root)
    result = CliRunner().invoke(verify_command, [*args, "--fail-on-drift"])
    assert result.exit_code == 1, result.output
    (records,) = load_records(tmp_path / "results").values()
    assert records[0].status == "ok" and records[0].metrics[0].verdict == "drift"


@pytest.mark.slow
def test_resume_after_kill(tiny_zoo, tiny_server, tiny_coco, tiny_configs_root, tmp_path: Path) -> None:
    names = [f"tiny_{i}" for i in range(4)]
    zoo = _many_models_zoo(tiny_zoo(tiny_server.url(tiny_server.checkpoint_name)), names)
    results = tmp_path / "results"
    args = [sys.executable, "-m", "zoogen.cli", "verify",
            *_tiny_args(zoo, results, tmp_path / "cache", tiny_coco, tiny_configs_root)]
    process = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 900
        while not list(results.glob("*/*.json")) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    finished = {p.parent.name: p.read_bytes() for p in results.glob("*/*.json")}
    assert finished, "the first run wrote no record before it was killed"
    load_records(results)  # every record on disk is whole

    args = _tiny_args(zoo, results, tmp_path / "cache", tiny_coco, tiny_configs_root)
    result = CliRunner().invoke(verify_command, [*args, "--resume"])
    assert result.exit_code == 0, result.output
    records = load_records(results)
    assert sorted(records) == names
    for name, data in finished.items():  # finished models were skipped, their records untouched
        path = results / name / f"{records[name][0].tag}.json"
        assert path.read_bytes() == data
    assert result.output.count("skipped") >= len(finished)


@pytest.mark.slow
def test_two_shards_merged_equal_one_full_run(tiny_zoo, tiny_server, tiny_coco, tiny_configs_root,
                                              tmp_path: Path) -> None:
    names = ["tiny_a", "tiny_b", "tiny_c"]
    zoo = _many_models_zoo(tiny_zoo(tiny_server.url(tiny_server.checkpoint_name)), names)
    cache = tmp_path / "cache"

    def run(results: Path, *extra: str) -> None:
        result = CliRunner().invoke(verify_command,
                                    [*_tiny_args(zoo, results, cache, tiny_coco, tiny_configs_root), *extra])
        assert result.exit_code == 0, result.output

    run(tmp_path / "full")
    run(tmp_path / "shard1", "--shard", "1/2")
    run(tmp_path / "shard2", "--shard", "2/2")
    assert sorted(load_records(tmp_path / "shard1")) == ["tiny_a", "tiny_c"]
    merged = CliRunner().invoke(verify_command, ["merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"),
                                                 "--into", str(tmp_path / "merged")])
    assert merged.exit_code == 0, merged.output

    def metrics(folder: Path) -> dict:
        return {name: [(m.metric, m.measured, m.verdict) for m in records[0].metrics]
                for name, records in load_records(folder).items()}

    assert metrics(tmp_path / "merged") == metrics(tmp_path / "full")
    assert sorted(metrics(tmp_path / "full")) == names


def test_summary_readable_at_80_columns(setup: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    long_error = "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78 GiB total capacity) " * 2
    monkeypatch.setattr(runner_module, "DEFAULT_BACKEND", FakeBackend(fail=long_error.strip()))
    zoo = _many_models_zoo(tiny_detector.write_tiny_zoo(tmp_path / "zoo", setup["url"], 40.0),
                           ["cascade-mask-rcnn_x101-64x4d_fpn_ms-3x_coco", "tiny"])
    result = CliRunner().invoke(verify_command, _cli_args(tmp_path, setup, zoo), terminal_width=80)
    assert result.exit_code == 1
    table, _, below = result.stdout.partition("└")
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    assert "cascade-mask-rcnn_x101-64x4d_fpn_ms-3x_coco" in table.replace("│", "").replace("\n", "").replace(" ", "")
    assert "CUDA" not in table  # errors are not folded into a column ...
    flat = " ".join(below.split())
    assert "tiny: evaluate failed: CUDA out of memory. Tried to allocate 2.00 GiB" in flat  # ... but listed below


@pytest.mark.slow
def test_checkpoint_detecting_nothing_is_loud_drift(tiny_checkpoint: Path, tiny_coco, tiny_configs_root,
                                                    tiny_box_ap, tmp_path: Path) -> None:
    checkpoint = torch.load(tiny_checkpoint, map_location="cpu", weights_only=True)
    checkpoint["state_dict"]["bbox_head.retina_cls.bias"].fill_(-1e4)  # no box scores above the threshold
    blind = tiny_detector.save_checkpoint(checkpoint["state_dict"], checkpoint["meta"], tmp_path / "ckpt",
                                          name="tiny-blind")
    with CheckpointServer() as server:
        server.add(blind.name, blind.read_bytes())
        zoo = tiny_detector.write_tiny_zoo(tmp_path / "zoo", server.url(blind.name), tiny_box_ap)
        args = _tiny_args(zoo, tmp_path / "results", tmp_path / "cache", tiny_coco, tiny_configs_root)
        result = CliRunner().invoke(verify_command, [*args, "--fail-on-drift"])
    assert result.exit_code == 1, result.output
    (records,) = load_records(tmp_path / "results").values()
    (record,) = records
    assert record.status == "ok"
    assert [(m.metric, m.measured, m.verdict) for m in record.metrics] == [("box AP", 0.0, "drift")]


def test_mirror_of_zoo_yml_is_used_when_the_primary_fails(setup: dict, tmp_path: Path) -> None:
    options, server = setup["options"], setup["server"]
    options.mirrors = [(f"{server.base}/gone/", f"{server.base}/files/")]

    class Notes(runner_module.Reporter):
        notes: list[str] = []

        def note(self, model, message: str) -> None:
            self.notes.append(message)

    primary = server.url(server.checkpoint_name, "gone")
    (record,) = run_verification([make_model("m", weights=primary)], options=options, environment=environment(),
                                 device=None, backend=FakeBackend(), reporter=Notes()).records
    assert record.status == "ok" and record.checkpoint.url == primary
    assert any("mirror" in note and "/files/" in note for note in Notes.notes)


class BreakingDevice:
    """Stands in for a GPU whose CUDA context a model breaks (an illegal memory access is sticky: every later
    CUDA call of the process fails); counts how often the run freed memory."""

    def __init__(self) -> None:
        self.released = 0
        self.broken = False

    def release_memory(self) -> None:
        self.released += 1

    def health_problem(self) -> str | None:
        return "CUDA error: an illegal memory access was encountered" if self.broken else None


def test_a_broken_cuda_context_stops_the_run_after_its_record(setup: dict) -> None:
    options, url = setup["options"], setup["url"]
    device = BreakingDevice()

    class Breaking(FakeBackend):
        def run(self, prepared, checkpoint, *, on_step, **kwargs) -> BackendResult:
            on_step("evaluate")
            device.broken = True
            raise StepError("evaluate", "CUDA error: an illegal memory access was encountered")

    models = [make_model(name, weights=url) for name in ("first", "second", "third")]
    summary = run_verification(models, options=options, environment=environment(), device=device,
                               backend=Breaking())
    assert [r.model for r in summary.records] == ["first"]
    assert summary.stopped and "after first failed (CUDA error: an illegal memory access" in summary.stopped
    assert "--resume" in summary.stopped
    assert set(load_records(options.results_dir)) == {"first"}  # its error record was written first
    assert device.released == 1


def test_memory_is_freed_after_every_model_and_a_healthy_device_goes_on(setup: dict) -> None:
    from zoogen.verify.device import resolve_device

    options, url = setup["options"], setup["url"]
    cpu = resolve_device(False, "cpu")
    released = []
    original = type(cpu).release_memory
    type(cpu).release_memory = lambda self: (released.append(1), original(self))[1]  # type: ignore[method-assign]
    try:
        models = [make_model(name, weights=url) for name in ("a", "b", "c")]
        summary = run_verification(models, options=options, environment=environment(), device=cpu,
                                   backend=FakeBackend(fail="out of memory"))
    finally:
        type(cpu).release_memory = original  # type: ignore[method-assign]
    assert [r.status for r in summary.records] == ["error", "error", "error"] and summary.stopped is None
    assert len(released) == 3
