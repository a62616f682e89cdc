"""The config resolver over the configs of the installed MMDetection, and the bundled zoo against them."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

from zoogen.meta import load_zoo
from zoogen.meta.configs import (
    VIA_EXACT,
    VIA_RENAMED,
    VIA_WORDS,
    RenameTable,
    load_rename_table,
    resolve_config,
)
from zoogen.render import render_pages

ROOT = Path(__file__).resolve().parents[2]
ZOO = ROOT / "zoo_meta"
RENAMES = Path(__file__).with_name("renames_2x_to_3x.tsv")


def test_bundled_zoo_passes_strict_check_against_installed_configs(configs: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "zoogen.cli", "check", "--strict", "--configs-root",
                             str(configs), str(ZOO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "config not found" not in result.stderr
    assert re.search(r"\b395 models, 0 warning\(s\)", result.stdout + result.stderr), result.stderr


def test_every_bundled_config_is_an_installed_file_as_written(configs: Path) -> None:
    models = load_zoo(ZOO).zoo.models
    assert len(models) == 395
    for model in models:
        resolved = resolve_config(configs, model.config)
        assert resolved is not None and resolved.via == VIA_EXACT, (model.name, model.config)
        assert resolved.inside_root and resolved.name == model.config


def test_site_config_links_point_at_files_of_mmdet(configs: Path) -> None:
    zoo = load_zoo(ZOO).zoo
    base = zoo.info.config_base_url
    assert base and "mmdetection" in base
    links = [link for page in render_pages(zoo).pages.values()
             for link in re.findall(r"\[config\]\(([^)\s]+)\)", page)]
    assert len(links) == len(zoo.models)
    for link in links:
        assert link.startswith(base.rstrip("/") + "/configs/"), link
        relative = unquote(link[len(base.rstrip("/") + "/configs/"):])
        assert (configs / relative).is_file(), link


# --- the resolver -----------------------------------------------------------------------------------------

def test_exact_with_and_without_configs_prefix(configs: Path) -> None:
    for written in ("configs/retinanet/retinanet_r50_fpn_1x_coco.py", "retinanet/retinanet_r50_fpn_1x_coco.py"):
        resolved = resolve_config(configs, written)
        assert resolved is not None
        assert (resolved.via, resolved.rule, resolved.inside_root) == (VIA_EXACT, None, True)
        assert resolved.path == configs / "retinanet" / "retinanet_r50_fpn_1x_coco.py"
        assert resolved.name == "configs/retinanet/retinanet_r50_fpn_1x_coco.py"
    # the folder holding ``configs/`` works as a root too
    resolved = resolve_config(configs.parent, "configs/retinanet/retinanet_r50_fpn_1x_coco.py")
    assert resolved is not None and resolved.name == "configs/retinanet/retinanet_r50_fpn_1x_coco.py"
    renamed = resolve_config(configs.parent, "configs/faster_rcnn/faster_rcnn_r50_fpn_mstrain_3x_coco.py")
    assert renamed is not None and renamed.via == VIA_RENAMED and renamed.inside_root
    assert renamed.name == "configs/faster_rcnn/faster-rcnn_r50_fpn_ms-3x_coco.py"


@pytest.mark.parametrize(("written", "expected", "via", "rule"), [
    ("configs/faster_rcnn/faster_rcnn_r50_fpn_mstrain_3x_coco.py",
     "configs/faster_rcnn/faster-rcnn_r50_fpn_ms-3x_coco.py", VIA_RENAMED, "_mstrain_ -> _ms-"),
    ("configs/mask_rcnn/mask_rcnn_r50_caffe_fpn_mstrain-poly_3x_coco.py",
     "configs/mask_rcnn/mask-rcnn_r50-caffe_fpn_ms-poly-3x_coco.py", VIA_RENAMED, "_caffe_ -> -caffe_"),
    ("configs/gcnet/mask_rcnn_r50_fpn_syncbn-backbone_r16_gcb_c3-c5_1x_coco.py",
     "configs/gcnet/mask-rcnn_r50-syncbn-gcb-r16-c3-c5_fpn_1x_coco.py", VIA_WORDS, "less optional"),
    ("configs/seesaw_loss/mask_rcnn_r50_fpn_random_seesaw_loss_mstrain_2x_lvis_v1.py",
     "configs/seesaw_loss/mask-rcnn_r50_fpn_seesaw-loss_random-ms-2x_lvis-v1.py", VIA_WORDS, "same words"),
    ("configs/dcn/faster_rcnn_r50_fpn_mdconv_c3-c5_1x_coco.py",
     "configs/dcnv2/faster-rcnn_r50-mdconv-c3-c5_fpn_1x_coco.py", VIA_WORDS, "folder dcn -> dcnv2"),
    ("configs/groie/faster_rcnn_r50_fpn_groie_1x_coco.py",  # 3.x's own spelling "faste-rcnn"
     "configs/groie/faste-rcnn_r50_fpn_groie_1x_coco.py", VIA_RENAMED, "file groie/"),
    ("configs/cornernet/cornernet_hourglass104_mstest_8x6_210e_coco.py",
     "configs/cornernet/cornernet_hourglass104_8xb6-210e-mstest_coco.py", VIA_WORDS, "same words"),
])
def test_renamed_2x_names(configs: Path, written: str, expected: str, via: str, rule: str) -> None:
    resolved = resolve_config(configs, written)
    assert resolved is not None, written
    assert (resolved.name, resolved.via) == (expected, via)
    assert resolved.rule is not None and rule in resolved.rule
    assert resolved.inside_root and resolved.path == configs / expected.removeprefix("configs/")
    assert expected in resolved.describe() and via in resolved.describe()


def test_table_maps_every_2x_name_of_the_bundled_zoo_as_mmdetection_does(configs: Path) -> None:
    """The 326 2.x names the bundled zoo had: each resolves to the 3.3 config of the same model."""
    rows = list(csv.DictReader((line for line in RENAMES.read_text().splitlines()
                                if not line.startswith("#")), delimiter="\t"))
    assert len(rows) == 326
    wrong = {}
    for row in rows:
        resolved = resolve_config(configs, row["old"])
        if resolved is None or resolved.name != row["new"] or resolved.via == VIA_EXACT:
            wrong[row["old"]] = resolved and resolved.describe()
    assert wrong == {}


@pytest.mark.parametrize("written", [
    "configs/yolo/yolov3_d53_no_such_schedule_coco.py",  # nothing like it
    "configs/no_such_folder/faster_rcnn_r50_fpn_1x_coco.py",
    "configs/cornernet/cornernet_hourglass104_mstest_210e_coco.py",  # three batch sizes fit: no guess
    "configs/faster_rcnn/../faster_rcnn/faster_rcnn_r50_fpn_mstrain_3x_coco.py",  # renames never follow ..
    "",
])
def test_not_found(configs: Path, written: str) -> None:
    assert resolve_config(configs, written) is None
    assert resolve_config(configs, written or None) is None


def test_paths_leaving_the_root_are_flagged(configs: Path, tmp_path: Path) -> None:
    escaped = resolve_config(configs, "../../__init__.py")  # mmdet/__init__.py: exists, not a config
    assert escaped is not None and escaped.via == VIA_EXACT and not escaped.inside_root
    outside = tmp_path / "x.py"
    outside.write_text("", encoding="utf-8")
    absolute = resolve_config(configs, str(outside))
    assert absolute is not None and absolute.path == outside and not absolute.inside_root
    assert resolve_config(None, str(outside)) == absolute
    assert resolve_config(None, "configs/retinanet/retinanet_r50_fpn_1x_coco.py") is None
    inside = resolve_config(configs, str(configs / "retinanet" / "retinanet_r50_fpn_1x_coco.py"))
    assert inside is not None and inside.inside_root


def test_check_and_verify_resolve_alike(configs: Path, tmp_path: Path) -> None:
    """A 2.x name passes ``zoogen check --strict --configs-root`` and verify's resolve step runs that file."""
    from zoogen.verify.runner import resolve_config as verify_resolve

    written = "configs/regnet/faster_rcnn_regnetx-400MF_fpn_mstrain_3x_coco.py"
    zoo = tmp_path / "zoo"
    (zoo / "m").mkdir(parents=True)
    (zoo / "model-index.yml").write_text("Import:\n  - m/metafile.yml\n", encoding="utf-8")
    (zoo / "m" / "metafile.yml").write_text(
        f"Models:\n  - Name: regnet_2x_name\n    Config: {written}\n    Results:\n      - Task: Object Detection\n"
        "        Dataset: COCO\n        Metrics:\n          box AP: 37.1\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "zoogen.cli", "check", "--strict", "--configs-root",
                             str(configs), str(zoo)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    path, name = verify_resolve(written, configs)
    assert name == "configs/regnet/faster-rcnn_regnetx-400MF_fpn_ms-3x_coco.py" and path.is_file()
    (zoo / "m" / "metafile.yml").write_text(
        (zoo / "m" / "metafile.yml").read_text().replace("400MF", "401MF"), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "zoogen.cli", "check", "--strict", "--configs-root",
                             str(configs), str(zoo)], capture_output=True, text=True)
    assert result.returncode == 1 and "config not found" in result.stderr and "metafile.yml:3" in result.stderr


# --- the table --------------------------------------------------------------------------------------------

def test_packaged_table_loads() -> None:
    table = load_rename_table()
    assert "faster_rcnn" in table.methods and table.folders["dcn"] == ("dcn", "dcnv2")
    assert table.rewrite_stem("faster_rcnn_r50_caffe_fpn_mstrain_3x_coco")[0] == "faster-rcnn_r50-caffe_fpn_ms-3x_coco"
    assert table.words_of("retinanet_r50_fpn_8x2_1x") == table.words_of("retinanet_r50_fpn_8xb2-1x")


@pytest.mark.parametrize("data", [
    [], {"rewrites": [{"from": "a"}]}, {"word_patterns": [{"pattern": "(", "to": ""}]}, {"folders": 3},
])
def test_malformed_table_is_one_value_error(data: object) -> None:
    with pytest.raises(ValueError, match="rename table"):
        RenameTable.from_mapping(data)  # type: ignore[arg-type]


def test_a_table_file_drives_the_fallback(configs: Path, tmp_path: Path) -> None:
    table_file = tmp_path / "renames.yml"
    table_file.write_text("rewrites:\n  - {from: my_retina, to: retinanet}\n", encoding="utf-8")
    table = load_rename_table(table_file)
    resolved = resolve_config(configs, "configs/retinanet/my_retina_r50_fpn_1x_coco.py", table=table)
    assert resolved is not None and resolved.name == "configs/retinanet/retinanet_r50_fpn_1x_coco.py"
    assert resolved.rule == "my_retina -> retinanet"
    assert resolve_config(configs, "configs/faster_rcnn/faster_rcnn_r50_fpn_mstrain_3x_coco.py",
                          table=table) is None  # this table has no word rule "mstrain" -> "ms"
