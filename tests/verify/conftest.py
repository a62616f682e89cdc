"""Session fixtures of the verification tests: tiny, really trained MMDetection, MMPretrain, MMSegmentation and
MMPose models.

The build (synthetic data, training on the CPU, MMDetection's own test loop for the reference numbers)
takes about a minute; it is cached in pytest's cache directory, keyed by the source of
``tiny_detector.py`` and the torch/mmdet versions (``pytest --cache-clear`` rebuilds it).

Fixtures:
    tiny_build: dict of all paths + ``reference_metrics`` (MMDetection's ``Runner.test()`` result).
    tiny_coco: data root (COCO layout).
    tiny_configs_root: the folder the metafile's ``Config`` path is relative to.
    tiny_config: path of the config ``.py`` file.
    tiny_checkpoint: path of the ``{meta, state_dict}`` checkpoint, ``<name>_<date>-<sha8>.pth``.
    tiny_box_ap: box AP (percent, one decimal) MMDetection's test loop gives.
    tiny_zoo: factory ``tiny_zoo(weights_url, directory=None) -> Path`` writing a zoo folder.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import tiny_classifier  # noqa: E402
import tiny_common  # noqa: E402
import tiny_detector  # noqa: E402
import tiny_pose  # noqa: E402
import tiny_segmenter  # noqa: E402


def _cache_key() -> str:
    import torch

    try:
        import mmdet

        mmdet_version = mmdet.__version__
    except ImportError:
        mmdet_version = "none"
    source = Path(tiny_detector.__file__).read_bytes()
    return hashlib.sha256(source + f"{torch.__version__}/{mmdet_version}".encode()).hexdigest()[:16]


@pytest.fixture(scope="session")
def tiny_build(request: pytest.FixtureRequest) -> dict[str, Any]:
    pytest.importorskip("mmdet")
    pytest.importorskip("mmcv._ext")
    pytest_cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    if pytest_cache is not None:
        cache = Path(pytest_cache.mkdir("zoogen-tiny-detector"))
    else:
        cache = request.getfixturevalue("tmp_path_factory").mktemp("zoogen-tiny-detector")
    root = cache / _cache_key()
    done = root / "build.json"
    # One builder at a time: parallel pytest runs share the cache.
    with open(cache / f"{root.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.is_file():
            build = json.loads(done.read_text(encoding="utf-8"))
            if all(Path(build[key]).exists() for key in ("data_root", "config", "checkpoint")):
                return build
        if root.exists():
            shutil.rmtree(root)
        build = tiny_detector.build_all(root)
        done.write_text(json.dumps(build, indent=2), encoding="utf-8")
        return build


@pytest.fixture(scope="session")
def tiny_coco(tiny_build: dict[str, Any]) -> Path:
    return Path(tiny_build["data_root"])


@pytest.fixture(scope="session")
def tiny_configs_root(tiny_build: dict[str, Any]) -> Path:
    return Path(tiny_build["configs_root"])


@pytest.fixture(scope="session")
def tiny_config(tiny_build: dict[str, Any]) -> Path:
    return Path(tiny_build["config"])


@pytest.fixture(scope="session")
def tiny_checkpoint(tiny_build: dict[str, Any]) -> Path:
    return Path(tiny_build["checkpoint"])


@pytest.fixture(scope="session")
def tiny_reference_metrics(tiny_build: dict[str, Any]) -> dict[str, float]:
    return dict(tiny_build["reference_metrics"])


@pytest.fixture(scope="session")
def tiny_box_ap(tiny_reference_metrics: dict[str, float]) -> float:
    return round(100 * tiny_reference_metrics["coco/bbox_mAP"], 1)


@pytest.fixture(scope="session")
def tiny_zoo(tiny_box_ap: float, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Factory: ``tiny_zoo(weights_url, directory=None)`` writes the tiny zoo and returns its folder."""

    def make(weights_url: str, directory: Path | None = None) -> Path:
        target = directory if directory is not None else tmp_path_factory.mktemp("tiny-zoo")
        return tiny_detector.write_tiny_zoo(target, weights_url, tiny_box_ap)

    return make


# -- tiny MMPretrain classifier and MMSegmentation segmenter -------------------------------------------
#
# Built and cached like ``tiny_build`` (keyed by the sources of their modules and the torch/library
# versions). Fixtures, ``cls`` for the classifier (tiny_classifier.py), ``seg`` for the segmenter
# (tiny_segmenter.py):
#     tiny_{cls,seg}_build: dict of all paths + ``reference_metrics`` (the library's ``Runner.test()``).
#     tiny_imagenet / tiny_ade: data root (ImageNet layout / ADEChallengeData2016 layout).
#     tiny_{cls,seg}_configs_root, tiny_{cls,seg}_config, tiny_{cls,seg}_checkpoint: as for the detector.
#     tiny_{cls,seg}_reference_metrics: ``accuracy/top1``, ``accuracy/top5`` / ``aAcc``, ``mIoU``, ``mAcc``.
#     tiny_{cls,seg}_published: the metafile's Metrics for them ({"Top 1 Accuracy": .., ...} / {"mIoU": ..}).
#     tiny_{cls,seg}_zoo: factory ``(weights_url, directory=None, published=None) -> Path``.


def _library_build(request: pytest.FixtureRequest, module: Any, library: str) -> dict[str, Any]:
    """``module.build_all`` under pytest's cache, one builder at a time (as `tiny_build`)."""
    torch = pytest.importorskip("torch")
    lib = pytest.importorskip(library)
    pytest.importorskip("mmcv._ext")
    source = b"".join(Path(m.__file__).read_bytes() for m in (module, tiny_common, tiny_detector))
    versions = f"{torch.__version__}/{library} {getattr(lib, '__version__', '?')}"
    key = hashlib.sha256(source + versions.encode()).hexdigest()[:16]
    name = f"zoogen-{Path(module.__file__).stem.replace('_', '-')}"
    pytest_cache = getattr(request.config, "cache", None)
    if pytest_cache is not None:
        cache = Path(pytest_cache.mkdir(name))
    else:
        cache = request.getfixturevalue("tmp_path_factory").mktemp(name)
    root = cache / key
    done = root / "build.json"
    with open(cache / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.is_file():
            build = json.loads(done.read_text(encoding="utf-8"))
            if all(Path(build[k]).exists() for k in ("data_root", "config", "checkpoint")):
                return build
        if root.exists():
            shutil.rmtree(root)
        build = module.build_all(root)
        done.write_text(json.dumps(build, indent=2), encoding="utf-8")
        return build


def _zoo_factory(
    module: Any, published: dict[str, float], tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Path]:
    default = published

    def make(weights_url: str, directory: Path | None = None, published: dict[str, float] | None = None) -> Path:
        target = directory if directory is not None else tmp_path_factory.mktemp("tiny-zoo")
        return module.write_tiny_zoo(target, weights_url, default if published is None else published)

    return make


@pytest.fixture(scope="session")
def tiny_cls_build(request: pytest.FixtureRequest) -> dict[str, Any]:
    return _library_build(request, tiny_classifier, "mmpretrain")


@pytest.fixture(scope="session")
def tiny_imagenet(tiny_cls_build: dict[str, Any]) -> Path:
    return Path(tiny_cls_build["data_root"])


@pytest.fixture(scope="session")
def tiny_cls_configs_root(tiny_cls_build: dict[str, Any]) -> Path:
    return Path(tiny_cls_build["configs_root"])


@pytest.fixture(scope="session")
def tiny_cls_config(tiny_cls_build: dict[str, Any]) -> Path:
    return Path(tiny_cls_build["config"])


@pytest.fixture(scope="session")
def tiny_cls_checkpoint(tiny_cls_build: dict[str, Any]) -> Path:
    return Path(tiny_cls_build["checkpoint"])


@pytest.fixture(scope="session")
def tiny_cls_reference_metrics(tiny_cls_build: dict[str, Any]) -> dict[str, float]:
    return dict(tiny_cls_build["reference_metrics"])


@pytest.fixture(scope="session")
def tiny_cls_published(tiny_cls_reference_metrics: dict[str, float]) -> dict[str, float]:
    return tiny_classifier.published_metrics(tiny_cls_reference_metrics)


@pytest.fixture(scope="session")
def tiny_cls_zoo(
    tiny_cls_published: dict[str, float], tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Path]:
    """Factory: ``tiny_cls_zoo(weights_url, directory=None, published=None)`` writes the tiny zoo."""
    return _zoo_factory(tiny_classifier, tiny_cls_published, tmp_path_factory)


@pytest.fixture(scope="session")
def tiny_seg_build(request: pytest.FixtureRequest) -> dict[str, Any]:
    return _library_build(request, tiny_segmenter, "mmseg")


@pytest.fixture(scope="session")
def tiny_ade(tiny_seg_build: dict[str, Any]) -> Path:
    return Path(tiny_seg_build["data_root"])


@pytest.fixture(scope="session")
def tiny_seg_configs_root(tiny_seg_build: dict[str, Any]) -> Path:
    return Path(tiny_seg_build["configs_root"])


@pytest.fixture(scope="session")
def tiny_seg_config(tiny_seg_build: dict[str, Any]) -> Path:
    return Path(tiny_seg_build["config"])


@pytest.fixture(scope="session")
def tiny_seg_checkpoint(tiny_seg_build: dict[str, Any]) -> Path:
    return Path(tiny_seg_build["checkpoint"])


@pytest.fixture(scope="session")
def tiny_seg_reference_metrics(tiny_seg_build: dict[str, Any]) -> dict[str, float]:
    return dict(tiny_seg_build["reference_metrics"])


@pytest.fixture(scope="session")
def tiny_seg_published(tiny_seg_reference_metrics: dict[str, float]) -> dict[str, float]:
    return tiny_segmenter.published_metrics(tiny_seg_reference_metrics)


@pytest.fixture(scope="session")
def tiny_seg_zoo(
    tiny_seg_published: dict[str, float], tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Path]:
    """Factory: ``tiny_seg_zoo(weights_url, directory=None, published=None)`` writes the tiny zoo."""
    return _zoo_factory(tiny_segmenter, tiny_seg_published, tmp_path_factory)


# -- tiny MMPose top-down pose estimator -----------------------------------------------------------------
#
# Built and cached like the others (tiny_pose.py; keyed by its source, tiny_common.py, tiny_detector.py and
# the torch/mmpose versions). Fixtures:
#     tiny_pose_build: dict of all paths + ``reference_metrics`` (MMPose's ``Runner.test()``).
#     tiny_pose_coco: data root (COCO keypoints layout: annotations/person_keypoints_val2017.json, val2017/).
#     tiny_pose_configs_root, tiny_pose_config, tiny_pose_checkpoint: as for the detector.
#     tiny_pose_reference_metrics: ``coco/AP``, ``coco/AP .5``, ``coco/AR``... (fractions).
#     tiny_pose_published: the metafile's Metrics for them ({"AP": 0.636, "AP@0.5": 1.0, ...}).
#     tiny_pose_zoo: factory ``(weights_url, directory=None, published=None) -> Path``.


@pytest.fixture(scope="session")
def tiny_pose_build(request: pytest.FixtureRequest) -> dict[str, Any]:
    pytest.importorskip("xtcocotools")  # MMPose's CocoMetric
    return _library_build(request, tiny_pose, "mmpose")


@pytest.fixture(scope="session")
def tiny_pose_coco(tiny_pose_build: dict[str, Any]) -> Path:
    return Path(tiny_pose_build["data_root"])


@pytest.fixture(scope="session")
def tiny_pose_configs_root(tiny_pose_build: dict[str, Any]) -> Path:
    return Path(tiny_pose_build["configs_root"])


@pytest.fixture(scope="session")
def tiny_pose_config(tiny_pose_build: dict[str, Any]) -> Path:
    return Path(tiny_pose_build["config"])


@pytest.fixture(scope="session")
def tiny_pose_checkpoint(tiny_pose_build: dict[str, Any]) -> Path:
    return Path(tiny_pose_build["checkpoint"])


@pytest.fixture(scope="session")
def tiny_pose_reference_metrics(tiny_pose_build: dict[str, Any]) -> dict[str, float]:
    return dict(tiny_pose_build["reference_metrics"])


@pytest.fixture(scope="session")
def tiny_pose_published(tiny_pose_reference_metrics: dict[str, float]) -> dict[str, float]:
    return tiny_pose.published_metrics(tiny_pose_reference_metrics)


@pytest.fixture(scope="session")
def tiny_pose_zoo(
    tiny_pose_published: dict[str, float], tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Path]:
    """Factory: ``tiny_pose_zoo(weights_url, directory=None, published=None)`` writes the tiny zoo."""
    return _zoo_factory(tiny_pose, tiny_pose_published, tmp_path_factory)
