"""The exports: models.json against its shipped schema, CSV rows, model-index cards, the command and bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from tiny_zoo import TINY_RESULTS, TINY_ZOO, zoogen  # tests/export/tiny_zoo.py

from zoogen.export import write_exports
from zoogen.export.csv_tables import csv_text
from zoogen.export.models_json import models_document
from zoogen.export.publish import export_files, schema_text


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(schema_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_models_json_validates_and_loads_back(tiny_zoo, tiny_records, tmp_path: Path):
    summary = write_exports(tiny_zoo, tmp_path / "exports", tiny_records)
    text = (tmp_path / "exports" / "models.json").read_text(encoding="utf-8")
    document = json.loads(text)
    _validator().validate(document)
    assert document == models_document(tiny_zoo, tiny_records)  # loads back to what was exported
    assert summary.files["models.json"] == len(text.encode())
    models = {m["name"]: m for m in document["models"]}
    assert len(models) == 6
    alpha = models["alpha_r50_fpn_1x_coco"]
    # collection fields inherited
    assert alpha["metadata"]["Training Resources"] == "8x V100 GPUs" and alpha["metadata"]["Architecture"] == [
        "FPN", "ResNet"]
    assert alpha["paper"] == {"title": "Alpha R-CNN", "url": "https://arxiv.org/abs/1703.06870"}
    assert alpha["config_url"] == "https://github.com/example/tiny/blob/main/configs/alpha/alpha_r50_fpn_1x_coco.py"
    assert alpha["speed"] == [{"fps": 20.0, "ms_per_image": 50.0, "hardware": "V100", "backend": "PyTorch",
                               "batch_size": 1, "precision": "FP32", "resolution": [800, 1333]}]
    # published and re-measured side by side, with verdict, hardware and date
    box, mask = (r["metrics"][0] for r in alpha["results"])
    assert (box["published"], box["measured"], box["verdict"], box["hardware"], box["date"]) == (
        37.4, 37.38, "passed", "Tesla T4", "2026-11-20T08:00:00Z")
    assert (mask["published"], mask["measured"], mask["verdict"]) == (34.7, 34.1, "drift")
    [check] = alpha["verifications"]
    assert check["speed"]["fps"] == 11.2 and check["speed"]["verdict"] == "not-comparable"
    assert check["versions"]["mmdet"] == "3.3.0"
    unverified = models["beta_r50_1x_coco"]["results"][0]["metrics"][0]
    assert unverified["measured"] is None and unverified["verdict"] is None


def test_schema_rejects_a_broken_document(tiny_zoo):
    document = models_document(tiny_zoo)
    validator = _validator()
    del document["models"][0]["name"]
    document["models"][1]["results"][0]["metrics"][0]["published"] = [37.4]
    document["models"][2]["results"][0]["metrics"][0]["verdict"] = "maybe"
    errors = list(validator.iter_errors(document))
    assert {tuple(e.absolute_path)[:2] for e in errors} == {("models", 0), ("models", 1), ("models", 2)}


def test_csv_per_task_and_dataset(tiny_zoo, tiny_records):
    files = export_files(tiny_zoo, tiny_records)
    assert {name for name in files if name.endswith(".csv")} == {
        "object-detection_coco.csv", "instance-segmentation_coco.csv", "object-detection_lvis-v1.csv"}
    rows = list(csv.DictReader(io.StringIO(csv_text(tiny_zoo, "Object Detection", "COCO", tiny_records))))
    assert [r["model"] for r in rows] == ["alpha_r50_fpn_1x_coco", "alpha_r101_fpn_1x_coco",
                                          "alpha_x101-32x4d_fpn_1x_coco", "beta_r50_1x_coco", "beta_r50_fp16_1x_coco"]
    first = rows[0]
    assert (first["box AP"], first["box AP measured"], first["memory_gb"], first["fps"], first["fps_hardware"],
            first["fps_protocol"], first["verified"], first["verified_hardware"], first["verified_date"]) == (
        "37.4", "37.38", "4.0", "20.0", "V100", "PyTorch, batch 1, FP32", "passed", "Tesla T4", "2026-11-20")
    assert first["weights"].endswith("alpha_r50_fpn_1x_coco-1a2b3c4d.pth")
    assert rows[-1]["fps_protocol"] == "PyTorch, batch 1, FP16" and rows[-1]["verified"] == ""


def test_model_cards_never_claim_huggingface_verification(tiny_zoo, tiny_records):
    files = export_files(tiny_zoo, tiny_records)
    text = files["model-index/alpha_r50_fpn_1x_coco.yml"]
    assert text.startswith("---\n") and text.endswith("---\n")
    card = yaml.safe_load(text.strip("-\n"))
    [entry] = card["model-index"]
    assert entry["name"] == "alpha_r50_fpn_1x_coco"
    detection = entry["results"][0]
    assert detection["task"] == {"type": "object-detection", "name": "Object Detection"}
    assert detection["dataset"] == {"type": "coco", "name": "COCO"}
    assert detection["metrics"] == [{"type": "box_ap", "name": "box AP", "value": 37.4}]
    assert "verified" not in json.dumps(card["model-index"])
    remeasured = card["zoogen"]["remeasured"]
    assert remeasured[0]["measured"] == 37.38 and remeasured[0]["verdict"] == "passed"
    assert card["zoogen"]["provenance"]["hardware"] == "Tesla T4"
    plain = yaml.safe_load(files["model-index/beta_r50_1x_coco.yml"].strip("-\n"))
    assert "zoogen" not in plain


def test_export_command_writes_atomically(tmp_path: Path):
    out = tmp_path / "exports"
    out.mkdir()
    (out / "stale.csv").write_text("old")
    result = zoogen("export", "--zoo", str(TINY_ZOO), "--results", str(TINY_RESULTS), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "files" in result.stdout
    assert not (out / "stale.csv").exists()  # the folder is replaced as a whole
    assert (out / "models.json").is_file() and (out / "model-index" / "alpha_r50_fpn_1x_coco.yml").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["exports"]  # no temporary folder left


@pytest.mark.parametrize("problem", ["record", "zoo"])
def test_bad_input_is_one_clear_error_and_leaves_the_output(tmp_path: Path, problem: str):
    results = tmp_path / "results"
    zoo = TINY_ZOO
    if problem == "record":
        (results / "alpha_r50_fpn_1x_coco").mkdir(parents=True)
        (results / "alpha_r50_fpn_1x_coco" / "cpu.json").write_text('{"model": "alpha_r50_fpn_1x_coco", "images": "x"}')
    else:
        zoo = tmp_path / "zoo"
        (zoo / "alpha").mkdir(parents=True)
        (zoo / "model-index.yml").write_text("Import:\n  - alpha/metafile.yml\n")
        (zoo / "alpha" / "metafile.yml").write_text("Models:\n  - Name: [a\n")
    out = tmp_path / "exports"
    out.mkdir()
    (out / "models.json").write_text("previous")
    result = zoogen("export", "--zoo", str(zoo), "--results", str(results), "--out", str(out))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    if problem == "record":
        assert "cpu.json" in result.stderr and "images" in result.stderr
    else:
        assert "metafile.yml" in result.stderr
    assert (out / "models.json").read_text() == "previous"
