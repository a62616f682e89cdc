"""A tiny, really trained MMSegmentation segmenter on a synthetic ADE20K-layout dataset (tests only).

* :func:`make_tiny_ade` -- rectangles, ellipses and triangles on plain backgrounds, ADE20K layout
  (``images/{training,validation}/*.jpg``, ``annotations/{training,validation}/*.png``). As in ADE20K,
  annotation 0 is "other" (a thin frame here), which ``reduce_zero_label`` turns into 255 (ignored);
  annotation ``k`` is ADE20K class ``k - 1``: background 1 (wall), rectangles 2 (building), ellipses 3 (sky),
  triangles 4 (floor).
* :func:`write_tiny_config` -- a shrunk FCN (ResNetV1c-18 with 8 base channels, output stride 8, FCN head
  without the auxiliary one, 150 classes as ADE20K has), no pretrained weights; dataset ``ADE20KDataset`` laid out
  as MMSegmentation's ``_base_/datasets/ade20k.py``; ``test_evaluator = dict(type='IoUMetric',
  iou_metrics=['mIoU'])``.
* :func:`train_tiny_segmenter` -- trains it on the CPU with MMEngine's runner and saves the checkpoint
  as ``{meta, state_dict}`` named ``<name>_<yyyymmdd>-<sha256[:8]>.pth``.
* :func:`reference_metrics` -- what MMSegmentation's own test loop (``Runner.from_cfg(cfg).test()``, i.e.
  ``tools/test.py``) reports: ``aAcc``, ``mIoU``, ``mAcc`` (percent).
* :func:`write_tiny_zoo` -- a zoo folder (``model-index.yml`` + ``tiny/metafile.yml``) for it.

Nothing is downloaded. The whole build (data + training + test) takes about a minute on 2 CPU cores.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tiny_common import build, library_test_loop, train
from tiny_detector import save_checkpoint

MODEL_NAME = "tiny-fcn_r18-d8_ade20k-64x64"
CONFIG_REL = "configs/tiny/tiny-fcn_r18-d8_ade20k-64x64.py"
SHAPES = ("rectangle", "ellipse", "triangle")
BACKGROUND_LABEL = 1  # ADE20K "wall" (class 0 after reduce_zero_label)
SHAPE_LABELS = {"rectangle": 2, "ellipse": 3, "triangle": 4}  # building, sky, floor
SHAPE_COLOURS = {"rectangle": (60, 60, 220), "ellipse": (60, 220, 60), "triangle": (220, 90, 60)}  # BGR
TRAIN_IMAGES = 60
VAL_IMAGES = 16
ITERS = 400
SEED = 0
METRIC_NAMES = {"mIoU": "mIoU"}


# -- data ------------------------------------------------------------------------------------------


def _draw(rng: random.Random) -> tuple[Any, Any]:
    """One image and its ADE20K-style annotation (uint8, 0 = other)."""
    import cv2
    import numpy as np

    width, height = rng.randint(64, 88), rng.randint(56, 72)
    img = np.empty((height, width, 3), np.uint8)
    img[:] = [rng.randint(0, 110) for _ in range(3)]
    ann = np.full((height, width), BACKGROUND_LABEL, np.uint8)
    for _ in range(rng.randint(1, 3)):
        shape = rng.choice(SHAPES)
        colour = [min(255, max(0, c + rng.randint(-35, 35))) for c in SHAPE_COLOURS[shape]]
        w, h = rng.randint(14, 34), rng.randint(14, 34)
        x, y = rng.randint(0, width - w - 1), rng.randint(0, height - h - 1)
        mask = np.zeros((height, width), np.uint8)
        if shape == "rectangle":
            cv2.rectangle(mask, (x, y), (x + w - 1, y + h - 1), 1, thickness=-1)
        elif shape == "ellipse":
            cv2.ellipse(mask, (x + w // 2, y + h // 2), (w // 2, h // 2), 0, 0, 360, 1, thickness=-1)
        else:
            corners = np.array([[x + rng.randint(0, w), y], [x, y + h - 1], [x + w - 1, y + h - 1]], np.int32)
            cv2.fillPoly(mask, [corners], 1)
        img[mask == 1] = colour
        ann[mask == 1] = SHAPE_LABELS[shape]
    ann[:2, :] = ann[-2:, :] = 0  # an "other" frame: ignored once reduce_zero_label maps it to 255
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 6, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8), ann


def make_tiny_ade(root: Path, *, train: int = TRAIN_IMAGES, val: int = VAL_IMAGES, seed: int = SEED) -> Path:
    """Write the synthetic dataset under ``root`` (ADEChallengeData2016 layout) and return ``root``."""
    import cv2

    rng = random.Random(seed)
    root = Path(root)
    for split, count, prefix in (("training", train, "ADE_train"), ("validation", val, "ADE_val")):
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "annotations" / split).mkdir(parents=True, exist_ok=True)
        for index in range(1, count + 1):
            img, ann = _draw(rng)
            stem = f"{prefix}_{index:08d}"
            cv2.imwrite(str(root / "images" / split / f"{stem}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
            cv2.imwrite(str(root / "annotations" / split / f"{stem}.png"), ann)
    return root


# -- config ----------------------------------------------------------------------------------------

_CONFIG = """\
# A tiny FCN for zoogen's tests: trained from scratch on synthetic shapes, CPU only.
default_scope = 'mmseg'
dataset_type = 'ADE20KDataset'
data_root = {data_root!r}
crop_size = (64, 64)
norm_cfg = dict(type='BN', requires_grad=True)

data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=crop_size)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        stem_channels=16,
        base_channels=8,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True),
    decode_head=dict(
        type='FCNHead',
        in_channels=64,
        in_index=3,
        channels=32,
        num_convs=1,
        concat_input=True,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='RandomResize', scale=(256, 64), ratio_range=(0.75, 1.25), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(256, 64), keep_ratio=True),
    # annotations load after Resize: the prediction is scaled back to the original size
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='images/training', seg_map_path='annotations/training'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='images/validation', seg_map_path='annotations/validation'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.005, weight_decay=0.0001),
    clip_grad=None)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end={iters}, by_epoch=False),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters={iters}, val_interval={iters} + 1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=-1, save_last=False),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'WARNING'
load_from = None
resume = False
randomness = dict(seed={seed}, deterministic=False)
"""


def write_tiny_config(configs_root: Path, data_root: Path, *, iters: int = ITERS, seed: int = SEED) -> Path:
    """Write the config at ``configs_root / CONFIG_REL`` (``data_root`` baked in) and return its path."""
    path = Path(configs_root) / CONFIG_REL
    path.parent.mkdir(parents=True, exist_ok=True)
    text = _CONFIG.format(data_root=str(Path(data_root).resolve()), iters=iters, seed=seed)
    path.write_text(text, encoding="utf-8")
    return path


# -- training --------------------------------------------------------------------------------------


def train_tiny_segmenter(config: Path, work_dir: Path, checkpoint_dir: Path, device: str = "cpu") -> Path:
    """Train the tiny segmenter with MMEngine's runner on ``device``; return the saved checkpoint's path."""
    import mmseg
    from mmseg.datasets import ADE20KDataset

    runner, state_dict = train(config, work_dir, device)
    meta = {
        "mmseg_version": mmseg.__version__,
        "iter": int(runner.iter),
        "dataset_meta": {
            "classes": list(ADE20KDataset.METAINFO["classes"]),
            "palette": [list(colour) for colour in ADE20KDataset.METAINFO["palette"]],
        },
        "config": Path(config).name,
    }
    return save_checkpoint(state_dict, meta, checkpoint_dir, MODEL_NAME)


def reference_metrics(
    config: Path, checkpoint: Path, data_root: Path, work_dir: Path, device: str = "cpu"
) -> dict[str, float]:
    """MMSegmentation's own test loop, as ``tools/test.py`` runs it (``load_from`` = the file), on
    ``device``; keys ``aAcc``, ``mIoU``, ``mAcc``, in percent (two decimals, as ``IoUMetric`` rounds)."""
    from mmengine.config import Config

    cfg = Config.fromfile(str(config))
    cfg.test_dataloader.dataset.data_root = str(Path(data_root).resolve())
    return library_test_loop(cfg, checkpoint, work_dir, device)


def published_metrics(reference: Mapping[str, float]) -> dict[str, float]:
    """The metafile's ``Metrics`` for ``reference`` (MMSegmentation's names, two decimals)."""
    return {METRIC_NAMES[key]: round(float(reference[key]), 2) for key in METRIC_NAMES}


# -- zoo -------------------------------------------------------------------------------------------


def write_tiny_zoo(directory: Path, weights_url: str, published: Mapping[str, float]) -> Path:
    """Write ``model-index.yml`` + ``tiny/metafile.yml`` under ``directory`` and return ``directory``.

    ``published`` maps metafile metric names to values in percent, e.g. ``{"mIoU": 71.3}`` (see
    :func:`published_metrics`; MMSegmentation also publishes ``mIoU(ms+flip)``). The file follows
    MMSegmentation's own metafiles (``Results`` one mapping, not a list), less their ``License``,
    ``Frameworks`` and ``Framework`` keys, which zoogen does not know (a warning each; an error under
    ``--strict``). The model's ``Config``
    is :data:`CONFIG_REL` (relative to the configs root of :func:`write_tiny_config`).
    """
    directory = Path(directory)
    (directory / "tiny").mkdir(parents=True, exist_ok=True)
    (directory / "model-index.yml").write_text("Import:\n- tiny/metafile.yml\n", encoding="utf-8")
    metrics = "".join(f"      {name}: {value:.2f}\n" for name, value in published.items())
    metafile = f"""\
Collections:
- Name: Tiny FCN
  Metadata:
    Training Data:
    - ADE20K
  Paper:
    Title: Fully Convolutional Networks for Semantic Segmentation
    URL: https://arxiv.org/abs/1411.4038
  README: configs/tiny/README.md
Models:
- Name: {MODEL_NAME}
  In Collection: Tiny FCN
  Results:
    Task: Semantic Segmentation
    Dataset: ADE20K
    Metrics:
{metrics}  Config: {CONFIG_REL}
  Metadata:
    Training Data: ADE20K
    Batch Size: 4
    Architecture:
    - R-18-D8
    - FCN
    Training Resources: 1x CPU
  Weights: {weights_url}
  Paper:
    Title: Fully Convolutional Networks for Semantic Segmentation
    URL: https://arxiv.org/abs/1411.4038
"""
    (directory / "tiny" / "metafile.yml").write_text(metafile, encoding="utf-8")
    return directory


def build_all(root: Path) -> dict[str, Any]:
    """Data, config, trained checkpoint and reference metrics under ``root``; returns their paths."""
    return build(root, "ade/ADEChallengeData2016", make_tiny_ade,
                 "mmseg", write_tiny_config, train_tiny_segmenter, reference_metrics)
