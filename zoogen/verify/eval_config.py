"""A model's config, made ready for its library's test loop on a local copy of the data (any OpenMMLab 2.0 library).

What each library's ``tools/test.py`` runs is the config's ``test_dataloader``, ``test_evaluator`` and model; this
module only moves the test data to ``--data-root`` and checks that it is there:

* the test dataset (inside wrappers such as ``ConcatDataset``) gets ``data_root``; its ``ann_file`` and
  ``data_prefix`` stay as the config writes them, relative to it (COCO's ``annotations/...`` and ``val2017/``,
  ImageNet's ``meta/val.txt`` and ``val/``, ADE20K's ``images/validation`` and ``annotations/validation``);
* every other path of the dataset and the evaluator that began with the config's own ``data_root`` (an
  evaluator's ``ann_file``, MMPose's ``bbox_file``) begins with the new one;
* `missing_data` lists what the test set would read and is not there, before any checkpoint is downloaded.

A subset (``indices``), the loader's workers, ``work_dir`` and no ``load_from`` are set by `for_test_run`.
mmengine is imported when a function runs.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mmengine.config import Config

__all__ = ["EvalSet", "config_scope", "describe", "for_test_run", "innermost_dataset", "load_config", "missing_data",
           "point_test_data"]


@dataclass(frozen=True)
class EvalSet:
    """What a config's test set is: its library (``default_scope``) and dataset class."""

    library: str | None  # mmdet, mmpretrain, mmseg, mmpose; None when the config names no default_scope
    dataset_type: str | None  # CocoDataset, ImageNet, ADE20KDataset


def load_config(config: Path | str | Config) -> Config:
    """A fresh copy of ``config`` (a path is read with ``Config.fromfile``)."""
    from mmengine.config import Config

    return copy.deepcopy(config) if isinstance(config, Config) else Config.fromfile(str(config))


def config_scope(cfg: Config) -> str | None:
    """The config's ``default_scope`` (the library whose registries build it), or None."""
    scope = cfg.get("default_scope")
    return str(scope) if scope else None


def innermost_dataset(dataset_cfg: Any) -> Any:
    """The dataset dict that reads files (descends through wrappers like ``ClassBalancedDataset``;
    of a ``ConcatDataset``, its first dataset)."""
    while isinstance(dataset_cfg, dict):
        inner = dataset_cfg.get("dataset")
        if isinstance(inner, dict):
            dataset_cfg = inner
            continue
        many = dataset_cfg.get("datasets")
        if isinstance(many, list) and many and isinstance(many[0], dict):
            dataset_cfg = many[0]
            continue
        break
    return dataset_cfg


def _datasets(dataset_cfg: Any) -> Iterator[Any]:
    """Every file-reading dataset dict of a (possibly wrapped or concatenated) test set."""
    if not isinstance(dataset_cfg, dict):
        return
    inner = dataset_cfg.get("dataset")
    many = dataset_cfg.get("datasets")
    if isinstance(inner, dict):
        yield from _datasets(inner)
    elif isinstance(many, list):
        for item in many:
            yield from _datasets(item)
    else:
        yield dataset_cfg


def describe(cfg: Config) -> EvalSet:
    """The library and the test dataset class of ``cfg``."""
    dataset = innermost_dataset((cfg.get("test_dataloader") or {}).get("dataset"))
    kind = dataset.get("type") if isinstance(dataset, dict) else None
    return EvalSet(library=config_scope(cfg), dataset_type=str(kind).rsplit(".", 1)[-1] if kind else None)


def _rebase(value: Any, old: str, new: str) -> Any:
    """``value`` with every string that starts with the folder ``old`` moved under ``new`` (recursively)."""
    if isinstance(value, str):
        if value == old or value.rstrip("/") == old:
            return new
        if value.startswith(old + "/"):
            return new + value[len(old):]
        return value
    if isinstance(value, dict):
        for key in list(value):
            value[key] = _rebase(value[key], old, new)
        return value
    if isinstance(value, list):
        return [_rebase(item, old, new) for item in value]
    if isinstance(value, tuple):
        return tuple(_rebase(item, old, new) for item in value)
    return value


def point_test_data(cfg: Config, data_root: Path) -> Config:
    """Move the config's test set (and its evaluator's files) to ``data_root`` (module doc); returns ``cfg``.

    Raises:
        ValueError: the test set has no ``data_root`` to move (its paths are absolute or it reads no files).
    """
    new_root = str(Path(data_root).resolve())
    loader = cfg.get("test_dataloader")
    if not isinstance(loader, dict) or not isinstance(loader.get("dataset"), dict):
        raise ValueError("the config has no test_dataloader with a dataset")
    olds = []
    for dataset in _datasets(loader["dataset"]):
        old = dataset.get("data_root")
        if not old:
            raise ValueError(f"the config's test dataset ({dataset.get('type', '?')}) gives no data_root that "
                             "--data-root could replace")
        olds.append(str(old).rstrip("/"))
        dataset["data_root"] = new_root
        dataset["test_mode"] = True
    for old in dict.fromkeys(olds):
        for dataset in _datasets(loader["dataset"]):
            _rebase(dataset, old, new_root)
        evaluators = cfg.get("test_evaluator")
        for metric in evaluators if isinstance(evaluators, list) else [evaluators]:
            if isinstance(metric, dict):
                _rebase(metric, old, new_root)
    return cfg


def _under(root: Path, value: Any) -> Path | None:
    if not isinstance(value, str) or not value:
        return None
    path = Path(value)
    return path if path.is_absolute() else root / path


def _named(field: str, written: Any, path: Path) -> str:
    """``ann_file meta/val.txt (/data/in1k/meta/val.txt)``; an absolute path is shown once."""
    return f"{field} {written}" + ("" if str(written) == str(path) else f" ({path})")


def missing_data(cfg: Config) -> list[str]:
    """What the (moved) test set would read and is missing: ``"ann_file meta/val.txt (/data/in1k/meta/val.txt)"``.

    Checks each dataset's ``data_root`` folder, its ``ann_file`` (and MMPose's ``bbox_file``) and its
    ``data_prefix`` folders, and the
    evaluators' ``ann_file``; a dataset that finds its files by ``split`` alone (MMPretrain's ``ImageNet``) is
    checked for the ``<split>/`` folder.
    """
    missing: list[str] = []
    loader = cfg.get("test_dataloader") or {}
    for dataset in _datasets(loader.get("dataset")):
        root = Path(str(dataset.get("data_root") or "."))
        if not root.is_dir():
            missing.append(f"the folder data_root ({root})")
            continue
        for name in ("ann_file", "bbox_file"):  # bbox_file: MMPose's person detections, read at test time
            path = _under(root, dataset.get(name))
            if path is not None and not path.exists():
                missing.append(_named(name, dataset.get(name), path))
        prefix = dataset.get("data_prefix")
        what = "data_prefix"
        if not prefix and isinstance(dataset.get("split"), str) and dataset["split"]:
            prefix, what = dataset["split"], "split"  # ImageNet-style: split "val" reads val/ (and meta/val.txt)
        prefixes = [(f"data_prefix.{k}", v) for k, v in prefix.items()] if isinstance(prefix, dict) else [
            (what, prefix)]
        for name, value in prefixes:
            folder = _under(root, value)
            if folder is not None and not folder.exists():
                missing.append(_named(name, value, folder))
    evaluators = cfg.get("test_evaluator")
    for metric in evaluators if isinstance(evaluators, list) else [evaluators]:
        if isinstance(metric, dict) and isinstance(metric.get("ann_file"), str):
            ann = Path(metric["ann_file"])
            if ann.is_absolute() and not ann.exists():
                missing.append(f"the evaluator's ann_file ({ann})")
    return list(dict.fromkeys(missing))


def for_test_run(cfg: Config, *, max_images: int | None, work_dir: Path, loader_workers: int | None) -> Config:
    """Set the subset (``indices`` of each dataset), the loader's workers (None: the config's; none also drops
    persistent workers), the evaluator's ``format_only=False``, ``work_dir``, no ``load_from``; returns ``cfg``."""
    loader = cfg.test_dataloader
    if loader_workers is not None:
        if loader_workers < 0:
            raise ValueError(f"loader_workers must be >= 0, got {loader_workers}")
        loader.num_workers = loader_workers
    if not loader.get("num_workers"):
        loader.persistent_workers = False
        loader.pop("prefetch_factor", None)
    if max_images is not None and max_images < 1:
        raise ValueError(f"max_images must be >= 1, got {max_images}")
    for dataset in _datasets(loader.dataset):
        if max_images is not None:
            dataset["indices"] = int(max_images)
        else:
            dataset.pop("indices", None)
    evaluators = cfg.get("test_evaluator")
    for metric in evaluators if isinstance(evaluators, list) else [evaluators]:
        if isinstance(metric, dict):
            if "format_only" in metric:
                metric["format_only"] = False
            metric.pop("outfile_prefix", None)
    cfg.work_dir = str(work_dir)
    cfg.load_from = None
    cfg.resume = False
    return cfg
