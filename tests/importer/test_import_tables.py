"""The importer on small hand-written tables: headers, marks, merged headers, skipped tables, reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from zoogen.cli import cli
from zoogen.importer import import_page
from zoogen.importer.convert import fps_to_ms
from zoogen.importer.markdown import read_page
from zoogen.meta import load_zoo

PAGE = """\
# Zoo

## Backbones

| Backbone | Pretrained | Download |
| --- | --- | --- |
| ResNet-50 | ImageNet | [model](https://example.com/r50.pth) |

## Speed

| Method | FPS (V100) | FPS (T4) |
| --- | --- | --- |
| Faster R-CNN | 21.4 | 9.1 |

## Mask R-CNN

| 骨干网络 | Lr schd | COCO | | Params | Notes | Download |
| --- | --- | --- | --- | --- | --- | --- |
| | | box AP | mask AP | | | |
{r50_row}
| R-101 | 2x | 40.0† | - | | | [baidu](https://pan.example.com/x) |
| X-101 | 1x | TBD | | | | [model](https://example.com/mask_x101_1x.pth) |
""".format(r50_row="| **R-50** | 1x | **38.2**<sup>1</sup> | 34.7* | 44.2 | best | "
                   "[model](https://e.org/mask_r50_1x_20200101-0123abcd.pth) \\| [log](https://e.org/m.log.json) |")


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "zoo.md"
    path.write_text(PAGE, encoding="utf-8")
    return path


def test_markdown_cells_drop_bold_and_marks_keep_links() -> None:
    table = read_page(PAGE).tables[2]
    cells = table.rows[1]
    assert (cells[0].text, cells[2].text, cells[2].marks, cells[3].text, cells[3].marks) == (
        "R-50", "38.2", ["1"], "34.7", ["*"])
    assert [link.text for link in cells[6].links] == ["model", "log"]
    assert table.row_lines[1] == 20 and table.heading == "Mask R-CNN"


def test_model_table_with_merged_header(page: Path) -> None:
    result = import_page(page)
    assert [m.collection for m in result.methods] == ["Mask R-CNN"]
    first, second, third = result.models
    assert first["Name"] == "mask_r50_1x"
    assert first["Metadata"] == {"Backbone": "R-50", "Lr schd": "1x", "Parameters": 44.2}
    assert first["Results"] == [
        {"Task": "Object Detection", "Dataset": "COCO", "Metrics": {"box AP": 38.2}},
        {"Task": "Instance Segmentation", "Dataset": "COCO", "Metrics": {"mask AP": 34.7}},
    ]
    assert first["Weights"].endswith("mask_r50_1x_20200101-0123abcd.pth") and first["Log"].endswith("m.log.json")
    assert "Weights" not in second and second["Results"][0]["Metrics"] == {"box AP": 40.0}
    assert third["Name"] == "mask_x101_1x" and third["Results"] == []
    assert result.methods[0].columns == ["backbone", "lr_schd", "metrics", "params", "download"]  # Params (M)


def test_every_unplaced_cell_and_skipped_table_is_reported(page: Path) -> None:
    result = import_page(page)
    skipped = [p.describe(page) for p in result.skipped_tables]
    assert skipped == [f"{page}:5: table under 'Backbones' skipped: not a model table (no metric column)",
                       f"{page}:11: table under 'Speed' skipped: not a model table (no metric column)"]
    reported = [p.describe(page) for p in result.problems]
    assert reported == [
        f"{page}:20: column 'Notes': 'best': column not recognised",
        f"{page}:21: column 'Download': '[baidu](https://pan.example.com/x)': link text not recognised "
        "(model, log, config...)",
        f"{page}:22: column 'COCO box AP': 'TBD': not a number",
    ]
    assert (result.placed, result.reported) == (12, 3)


def test_no_model_table_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text("# Zoo\n\n| Backbone | Top speed |\n| --- | --- |\n| R-50 | fast |\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(page), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"{page}:3: table under 'Zoo' skipped" in result.output
    assert f"zoogen: {page}: no model table found (1 table(s) skipped)" in result.output
    assert not (tmp_path / "out").exists()


def test_not_utf8_is_one_clear_error(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_bytes("| 骨架网络 |\n".encode("gbk"))
    result = CliRunner().invoke(cli, ["import", str(page), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "not UTF-8 text" in result.output and "Traceback" not in result.output


def test_cli_writes_a_loadable_zoo_and_no_temporary_files(page: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["import", str(page), "--out", str(out), "--collection", "Mask R-CNN v2"])
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "mask_r-cnn_v2/metafile.yml", "model-index.yml", "zoo.yml"]
    loaded = load_zoo(out)
    assert not loaded.errors, loaded.errors
    # no checkpoint or config for R-101: named after the collection and its metadata
    assert [m.name for m in loaded.zoo.models] == ["mask_r50_1x", "mask_r-cnn_v2_r-101_2x", "mask_x101_1x"]
    assert loaded.zoo.info.title == "Zoo"


@pytest.mark.parametrize(("fps", "text"), [(20.5, "20.5"), (456.7, "456.7"), (9.1, "9.1"), (13.9, "13.9"), (3, "3")])
def test_fps_to_ms_gives_the_page_fps_back(fps: float, text: str) -> None:
    decimals = len(text.split(".")[1]) if "." in text else 0
    assert f"{1000 / fps_to_ms(fps, text):.{decimals}f}" == text


def test_a_name_used_twice_is_renamed_and_reported(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text("## RetinaNet\n\n| Model | 推理时间(fps) | mAP |\n| --- | --- | --- |\n"
                    "| retina_r50 | 12.5 | 36.5 |\n| retina_r50 | - | 37.4 |\n", encoding="utf-8")
    result = import_page(page, hardware="T4")
    assert [m["Name"] for m in result.models] == ["retina_r50", "retina_r50_2"]
    assert [p.describe(page) for p in result.problems] == [
        f"{page}:6: model name 'retina_r50' is used twice: this one is 'retina_r50_2'"]
    assert result.models[0]["Metadata"] == {"inference time (ms/im)": [{"value": 80.0, "hardware": "T4"}]}
    assert result.models[1]["Results"][0]["Metrics"] == {"box AP": 37.4}
