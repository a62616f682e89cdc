"""``zoogen verify plan``, ``--stale`` and ``--estimate``: what needs verifying, why, and at what cost."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import tiny_detector
from click.testing import CliRunner
from test_runner_cli import FakeBackend, environment, hashed_checkpoint, write_coco

from zoogen.cli.verify import verify_command
from zoogen.meta.loader import load_zoo
from zoogen.records import load_records
from zoogen.verify import runner as runner_module
from zoogen.verify.plan import estimate, plan
from zoogen.verify.runner import VerifyOptions, run_verification

TAG = environment().tag
VERSIONS = {"zoogen": "0.1.0", "mmdet": "3.3.0", "mmcv": "2.1.0", "torch": "2.13.0"}


@pytest.fixture
def zoo_setup(tmp_path: Path):
    from checkpoint_server import CheckpointServer

    with CheckpointServer() as server:
        name, body = hashed_checkpoint()
        server.add(name, body)
        configs = tmp_path / "configs"
        (configs / "_base_").mkdir(parents=True)
        (configs / "_base_" / "runtime.py").write_text("log_level = 'INFO'\n", encoding="utf-8")
        (configs / "tiny").mkdir()
        (configs / "tiny" / "tiny-retinanet_coco.py").write_text("_base_ = ['../_base_/runtime.py']\n",
                                                                 encoding="utf-8")
        zoo = tiny_detector.write_tiny_zoo(tmp_path / "zoo", server.url(name), 40.0)
        metafile = zoo / "tiny" / "metafile.yml"
        text = metafile.read_text(encoding="utf-8")
        head, model = text.split("Models:\n", 1)
        copies = [model.replace(f"Name: {tiny_detector.MODEL_NAME}", f"Name: {n}", 1) for n in ("a", "b", "c")]
        metafile.write_text(head + "Models:\n" + "".join(copies), encoding="utf-8")
        options = VerifyOptions(results_dir=tmp_path / "results", data_root=write_coco(tmp_path / "coco"),
                                configs_root=configs, cache_dir=tmp_path / "cache")
        env = environment()
        for name_ in VERSIONS:
            setattr(env, name_, VERSIONS[name_])
        models = load_zoo(zoo).zoo.models
        run_verification(models, options=options, environment=env, device=None, backend=FakeBackend())
        yield {"zoo": zoo, "metafile": metafile, "configs": configs, "options": options}


def _plan(setup: dict, **kwargs):
    models = load_zoo(setup["zoo"]).zoo.models
    records = load_records(setup["options"].results_dir)
    entries = plan(models, records, tag=kwargs.pop("tag", TAG), configs_root=setup["configs"],
                   versions=kwargs.pop("versions", VERSIONS), **kwargs)
    return {e.model: e.reasons for e in entries}, entries, records


def test_up_to_date_after_a_run(zoo_setup: dict) -> None:
    reasons, _, _ = _plan(zoo_setup)
    assert reasons == {"a": [], "b": [], "c": []}


def test_each_reason(zoo_setup: dict) -> None:
    assert _plan(zoo_setup, tag="cuda-other-torch2.13.0-cu121")[0]["a"] == \
        ["no record for this environment (cuda-other-torch2.13.0-cu121)"]
    newer = dict(VERSIONS, mmdet="3.4.0", torch="2.14.0")
    assert _plan(zoo_setup, versions=newer)[0]["a"] == ["mmdet version changed (3.3.0 -> 3.4.0)",
                                                         "torch version changed (2.13.0 -> 2.14.0)"]
    record_file = next((zoo_setup["options"].results_dir / "a").glob("*.json"))
    original = record_file.read_text(encoding="utf-8")
    data = json.loads(original)
    data["environment"].update(library="mmpretrain", library_version="1.1.0")  # measured by MMPretrain's evaluator
    record_file.write_text(json.dumps(data), encoding="utf-8")
    assert _plan(zoo_setup, versions=dict(VERSIONS, mmpretrain="1.2.0"))[0]["a"] == \
        ["mmpretrain version changed (1.1.0 -> 1.2.0)"]
    assert _plan(zoo_setup, versions=dict(VERSIONS, mmpretrain="1.1.0"))[0]["a"] == []
    record_file.write_text(original, encoding="utf-8")
    later = datetime.now(timezone.utc) + timedelta(days=40)
    assert "older than --max-age" in _plan(zoo_setup, max_age=timedelta(days=30), now=later)[0]["b"][0]

    (zoo_setup["configs"] / "_base_" / "runtime.py").write_text("log_level = 'WARNING'\n", encoding="utf-8")
    changed = _plan(zoo_setup)[0]
    assert all(len(r) == 1 and "config configs/tiny/tiny-retinanet_coco.py changed" in r[0] for r in changed.values())
    (zoo_setup["configs"] / "_base_" / "runtime.py").write_text("log_level = 'INFO'\n", encoding="utf-8")

    text = zoo_setup["metafile"].read_text(encoding="utf-8")
    first_ap = text.index("box AP: ")
    text = text[:first_ap] + text[first_ap:].replace("box AP: 40.0", "box AP: 41.2", 1)  # model "a" only
    url_at = text.index("Weights: ", text.index("Name: b"))
    end = text.index("\n", url_at)
    text = text[:url_at] + text[url_at:end].replace(".pth", "-v2.pth") + text[end:]  # model "b" only
    zoo_setup["metafile"].write_text(text, encoding="utf-8")
    reasons = _plan(zoo_setup)[0]
    assert reasons["a"] == ["a published number changed (box AP: 40.0 -> 41.2)"]
    assert len(reasons["b"]) == 1 and reasons["b"][0].startswith("the weights URL changed")
    assert reasons["c"] == []


def test_error_record_is_stale(zoo_setup: dict) -> None:
    options = zoo_setup["options"]
    models = [m for m in load_zoo(zoo_setup["zoo"]).zoo.models if m.name == "c"]
    env = environment()
    for name in VERSIONS:
        setattr(env, name, VERSIONS[name])
    run_verification(models, options=options, environment=env, device=None, backend=FakeBackend(fail="boom"))
    assert _plan(zoo_setup)[0]["c"] == ["the last run ended with status error at step evaluate"]


def test_estimate_from_record_timings(zoo_setup: dict) -> None:
    reasons, entries, records = _plan(zoo_setup, tag="cuda-other-torch2.13.0-cu121")
    result = estimate(entries, records, "cuda-other-torch2.13.0-cu121")
    totals = [rs[0].timings["total"] for rs in records.values()]
    assert result.models == 3 and result.from_records == 3 and result.unknown == 0
    assert result.seconds == pytest.approx(sum(totals))
    assert "device-hours" in result.describe("x")


def test_cli_plan_json_stale_and_estimate(zoo_setup: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    options = zoo_setup["options"]
    base = ["--zoo", str(zoo_setup["zoo"]), "--results", str(options.results_dir), "--configs-root",
            str(zoo_setup["configs"])]
    result = CliRunner().invoke(verify_command, ["plan", *base, "--tag", "cpu-none-torch0", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [d["model"] for d in data] == ["a", "b", "c"]
    assert all(d["reasons"] == ["no record for this environment (cpu-none-torch0)"] for d in data)
    text = CliRunner().invoke(verify_command, ["plan", *base, "--tag", TAG, "--estimate"])
    assert text.exit_code == 0 and "a: " in text.output and "device-hours" in text.output

    # --stale through the real CLI: the environment of this machine has no record yet, then all are fresh
    monkeypatch.setattr(runner_module, "DEFAULT_BACKEND", FakeBackend())
    run = ["--zoo", str(zoo_setup["zoo"]), "--data-root", str(options.data_root), "--configs-root",
           str(zoo_setup["configs"]), "--results", str(options.results_dir), "--cache-dir", str(options.cache_dir)]
    first = CliRunner().invoke(verify_command, [*run, "--stale"])
    assert first.exit_code == 0, first.output
    assert "3 of 3 model(s) need verifying" in first.output
    again = CliRunner().invoke(verify_command, [*run, "--stale"])
    assert again.exit_code == 0 and "0 of 3" in again.output and "Nothing to verify" in again.output
    hours = CliRunner().invoke(verify_command, [*run, "--stale", "--estimate"])
    assert hours.exit_code == 0 and "0 model(s) to verify" in hours.output
