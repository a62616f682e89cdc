"""zoogen.records: the record schema of architecture.md, atomic writes, loading, tags and shard merges."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zoogen.records import (
    CheckpointInfo,
    Environment,
    MemoryCheck,
    MetricCheck,
    RecordError,
    SpeedCheck,
    Status,
    Step,
    Verdict,
    VerificationRecord,
    environment_tag,
    load_records,
    merge_results,
    read_record,
    write_record,
)

DOC_KEYS = ["schema", "model", "status", "error", "step", "config", "checkpoint", "images", "subset",
            "environment", "metrics", "speed", "memory", "inputs", "timings"]
ENV_KEYS = ["tag", "device", "device_name", "driver", "cuda", "cudnn", "mmcv_cuda", "compute_capability",
            "device_memory_mb", "torch", "mmcv", "mmdet", "mmengine", "library", "library_version", "zoogen", "cpu",
            "python", "date", "zoo_commit", "command"]


def make_record(model: str = "faster_rcnn_r50_fpn_1x_coco", tag: str = "cpu-amd-epyc-torch2.13.0",
                date: str = "2026-11-24T10:00:00Z", measured: float = 37.3) -> VerificationRecord:
    return VerificationRecord(
        model=model,
        config="configs/faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py",
        checkpoint=CheckpointInfo("https://example.org/x_20200130-047c8118.pth", "047c8118" + "0" * 56),
        images=5000,
        environment=Environment(tag=tag, device="cpu", device_name="AMD EPYC", torch="2.13.0", date=date),
        metrics=[MetricCheck("Object Detection", "COCO", "box AP", 37.4, measured, 0.3, "passed")],
        speed=SpeedCheck(fps=2.1, ms_per_image=476.0, ms_std=10.0, images=2000, published_fps=21.4,
                         published_hardware="V100"),
        memory=MemoryCheck(peak_mb=1234.0, kind="cpu-rss"),
    )


def test_json_has_every_documented_key(tmp_path: Path) -> None:
    path = write_record(tmp_path, make_record())
    assert path == tmp_path / "faster_rcnn_r50_fpn_1x_coco" / "cpu-amd-epyc-torch2.13.0.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data) == DOC_KEYS
    assert list(data["environment"]) == ENV_KEYS
    assert data["schema"] == 1 and data["status"] == "ok" and data["error"] is None
    assert data["metrics"][0] == {"task": "Object Detection", "dataset": "COCO", "metric": "box AP",
                                  "published": 37.4, "measured": 37.3, "tolerance": 0.3, "verdict": "passed",
                                  "key": None}
    assert set(data["speed"]) == {"fps", "ms_per_image", "ms_std", "images", "fused", "precision", "published_fps",
                                  "published_hardware", "verdict", "batch_size", "protocol"}
    assert set(data["inputs"]) == {"config_sha256", "published", "config"}
    assert set(data["memory"]) == {"peak_mb", "kind", "published_mb", "verdict"}


def test_round_trip(tmp_path: Path) -> None:
    record = make_record()
    assert read_record(write_record(tmp_path, record)) == record
    error = VerificationRecord(model="m", status="error", step="download", error="HTTP 404",
                               environment=Environment(tag="cpu-x-torch2.13.0"))
    assert read_record(write_record(tmp_path, error)) == error


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_record(tmp_path, make_record(measured=37.3))
    original = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(RecordError, match="disk full"):
        write_record(tmp_path, make_record(measured=36.0))
    assert path.read_bytes() == original
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary file left


def test_killed_writer_leaves_old_file_whole(tmp_path: Path) -> None:
    """A writer killed before ``os.replace`` leaves only a hidden temporary file, which readers skip."""
    write_record(tmp_path, make_record())
    script = (
        "import os, sys; from pathlib import Path; sys.path.insert(0, sys.argv[2]);"
        "import zoogen.records as r;"
        "os.replace = lambda *a: os._exit(9);"
        "p = Path(sys.argv[1]) / 'faster_rcnn_r50_fpn_1x_coco' / 'cpu-amd-epyc-torch2.13.0.json';"
        "rec = r.read_record(p);"
        "rec.metrics[0].measured = 1.0; r.write_record(sys.argv[1], rec)"
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path), str(Path(__file__).parents[2])],
                          check=False)
    assert done.returncode == 9
    records = load_records(tmp_path)
    assert records["faster_rcnn_r50_fpn_1x_coco"][0].metrics[0].measured == 37.3


def test_load_records_groups_by_model(tmp_path: Path) -> None:
    write_record(tmp_path, make_record("b", "cuda-nvidia-a100-torch2.13.0-cu121"))
    write_record(tmp_path, make_record("b", "cpu-amd-epyc-torch2.13.0"))
    write_record(tmp_path, make_record("a"))
    records = load_records(tmp_path)
    assert list(records) == ["a", "b"]
    assert [r.tag for r in records["b"]] == ["cpu-amd-epyc-torch2.13.0", "cuda-nvidia-a100-torch2.13.0-cu121"]
    assert load_records(tmp_path / "missing") == {}


def test_broken_record_names_its_file(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "cpu-x-torch2.13.0.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(RecordError, match="cpu-x-torch2.13.0.json"):
        load_records(tmp_path)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    data = make_record().to_dict()
    data["schema"] = 99
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "t.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RecordError, match="newer"):
        load_records(tmp_path)


@pytest.mark.parametrize("name", ["../escape", "a/b", ".hidden", "", "x" * 300, "..", "a\\b", "nul\0"])
def test_any_model_name_gets_a_safe_record_path(tmp_path: Path, name: str) -> None:
    path = write_record(tmp_path / "results", make_record(model=name))
    assert path.parent.parent == tmp_path / "results"  # one folder inside the results folder, no escape
    assert len(path.parent.name) <= 128 and not path.parent.name.startswith(".")
    assert read_record(path).model == name
    assert load_records(tmp_path / "results")[name][0].model == name


def test_distinct_unsafe_names_never_share_a_folder(tmp_path: Path) -> None:
    paths = {write_record(tmp_path, make_record(model=name)).parent for name in ("a/b", "a_b", "a b", "a\\b")}
    assert len(paths) == 4


def test_enums_are_typed(tmp_path: Path) -> None:
    record = read_record(write_record(tmp_path, make_record()))
    assert record.status is Status.OK and record.metrics[0].verdict is Verdict.PASSED
    record.status, record.step = "error", "load"  # assignments are validated too
    assert record.status is Status.ERROR and record.step is Step.LOAD
    with pytest.raises(ValueError, match="status"):
        record.status = "fine"


@pytest.mark.parametrize(("path", "value", "field"), [
    (("metrics", 0, "measured"), "high", "metrics.0.measured"),
    (("subset",), "no", "subset"),
    (("status",), "fine", "status"),
    (("step",), "upload", "step"),
    (("metrics", 0, "verdict"), "great", "metrics.0.verdict"),
    (("images",), 1.5, "images"),
    (("speed", "fps"), [1], "speed.fps"),
])
def test_bad_value_is_one_error_naming_file_and_field(tmp_path: Path, path: tuple, value, field: str) -> None:
    data = make_record().to_dict()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    (tmp_path / "m").mkdir()
    bad = tmp_path / "m" / "t.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RecordError) as info:
        load_records(tmp_path)
    message = str(info.value)
    assert message.startswith(f"{bad}: field {field}:") and "\n" not in message


def test_deep_json_is_a_clean_error(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    deep = tmp_path / "m" / "t.json"
    deep.write_text('{"model": "m", "metrics": ' + "[" * 200_000 + "]" * 200_000 + "}", encoding="utf-8")
    with pytest.raises(RecordError, match="t.json: not valid JSON"):
        read_record(deep)


def test_merge_writes_nothing_until_every_input_is_valid(tmp_path: Path) -> None:
    good, bad, into = tmp_path / "good", tmp_path / "bad", tmp_path / "merged"
    write_record(good, make_record("a"))
    path = write_record(bad, make_record("b"))
    data = json.loads(path.read_text(encoding="utf-8"))
    data["subset"] = "no"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RecordError, match="subset"):
        merge_results([good, bad], into)
    assert not into.exists() or not any(into.rglob("*.json"))


def test_environment_tags() -> None:
    xeon = {"device": "cpu", "cpu": "Intel(R) Xeon(R) CPU @ 2.20GHz", "torch": "2.13.0+cpu"}
    assert environment_tag(xeon) == "cpu-intel-xeon-torch2.13.0"
    assert environment_tag({"device": "cpu", "cpu": "AMD EPYC 7B12 64-Core Processor", "torch": "2.13.0"}) \
        == "cpu-amd-epyc-7b12-torch2.13.0"
    assert environment_tag(Environment(device="cuda", device_name="NVIDIA A100", torch="2.13.0+cu121",
                                       cuda="12.1")) == "cuda-nvidia-a100-torch2.13.0-cu121"
    assert environment_tag({"device": "cuda:1", "device_name": "Tesla V100-SXM2-32GB", "torch": "2.13.0",
                            "cuda": "11.8"}) == "cuda-tesla-v100-sxm2-32gb-torch2.13.0-cu118"


def test_merge_is_union_and_keeps_newest(tmp_path: Path) -> None:
    one, two, into = tmp_path / "one", tmp_path / "two", tmp_path / "merged"
    write_record(one, make_record("a", date="2026-11-24T10:00:00Z", measured=37.0))
    write_record(one, make_record("b"))
    write_record(two, make_record("a", date="2026-11-25T09:00:00Z", measured=37.2))
    write_record(two, make_record("c"))
    write_record(two, make_record("c", tag="cuda-nvidia-a100-torch2.13.0-cu121"))
    merged = merge_results([one, two], into)
    assert {name: [r.tag for r in rs] for name, rs in merged.items()} == {
        "a": ["cpu-amd-epyc-torch2.13.0"],
        "b": ["cpu-amd-epyc-torch2.13.0"],
        "c": ["cpu-amd-epyc-torch2.13.0", "cuda-nvidia-a100-torch2.13.0-cu121"],
    }
    assert merged["a"][0].metrics[0].measured == 37.2
    # Older shards merged later do not win over what is already there.
    write_record(tmp_path / "old", make_record("a", date="2020-01-01T00:00:00Z", measured=1.0))
    again = merge_results([tmp_path / "old"], into)
    assert again["a"][0].metrics[0].measured == 37.2


def test_build_stops_on_a_bad_record_before_sphinx(tmp_path: Path) -> None:
    """`zoogen build` names the record file and field, and exits non-zero, without a traceback."""
    import tiny_detector
    from click.testing import CliRunner

    from zoogen.cli import cli

    zoo = tiny_detector.write_tiny_zoo(tmp_path / "zoo", "https://example.org/t_20200101-deadbeef.pth", 40.0)
    data = make_record(tiny_detector.MODEL_NAME).to_dict()
    data["metrics"][0]["measured"] = "high"
    bad = tmp_path / "results" / tiny_detector.MODEL_NAME / "cpu-x-torch2.13.0.json"
    bad.parent.mkdir(parents=True)
    bad.write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--zoo", str(zoo), "--results", str(tmp_path / "results"),
                                       "--out", str(tmp_path / "html"), "--lang", "en"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert str(bad) in result.output and "metrics.0.measured" in result.output
    assert not (tmp_path / "html").exists()


def test_enums_print_as_their_values() -> None:
    """Templates and messages show ``subset``, never ``Verdict.SUBSET``."""
    assert f"[{Verdict.SUBSET}] {Status.PARTIAL} {Step.SPEED}" == "[subset] partial speed"
    assert str(SpeedCheck().verdict) == "not-comparable" and Verdict.PASSED == "passed"
