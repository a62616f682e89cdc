"""Which models a run verifies: shards, globs, the configs folder, and what zoogen can evaluate.

Reads only the zoo (no torch, no mmdet import): ``zoogen verify plan``, ``--estimate`` and Slurm submission
use it on a login node.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from zoogen.meta.registry import Registry, load_registry
from zoogen.meta.schema import Model

__all__ = ["VERIFIABLE_DATASETS", "default_configs_root", "evaluator_gap", "parse_shard", "select_models",
           "split_verifiable"]

VERIFIABLE_DATASETS = ("COCO",)  # what `judge_metrics` judges (COCO-style evaluators of the registry)


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/4"`` -> ``(2, 4)``: the second of four shards (1-based)."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise ValueError(f"--shard expects I/N (e.g. 1/4), got {text!r}")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"--shard {text}: I must be between 1 and N")
    return index, count


def select_models(
    models: Iterable[Model], patterns: Sequence[str] = (), shard: tuple[int, int] | None = None
) -> list[Model]:
    """Models whose name matches any glob of ``patterns`` (all when none), sorted by name; with
    ``shard=(i, n)`` every n-th of them starting at the i-th, so shards are disjoint and stable."""
    chosen = sorted(
        (m for m in models if not patterns or any(fnmatch.fnmatchcase(m.name, p) for p in patterns)),
        key=lambda m: m.name,
    )
    if shard is not None:
        index, count = shard
        chosen = chosen[index - 1 :: count]
    return chosen


def default_configs_root() -> Path | None:
    """The configs shipped in the installed mmdet wheel (``mmdet/.mim/configs``), without importing it."""
    spec = importlib.util.find_spec("mmdet")
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    for candidate in (package / ".mim" / "configs", package.parent / "configs"):
        if candidate.is_dir():
            return candidate
    return None


def evaluator_gap(model: Model, registry: Registry | None = None) -> str | None:
    """``"<task> on <dataset>"`` when nothing published for ``model`` has an evaluator in zoogen, else None.

    zoogen evaluates COCO-style detection metrics (the registry's ``evaluator`` keys) on COCO; a
    classification or pose zoo, or a model published only on another dataset, is not verifiable by it.
    """
    registry = registry or load_registry()
    first = None
    for result in model.results:
        first = first or f"{result.task} on {result.dataset}"
        if result.dataset not in VERIFIABLE_DATASETS:
            continue
        for metric in result.metrics:
            info = registry.metric(metric)
            if info is not None and info.evaluator:
                return None
    return first or "no published results"


def split_verifiable(models: Sequence[Model]) -> tuple[list[Model], dict[str, list[str]]]:
    """(models zoogen can evaluate, ``{"<task> on <dataset>": [names]}`` of those it cannot)."""
    registry = load_registry()
    verifiable: list[Model] = []
    gaps: dict[str, list[str]] = {}
    for model in models:
        gap = evaluator_gap(model, registry)
        if gap is None:
            verifiable.append(model)
        else:
            gaps.setdefault(gap, []).append(model.name)
    return verifiable, gaps
