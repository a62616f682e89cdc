"""A tiny, really trained MMDetection detector on a synthetic COCO-format dataset (tests only).

* :func:`make_tiny_coco` -- coloured rectangles and ellipses on plain backgrounds, COCO layout
  (``annotations/instances_{train,val}2017.json``, ``train2017/``, ``val2017/``).
* :func:`write_tiny_config` -- a shrunk RetinaNet (ResNet-18 with 8 base channels, 3-level FPN,
  one-conv head), no pretrained weights; loadable with ``Config.fromfile``.
* :func:`train_tiny_detector` -- trains it on the CPU with MMEngine's runner and saves the
  checkpoint as ``{meta, state_dict}`` named ``<name>_<yyyymmdd>-<sha256[:8]>.pth``.
* :func:`reference_metrics` -- what MMDetection's own test loop (``Runner.from_cfg(cfg).test()``,
  i.e. ``tools/test.py``) reports for a checkpoint.
* :func:`write_tiny_zoo` -- a zoo folder (``model-index.yml`` + ``tiny/metafile.yml``) for it.

Nothing is downloaded. Whole build (data + training) is well under two minutes on 2 CPU cores.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MODEL_NAME = "tiny-retinanet_coco"
CONFIG_REL = "configs/tiny/tiny-retinanet_coco.py"
CLASSES = ("rectangle", "ellipse")
TRAIN_IMAGES = 48
VAL_IMAGES = 16
EPOCHS = 30
SEED = 0


# -- data ------------------------------------------------------------------------------------------


def _draw_image(rng: random.Random, image_id: int, file_name: str) -> tuple[Any, dict, list[dict]]:
    import cv2
    import numpy as np

    width, height = rng.randint(72, 104), rng.randint(72, 104)
    background = [rng.randint(0, 80) for _ in range(3)]
    img = np.empty((height, width, 3), np.uint8)
    img[:] = background
    anns: list[dict] = []
    boxes: list[tuple[int, int, int, int]] = []
    for _ in range(rng.randint(1, 3)):
        for _attempt in range(20):
            w, h = rng.randint(16, 40), rng.randint(16, 40)
            x, y = rng.randint(0, width - w - 1), rng.randint(0, height - h - 1)
            if all(x + w < bx or bx + bw < x or y + h < by or by + bh < y for bx, by, bw, bh in boxes):
                break
        else:
            continue
        boxes.append((x, y, w, h))
        category = rng.randint(1, len(CLASSES))
        colour = [rng.randint(140, 255) for _ in range(3)]
        if category == 1:
            cv2.rectangle(img, (x, y), (x + w - 1, y + h - 1), colour, thickness=-1)
        else:
            cv2.ellipse(img, (x + w // 2, y + h // 2), (w // 2, h // 2), 0, 0, 360, colour, thickness=-1)
        anns.append(
            {
                "image_id": image_id,
                "category_id": category,
                "bbox": [float(x), float(y), float(w), float(h)],
                "area": float(w * h),
                "iscrowd": 0,
                "segmentation": [[x, y, x + w, y, x + w, y + h, x, y + h]],
            }
        )
    info = {"id": image_id, "file_name": file_name, "width": width, "height": height}
    return img, info, anns


def make_tiny_coco(root: Path, *, train: int = TRAIN_IMAGES, val: int = VAL_IMAGES, seed: int = SEED) -> Path:
    """Write the synthetic dataset under ``root`` (COCO 2017 layout) and return ``root``."""
    import cv2

    rng = random.Random(seed)
    root = Path(root)
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    categories = [{"id": i + 1, "name": name, "supercategory": "shape"} for i, name in enumerate(CLASSES)]
    ann_id = 1
    for split, count, first_id in (("train2017", train, 1), ("val2017", val, 100001)):
        (root / split).mkdir(exist_ok=True)
        images, annotations = [], []
        for i in range(count):
            image_id = first_id + i
            ext = "png" if i % 4 == 3 else "jpg"
            file_name = f"{image_id:012d}.{ext}"
            img, info, anns = _draw_image(rng, image_id, file_name)
            params = [cv2.IMWRITE_JPEG_QUALITY, 95] if ext == "jpg" else []
            cv2.imwrite(str(root / split / file_name), img, params)
            images.append(info)
            for ann in anns:
                ann["id"] = ann_id
                ann_id += 1
                annotations.append(ann)
        doc = {"images": images, "annotations": annotations, "categories": categories}
        (root / "annotations" / f"instances_{split}.json").write_text(json.dumps(doc), encoding="utf-8")
    return root


# -- config ----------------------------------------------------------------------------------------

_CONFIG = """\
# A tiny RetinaNet for zoogen's tests: trained from scratch on synthetic shapes, CPU only.
default_scope = 'mmdet'
data_root = {data_root!r}
dataset_type = 'CocoDataset'
metainfo = dict(classes={classes!r})
backend_args = None
image_size = (96, 96)

model = dict(
    type='RetinaNet',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        type='ResNet',
        depth=18,
        base_channels=8,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        init_cfg=None),
    neck=dict(
        type='FPN',
        in_channels=[8, 16, 32, 64],
        out_channels=32,
        start_level=1,
        add_extra_convs='on_input',
        num_outs=3),
    bbox_head=dict(
        type='RetinaHead',
        num_classes={num_classes},
        in_channels=32,
        stacked_convs=1,
        feat_channels=32,
        anchor_generator=dict(
            type='AnchorGenerator',
            octave_base_scale=2,
            scales_per_octave=2,
            ratios=[0.5, 1.0, 2.0],
            strides=[8, 16, 32]),
        bbox_coder=dict(
            type='DeltaXYWHBBoxCoder',
            target_means=[.0, .0, .0, .0],
            target_stds=[1.0, 1.0, 1.0, 1.0]),
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
    train_cfg=dict(
        assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4, min_pos_iou=0,
                      ignore_iof_thr=-1),
        sampler=dict(type='PseudoSampler'),
        allowed_border=-1,
        pos_weight=-1,
        debug=False),
    test_cfg=dict(
        nms_pre=1000,
        min_bbox_size=0,
        score_thr=0.05,
        nms=dict(type='nms', iou_threshold=0.5),
        max_per_img=100))

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=1),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='CocoMetric',
    ann_file=data_root + 'annotations/instances_val2017.json',
    metric='bbox',
    format_only=False,
    backend_args=backend_args)
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs={epochs}, val_interval={epochs} + 1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end={epochs}, eta_min_ratio=0.05),
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.006, weight_decay=0.0001),
    clip_grad=dict(max_norm=10, norm_type=2))

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=-1, save_last=False),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='DetVisualizationHook'))
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='DetLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)
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
        data_root=str(Path(data_root).resolve()) + "/",
        classes=CLASSES,
        num_classes=len(CLASSES),
        epochs=epochs,
        seed=seed,
    )
    path.write_text(text, encoding="utf-8")
    return path


# -- training --------------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_checkpoint(state_dict: dict, meta: dict, directory: Path, name: str = MODEL_NAME) -> Path:
    """Save ``{meta, state_dict}`` as ``<name>_<yyyymmdd>-<sha256[:8]>.pth`` in ``directory``."""
    import torch

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{name}.pth.tmp"
    torch.save({"meta": meta, "state_dict": state_dict}, tmp)
    date = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d")
    final = directory / f"{name}_{date}-{sha256_of(tmp)[:8]}.pth"
    tmp.replace(final)
    return final


@contextlib.contextmanager
def runner_device(device: str) -> Iterator[None]:
    """Let MMEngine's ``Runner`` run on ``device``: it moves the model to ``get_device()``, which is CUDA
    whenever torch sees a GPU, so a comparison with zoogen on the CPU would compare two devices."""
    from mmengine.runner import runner as runner_module

    original = runner_module.get_device
    runner_module.get_device = lambda: device
    try:
        yield
    finally:
        runner_module.get_device = original


def train_tiny_detector(config: Path, work_dir: Path, checkpoint_dir: Path, device: str = "cpu") -> Path:
    """Train the tiny detector with MMEngine's runner on ``device``; return the saved checkpoint's path."""
    import mmdet
    from mmengine.config import Config
    from mmengine.runner import Runner

    cfg = Config.fromfile(str(config))
    cfg.work_dir = str(work_dir)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None  # no validation pass while training
    with runner_device(device):
        runner = Runner.from_cfg(cfg)
        runner.train()
    model = runner.model
    state_dict = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    meta = {
        "mmdet_version": mmdet.__version__,
        "epoch": int(runner.epoch),
        "iter": int(runner.iter),
        "dataset_meta": {"classes": list(CLASSES)},
        "config": Path(config).name,
    }
    return save_checkpoint(state_dict, meta, checkpoint_dir)


def reference_metrics(
    config: Path, checkpoint: Path, data_root: Path, work_dir: Path, device: str = "cpu"
) -> dict[str, float]:
    """MMDetection's own test loop, as ``tools/test.py`` runs it (``load_from`` = the file), on ``device``
    (the device zoogen's evaluation it is compared with runs on)."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    cfg = Config.fromfile(str(config))
    data_root = Path(data_root).resolve()
    cfg.test_dataloader.dataset.data_root = str(data_root) + "/"
    cfg.test_evaluator.ann_file = str(data_root / "annotations" / "instances_val2017.json")
    cfg.work_dir = str(work_dir)
    cfg.load_from = str(checkpoint)
    with runner_device(device):
        metrics = Runner.from_cfg(cfg).test()
    return {key: float(value) for key, value in metrics.items()}


# -- zoo -------------------------------------------------------------------------------------------


def write_tiny_zoo(directory: Path, weights_url: str, box_ap: float) -> Path:
    """Write ``model-index.yml`` + ``tiny/metafile.yml`` under ``directory``; ``box_ap`` in percent.

    The model's ``Config`` is :data:`CONFIG_REL` (relative to the configs root of
    :func:`write_tiny_config`).
    """
    directory = Path(directory)
    (directory / "tiny").mkdir(parents=True, exist_ok=True)
    (directory / "model-index.yml").write_text("Import:\n  - tiny/metafile.yml\n", encoding="utf-8")
    metafile = f"""\
Collections:
  - Name: Tiny RetinaNet
    Metadata:
      Training Data: COCO
      Training Techniques:
        - AdamW
      Training Resources: 1x CPU
      Architecture:
        - FPN
        - Focal Loss
        - ResNet
    Paper:
      URL: https://arxiv.org/abs/1708.02002
      Title: Focal Loss for Dense Object Detection
    README: configs/tiny/README.md

Models:
  - Name: {MODEL_NAME}
    In Collection: Tiny RetinaNet
    Config: {CONFIG_REL}
    Metadata:
      Training Memory (GB): 0.1
      inference time (ms/im):
        - value: 20
          hardware: CPU
          backend: PyTorch
          batch size: 1
          mode: FP32
          resolution: (96, 96)
      Epochs: {EPOCHS}
    Results:
      - Task: Object Detection
        Dataset: COCO
        Metrics:
          box AP: {box_ap:.1f}
    Weights: {weights_url}
"""
    (directory / "tiny" / "metafile.yml").write_text(metafile, encoding="utf-8")
    return directory


def build_all(root: Path) -> dict[str, Any]:
    """Data, config, trained checkpoint and reference metrics under ``root``; returns their paths."""
    root = Path(root)
    data_root = make_tiny_coco(root / "data" / "coco")
    config = write_tiny_config(root / "mmdet", data_root)
    checkpoint = train_tiny_detector(config, root / "work" / "train", root / "checkpoints")
    metrics = reference_metrics(config, checkpoint, data_root, root / "work" / "test")
    return {
        "data_root": str(data_root),
        "configs_root": str(root / "mmdet"),
        "config": str(config),
        "checkpoint": str(checkpoint),
        "reference_metrics": metrics,
    }
