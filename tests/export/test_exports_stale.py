"""Exports tell a current re-measurement from a stale one; model-index blocks the Hub keeps apart; the Hub's
per-result files for verified results only; the schema's formats checked."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml
from stale_cases import CHANGES, write_cases

from zoogen.export.csv_tables import csv_rows
from zoogen.export.model_card import HF_TASKS, model_card
from zoogen.export.models_json import models_document
from zoogen.export.publish import export_files, schema_text
from zoogen.meta import load_zoo
from zoogen.records import load_records

# the Hub's task ids (huggingface.js tasks) zoogen may write; "region-proposal" is none of them
HUB_TASKS = {"object-detection", "zero-shot-object-detection", "image-segmentation", "image-classification",
             "image-feature-extraction", "image-to-text", "token-classification", "keypoint-detection",
             "video-classification", "unconditional-image-generation", "text-to-image", "image-to-image", "other"}


def _format_checker() -> jsonschema.FormatChecker:
    """jsonschema's checker, with a "uri" check of its own where the optional rfc3987 package is missing."""
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    if "uri" not in checker.checkers:
        checker = jsonschema.FormatChecker()

        @checker.checks("uri")
        def _uri(value: object) -> bool:
            if not isinstance(value, str):  # a format constrains strings only
                return True
            parsed = urlparse(value)
            return bool(parsed.scheme and (parsed.netloc or parsed.path))
    assert {"uri", "date-time"} <= set(checker.checkers)
    return checker


@pytest.fixture
def cases(tmp_path: Path):
    cases = write_cases(tmp_path)
    return load_zoo(cases.zoo).zoo, load_records(cases.results)


def test_models_json_says_stale_and_what_changed(cases) -> None:
    zoo, records = cases
    document = models_document(zoo, records)
    jsonschema.Draft202012Validator(json.loads(schema_text()), format_checker=_format_checker()).validate(document)
    models = {m["name"]: m for m in document["models"]}
    same = models["same_r50"]["results"][0]["metrics"][0]
    assert (same["verdict"], same["changed"]) == ("passed", [])
    for name, kind in CHANGES.items():
        metric = models[name]["results"][0]["metrics"][0]
        assert (metric["verdict"], metric["changed"]) == ("stale", [kind]), name
        assert models[name]["verifications"][0]["changed"] == [kind]
    assert models["number_r50"]["results"][0]["metrics"][0]["published"] == 39.0
    rows = {r["model"]: r for r in csv_rows(zoo, "Object Detection", "COCO", records)}
    assert rows["same_r50"]["verified"] == "passed"
    assert {rows[name]["verified"] for name in CHANGES} == {"stale"}


def test_schema_formats_reject_bad_dates_and_urls(cases) -> None:
    zoo, records = cases
    document = models_document(zoo, records)
    model = document["models"][0]
    model["weights"] = "not a url"
    model["results"][0]["metrics"][0]["date"] = "20th November"
    model["verifications"][0]["date"] = "2026-13-45T99:00:00Z"
    validator = jsonschema.Draft202012Validator(json.loads(schema_text()), format_checker=_format_checker())
    wrong = {tuple(error.absolute_path)[-1] for error in validator.iter_errors(document)}
    assert wrong == {"weights", "date"} and len(list(validator.iter_errors(document))) == 3
    schema = json.loads(schema_text())
    assert schema["$defs"]["metric"]["properties"]["date"]["format"] == "date-time"
    assert schema["$defs"]["model"]["properties"]["config_url"]["format"] == "uri"


def test_model_card_marks_stale_and_eval_results_only_verified(cases) -> None:
    zoo, records = cases
    method = zoo.methods[0]
    cards = {m.name: model_card(zoo, method, m, records[m.name]) for m in method.models}
    assert cards["same_r50"]["zoogen"]["remeasured"][0]["verdict"] == "passed"
    assert cards["number_r50"]["zoogen"]["remeasured"][0]["verdict"] == "stale"
    files = export_files(zoo, records)
    written = sorted(name for name in files if name.startswith("eval-results/"))
    assert written == ["eval-results/same_r50/zoogen.yaml"]  # current and passed only
    [entry] = yaml.safe_load(files["eval-results/same_r50/zoogen.yaml"])
    assert entry["dataset"] == {"id": "detection-datasets/coco", "task_id": "object-detection-box-ap"}
    assert entry["value"] == 37.38 and entry["date"] == "2026-11-20T08:00:00Z"
    assert entry["source"]["url"].startswith("https://") and "zoogen 0.2.0" in entry["source"]["name"]
    assert "cuda-tesla-t4-torch2.13.0-cu121" in entry["source"]["name"]
    assert "Tesla T4" in entry["notes"] and "torch 2.13.0" in entry["notes"] and "published 37.4" in entry["notes"]


def test_model_index_keeps_apart_what_the_hub_would_merge(make_zoo) -> None:
    zoo = load_zoo(make_zoo({"m/metafile.yml": """
        Models:
          - Name: panoptic_and_instance
            Config: configs/m/p.py
            Results:
              - {Task: Object Detection, Dataset: COCO, Metrics: {box AP: 40.1}}
              - {Task: Instance Segmentation, Dataset: COCO, Metrics: {mask AP: 36.0}}
              - {Task: Panoptic Segmentation, Dataset: COCO, Metrics: {PQ: 40.0}}
          - Name: rpn_r50
            Config: configs/m/rpn.py
            Results:
              - {Task: Region Proposal, Dataset: COCO, Metrics: {AR@1000: 58.0}}
        """})).zoo
    cards = {m.name: model_card(zoo, zoo.methods[0], m, []) for m in zoo.models}
    results = cards["panoptic_and_instance"]["model-index"][0]["results"]
    keys = [(r["task"]["type"], r["dataset"]["type"], r["dataset"].get("config")) for r in results]
    assert len(set(keys)) == len(keys) == 3  # the Hub groups by task type and dataset (with its config)
    assert keys[0] == ("object-detection", "coco", None)
    assert {k[2] for k in keys[1:]} == {"instance-segmentation", "panoptic-segmentation"}
    [proposal] = cards["rpn_r50"]["model-index"][0]["results"]
    assert proposal["task"] == {"type": "object-detection", "name": "Region Proposal"}
    assert set(HF_TASKS.values()) <= HUB_TASKS
