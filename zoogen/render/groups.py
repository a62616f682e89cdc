"""How the overview and the sidebar group the method pages: by task, and by dataset where the family does.

- A zoo whose ``zoo.yml`` orders its methods (``methods:``) keeps that one list, as its maintainers wrote it.
- Otherwise methods are grouped by their main task (the task most of their results have), tasks in the
  registry's order, then the zoo's own tasks by name; methods without results come last.
- Within a task, methods are grouped by their main dataset when the zoo is laid out by dataset, as MMPose is
  (``configs/<task>/<algorithm>/<dataset>/<name>.yml``: most method ids have four parts); the datasets with the
  most methods first. Methods are listed by title within a group.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from zoogen.meta.schema import Method, Zoo

DATASET_LAYOUT_PARTS = 4  # <task>/<algorithm>/<dataset>/<name>


@dataclass
class MethodGroup:
    """Methods under one task (``task`` None: the zoo's own flat list; "": methods without results), split by
    dataset when ``datasets`` is not empty."""

    task: str | None
    methods: list[Method] = field(default_factory=list)
    datasets: list[tuple[str, list[Method]]] = field(default_factory=list)


def by_dataset_layout(zoo: Zoo) -> bool:
    """True when most metafiles sit in a folder per dataset (``<task>/<algorithm>/<dataset>/<name>``)."""
    deep = sum(1 for method in zoo.methods if method.id.count("/") + 1 >= DATASET_LAYOUT_PARTS)
    return bool(zoo.methods) and deep * 2 > len(zoo.methods)


def method_groups(zoo: Zoo) -> list[MethodGroup]:
    """The groups of the overview and the sidebar, in order."""
    if zoo.info.method_order or not zoo.methods:
        return [MethodGroup(None, list(zoo.methods))]
    registry_order = {name: index for index, name in enumerate(zoo.registry.tasks)}
    tasks: dict[str, list[Method]] = {}
    for method in zoo.methods:
        tasks.setdefault(method.tasks[0] if method.tasks else "", []).append(method)
    ordered = sorted(tasks, key=lambda task: (task == "", registry_order.get(task, len(registry_order)), task))
    split = by_dataset_layout(zoo)
    groups = []
    for task in ordered:
        methods = sorted(tasks[task], key=lambda method: method.title.casefold())
        group = MethodGroup(task, methods)
        if split and task:
            datasets: dict[str, list[Method]] = {}
            for method in methods:
                datasets.setdefault(method.datasets[0] if method.datasets else "", []).append(method)
            counts = Counter({dataset: len(members) for dataset, members in datasets.items()})
            group.datasets = [(dataset, datasets[dataset])
                              for dataset in sorted(datasets, key=lambda d: (d == "", -counts[d], d.casefold()))]
            group.methods = [method for _, members in group.datasets for method in members]
        groups.append(group)
    return groups
