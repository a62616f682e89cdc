"""Round trip of real model-zoo pages (seeds 003 PaddleDetection, 004 MMDetection v1 RPN).

The page's cells are read here independently of the importer (split on ``|``, URLs by a regular
expression), then compared with the imported zoo as ``zoogen.meta.load_zoo`` loads it, and with the
hand-made example zoos where both have the same checkpoint.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from zoogen.cli import cli
from zoogen.meta import load_zoo
from zoogen.meta.schema import Model

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"
PADDLE = SEEDS / "003_6dc7f000d6ed6321.txt"
RPN = SEEDS / "004_e3927474106f2875.txt"
URL = re.compile(r"\]\((https?://[^)\s]+)\)")


def page_rows(page: Path) -> tuple[list[str], list[list[str]]]:
    """Header and body cells of the page's one table, by plain splitting (no Markdown parser)."""
    lines = [line for line in page.read_text(encoding="utf-8").splitlines() if line.lstrip().startswith("|")]
    split = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]
    return split[0], split[2:]


def imported(page: Path, tmp_path: Path) -> dict[str, Model]:
    out = tmp_path / "zoo"
    result = CliRunner().invoke(cli, ["import", str(page), "--out", str(out), "--hardware", "V100"])
    assert result.exit_code == 0, result.output
    loaded = load_zoo(out, strict=True)
    assert not loaded.errors, loaded.errors
    return {model.weights or model.name: model for model in loaded.zoo.models}


def _number(cell: str) -> float | None:
    return float(cell) if re.fullmatch(r"\d+(\.\d+)?", cell) else None


def _fps(model: Model, page_cell: str) -> str | None:
    decimals = len(page_cell.split(".")[1]) if "." in page_cell else 0
    return f"{model.speed[0].fps:.{decimals}f}" if model.speed else None


def test_paddledetection_page_round_trip(tmp_path: Path) -> None:
    header, rows = page_rows(PADDLE)
    assert header[5:7] == ["Box AP", "Mask AP"]
    models = imported(PADDLE, tmp_path)
    assert len(models) == len(rows) == 7
    for row in rows:
        weights, config = URL.findall(row[7])[0], URL.findall(row[8])[0]
        model = models[weights]
        assert model.config == config
        assert model.metric("Object Detection", "COCO", "box AP") == _number(row[5])
        assert model.metric("Instance Segmentation", "COCO", "mask AP") == _number(row[6])  # None for "-"
        assert model.metadata["Backbone"] == row[0] and model.metadata["Network Type"] == row[1]
        assert model.metadata["Images per GPU"] == int(row[2]) and model.metadata["Lr schd"] == row[3]
        assert not model.speed  # "----" on the page
        assert model.name == weights.rsplit("/", 1)[1].removesuffix(".pdparams")
    example = {m.weights: m for m in load_zoo(ROOT / "examples" / "paddledetection").zoo.models}
    assert set(example) == set(models)
    for weights, mine in models.items():
        theirs = example[weights]
        assert (mine.name, mine.config) == (theirs.name, theirs.config)
        for result in theirs.results:
            for metric, value in result.metrics.items():
                assert mine.metric(result.task, result.dataset, metric) == value


def test_mmdet_v1_rpn_page_round_trip(tmp_path: Path) -> None:
    header, rows = page_rows(RPN)
    assert header == ["Backbone", "Style", "Lr schd", "Mem (GB)", "Train time (s/iter)", "Inf time (fps)", "AR1000",
                      "Download"]
    models = list(imported(RPN, tmp_path).values())
    complete = [row for row in rows if len(row) == len(header)]
    assert len(complete) == 9 and len(models) == 9  # the page's last row is cut off: reported, not imported
    for row, model in zip(complete, models, strict=True):
        assert model.metric("Region Proposal", "COCO", "AR@1000") == float(row[6])
        assert model.weights == (URL.findall(row[7]) or [None])[0]
        assert (model.metadata["Backbone"], model.metadata["Style"], model.metadata["Lr schd"]) == tuple(row[:3])
        assert model.metadata.get("Training Memory (GB)") == _number(row[3])
        assert model.metadata.get("Training Time (s/iter)") == _number(row[4])
        assert _fps(model, row[5]) == (row[5] if _number(row[5]) else None)
        assert model.speed[0].hardware == "V100" if model.speed else True
    example = {m.weights: m for m in load_zoo(ROOT / "examples" / "mmdet_v1_rpn").zoo.models if m.weights}
    mine = {m.weights: m for m in models if m.weights}
    assert set(example) == set(mine) and len(mine) == 7
    for weights, theirs in example.items():
        ours = mine[weights]
        assert ours.name == theirs.name
        assert ours.metric("Region Proposal", "COCO", "AR@1000") == theirs.metric("Object Detection", "COCO", "AR@1000")
        assert [s.ms_per_image for s in ours.speed] == [s.ms_per_image for s in theirs.speed]
        for key in ("Training Memory (GB)", "Training Time (s/iter)", "Backbone", "Style", "Lr schd"):
            assert ours.metadata.get(key) == theirs.metadata.get(key), key


def test_cells_placed_and_reported(tmp_path: Path) -> None:
    paddle = CliRunner().invoke(cli, ["import", str(PADDLE), "--out", str(tmp_path / "a")])
    assert "cells: 52 placed, 0 reported, 11 empty; 0 table(s) skipped" in paddle.output
    rpn = CliRunner().invoke(cli, ["import", str(RPN), "--out", str(tmp_path / "b"), "--report", str(tmp_path / "r")])
    assert "cells: 61 placed, 3 reported, 16 empty" in rpn.output
    report = (tmp_path / "r").read_text().splitlines()
    assert report == [f"{RPN}:51: column {c!r}: {v!r}: row has no metric value and no checkpoint: not imported"
                      for c, v in (("Backbone", "R-101-FPN"), ("Style", "pytorch"), ("Lr schd", "2x"))]


@pytest.mark.slow
def test_imported_page_builds_with_the_same_numbers_and_links(tmp_path: Path) -> None:
    from html_reader import read_page

    out = tmp_path / "zoo"
    assert CliRunner().invoke(cli, ["import", str(PADDLE), "--out", str(out)]).exit_code == 0
    site = tmp_path / "site"
    build = subprocess.run([sys.executable, "-m", "zoogen.cli", "build", "--zoo", str(out), "--lang", "en",
                            "--out", str(site)], capture_output=True, text=True, cwd=ROOT)
    assert build.returncode == 0, build.stderr
    page = read_page(site / "en" / "methods" / "faster_mask_r-cnn.html")
    table = page.tables[0]
    _, rows = page_rows(PADDLE)
    assert [r[5:7] for r in table[1:]] == [[row[5], row[6]] for row in rows]  # Box AP, Mask AP ("-" kept)
    for row in rows:
        assert URL.findall(row[7])[0] in page.links and URL.findall(row[8])[0] in page.links
