"""The tiny MMPretrain classifier and MMSegmentation segmenter fixtures: their data is laid out as the
libraries' own datasets read it, the models really learned, and their checkpoints and zoos are what
zoogen verify expects (a published checkpoint zoogen loads without ``--trust-checkpoints``)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
import tiny_classifier
import tiny_segmenter

CHECKPOINT_NAME = re.compile(r"(?P<name>.+)_(?P<date>\d{8})-(?P<sha>[0-9a-f]{8})\.pth")
CLS_CHANCE = 100 / len(tiny_classifier.CLASSES)
SEG_MIOU_FLOOR = 60.0   # measured 79.6 (400 iterations); 20.0 after 100


def _library(name: str) -> None:
    pytest.importorskip("torch")
    pytest.importorskip(name)
    pytest.importorskip("mmcv._ext")


# -- data layouts (no training) ----------------------------------------------------------------------


def test_tiny_imagenet_is_read_by_mmpretrain_imagenet(tmp_path: Path) -> None:
    _library("mmpretrain")
    from mmpretrain.datasets import ImageNet

    root = tiny_classifier.make_tiny_imagenet(tmp_path / "imagenet", train=2, val=3)
    classes = len(tiny_classifier.CLASSES)
    lines = (root / "meta" / "val.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 * classes
    for line in lines:
        relative, label = line.split(" ")
        assert (root / "val" / relative).is_file() and relative.endswith(".JPEG")
        assert 0 <= int(label) < classes
    train = ImageNet(data_root=str(root), split="train", metainfo={"classes": tiny_classifier.CLASSES})
    val = ImageNet(data_root=str(root), split="val")  # the ImageNet classes, as a shipped config has it
    assert len(train) == 2 * classes and len(val) == 3 * classes
    assert sorted(info["gt_label"] for info in train.load_data_list()) == sorted(list(range(classes)) * 2)
    assert Path(val.get_data_info(0)["img_path"]).parent == root / "val"


def test_tiny_ade_is_read_by_mmseg_ade20k(tmp_path: Path) -> None:
    _library("mmseg")
    import cv2
    import numpy as np
    from mmengine.registry import init_default_scope
    from mmseg.datasets import ADE20KDataset

    root = tiny_segmenter.make_tiny_ade(tmp_path / "ADEChallengeData2016", train=2, val=4)
    values: set[int] = set()
    for png in sorted((root / "annotations" / "validation").glob("*.png")):
        ann = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)
        assert ann.dtype == np.uint8 and ann.ndim == 2
        img = cv2.imread(str(root / "images" / "validation" / f"{png.stem}.jpg"))
        assert img.shape[:2] == ann.shape
        values |= set(np.unique(ann).tolist())
    assert values <= {0, tiny_segmenter.BACKGROUND_LABEL, *tiny_segmenter.SHAPE_LABELS.values()}
    assert 0 in values and tiny_segmenter.BACKGROUND_LABEL in values and len(values) >= 3
    init_default_scope("mmseg")
    pipeline = [{"type": "LoadAnnotations"}]
    dataset = ADE20KDataset(
        data_root=str(root),
        data_prefix={"img_path": "images/validation", "seg_map_path": "annotations/validation"},
        pipeline=pipeline,
    )
    assert len(dataset) == 4 and dataset.reduce_zero_label
    labels = set(np.unique(dataset[0]["gt_seg_map"]).tolist())
    assert 255 in labels and labels <= {255, 0, 1, 2, 3}  # "other" ignored, 1..4 -> 0..3


# -- trained fixtures --------------------------------------------------------------------------------


def _check_checkpoint(path: Path, name: str, version_key: str) -> dict[str, Any]:
    import torch

    match = CHECKPOINT_NAME.fullmatch(path.name)
    assert match and match["name"] == name
    assert hashlib.sha256(path.read_bytes()).hexdigest().startswith(match["sha"])
    loaded = torch.load(path, map_location="cpu", weights_only=True)
    assert set(loaded) == {"meta", "state_dict"}
    assert loaded["meta"][version_key]
    assert all(isinstance(value, torch.Tensor) for value in loaded["state_dict"].values())
    return loaded


def _load_into_config_model(config: Path, state_dict: dict, scope: str) -> None:
    """The checkpoint fits the config's model exactly (strict loading)."""
    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope

    init_default_scope(scope)
    model = MODELS.build(Config.fromfile(str(config)).model)
    model.load_state_dict(state_dict, strict=True)


@pytest.mark.slow
def test_tiny_classifier_learned(tiny_cls_reference_metrics: dict[str, float]) -> None:
    assert set(tiny_cls_reference_metrics) == {"accuracy/top1", "accuracy/top5"}
    assert tiny_cls_reference_metrics["accuracy/top1"] > 2.5 * CLS_CHANCE  # measured 95.8 of 100
    assert tiny_cls_reference_metrics["accuracy/top5"] >= tiny_cls_reference_metrics["accuracy/top1"]


@pytest.mark.slow
def test_tiny_classifier_checkpoint(tiny_cls_checkpoint: Path, tiny_cls_config: Path) -> None:
    from zoogen.verify.checkpoint import load_checkpoint

    loaded = _check_checkpoint(tiny_cls_checkpoint, tiny_classifier.MODEL_NAME, "mmpretrain_version")
    assert loaded["meta"]["dataset_meta"]["classes"] == list(tiny_classifier.CLASSES)
    safe = load_checkpoint(tiny_cls_checkpoint)  # weights_only + zoogen's allow-list, no trust
    assert safe["state_dict"].keys() == loaded["state_dict"].keys()
    _load_into_config_model(tiny_cls_config, safe["state_dict"], "mmpretrain")


@pytest.mark.slow
def test_tiny_segmenter_learned(tiny_seg_reference_metrics: dict[str, float]) -> None:
    assert set(tiny_seg_reference_metrics) == {"aAcc", "mIoU", "mAcc"}
    assert tiny_seg_reference_metrics["mIoU"] > SEG_MIOU_FLOOR
    assert tiny_seg_reference_metrics["aAcc"] > tiny_seg_reference_metrics["mIoU"]


@pytest.mark.slow
def test_tiny_segmenter_checkpoint(tiny_seg_checkpoint: Path, tiny_seg_config: Path) -> None:
    from zoogen.verify.checkpoint import load_checkpoint

    loaded = _check_checkpoint(tiny_seg_checkpoint, tiny_segmenter.MODEL_NAME, "mmseg_version")
    assert len(loaded["meta"]["dataset_meta"]["classes"]) == 150
    safe = load_checkpoint(tiny_seg_checkpoint)
    assert safe["state_dict"].keys() == loaded["state_dict"].keys()
    _load_into_config_model(tiny_seg_config, safe["state_dict"], "mmseg")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "task", "dataset", "metrics"),
    [
        ("cls", "Image Classification", "ImageNet-1k", {"Top 1 Accuracy", "Top 5 Accuracy"}),
        ("seg", "Semantic Segmentation", "ADE20K", {"mIoU"}),
    ],
)
def test_tiny_zoo_reads_as_published(
    kind: str, task: str, dataset: str, metrics: set[str], request: pytest.FixtureRequest
) -> None:
    from zoogen.meta.loader import load_zoo

    module = {"cls": tiny_classifier, "seg": tiny_segmenter}[kind]
    published = request.getfixturevalue(f"tiny_{kind}_published")
    configs_root = request.getfixturevalue(f"tiny_{kind}_configs_root")
    url = "http://127.0.0.1:1/tiny.pth"
    loaded = load_zoo(request.getfixturevalue(f"tiny_{kind}_zoo")(url), strict=True, configs_root=configs_root)
    assert not loaded.errors and not loaded.warnings, loaded.diagnostics
    (model,) = loaded.zoo.models
    assert (model.name, model.config, model.weights) == (module.MODEL_NAME, module.CONFIG_REL, url)
    (result,) = model.results
    assert (result.task, result.dataset) == (task, dataset)
    assert set(published) == metrics
    canonical = {loaded.zoo.registry.canonical("metrics", name) or name: value for name, value in published.items()}
    assert {name: float(value) for name, value in result.metrics.items()} == canonical  # e.g. Top-1 Accuracy
