"""Real but non-standard shapes load leniently with one warning each; unknown names are reported once; a zoo
names its own tasks and metrics in zoo.yml."""

from __future__ import annotations

from zoogen.meta import load_zoo

ODD = """
Collections:
  - Name: FSAF
    Code: v2.0.0
Models:
  - Name: fsaf_r50_fpn_1x_coco
    In Collection: FSAF
    Downstream: [fsaf_r50_fpn_1x_voc]
    Training Log: https://download.openmmlab.com/x/fsaf.log.json
    Pretrain: ImageNet-1k
    Results:
      - Task: Object Detection
        Dataset: COCO
        Metrics:
          box AP: "39.3 (37.9)"
      - Task: Object Detection
        Dataset: LVIS v1
        Metrics: {}
      - Task: Instance Segmentation
        Dataset: COCO
  - Name: fsaf_r101_fpn_1x_coco
    In Collection: FSAF
    Results:
      - Task: Object Detection
        Dataset: COCO
        Metrics:
          box AP: 41.8
"""


def test_odd_real_shapes_load_leniently_with_a_warning_each(make_zoo):
    loaded = load_zoo(make_zoo({"fsaf/metafile.yml": ODD}))
    assert loaded.errors == []
    first, second = loaded.zoo.models
    assert first.metric("Object Detection", "COCO", "box AP") == 39.3
    assert [(r.task, r.dataset) for r in first.results] == [("Object Detection", "COCO")]
    assert first.code is None and second.metric("Object Detection", "COCO", "box AP") == 41.8
    messages = {(d.field, d.location.line): d.message for d in loaded.warnings}
    assert "bare version" in messages[("Code", 4)]
    for key, line in (("Downstream", 8), ("Pretrain", 10)):
        assert messages[(key, line)] == f"unknown model key {key!r}; ignored"
    assert ("Training Log", 9) not in messages  # MMSegmentation's spelling of the model's Log
    assert first.log == "https://download.openmmlab.com/x/fsaf.log.json"
    assert "read as 39.3" in messages[("Metrics.box AP", 15)]
    assert messages[("Metrics", 18)].startswith("Metrics is empty")
    assert messages[("Metrics", 19)].startswith("Metrics is missing")
    assert len(loaded.warnings) == 6
    strict = load_zoo(make_zoo({"fsaf/metafile.yml": ODD}), strict=True)
    assert len(strict.errors) == 6 and strict.warnings == []


MANY_UNKNOWN = "Models:\n" + "".join(f"""
  - Name: m{i}
    Results:
      - Task: Depth Estimation
        Dataset: KITTI
        Metrics:
          AbsRel: 0.0{i + 5}
          box AP: 40.{i}
""" for i in range(4))


def test_an_unknown_task_or_metric_is_shown_and_reported_once(make_zoo):
    loaded = load_zoo(make_zoo({"depth/metafile.yml": MANY_UNKNOWN}))
    assert loaded.errors == []
    assert [d.message.split(";")[0] for d in loaded.warnings] == [
        "unknown task 'Depth Estimation' (used 4 time(s), first here)",
        "unknown metric 'AbsRel' (used 4 time(s), first here)",
    ]
    assert [d.location.line for d in loaded.warnings] == [5, 8]
    assert loaded.zoo.models[2].metric("Depth Estimation", "KITTI", "AbsRel") == 0.07  # shown under its name
    assert len(load_zoo(make_zoo({"depth/metafile.yml": MANY_UNKNOWN}), strict=True).errors) == 2


ZOO_REGISTRY = """
registry:
  tasks:
    Depth Estimation: {zh_CN: 深度估计, primary: AbsRel}
  metrics:
    AbsRel:
      title: AbsRel
      zh_CN: 绝对相对误差
      unit: number
      higher_is_better: false
      tolerance: 0.002
      tasks: [Depth Estimation]
    box AP: {zh_CN: 框 AP, tolerance: 0.5, aliases: [boxAP]}
    Depth AbsRel %:
      unit: percent
      range: [0, 50]
"""


def test_a_zoo_names_its_own_tasks_and_metrics(make_zoo):
    loaded = load_zoo(make_zoo({"depth/metafile.yml": MANY_UNKNOWN}, zoo_yml=ZOO_REGISTRY), strict=True)
    assert loaded.diagnostics == []
    registry = loaded.zoo.registry
    absrel = registry.metrics["AbsRel"]
    assert (absrel.zh_CN, absrel.unit, absrel.higher_is_better, absrel.range) == ("绝对相对误差", "number", False,
                                                                                  (None, None))
    assert registry.primary_metric("Depth Estimation") is absrel
    assert registry.tasks["Depth Estimation"].zh_CN == "深度估计"
    box = registry.metrics["box AP"]  # overridden fields change, the rest stays
    assert (box.zh_CN, box.tolerance, box.unit, box.evaluator) == ("框 AP", 0.5, "percent", "coco/bbox_mAP")
    assert registry.canonical("metrics", "boxAP") == registry.canonical("metrics", "bbox_mAP") == "box AP"
    assert registry.metrics["Depth AbsRel %"].out_of_range(60.0)  # the zoo's own range
    assert registry.translations()["AbsRel"] == "绝对相对误差"


def test_zoo_yml_fields_for_the_site_verify_and_links(make_zoo):
    zoo_yml = """
    footer: "© PaddlePaddle Authors"
    mirrors:
      - primary: https://download.openmmlab.com/
        mirror: https://mirror.example.org/openmmlab/
    links_report: reports/links.json
    """
    loaded = load_zoo(make_zoo({"depth/metafile.yml": MANY_UNKNOWN}, zoo_yml=zoo_yml))
    info = loaded.zoo.info
    assert info.footer == "© PaddlePaddle Authors"
    assert [(m.primary, m.mirror) for m in info.mirrors] == [("https://download.openmmlab.com/",
                                                              "https://mirror.example.org/openmmlab/")]
    assert info.links_report == (loaded.zoo.root / "reports" / "links.json").resolve()


def test_verify_skip_marks_a_model_not_verifiable(make_zoo):
    metafile = """
    Models:
      - Name: a
        Verify: {skip: "MMDetection 3.3 no longer ships this config"}
      - Name: b
        Verify: yes
    """
    loaded = load_zoo(make_zoo({"m/metafile.yml": metafile}))
    first, second = loaded.zoo.models
    assert first.verify_skip == "MMDetection 3.3 no longer ships this config" and second.verify_skip is None
    [warning] = loaded.warnings
    assert (warning.field, warning.location.line) == ("Verify", 6)
