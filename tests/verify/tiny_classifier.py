"""A tiny, really trained MMPretrain classifier on a synthetic ImageNet-layout dataset (tests only).

* :func:`make_tiny_imagenet` -- six classes of patterns (stripes, checks, disc, square, cross) in random
  colours, ImageNet layout (``meta/{train,val}.txt`` lines ``relative/path.JPEG <label>``, ``train/<wnid>/``,
  ``val/``).
* :func:`write_tiny_config` -- a shrunk ImageNet ResNet-18 (8 base channels, 48-px crops), no pretrained
  weights; dataset ``ImageNet`` with ``split`` as MMPretrain's ``_base_/datasets/imagenet_bs32.py`` has it;
  ``test_evaluator = dict(type='Accuracy', topk=(1, 5))``.
* :func:`train_tiny_classifier` -- trains it on the CPU with MMEngine's runner and saves the checkpoint
  as ``{meta, state_dict}`` named ``<name>_<yyyymmdd>-<sha256[:8]>.pth``.
* :func:`reference_metrics` -- what MMPretrain's own test loop (``Runner.from_cfg(cfg).test()``, i.e.
  ``tools/test.py``) reports: ``accuracy/top1``, ``accuracy/top5`` (percent).
* :func:`write_tiny_zoo` -- a zoo folder (``model-index.yml`` + ``tiny/metafile.yml``) for it.

Nothing is downloaded. The whole build (data + training + test) takes well under a minute on 2 CPU cores.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tiny_common import build, library_test_loop, train
from tiny_detector import save_checkpoint

MODEL_NAME = "tiny-resnet_in1k"
CONFIG_REL = "configs/tiny/tiny-resnet_in1k.py"
CLASSES = ("horizontal stripes", "vertical stripes", "checks", "disc", "square", "cross")
WNIDS = tuple(f"n{index:08d}" for index in range(len(CLASSES)))
TRAIN_PER_CLASS = 10
VAL_PER_CLASS = 4
EPOCHS = 40
SEED = 0
METRIC_NAMES = {"accuracy/top1": "Top 1 Accuracy", "accuracy/top5": "Top 5 Accuracy"}


# -- data ------------------------------------------------------------------------------------------


def _draw(rng: random.Random, label: int) -> Any:
    """One image of class ``label``: a pattern in a random colour on a random dark background, plus noise."""
    import cv2
    import numpy as np

    width, height = rng.randint(48, 64), rng.randint(48, 64)
    img = np.empty((height, width, 3), np.uint8)
    img[:] = [rng.randint(0, 90) for _ in range(3)]
    colour = [rng.randint(140, 255) for _ in range(3)]
    period, phase = rng.randint(6, 12), rng.randint(0, 11)
    ys, xs = np.mgrid[0:height, 0:width]
    size = rng.randint(min(width, height) // 3, min(width, height) * 2 // 3)
    cx, cy = rng.randint(size // 2 + 2, width - size // 2 - 2), rng.randint(size // 2 + 2, height - size // 2 - 2)
    if label == 0:
        img[((ys + phase) // (period // 2)) % 2 == 0] = colour
    elif label == 1:
        img[((xs + phase) // (period // 2)) % 2 == 0] = colour
    elif label == 2:
        img[(((xs + phase) // (period // 2)) + ((ys + phase) // (period // 2))) % 2 == 0] = colour
    elif label == 3:
        cv2.circle(img, (cx, cy), size // 2, colour, thickness=-1)
    elif label == 4:
        cv2.rectangle(img, (cx - size // 2, cy - size // 2), (cx + size // 2, cy + size // 2), colour, -1)
    else:
        bar = max(3, size // 4)
        cv2.rectangle(img, (cx - size // 2, cy - bar // 2), (cx + size // 2, cy + bar // 2), colour, -1)
        cv2.rectangle(img, (cx - bar // 2, cy - size // 2), (cx + bar // 2, cy + size // 2), colour, -1)
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 8, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def make_tiny_imagenet(
    root: Path, *, train: int = TRAIN_PER_CLASS, val: int = VAL_PER_CLASS, seed: int = SEED
) -> Path:
    """Write the synthetic dataset under ``root`` (ImageNet layout) and return ``root``.

    ``train`` and ``val`` count images per class (``len(CLASSES)`` classes). Training images lie in
    ``train/<wnid>/<wnid>_<n>.JPEG``, validation images in ``val/ILSVRC2012_val_<n>.JPEG``; each split's
    ``meta/<split>.txt`` lists ``<path relative to the split folder> <label>``, as MMPretrain expects.
    """
    import cv2

    rng = random.Random(seed)
    root = Path(root)
    (root / "meta").mkdir(parents=True, exist_ok=True)
    for split, per_class in (("train", train), ("val", val)):
        lines = []
        order = [label for label in range(len(CLASSES)) for _ in range(per_class)]
        if split == "val":
            rng.shuffle(order)  # ImageNet's val folder is flat and mixed
        for index, label in enumerate(order, start=1):
            if split == "train":
                relative = f"{WNIDS[label]}/{WNIDS[label]}_{index}.JPEG"
            else:
                relative = f"ILSVRC2012_val_{index:08d}.JPEG"
            path = root / split / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(path), _draw(rng, label), [cv2.IMWRITE_JPEG_QUALITY, 95])
            lines.append(f"{relative} {label}\n")
        (root / "meta" / f"{split}.txt").write_text("".join(lines), encoding="utf-8")
    return root


# -- config ----------------------------------------------------------------------------------------

_CONFIG = """\
# A tiny ImageNet-style ResNet for zoogen's tests: trained from scratch on synthetic patterns, CPU only.
default_scope = 'mmpretrain'
dataset_type = 'ImageNet'
data_root = {data_root!r}
metainfo = dict(classes={classes!r})

data_preprocessor = dict(
    num_classes={num_classes},
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet',
        depth=18,
        stem_channels=8,
        base_channels=8,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes={num_classes},
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=48, crop_ratio_range=(0.5, 1.0)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=54, edge='short'),
    dict(type='CenterCrop', crop_size=48),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=10,
    num_workers=0,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        split='train',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        split='val',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator

train_cfg = dict(by_epoch=True, max_epochs={epochs}, val_interval={epochs} + 1)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=0.005, weight_decay=0.0001))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end={epochs}, eta_min_ratio=0.05),
]
auto_scale_lr = dict(base_batch_size=10)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=-1, save_last=False),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False))
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
log_level = 'WARNING'
load_from = None
resume = False
randomness = dict(seed={seed}, deterministic=False)
"""


def write_tiny_config(configs_root: Path, data_root: Path, *, epochs: int = EPOCHS, seed: int = SEED) -> Path:
    """Write the config at ``configs_root / CONFIG_REL`` (``data_root`` baked in) and return its path."""
    path = Path(configs_root) / CONFIG_REL
    path.parent.mkdir(parents=True, exist_ok=True)
    text = _CONFIG.format(
        data_root=str(Path(data_root).resolve()),
        classes=CLASSES,
        num_classes=len(CLASSES),
        epochs=epochs,
        seed=seed,
    )
    path.write_text(text, encoding="utf-8")
    return path


# -- training --------------------------------------------------------------------------------------


def train_tiny_classifier(config: Path, work_dir: Path, checkpoint_dir: Path, device: str = "cpu") -> Path:
    """Train the tiny classifier with MMEngine's runner on ``device``; return the saved checkpoint's path."""
    import mmpretrain

    runner, state_dict = train(config, work_dir, device)
    meta = {
        "mmpretrain_version": mmpretrain.__version__,
        "epoch": int(runner.epoch),
        "iter": int(runner.iter),
        "dataset_meta": {"classes": list(CLASSES)},
        "config": Path(config).name,
    }
    return save_checkpoint(state_dict, meta, checkpoint_dir, MODEL_NAME)


def reference_metrics(
    config: Path, checkpoint: Path, data_root: Path, work_dir: Path, device: str = "cpu"
) -> dict[str, float]:
    """MMPretrain's own test loop, as ``tools/test.py`` runs it (``load_from`` = the file), on ``device``;
    keys ``accuracy/top1`` and ``accuracy/top5``, in percent."""
    from mmengine.config import Config

    cfg = Config.fromfile(str(config))
    cfg.test_dataloader.dataset.data_root = str(Path(data_root).resolve())
    return library_test_loop(cfg, checkpoint, work_dir, device)


def published_metrics(reference: Mapping[str, float]) -> dict[str, float]:
    """The metafile's ``Metrics`` for ``reference`` (MMPretrain's names, two decimals)."""
    return {METRIC_NAMES[key]: round(float(reference[key]), 2) for key in METRIC_NAMES}


# -- zoo -------------------------------------------------------------------------------------------


def write_tiny_zoo(directory: Path, weights_url: str, published: Mapping[str, float]) -> Path:
    """Write ``model-index.yml`` + ``tiny/metafile.yml`` under ``directory`` and return ``directory``.

    ``published`` maps metafile metric names to values in percent, e.g. ``{"Top 1 Accuracy": 87.5,
    "Top 5 Accuracy": 100.0}`` (see :func:`published_metrics`). The model's ``Config`` is
    :data:`CONFIG_REL` (relative to the configs root of :func:`write_tiny_config`).
    """
    directory = Path(directory)
    (directory / "tiny").mkdir(parents=True, exist_ok=True)
    (directory / "model-index.yml").write_text("Import:\n  - tiny/metafile.yml\n", encoding="utf-8")
    metrics = "".join(f"          {name}: {value:.2f}\n" for name, value in published.items())
    metafile = f"""\
Collections:
  - Name: Tiny ResNet
    Metadata:
      Training Data: ImageNet-1k
      Training Techniques:
        - AdamW
        - Weight Decay
      Training Resources: 1x CPU
      Epochs: {EPOCHS}
      Batch Size: 10
      Architecture:
        - ResNet
    Paper:
      URL: https://openaccess.thecvf.com/content_cvpr_2016/html/He_Deep_Residual_Learning_CVPR_2016_paper.html
      Title: "Deep Residual Learning for Image Recognition"
    README: configs/tiny/README.md

Models:
  - Name: {MODEL_NAME}
    Metadata:
      FLOPs: 2150000
      Parameters: 177102
    In Collection: Tiny ResNet
    Results:
      - Dataset: ImageNet-1k
        Metrics:
{metrics}        Task: Image Classification
    Weights: {weights_url}
    Config: {CONFIG_REL}
"""
    (directory / "tiny" / "metafile.yml").write_text(metafile, encoding="utf-8")
    return directory


def build_all(root: Path) -> dict[str, Any]:
    """Data, config, trained checkpoint and reference metrics under ``root``; returns their paths."""
    return build(root, "imagenet", make_tiny_imagenet,
                 "mmpretrain", write_tiny_config, train_tiny_classifier, reference_metrics)
