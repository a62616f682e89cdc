"""A tiny, really trained MMPose top-down pose estimator on a synthetic COCO-keypoints dataset (tests only).

* :func:`make_tiny_coco_keypoints` -- one stick figure per image (grey limbs, the 17 COCO keypoints as dots of
  17 distinct colours, a few keypoints unlabelled and not drawn) on a plain noisy background, COCO layout
  (``annotations/person_keypoints_{train,val}2017.json`` with keypoints, visibility, ``num_keypoints``,
  bbox and area; ``train2017/``, ``val2017/``); optionally ``person_detection_results/...json`` (the
  detections MMPose's shipped configs read through ``bbox_file``).
* :func:`write_tiny_config` -- a shrunk SimpleBaseline (three-stage ResNet-18 with 16 base channels, a
  two-deconv ``HeatmapHead``, ``MSRAHeatmap`` codec, 48x64 input), laid out like MMPose's
  ``td-hm_res50_8xb64-210e_coco-256x192.py`` but testing on the ground-truth boxes (no ``bbox_file``) and
  without flips (each keypoint is told apart by its colour, which a flip would not swap).
* :func:`train_tiny_pose` -- trains it on the CPU with MMEngine's runner and saves the checkpoint as
  ``{meta, state_dict}`` named ``<name>_<yyyymmdd>-<sha256[:8]>.pth``.
* :func:`reference_metrics` -- what MMPose's own test loop (``Runner.from_cfg(cfg).test()``, i.e.
  ``tools/test.py``) reports: ``coco/AP``, ``coco/AP .5``, ``coco/AR``... (fractions).
* :func:`write_tiny_zoo` -- a zoo folder (``model-index.yml`` + ``tiny/metafile.yml``) for it, Task "Body 2D
  Keypoint" on "COCO", metrics as MMPose's metafiles write them (fractions, three decimals).

Nothing is downloaded. The whole build (data + training + test) takes well under two minutes on 2 CPU cores.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tiny_common import build, library_test_loop, train
from tiny_detector import save_checkpoint

MODEL_NAME = "tiny-td-hm_coco"
CONFIG_REL = "configs/tiny/tiny-td-hm_coco.py"
TRAIN_IMAGES = 48
VAL_IMAGES = 16
EPOCHS = 60
SEED = 0
DETECTIONS_REL = "person_detection_results/COCO_val2017_detections_AP_H_56_person.json"
#: The evaluator's keys and the metafile names MMPose's metafiles give them.
METRIC_NAMES = {"coco/AP": "AP", "coco/AP .5": "AP@0.5", "coco/AP .75": "AP@0.75", "coco/AR": "AR",
                "coco/AR .5": "AR@0.5"}

KEYPOINTS = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
    "right_ankle",
)
#: COCO's skeleton (1-based keypoint indices), as in person_keypoints_*.json.
SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8], [7, 9], [8, 10],
            [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]]
#: A standing figure facing the camera: (x, y) per keypoint, x across the body (its left on the image's
#: right), y down from the top of the head, both in units of the figure's height.
_POSE = (
    (0.0, 0.08), (0.035, 0.055), (-0.035, 0.055), (0.075, 0.07), (-0.075, 0.07), (0.16, 0.22), (-0.16, 0.22),
    (0.22, 0.38), (-0.22, 0.38), (0.25, 0.52), (-0.25, 0.52), (0.1, 0.55), (-0.1, 0.55), (0.11, 0.75),
    (-0.11, 0.75), (0.12, 0.95), (-0.12, 0.95),
)
#: How far each keypoint wanders from ``_POSE`` (same units): limbs more than the head.
_JITTER = (0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.02, 0.06, 0.06, 0.09, 0.09, 0.02, 0.02, 0.04, 0.04, 0.05, 0.05)


# -- data ------------------------------------------------------------------------------------------


def _colours() -> list[tuple[int, int, int]]:
    """17 well-separated bright BGR colours (hues around the circle, alternating brightness)."""
    import colorsys

    out = []
    for index in range(len(KEYPOINTS)):
        r, g, b = colorsys.hsv_to_rgb(index / len(KEYPOINTS), 1.0 if index % 2 else 0.6, 1.0)
        out.append((int(255 * b), int(255 * g), int(255 * r)))
    return out


def _draw_person(rng: random.Random, image_id: int, file_name: str) -> tuple[Any, dict, dict]:
    """One image with one stick figure: (image, COCO image info, COCO annotation without ``id``)."""
    import cv2
    import numpy as np

    width, height = rng.randint(64, 96), rng.randint(96, 128)
    img = np.empty((height, width, 3), np.uint8)
    img[:] = [rng.randint(0, 70) for _ in range(3)]
    tall = rng.uniform(0.6, 0.85) * height
    left = rng.uniform(0.3 * tall, width - 0.3 * tall)
    top = rng.uniform(0.02 * height, height - tall - 0.02 * height)
    points = [(left + (x + rng.gauss(0, j)) * tall, top + (y + rng.gauss(0, j)) * tall)
              for (x, y), j in zip(_POSE, _JITTER, strict=True)]
    # A few keypoints are unlabelled (v=0) and not drawn, as are those off the image (COCO labels none
    # there); the rest are labelled and visible (v=2).
    labelled = [rng.random() > 0.06 and 0 <= x <= width - 1 and 0 <= y <= height - 1 for x, y in points]
    limb = tuple(rng.randint(120, 170) for _ in range(3))
    for a, b in SKELETON:
        if labelled[a - 1] and labelled[b - 1]:
            pa, pb = points[a - 1], points[b - 1]
            cv2.line(img, (round(pa[0]), round(pa[1])), (round(pb[0]), round(pb[1])), limb, 1, cv2.LINE_AA)
    radius = 2 if tall < 80 else 3
    for (x, y), colour, shown in zip(points, _colours(), labelled, strict=True):
        if shown:
            cv2.circle(img, (round(x), round(y)), radius, colour, -1, cv2.LINE_AA)
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 6, img.shape)
    img = np.clip(img + noise, 0, 255).astype(np.uint8)

    keypoints: list[float] = []
    for (x, y), shown in zip(points, labelled, strict=True):
        keypoints += [round(x, 2), round(y, 2), 2] if shown else [0, 0, 0]
    xs = [x for (x, _), shown in zip(points, labelled, strict=True) if shown]
    ys = [y for (_, y), shown in zip(points, labelled, strict=True) if shown]
    margin = 0.05 * tall
    x0, y0 = max(0.0, min(xs) - margin), max(0.0, min(ys) - margin)
    x1, y1 = min(width - 1.0, max(xs) + margin), min(height - 1.0, max(ys) + margin)
    w, h = x1 - x0, y1 - y0
    ann = {
        "image_id": image_id,
        "category_id": 1,
        "iscrowd": 0,
        "num_keypoints": sum(labelled),
        "keypoints": keypoints,
        "bbox": [round(x0, 2), round(y0, 2), round(w, 2), round(h, 2)],
        "area": round(0.53 * w * h, 2),  # MMPose's own estimate of a person's area from its box
        "segmentation": [[x0, y0, x1, y0, x1, y1, x0, y1]],
    }
    info = {"id": image_id, "file_name": file_name, "width": width, "height": height}
    return img, info, ann


def make_tiny_coco_keypoints(
    root: Path, *, train: int = TRAIN_IMAGES, val: int = VAL_IMAGES, seed: int = SEED, detections: bool = False
) -> Path:
    """Write the synthetic dataset under ``root`` (COCO 2017 keypoints layout) and return ``root``.

    With ``detections``, also ``person_detection_results/COCO_val2017_detections_AP_H_56_person.json``
    (:data:`DETECTIONS_REL`): each validation person's box, jittered by a few pixels, as a detector's result
    with score 0.9 -- the ``bbox_file`` MMPose's shipped COCO configs test on.
    """
    import cv2

    rng = random.Random(seed)
    root = Path(root)
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    categories = [{"id": 1, "name": "person", "supercategory": "person", "keypoints": list(KEYPOINTS),
                   "skeleton": SKELETON}]
    ann_id = 1
    found: list[dict] = []
    for split, count, first_id in (("train2017", train, 1), ("val2017", val, 100001)):
        (root / split).mkdir(exist_ok=True)
        images, annotations = [], []
        for i in range(count):
            image_id = first_id + i
            file_name = f"{image_id:012d}.jpg"
            img, info, ann = _draw_person(rng, image_id, file_name)
            cv2.imwrite(str(root / split / file_name), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
            ann["id"] = ann_id
            ann_id += 1
            images.append(info)
            annotations.append(ann)
            if split == "val2017":
                x, y, w, h = ann["bbox"]
                box = [x + rng.uniform(-2, 2), y + rng.uniform(-2, 2), w + rng.uniform(-2, 2), h + rng.uniform(-2, 2)]
                found.append({"image_id": image_id, "category_id": 1, "bbox": [round(v, 2) for v in box],
                              "score": 0.9})
        doc = {"images": images, "annotations": annotations, "categories": categories}
        (root / "annotations" / f"person_keypoints_{split}.json").write_text(json.dumps(doc), encoding="utf-8")
    if detections:
        (root / DETECTIONS_REL).parent.mkdir(parents=True, exist_ok=True)
        (root / DETECTIONS_REL).write_text(json.dumps(found), encoding="utf-8")
    return root


# -- config ----------------------------------------------------------------------------------------

_CONFIG = """\
# A tiny top-down heatmap pose estimator for zoogen's tests: trained from scratch on synthetic stick
# figures, CPU only. Laid out like MMPose's td-hm_res50_8xb64-210e_coco-256x192.py.
default_scope = 'mmpose'

train_cfg = dict(by_epoch=True, max_epochs={epochs}, val_interval={epochs} + 1)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='Adam', lr=3e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=20, start_factor=0.1, by_epoch=False),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end={epochs}, eta_min_ratio=0.05),
]
auto_scale_lr = dict(base_batch_size=16)

codec = dict(type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16), sigma=1)

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='ResNet',
        depth=18,
        stem_channels=16,
        base_channels=16,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(2, )),
    head=dict(
        type='HeatmapHead',
        in_channels=64,
        out_channels=17,
        deconv_out_channels=(32, 32),
        deconv_kernel_sizes=(4, 4),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=codec),
    test_cfg=dict(flip_test=False))

dataset_type = 'CocoDataset'
data_mode = 'topdown'
data_root = {data_root!r}

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomBBoxTransform', scale_factor=(0.8, 1.2), rotate_factor=20.0),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]

train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='train2017/'),
        pipeline=train_pipeline,
    ))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/person_keypoints_val2017.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=val_pipeline,
    ))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='CocoMetric',
    ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=-1, save_last=False),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='PoseVisualizationHook', enable=False))
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='PoseLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True, num_digits=6)
log_level = 'WARNING'
load_from = None
resume = False
backend_args = dict(backend='local')
randomness = dict(seed={seed}, deterministic=False)
"""


def write_tiny_config(configs_root: Path, data_root: Path, *, epochs: int = EPOCHS, seed: int = SEED) -> Path:
    """Write the config at ``configs_root / CONFIG_REL`` (``data_root`` baked in) and return its path."""
    path = Path(configs_root) / CONFIG_REL
    path.parent.mkdir(parents=True, exist_ok=True)
    text = _CONFIG.format(data_root=str(Path(data_root).resolve()) + "/", epochs=epochs, seed=seed)
    path.write_text(text, encoding="utf-8")
    return path


# -- training --------------------------------------------------------------------------------------


def train_tiny_pose(config: Path, work_dir: Path, checkpoint_dir: Path, device: str = "cpu") -> Path:
    """Train the tiny pose estimator with MMEngine's runner on ``device``; return the saved checkpoint's path."""
    import mmpose

    runner, state_dict = train(config, work_dir, device)
    meta = {
        "mmpose_version": mmpose.__version__,
        "epoch": int(runner.epoch),
        "iter": int(runner.iter),
        "config": Path(config).name,
    }
    return save_checkpoint(state_dict, meta, checkpoint_dir, MODEL_NAME)


def reference_metrics(
    config: Path, checkpoint: Path, data_root: Path, work_dir: Path, device: str = "cpu"
) -> dict[str, float]:
    """MMPose's own test loop, as ``tools/test.py`` runs it (``load_from`` = the file), on ``device``; keys
    ``coco/AP``, ``coco/AP .5``, ``coco/AP .75``, ``coco/AP (M)``, ``coco/AP (L)``, ``coco/AR``... (fractions)."""
    from mmengine.config import Config

    cfg = Config.fromfile(str(config))
    data_root = Path(data_root).resolve()
    cfg.test_dataloader.dataset.data_root = str(data_root) + "/"
    cfg.test_evaluator.ann_file = str(data_root / "annotations" / "person_keypoints_val2017.json")
    return library_test_loop(cfg, checkpoint, work_dir, device)


def published_metrics(reference: Mapping[str, float]) -> dict[str, float]:
    """The metafile's ``Metrics`` for ``reference`` (MMPose's names, fractions with three decimals)."""
    return {name: round(float(reference[key]), 3) for key, name in METRIC_NAMES.items()}


# -- zoo -------------------------------------------------------------------------------------------


def write_tiny_zoo(directory: Path, weights_url: str, published: Mapping[str, float]) -> Path:
    """Write ``model-index.yml`` + ``tiny/metafile.yml`` under ``directory`` and return ``directory``.

    ``published`` maps metafile metric names to fractions, e.g. ``{"AP": 0.612, "AR": 0.655}`` (see
    :func:`published_metrics`). The model's ``Config`` is :data:`CONFIG_REL` (relative to the configs root of
    :func:`write_tiny_config`). The layout is MMPose's (``Collections`` in the metafile, ``Results`` with
    ``Task: Body 2D Keypoint`` on ``COCO``).
    """
    directory = Path(directory)
    (directory / "tiny").mkdir(parents=True, exist_ok=True)
    (directory / "model-index.yml").write_text("Import:\n  - tiny/metafile.yml\n", encoding="utf-8")
    metrics = "".join(f"      {name}: {value:.3f}\n" for name, value in published.items())
    metafile = f"""\
Collections:
- Name: Tiny SimpleBaseline2D
  Paper:
    Title: Simple baselines for human pose estimation and tracking
    URL: http://openaccess.thecvf.com/content_ECCV_2018/html/Bin_Xiao_Simple_Baselines_for_ECCV_2018_paper.html
  README: configs/tiny/README.md
Models:
- Config: {CONFIG_REL}
  In Collection: Tiny SimpleBaseline2D
  Metadata:
    Architecture:
    - SimpleBaseline2D
    - ResNet
    Training Data: COCO
  Name: {MODEL_NAME}
  Results:
  - Dataset: COCO
    Metrics:
{metrics}    Task: Body 2D Keypoint
  Weights: {weights_url}
"""
    (directory / "tiny" / "metafile.yml").write_text(metafile, encoding="utf-8")
    return directory


def build_all(root: Path) -> dict[str, Any]:
    """Data, config, trained checkpoint and reference metrics under ``root``; returns their paths."""
    return build(root, "coco", make_tiny_coco_keypoints,
                 "mmpose", write_tiny_config, train_tiny_pose, reference_metrics)
