"""Model indexes in the layouts of the OpenMMLab family (tests/meta/layouts/<library>/): unique, stable ids,
every task and metric known to the registry and resolved per task."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zoogen.meta import load_zoo
from zoogen.meta.registry import load_registry

LAYOUTS = Path(__file__).parent / "layouts"
LIBRARIES = sorted(path.name for path in LAYOUTS.iterdir() if (path / "model-index.yml").is_file())
ROOT = Path(__file__).resolve().parents[2]


def unknown_names(loaded) -> list[str]:
    return [d.message for d in loaded.diagnostics if d.message.startswith("unknown task")
            or d.message.startswith("unknown metric")]


def test_every_library_of_the_family_has_a_layout():
    assert LIBRARIES == ["mmaction2", "mmagic", "mmdetection3d", "mmocr", "mmpose", "mmpretrain", "mmrotate",
                         "mmsegmentation"]


@pytest.mark.parametrize("library", LIBRARIES)
def test_layout_loads_with_unique_ids_and_known_names(library: str):
    loaded = load_zoo(LAYOUTS / library)
    registry = load_registry()
    assert loaded.errors == []
    assert unknown_names(loaded) == []
    ids = [method.id for method in loaded.zoo.methods]
    assert len(ids) == len(set(ids)) and all(method.models for method in loaded.zoo.methods)
    for model in loaded.zoo.models:
        assert model.results, model.name
        for result in model.results:
            assert result.task in registry.tasks
            assert registry.primary_metric(result.task) is not None
            for metric, value in result.metrics.items():
                info = registry.metrics[metric]
                assert isinstance(value, float) and info.out_of_range(value) is None, (metric, value)


@pytest.mark.parametrize(("library", "ids"), [
    ("mmaction2", ["recognition/slowfast", "recognition/tsn", "detection/slowfast"]),
    ("mmpose", ["body_2d_keypoint/topdown_heatmap/coco/hrnet_coco", "body_2d_keypoint/dekr/coco/hrnet_coco",
                "face_2d_keypoint/topdown_heatmap/wflw/hrnetv2_wflw",
                "hand_2d_keypoint/topdown_heatmap/onehand10k/resnet_onehand10k"]),
    ("mmsegmentation", ["pspnet", "deeplabv3"]),  # metafile.yaml, as MMSegmentation spells it
    ("mmocr", ["textdet/dbnet", "textrecog/crnn"]),
])
def test_ids_are_the_metafile_path_without_configs(library: str, ids: list[str]):
    assert [method.id for method in load_zoo(LAYOUTS / library).zoo.methods] == ids


@pytest.mark.parametrize(("library", "task", "written", "resolved", "unit", "higher"), [
    ("mmdetection3d", "3D Object Detection", "mAP", "mAP (3D)", "percent", True),
    ("mmrotate", "Oriented Object Detection", "mAP", "mAP (rotated)", "percent", True),
    ("mmaction2", "Spatio-Temporal Action Detection", "mAP", "mAP (action)", "percent", True),
    ("mmaction2", "Action Recognition", "Top 1 Accuracy", "Top-1 Accuracy", "percent", True),
    ("mmaction2", "Action Recognition", "Mean Class Accuracy", "mean class accuracy", "percent", True),
    ("mmpose", "Body 2D Keypoint", "AP", "AP (pose)", "fraction", True),
    ("mmpose", "Face 2D Keypoint", "NME", "NME", "number", False),
    ("mmpose", "Hand 2D Keypoint", "EPE", "EPE", "pixels", False),
    ("mmpose", "Hand 2D Keypoint", "PCK@0.2", "PCK", "fraction", True),
    ("mmocr", "Text Detection", "hmean-iou", "hmean-iou", "fraction", True),
    ("mmocr", "Text Recognition", "word_acc", "word accuracy", "fraction", True),
    ("mmagic", "Unconditional Image Generation", "FID50k", "FID", "number", False),
    ("mmagic", "Image Super-Resolution", "PSNR", "PSNR", "dB", True),
    ("mmsegmentation", "Semantic Segmentation", "mIoU(ms+flip)", "mIoU (ms+flip)", "percent", True),
    ("mmpretrain", "Image Classification", "Top 5 Accuracy", "Top-5 Accuracy", "percent", True),
])
def test_metrics_are_resolved_per_task(library, task, written, resolved, unit, higher):
    models = load_zoo(LAYOUTS / library).zoo.models
    results = [r for m in models for r in m.results if r.task == task]
    assert any(resolved in r.metrics for r in results)
    assert load_registry().resolve_metric(written, task, results[0].dataset) == resolved
    info = load_registry().metrics[resolved]
    assert (info.unit, info.higher_is_better) == (unit, higher)
    assert info.zh_CN and info.title


def test_the_same_name_means_different_metrics_per_task():
    registry = load_registry()
    assert registry.resolve_metric("mAP", "Object Detection", "COCO") == "box AP"
    assert registry.resolve_metric("mAP", "Object Detection", "PASCAL VOC") == "mAP (VOC)"
    assert registry.resolve_metric("mAP", "3D Object Detection", "nuScenes") == "mAP (3D)"
    assert registry.resolve_metric("AP", "Body 2D Keypoint", "COCO") == "AP (pose)"
    assert registry.resolve_metric("AP", "Object Detection", "COCO") is None  # not a COCO box spelling
    assert registry.primary_metric("Object Detection").name == "box AP"
    assert registry.primary_metric("Instance Segmentation").name == "mask AP"
    assert registry.primary_metric("Image Classification").name == "Top-1 Accuracy"
    assert registry.primary_metric("Semantic Segmentation").name == "mIoU"


def test_ids_of_the_bundled_and_example_zoos_and_the_corpus_are_unchanged(corpus: Path):
    before = json.loads((Path(__file__).parent / "method_ids.json").read_text())
    zoos = {"zoo_meta": ROOT / "zoo_meta", "examples/mmdet_v1_rpn": ROOT / "examples" / "mmdet_v1_rpn",
            "examples/paddledetection": ROOT / "examples" / "paddledetection", "corpus": corpus}
    for name, path in zoos.items():
        assert [method.id for method in load_zoo(path).zoo.methods] == before[name], name


def test_nested_trees_and_same_named_files_never_collide(make_zoo):
    metafile = """
    Models:
      - Name: {name}
        Results:
          - {{Task: Object Detection, Dataset: COCO, Metrics: {{box AP: 40.0}}}}
    """
    zoo = make_zoo({
        "configs/a/slowfast/metafile.yml": metafile.format(name="m1"),
        "configs/b/slowfast/metafile.yml": metafile.format(name="m2"),
        "configs/a/x/coco/r50.yml": metafile.format(name="m3"),
        "configs/a/y/coco/r50.yml": metafile.format(name="m4"),
        "slowfast/metafile.yml": metafile.format(name="m5"),
        "a/slowfast/metafile.yml": metafile.format(name="m6"),  # the same id as configs/a/slowfast without configs/
    }, imports=["configs/**/*.yml", "configs/a/**/metafile.yml", "slowfast/metafile.yml", "a/slowfast/metafile.yml"])
    loaded = load_zoo(zoo)
    ids = sorted(method.id for method in loaded.zoo.methods)
    assert ids == ["a/slowfast", "a/slowfast-2", "a/x/coco/r50", "a/y/coco/r50", "b/slowfast", "slowfast"]
    assert len(loaded.zoo.models) == 6 and loaded.errors == [] and loaded.warnings == []  # read once each


def test_ids_keep_page_urls_readable(make_zoo):
    metafile = "Models:\n  - Name: {name}\n"
    zoo = make_zoo({"configs/my method/metafile.yml": metafile.format(name="m1"),
                    "configs/x#y?/metafile.yml": metafile.format(name="m2"),
                    "configs/gn+ws/metafile.yml": metafile.format(name="m3")},
                   imports=["configs/*/metafile.yml"])
    assert sorted(method.id for method in load_zoo(zoo).zoo.methods) == ["gn+ws", "my-method", "x-y"]


def test_an_id_taken_without_configs_keeps_its_prefix(make_zoo):
    metafile = "Models:\n  - Name: {name}\n"
    zoo = make_zoo({"a/metafile.yml": metafile.format(name="m1"), "configs/a/metafile.yml": metafile.format(name="m2"),
                    "a/r50.yml": metafile.format(name="m3")})
    assert [method.id for method in load_zoo(zoo).zoo.methods] == ["a", "configs/a", "a/r50"]
