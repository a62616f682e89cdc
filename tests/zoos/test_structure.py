"""Issue 14 §1-3 on small zoos laid out like the family's: titles, grouping, merged models, per-task columns and
metric names, the site's Chinese name and footer, catalogs for translators only."""

from __future__ import annotations

import re

from zoogen.meta import load_zoo
from zoogen.render import render_pages
from zoogen.render.groups import method_groups
from zoogen.site.i18n import needs_translator

# MMPose's layout: <task>/<algorithm>/<dataset>/<name>.yml, the collection defined once and used elsewhere.
HRNET_COCO = """
Collections:
  - Name: HRNet
    Paper: {Title: Deep High-Resolution Representation Learning, URL: "https://arxiv.org/abs/1902.09212"}
Models:
  - Name: td-hm_hrnet-w32_coco-256x192
    In Collection: HRNet
    Metadata: {Architecture: [HRNet], Training Data: COCO}
    Results:
      - {Task: Body 2D Keypoint, Dataset: COCO, Metrics: {AP: 0.749, AR: 0.804}}
    Weights: https://example.com/hrnet_coco.pth
"""
HRNET_MPII = """
Models:
  - Name: td-hm_hrnet-w32_mpii-256x256
    In Collection: HRNet
    Metadata: {Architecture: [HRNet], Training Data: MPII}
    Results:
      - {Task: Body 2D Keypoint, Dataset: MPII, Metrics: {Mean: 0.900, Mean@0.1: 0.334}}
    Weights: https://example.com/hrnet_mpii.pth
  - Name: td-hm_hrnet-w32_coco-256x192
    In Collection: HRNet
    Results:
      - {Task: Body 2D Keypoint, Dataset: MPII, Metrics: {Mean: 0.801}}
"""
SIMPLE_COCO = """
Collections:
  - Name: SimpleBaseline2D
Models:
  - Name: td-hm_res50_coco-256x192
    In Collection: SimpleBaseline2D
    Metadata: {Architecture: [SimpleBaseline2D, ResNet]}
    Results:
      - {Task: Body 2D Keypoint, Dataset: COCO, Metrics: {AP: 0.718}}
"""
RESNEST_COCO = """
Models:
  - Name: td-hm_resnest50_coco-256x192
    In Collection: SimpleBaseline2D
    Metadata: {Architecture: [SimpleBaseline2D, ResNeSt]}
    Results:
      - {Task: Body 2D Keypoint, Dataset: COCO, Metrics: {AP: 0.720}}
"""
JHMDB = """
Models:
  - Name: td-hm_cpm_jhmdb-sub1
    In Collection: CPM
    Results:
      - {Task: Body 2D Keypoint, Dataset: JHMDB, Metrics: {Mean: 89.5, Head: 96.1}}
  - Name: td-hm_cpm_jhmdb-sub1
    In Collection: CPM
    Results:
      - {Task: Body 2D Keypoint, Dataset: JHMDB, Metrics: {Mean: 66.0, Head: 89.0}}
"""
POSE = {
    "configs/body_2d_keypoint/topdown_heatmap/coco/hrnet_coco.yml": HRNET_COCO,
    "configs/body_2d_keypoint/topdown_heatmap/mpii/hrnet_mpii.yml": HRNET_MPII,
    "configs/body_2d_keypoint/topdown_heatmap/coco/resnet_coco.yml": SIMPLE_COCO,
    "configs/body_2d_keypoint/topdown_heatmap/coco/resnest_coco.yml": RESNEST_COCO,
    "configs/body_2d_keypoint/topdown_heatmap/jhmdb/cpm_jhmdb.yml": JHMDB,
}

# MMPretrain: FLOPs and Parameters as counts, multi-label mAP on VOC2007, BLIP's two retrieval tasks.
PRETRAIN = {
    "configs/resnet/metafile.yml": """
Collections:
  - Name: ResNet
Models:
""" + "".join(f"""
  - Name: resnet{depth}_8xb32_in1k
    In Collection: ResNet
    Metadata: {{FLOPs: {flops}, Parameters: {params}, Training Data: ImageNet-1k}}
    Results:
      - {{Task: Image Classification, Dataset: ImageNet-1k, Metrics: {{Top 1 Accuracy: {top1}, Top 5 Accuracy: 90.1}}}}
    Weights: https://example.com/resnet{depth}.pth
""" for depth, flops, params, top1 in ((18, 1820000000, 11690000, 69.9), (50, 4120000000, 25560000, 76.5),
                                       (101, 7850000000, 44550000, 77.9))),
    "configs/csra/metafile.yml": """
Collections:
  - Name: CSRA
Models:
  - Name: resnet101-csra_1xb16_voc07-448px
    In Collection: CSRA
    Metadata: {FLOPs: 4120000000, Parameters: 23550000}
    Results:
      - {Task: Multi-Label Classification, Dataset: PASCAL VOC 2007, Metrics: {mAP: 94.98, CF1: 89.16}}
""",
    "configs/blip/metafile.yml": """
Collections:
  - Name: BLIP
Models:
  - Name: blip-base_3rdparty_retrieval
    In Collection: BLIP
    Metadata: {Parameters: 447486979}
    Results:
      - {Task: Image-To-Text Retrieval, Dataset: COCO, Metrics: {Recall@1: 82.52, Recall@5: 95.34}}
      - {Task: Text-To-Image Retrieval, Dataset: COCO, Metrics: {Recall@1: 64.82, Recall@5: 86.28}}
""",
}


def _header(page: str, first: str = "| Model") -> list[list[str]]:
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in page.splitlines()
            if line.startswith(first)]


def test_titles_come_from_collections_and_say_what_differs(make_zoo):
    loaded = load_zoo(make_zoo(POSE))
    titles = {method.id.rsplit("/", 1)[-1]: method.title for method in loaded.zoo.methods}
    assert titles == {
        "hrnet_coco": "HRNet", "hrnet_mpii": "HRNet (MPII)",  # the file defining the collection keeps its name
        "resnet_coco": "SimpleBaseline2D", "resnest_coco": "SimpleBaseline2D + ResNeSt",  # one dataset
        "cpm_jhmdb": "CPM",  # the collection its models are in, not the file stem
    }
    assert len(set(titles.values())) == len(titles)


def test_a_model_in_two_metafiles_is_one_model_with_both_results(make_zoo):
    loaded = load_zoo(make_zoo(POSE))
    model = next(m for m in loaded.zoo.models if m.name == "td-hm_hrnet-w32_coco-256x192")
    assert [(r.dataset, r.metrics) for r in model.results] == [("COCO", {"AP (pose)": 0.749, "AR (pose)": 0.804}),
                                                               ("MPII", {"Mean": 0.801})]
    assert len([m for m in loaded.zoo.models if m.name == model.name]) == 1
    assert not [d for d in loaded.warnings if model.name in d.message]  # new results only: nothing to report
    pages = render_pages(loaded.zoo).pages
    coco = pages["methods/body_2d_keypoint/topdown_heatmap/coco/hrnet_coco"]
    mpii = pages["methods/body_2d_keypoint/topdown_heatmap/mpii/hrnet_mpii"]
    assert "on COCO" in coco and "on MPII" not in coco  # each page shows what its own metafile gave
    assert "0.801" in mpii and "td-hm\\_hrnet-w32\\_coco-256x192" in mpii


def test_a_true_conflict_is_reported_and_both_values_are_shown(make_zoo):
    loaded = load_zoo(make_zoo(POSE))
    conflict = [d for d in loaded.warnings if "duplicate model name 'td-hm_cpm_jhmdb-sub1'" in d.message]
    assert len(conflict) == 1 and conflict[0].location.line == 7
    assert "Mean 66.0 (first: 89.5)" in conflict[0].message and "Head 89.0 (first: 96.1)" in conflict[0].message
    page = render_pages(loaded.zoo).pages["methods/body_2d_keypoint/topdown_heatmap/jhmdb/cpm_jhmdb"]
    rows = [line for line in page.splitlines() if line.startswith("| ") and "jhmdb" in line]
    assert len(rows) == 2 and "89.5" in rows[0] and "66.0" in rows[1]
    assert "another entry, cpm\\_jhmdb.yml:10" in rows[1]  # where its values are


def test_overview_and_sidebar_group_by_task_then_dataset(make_zoo):
    zoo = load_zoo(make_zoo(POSE)).zoo
    groups = method_groups(zoo)
    assert [(g.task, [d for d, _ in g.datasets]) for g in groups] == [("Body 2D Keypoint", ["COCO", "JHMDB", "MPII"])]
    index = render_pages(zoo).pages["index"]
    assert "## Body 2D Keypoint" in index and "### COCO" in index and "### MPII" in index
    captions = re.findall(r"^:caption: (.*)$", index, re.M)
    assert captions == ["Body 2D Keypoint · COCO", "Body 2D Keypoint · JHMDB", "Body 2D Keypoint · MPII"]
    chinese = render_pages(zoo).localised["zh_CN"].pages["index"]
    assert "## 人体 2D 关键点" in chinese and ":caption: 人体 2D 关键点 · COCO" in chinese


def test_every_method_table_begins_with_the_model_in_both_languages(make_zoo):
    pages = render_pages(load_zoo(make_zoo({**POSE, **PRETRAIN})).zoo)
    for rendering, model in ((pages, "Model"), (pages.localised["zh_CN"], "模型")):
        first_cells = [line.split("|")[1].strip() for docname, text in rendering.pages.items()
                       if docname.startswith("methods/")
                       for previous, line in zip(text.splitlines(), text.splitlines()[1:], strict=False)
                       if previous.startswith("{.zoo-data")]
        assert len(first_cells) == 8 and set(first_cells) == {model}


def test_classification_shows_params_and_flops_and_metrics_keep_their_task(make_zoo):
    pages = render_pages(load_zoo(make_zoo(PRETRAIN)).zoo).pages
    resnet = pages["methods/resnet"]
    assert _header(resnet)[0][:5] == ["Model", "Params (M)", "FLOPs (G)", "Top-1 Accuracy", "Top-5 Accuracy"]
    assert "| 25.56 | 4.12 | 76.5 |" in resnet  # counts in the header's units
    csra = pages["methods/csra"]
    assert "## Multi-Label Classification on PASCAL VOC 2007" in csra  # VOC2007 stays VOC2007
    assert _header(csra)[0][3:5] == ["mAP", "CF1"] and "box AP" not in csra  # multi-label mAP is not box AP
    blip = _header(pages["methods/blip"])[0]
    assert blip[2:6] == ["Recall@1 (Image-To-Text Retrieval)", "Recall@5 (Image-To-Text Retrieval)",
                         "Recall@1 (Text-To-Image Retrieval)", "Recall@5 (Text-To-Image Retrieval)"]
    models = pages["models"]
    assert "## Image-To-Text Retrieval" in models and "## Text-To-Image Retrieval" in models
    assert models.count("64.82") == 1 and models.count("82.52") == 1  # both pairs, each in its task's table


def test_plots_against_flops_where_no_speed_is_published(make_zoo):
    from zoogen.plots.data import FLOPS, overview_plots

    plots = overview_plots(load_zoo(make_zoo(PRETRAIN)).zoo)
    assert [(p.task, p.source, len(p.points)) for p in plots] == [("Image Classification", FLOPS, 3)]
    plot = plots[0]
    assert [round(plot.x(p), 2) for p in plot.points] == [1.82, 4.12, 7.85]
    assert [p.model for p in plot.front] == ["resnet18_8xb32_in1k", "resnet50_8xb32_in1k", "resnet101_8xb32_in1k"]


def test_site_name_and_footer_in_chinese(make_zoo):
    zoo = make_zoo(POSE, zoo_yml="title: mmpose Model Zoo\n")
    pages = render_pages(load_zoo(zoo).zoo)
    chinese = pages.localised["zh_CN"]
    assert (pages.title, chinese.title) == ("mmpose Model Zoo", "mmpose 模型库")
    assert chinese.pages["index"].startswith("# mmpose 模型库")
    assert pages.footer == "the zoo authors" and chinese.footer == "zoo 的作者"  # no git remote here


def test_a_translator_sees_prose_only():
    builtin = {"Body 2D Keypoint on COCO": "COCO 上的人体 2D 关键点"}
    data = {"HRNet (COCO, hrnet_coco)", "AP"}
    assert not needs_translator("Body 2D Keypoint on COCO", builtin, data)
    assert not needs_translator("HRNet (COCO, hrnet\\_coco)", builtin, data)  # a title, as Markdown writes it
    assert not needs_translator("AP", builtin, data)
    assert not needs_translator("[AE](methods/body_2d_keypoint/ae.md)", builtin, data)
    assert not needs_translator("{doc}`models` · {doc}`statistics`", builtin, data)
    assert needs_translator("Inference time is measured on one V100 with [benchmark.py][benchmark].", builtin, data)


def test_every_registry_name_has_its_chinese_and_task_columns_exist():
    from zoogen.meta.registry import load_registry

    registry = load_registry()
    missing = [name for group in (registry.tasks, registry.datasets, registry.metrics) for name, term in group.items()
               if not term.zh_CN]
    assert missing == []
    for name, task in registry.tasks.items():
        assert set(task.columns) <= set(registry.columns), name
        assert not task.columns or ("metrics" in task.columns and task.columns[0] == "name"), name
