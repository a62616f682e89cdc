"""Shared fixtures: paths of the repository, the bundled zoo and the real corpus in ../shared."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpora" / "mmdetection"
SEEDS = SHARED / "seeds"
EXPORT_ZOO = ROOT / "tests" / "export" / "zoo"  # four models on one V100 protocol (plots and exports)
EXPORT_RESULTS = ROOT / "tests" / "export" / "zoo_results"  # and its one verification record


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


# Test modules that import torch (or mmcv, mmdet) when they load: left out where it is not installed, so
# `pip install -e ".[test]" && pytest -m "not slow"` runs anywhere (a login node, a pull request's fast job).
NEEDS = {
    "torch": ["verify/test_checkpoint.py", "verify/test_device.py", "verify/test_plan.py",
              "verify/test_runner_cli.py", "verify/test_timing.py", "verify/test_truthful_mmdet.py"],
}
collect_ignore = [path for package, paths in NEEDS.items() if not _importable(package) for path in paths]

# Markup and bad links in every text field a metafile can carry (must come out escaped everywhere).
HOSTILE_METAFILE = """
Collections:
  - Name: "Evil | <script>alert('c')</script>"
    Paper:
      URL: https://example.com/paper
      Title: "A *bold* [claim](javascript:alert(1)) <img src=x onerror=alert(1)>"
Models:
  - Name: "net|<script>alert('m')</script>_r50_fpn_1x_coco"
    In Collection: "Evil | <script>alert('c')</script>"
    Config: configs/evil/net_r50_fpn_1x_coco.py
    Metadata:
      Epochs: 12
      Backbone: "<b>R-50</b>"
    Results:
      - Task: Object Detection
        Dataset: COCO
        Metrics:
          box AP: 40.1
      - Task: Object Detection
        Dataset: LVIS v1
        Metrics:
          box AP: 22.5
          "<i>AP_r</i>": 9.9
    Weights: https://example.com/net_r50_fpn_1x_coco_20200101-0123abcd.pth
    Log: https://example.com/net.log.json
  - Name: plain_r101_caffe_fpn_2x_coco
    In Collection: "Evil | <script>alert('c')</script>"
    Config: configs/evil/plain_r101_caffe_fpn_2x_coco.py
    Metadata:
      Epochs: 24
    Results:
      - Task: Object Detection
        Dataset: COCO
        Metrics:
          box AP: 41.0
"""



@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpora/mmdetection is not beside the checkout")
    return CORPUS


@pytest.fixture
def hostile_metafile() -> str:
    return HOSTILE_METAFILE


@pytest.fixture
def make_zoo(tmp_path: Path):
    """Write a small zoo: ``make_zoo({"method/metafile.yml": "...yaml..."}, zoo_yml=...)`` -> its folder."""

    def make(files: dict[str, str], zoo_yml: str | None = None, imports: list[str] | None = None) -> Path:
        zoo = tmp_path / "zoo"
        zoo.mkdir(exist_ok=True)
        for name, text in files.items():
            path = zoo / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        listed = imports if imports is not None else list(files)
        (zoo / "model-index.yml").write_text("Import:\n" + "".join(f"  - \"{name}\"\n" for name in listed))
        if zoo_yml is not None:
            (zoo / "zoo.yml").write_text(textwrap.dedent(zoo_yml), encoding="utf-8")
        return zoo

    return make


@pytest.fixture(scope="session")
def tiny_zoo():
    """The small zoo of tests/export, loaded strictly."""
    from zoogen.meta import load_zoo

    return load_zoo(EXPORT_ZOO, strict=True).zoo


@pytest.fixture(scope="session")
def tiny_records():
    """The verification record of the small zoo of tests/export."""
    from zoogen.records import load_records

    return load_records(EXPORT_RESULTS)
