"""Statistics of a zoo, computed from the parsed model: papers, checkpoints, models per task and dataset."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from zoogen.meta.schema import Zoo


@dataclass
class ZooStatistics:
    methods: int
    models: int
    checkpoints: int
    papers: int
    per_task_dataset: list[tuple[str, str, int]]
    per_method: list[tuple[str, str, int, int]]  # id, title, models, checkpoints


def zoo_statistics(zoo: Zoo) -> ZooStatistics:
    models = zoo.models
    papers = {method.paper.url or method.paper.title for method in zoo.methods if method.paper}
    papers |= {model.paper.url or model.paper.title for model in models if model.paper}
    papers.discard(None)
    pairs: Counter[tuple[str, str]] = Counter()
    for model in models:
        for key in dict.fromkeys((result.task, result.dataset) for result in model.results):  # ordered
            pairs[key] += 1
    return ZooStatistics(
        methods=len(zoo.methods),
        models=len(models),
        checkpoints=sum(1 for model in models if model.weights),
        papers=len(papers),
        per_task_dataset=[(task, dataset, count) for (task, dataset), count in sorted(pairs.items())],
        per_method=[(m.id, m.title, len(m.models), sum(1 for x in m.models if x.weights)) for m in zoo.methods],
    )
