"""The all-models tables: one per task (per task and dataset past 25 columns), one row per model, a column per
metric of that task (per dataset and metric when there are several datasets), best-first sort direction from
the registry; names in the rendering's language."""

from __future__ import annotations

from zoogen.meta import load_zoo
from zoogen.meta.registry import load_registry
from zoogen.render import render_pages
from zoogen.render.names import Names
from zoogen.render.tables import MAX_ALL_MODELS_COLUMNS, all_models_table, all_models_tables

TWO_TASKS = """
Models:
  - Name: masked_r50_fpn_1x_coco
    Results:
      - {Task: Object Detection, Dataset: COCO, Metrics: {box AP: 38.2}}
      - {Task: Instance Segmentation, Dataset: COCO, Metrics: {mask AP: 34.7}}
      - {Task: Object Detection, Dataset: LVIS v1, Metrics: {box AP: 22.5}}
  - Name: boxes_only_r50_fpn_1x_coco
    Results:
      - {Task: Object Detection, Dataset: COCO, Metrics: {box AP: 37.4}}
"""


def _table(make_zoo, language: str = "en"):
    zoo = load_zoo(make_zoo({"m/metafile.yml": TWO_TASKS})).zoo
    names = Names.for_language(load_registry(), language)
    return all_models_table(zoo.models, names, {"m": "M"}, "methods")


def test_one_row_per_model_and_a_column_per_dataset_and_metric(make_zoo):
    table = _table(make_zoo)
    assert table.headers == ["Model", "Method", "Task", "box AP (COCO)", "mask AP (COCO)", "box AP (LVIS v1)",
                             "Download"]  # no model has a speed: no speed column
    assert len(table.rows) == 2
    masked, boxes = table.rows
    assert masked[0] == "masked\\_r50\\_fpn\\_1x\\_coco"
    assert masked[2:6] == ["Object Detection, Instance Segmentation", "38.2", "34.7", "22.5"]
    assert boxes[3:6] == ["37.4", "-", "-"]
    assert masked[1] == "{doc}`methods/m`"  # the method page's own (translated) title


def test_sort_direction_follows_the_registry(make_zoo, monkeypatch):
    table = _table(make_zoo)
    assert table.best_high == [3, 4, 5] and table.best_low == []
    lines = table.markdown().splitlines()
    # the body rows go straight to HTML (zoo-data-table); the table inside is the usual Markdown one
    assert lines[0] == "````{zoo-data-table}" and lines[-1] == "````"
    assert lines[1].startswith("{.zoo-data .zoo-sortable .zoo-best-high-3 .zoo-best-high-4")


def test_names_in_chinese(make_zoo):
    table = _table(make_zoo, "zh_CN")
    assert table.headers[:4] == ["模型", "方法", "任务", "box AP（COCO）"]
    assert table.rows[0][2] == "目标检测、实例分割"


def test_empty_report_is_one_line(make_zoo):
    pages = render_pages(load_zoo(make_zoo({"m/metafile.yml": TWO_TASKS})).zoo)
    report = [line for line in pages.pages["verification"].splitlines() if line.strip()]
    assert len(report) == 2  # the title and one line
    assert report[1].startswith("Nothing has been verified yet") and "`zoogen verify" in report[1]
    assert "|" not in pages.pages["verification"]


def test_one_table_per_task_with_its_own_metrics(make_zoo):
    zoo = load_zoo(make_zoo({"m/metafile.yml": TWO_TASKS})).zoo
    tables = all_models_tables(zoo.models, Names.for_language(load_registry(), "en"), {"m": "M"}, "methods")
    assert [(t.task, t.dataset, t.heading) for t in tables] == [
        ("Object Detection", None, "Object Detection"), ("Instance Segmentation", None, "Instance Segmentation")]
    detection, segmentation = (t.table for t in tables)
    assert detection.headers == ["Model", "Method", "box AP (COCO)", "box AP (LVIS v1)", "Download"]
    assert [row[0] for row in detection.rows] == ["masked\\_r50\\_fpn\\_1x\\_coco",
                                                  "boxes\\_only\\_r50\\_fpn\\_1x\\_coco"]
    assert segmentation.headers == ["Model", "Method", "mask AP", "Download"]  # one dataset: the metric alone
    assert segmentation.rows[0][2] == "34.7" and len(segmentation.rows) == 1


def test_a_wide_task_is_split_per_dataset(make_zoo):
    datasets = [f"Set{i}" for i in range(MAX_ALL_MODELS_COLUMNS)]
    metafile = "Models:\n" + "".join(
        f"  - Name: m{i}\n    Results:\n      - {{Task: Object Detection, Dataset: {d}, Metrics: {{box AP: {i}.5}}}}\n"
        for i, d in enumerate(datasets))
    zoo = load_zoo(make_zoo({"m/metafile.yml": metafile})).zoo
    tables = all_models_tables(zoo.models, Names.for_language(load_registry(), "en"), {"m": "M"}, "methods")
    assert len(tables) == len(datasets)
    assert all(len(t.table.headers) <= MAX_ALL_MODELS_COLUMNS for t in tables)
    assert tables[0].heading == "Object Detection on Set0" and tables[0].table.headers[2] == "box AP"
