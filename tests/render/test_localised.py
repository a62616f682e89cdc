"""zoogen's own words in Chinese: the second rendering and the built-in catalog made from the pair."""

from __future__ import annotations

from zoogen.meta import load_zoo
from zoogen.render import render_pages
from zoogen.site.builtin import builtin_catalog, page_messages

METAFILE = """
Collections:
  - Name: Net
    Paper: {URL: "https://example.com/paper", Title: Net paper}
Models:
  - Name: net_r50_fpn_1x_coco
    In Collection: Net
    Metadata: {Epochs: 12}
    Results:
      - {Task: Object Detection, Dataset: COCO, Metrics: {box AP: 40.1}}
      - {Task: Instance Segmentation, Dataset: COCO, Metrics: {mask AP: 36.0}}
    Weights: https://example.com/net.pth
"""


def test_a_new_zoo_gets_chinese_registry_names_and_template_texts(make_zoo):
    pages = render_pages(load_zoo(make_zoo({"net/metafile.yml": METAFILE})).zoo)
    catalog = builtin_catalog(pages, pages.localised["zh_CN"])
    method = catalog.messages["methods/net"]
    assert method["Object Detection and Instance Segmentation on COCO"] == "COCO 上的目标检测和实例分割"
    assert method["Backbone"] == "主干网络" and method["Download"] == "下载"
    assert method["Paper: [Net paper][paper]"] == "论文：[Net paper][paper]"
    models = catalog.messages["models"]
    assert models["All models"] == "所有模型" and models["Method"] == "方法"
    # one table per task, under the task's name
    assert models["Object Detection"] == "目标检测" and models["Instance Segmentation"] == "实例分割"
    assert catalog.messages["verification"]["Verification report"] == "验证报告"
    # data never becomes a message: numbers, model names and URLs are the same in both renderings
    every = {text for messages in catalog.messages.values() for text in [*messages, *messages.values()]}
    assert not any("40.1" in text or "net_r50" in text or "example.com" in text for text in every)


def test_page_messages_pairs_lines_and_cells():
    english = "# Statistics\n\n{.zoo-data}\n| Task | Models |\n| --- | --- |\n| Object Detection | 3 |\n"
    chinese = "# 统计\n\n{.zoo-data}\n| 任务 | 模型 |\n| --- | --- |\n| 目标检测 | 3 |\n"
    messages, cells = page_messages(english, chinese)
    assert messages == {"Statistics": "统计", "Task": "任务", "Models": "模型", "Object Detection": "目标检测"}
    assert cells == {"Object Detection": "目标检测"}  # header cells are translated by the catalog, not here
    assert page_messages(english, chinese + "extra line\n") == ({}, {})  # misaligned: nothing guessed
