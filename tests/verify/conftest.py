"""Session fixtures of the verification tests: a tiny, really trained MMDetection detector.

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

import tiny_detector  # noqa: E402


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
