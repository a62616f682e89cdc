"""Which models a run verifies: shards, globs, the configs folder, and what zoogen can evaluate.

Reads only the zoo (no torch, no mmdet import): ``zoogen verify plan``, ``--estimate`` and Slurm submission
use it on a login node.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence

from zoogen.meta.registry import Registry, load_registry
from zoogen.meta.schema import Model

__all__ = ["evaluator_gap", "parse_shard", "select_models", "split_verifiable"]


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


def evaluator_gap(model: Model, registry: Registry | None = None) -> str | None:
    """``"<task> on <dataset>"`` when nothing published for ``model`` can be re-measured, else None.

    A number can be re-measured when the registry knows a library dataset class for its dataset (``types``)
    and an evaluator key for its metric (``evaluator``); which library's key applies is known only once the
    model's config is read (`zoogen.verify.judge.judge_metrics`).
    """
    registry = registry or load_registry()
    first = None
    for result in model.results:
        first = first or f"{result.task} on {result.dataset}"
        dataset = registry.datasets.get(registry.canonical("datasets", result.dataset) or result.dataset)
        if dataset is None or not dataset.types:
            continue
        for metric in result.metrics:
            info = registry.metric(metric, result.task, result.dataset)
            if info is not None and info.evaluators:
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
