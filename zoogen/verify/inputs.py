"""A run's inputs, resolved before any model starts: the configs folder, the data folder, writable folders.

`check_run` raises one `RunError` for what every model needs; `resolve_config` finds one model's config.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from zoogen.meta.configs import resolve_config as find_config
from zoogen.meta.registry import load_registry
from zoogen.meta.schema import Model
from zoogen.verify.backends import COCO_LAYOUT, StepError
from zoogen.verify.options import RunError, VerifyOptions

__all__ = ["ANN_FILE", "IMG_DIR", "DataRoot", "check_run", "resolve_config", "resolve_dataset"]

ANN_FILE, IMG_DIR = COCO_LAYOUT


def resolve_config(config: str | None, configs_root: Path | None) -> tuple[Path, str]:
    """The config file of a metafile's ``Config`` and how to name it in the record.

    Resolved by `zoogen.meta.configs.resolve_config` (the path as written, then MMDetection 3's renames
    of 2.x configs from its table), exactly as ``zoogen check --configs-root`` does.
    """
    if not config:
        raise StepError("resolve", "the metafile gives no Config for this model")
    if configs_root is None and not Path(config).is_absolute():
        raise StepError("resolve", "no configs folder: install the zoo's library or pass --configs-root")
    if configs_root is not None and not configs_root.is_dir():
        raise StepError("resolve", f"configs folder {configs_root} does not exist")
    resolved = find_config(configs_root, config)
    if resolved is None:
        raise StepError("resolve", f"config {config} not found under {configs_root} "
                                   "(as written, nor by the 2.x -> 3.x renames of config_renames.yml)")
    return resolved.path, resolved.name


@dataclass(frozen=True)
class DataRoot:
    """``--data-root``; ``coco_images`` counts the images of its COCO annotations when it has a COCO layout."""

    root: Path
    coco_images: int | None = None

    @property
    def images(self) -> int | None:  # the COCO path's name for it
        return self.coco_images


def resolve_dataset(data_root: Path) -> DataRoot:
    """Check the COCO layout under ``data_root`` and count the images of its annotation file."""
    ann = data_root / ANN_FILE
    if not ann.is_file():
        raise StepError("resolve", f"no COCO annotations at {ann} (set --data-root to a COCO-layout folder)")
    if not (data_root / IMG_DIR).is_dir():
        raise StepError("resolve", f"no image folder {data_root / IMG_DIR}")
    try:
        with ann.open(encoding="utf-8") as handle:
            images = len(json.load(handle).get("images") or [])
    except (OSError, ValueError, AttributeError) as exc:
        raise StepError("resolve", f"cannot read {ann}: {exc}") from None
    return DataRoot(root=data_root, coco_images=images)


def _check_writable(folder: Path, what: str, option: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".zoogen-write-test-"):
            pass
    except OSError as exc:
        raise RunError(f"the {what} {folder} is not writable ({exc.strerror or exc}); set {option}") from None


def _only_coco_detection(models: Sequence[Model]) -> bool:
    """Every result is MMDetection's on COCO (MMPose's COCO folder has keypoint annotations only)."""
    registry = load_registry()

    def detection(task: str) -> bool:
        info = registry.tasks.get(registry.canonical("tasks", task) or task)
        return info is not None and info.library == "mmdet"

    return bool(models) and all(r.dataset == "COCO" and detection(r.task) for m in models for r in m.results)


def check_run(options: VerifyOptions, models: Sequence[Model] = ()) -> DataRoot:
    """Check what every model needs before any starts: the data folder (a COCO layout when every model is an
    MMDetection model published on COCO only; other layouts are checked per model, against what its config
    reads), the configs folder, writable results and cache folders. Raises one `RunError` (nothing is written
    to the results)."""
    root = options.data_root
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        raise RunError(f"the data folder {root} {what} (--data-root)")
    try:
        data = resolve_dataset(root)
    except StepError as exc:
        if _only_coco_detection(models):
            raise RunError(str(exc)) from None
        data = DataRoot(root=root)
    if options.configs_root is None:
        raise RunError("no configs folder: install the zoo's library (its configs are the default) or pass "
                       "--configs-root")
    if not options.configs_root.is_dir():
        raise RunError(f"configs folder {options.configs_root} does not exist (--configs-root)")
    if options.results_dir.exists() and not options.results_dir.is_dir():
        raise RunError(f"the results folder {options.results_dir} is a file (--results)")
    _check_writable(options.results_dir, "results folder", "--results")
    from zoogen.verify.fetch import default_cache_dir

    _check_writable(options.cache_dir or default_cache_dir(), "checkpoint cache", "--cache-dir")
    return data
