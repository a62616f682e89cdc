"""zoogen.currency: one rule for whether a record still stands for its model (issue 15 §1)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from stale_cases import CHANGES, MODELS, write_cases

from zoogen.cli import cli
from zoogen.currency import Change, currency, direction, hash_prefix, stale_records
from zoogen.meta import load_zoo
from zoogen.meta.config_chain import config_fingerprint, rooted_fingerprint
from zoogen.records import MetricCheck, Verdict, load_records, read_record, write_record
from zoogen.verify.plan import plan


def _loaded(tmp_path: Path, changed: bool = True):
    cases = write_cases(tmp_path, changed=changed)
    zoo = load_zoo(cases.zoo).zoo
    return cases, zoo, load_records(cases.results)


def test_each_change_makes_its_record_stale(tmp_path: Path) -> None:
    cases, zoo, records = _loaded(tmp_path)
    found = {m.name: currency(m, records[m.name][0], configs_root=cases.zoo) for m in zoo.models}
    assert found["same_r50"].current
    for name, kind in CHANGES.items():
        assert [c.value for c in found[name].changes] == [kind], name
    assert found["number_r50"].describe() == "number: box AP: 37.4 -> 39.0"
    assert "_base_" in found["base_r50"].describe() and "configs/m/base_r50.py" in found["base_r50"].describe()
    assert "5e6f7a8b" in found["weights_r50"].describe()
    assert found["tolerance_r50"].describe() == "tolerance: box AP: ±0.3 -> ±0.5"
    assert [s.model for s in stale_records(zoo.models, records, configs_root=cases.zoo)] == list(CHANGES)


def test_nothing_changed_means_all_current(tmp_path: Path) -> None:
    cases, zoo, records = _loaded(tmp_path, changed=False)
    assert stale_records(zoo.models, records, configs_root=cases.zoo) == []


def test_without_configs_only_the_config_name_is_compared(tmp_path: Path) -> None:
    cases, zoo, records = _loaded(tmp_path)
    found = {m.name: currency(m, records[m.name][0], configs_root=None) for m in zoo.models}
    assert found["config_r50"].current and found["base_r50"].current  # nothing to hash without the files
    record = records["config_r50"][0]
    record.inputs.config = "configs/m/other_r50.py"
    model = next(m for m in zoo.models if m.name == "config_r50")
    assert currency(model, record).changes == [Change.CONFIG]


def test_weights_hash_of_the_file_measured(tmp_path: Path) -> None:
    cases, zoo, records = _loaded(tmp_path, changed=False)
    model = next(m for m in zoo.models if m.name == "same_r50")
    record = records["same_r50"][0]
    record.checkpoint.sha256 = "ffff" + "0" * 60  # the file measured is not the one the URL's hash names
    assert currency(model, record, configs_root=cases.zoo).changes == [Change.WEIGHTS]
    assert hash_prefix("https://x/y/faster_rcnn_r50_20200130-047c8118.pth") == "047c8118"
    assert hash_prefix("https://x/y/model-20200130.pth") is None  # a date, not a hash


def test_fingerprint_independent_of_the_root_and_legacy_hash_accepted(tmp_path: Path) -> None:
    cases, zoo, records = _loaded(tmp_path, changed=False)
    copy = tmp_path / "elsewhere" / "configs"
    for source in (cases.zoo / "configs").rglob("*.py"):
        target = copy / source.relative_to(cases.zoo / "configs")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    assert config_fingerprint(copy / "m" / "same_r50.py") == config_fingerprint(cases.config("same_r50"))
    # a record of zoogen 0.2 hashed names relative to --configs-root: still current against that root
    model = next(m for m in zoo.models if m.name == "same_r50")
    record = records["same_r50"][0]
    record.inputs.config_sha256 = rooted_fingerprint(cases.config("same_r50"), cases.zoo)
    assert currency(model, record, configs_root=cases.zoo).current
    record.inputs.config_sha256 = None
    assert currency(model, record, configs_root=cases.zoo).changes == [Change.CONFIG]


def test_direction_of_old_drift_records() -> None:
    """Records of zoogen 0.2 wrote "drift" either way: the numbers tell which."""
    above = MetricCheck("Object Detection", "COCO", "box AP", 37.4, 38.2, 0.3, "drift")
    below = MetricCheck("Object Detection", "COCO", "box AP", 37.4, 36.2, 0.3, "drift")
    assert direction(above) == Verdict.BETTER and direction(below) == Verdict.DRIFT
    assert direction(MetricCheck("Object Detection", "COCO", "box AP", 37.4, 37.3, 0.3, "passed")) == Verdict.PASSED


def test_plan_uses_the_same_rule(tmp_path: Path) -> None:
    cases, zoo, records = _loaded(tmp_path)
    versions = {"zoogen": "0.2.0", "mmdet": "3.3.0", "mmcv": "2.1.0", "torch": "2.13.0"}
    entries = {e.model: e.reasons for e in plan(zoo.models, records, tag=records["same_r50"][0].tag,
                                                     configs_root=cases.zoo, versions=versions)}
    assert entries["same_r50"] == []
    assert entries["number_r50"] == ["a published number changed (box AP: 37.4 -> 39.0)"]
    assert entries["weights_r50"][0].startswith("the weights URL changed (")
    assert entries["config_r50"] == ["the config configs/m/config_r50.py changed (its content or a _base_ file)"]
    assert entries["base_r50"] == ["the config configs/m/base_r50.py changed (its content or a _base_ file)"]
    assert entries["tolerance_r50"] == ["a tolerance changed (box AP: ±0.3 -> ±0.5)"]


def test_plan_prints_one_line_per_model(tmp_path: Path) -> None:
    cases, _, records = _loaded(tmp_path)
    result = CliRunner().invoke(cli, ["verify", "plan", "--zoo", str(cases.zoo), "--results", str(cases.results),
                                      "--configs-root", str(cases.zoo), "--tag", records["same_r50"][0].tag])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(MODELS) + 1
    assert [line.split(": ", 1)[0] for line in lines[:-1]] == sorted(MODELS)
    assert f" of {len(MODELS)} model(s) need verifying on " in lines[-1]  # the last line is the summary
    assert lines[0].startswith("base_r50: the config configs/m/base_r50.py changed (its content or a _base_ file)")


def test_check_lists_stale_records_and_strict_fails(tmp_path: Path) -> None:
    cases, _, _ = _loaded(tmp_path)
    result = CliRunner().invoke(cli, ["check", str(cases.zoo), "--results", str(cases.results)])
    assert result.exit_code == 0, result.output
    assert "5 stale record(s)" in result.stdout
    assert all(f"{name}: stale record" in result.stderr for name in CHANGES)
    assert "same_r50" not in result.stderr
    strict = CliRunner().invoke(cli, ["check", str(cases.zoo), "--results", str(cases.results), "--strict"])
    assert strict.exit_code == 1 and "5 stale verification record(s)" in strict.stderr
    fresh = write_cases(tmp_path / "fresh", changed=False)
    ok = CliRunner().invoke(cli, ["check", str(fresh.zoo), "--results", str(fresh.results), "--strict"])
    assert ok.exit_code == 0 and "stale record" not in ok.output


def test_new_records_store_the_config_as_written(tmp_path: Path) -> None:
    cases, _, records = _loaded(tmp_path, changed=False)
    path = write_record(tmp_path / "again", records["same_r50"][0])
    assert read_record(path).inputs.config == "configs/m/same_r50.py"


def test_verify_summary_says_which_way() -> None:
    from rich.console import Console

    from zoogen.cli.verify import summary_table
    from zoogen.records import VerificationRecord

    checks = [MetricCheck("Object Detection", "COCO", "box AP", 37.4, 38.2, 0.3, "better"),
              MetricCheck("Instance Segmentation", "COCO", "mask AP", 34.0, 33.0, 0.3, "drift")]
    console = Console(width=200, record=True)
    console.print(summary_table([VerificationRecord(model="m", images=5, metrics=checks)], []))
    text = console.export_text()
    assert "box AP better than published (38.2 vs 37.4)" in text and "mask AP drift (below published)" in text
