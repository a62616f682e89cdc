"""Bad input: one clear message naming file, line and field; a non-zero exit; never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from zoogen.meta import load_zoo


def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zoogen.cli", "check", *args],
                          capture_output=True, text=True)


def assert_clean_failure(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


def test_yaml_syntax_error_names_file_and_line(make_zoo, good):
    zoo = make_zoo({"m/metafile.yml": "Models:\n  - Name: a\n    Config: [unclosed\n"})
    result = run_check(str(zoo))
    assert_clean_failure(result, "m/metafile.yml:4", "invalid YAML")


@pytest.mark.parametrize(
    ("change", "where", "field"),
    [
        (("Metrics:\n          box AP: 37.4", "Metrics: 37.4"), ":29", "Metrics"),
        (("In Collection: Faster R-CNN", "In Collection: Nowhere"), ":14", "In Collection"),
        (("Weights: https://download", "Weights: ftp://download"), ":31", "Weights"),
        (("Results:\n      - Task", "Results: 12\n    Unused:\n      - Task"), ":26", "Results"),
        (("Name: faster_rcnn_r50_fpn_1x_coco", "Name: [a, b]"), ":13", "Name"),
        (("Epochs: 12", "Epochs: 12\n      Training Techniques: SGD"), ":19", "Training Techniques"),
    ],
)
def test_each_problem_is_a_warning_leniently_and_an_error_strictly(make_zoo, good, change, where, field):
    old, new = change
    zoo = make_zoo({"m/metafile.yml": good.replace(old, new)})
    lenient = load_zoo(zoo)
    assert lenient.errors == [] and lenient.warnings
    result = run_check(str(zoo), "--strict")
    assert_clean_failure(result, f"m/metafile.yml{where}", f"{field}:")


def test_duplicate_names_across_files(make_zoo, good):
    zoo = make_zoo({"a/metafile.yml": good, "b/metafile.yml": good})
    loaded = load_zoo(zoo)
    assert len(loaded.zoo.models) == 1
    twice, duplicate = loaded.warnings
    assert "collection 'Faster R-CNN' is defined twice" in twice.message
    assert "duplicate model name" in duplicate.message and duplicate.location.file.parts[-2] == "b"
    assert_clean_failure(run_check(str(zoo), "--strict"), "b/metafile.yml:13", "Name:")


def test_missing_config_is_reported_when_a_configs_root_is_given(make_zoo, good, tmp_path: Path):
    configs = tmp_path / "repo"
    (configs / "configs" / "faster_rcnn").mkdir(parents=True)
    zoo = make_zoo({"m/metafile.yml": good})
    assert run_check(str(zoo), "--strict", "--configs-root", str(tmp_path)).returncode == 1
    (configs / "configs" / "faster_rcnn" / "faster_rcnn_r50_fpn_1x_coco.py").write_text("")
    assert run_check(str(zoo), "--strict", "--configs-root", str(configs)).returncode == 0
    result = run_check(str(zoo), "--strict", "--configs-root", str(tmp_path / "elsewhere"))
    assert_clean_failure(result, "m/metafile.yml:15", "Config:", "config not found")


def test_missing_index_and_unreadable_zoo_yml(tmp_path: Path, make_zoo, good):
    assert_clean_failure(run_check(str(tmp_path / "nothing")), "model index not found")
    zoo = make_zoo({"m/metafile.yml": good}, zoo_yml="title: [broken\n")
    assert_clean_failure(run_check(str(zoo)), "zoo.yml:2", "invalid YAML")


def test_the_corpus_check_never_crashes(corpus: Path):
    result = run_check(str(corpus / "model-index.yml"))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "warning" in result.stderr
    strict = run_check(str(corpus / "model-index.yml"), "--strict")
    assert_clean_failure(strict, "error:")
