"""Method titles: from the collection, told apart by what differs when a collection spans several metafiles.

A metafile's title is the name of the collection it defines, else the collection its models are in (MMPose's
``hrnet_mpii.yml`` lists models ``In Collection: HRNet`` defined in another file), else its file stem. Where
several metafiles would share a title (HRNet on COCO, MPII, AP-10K, ...), each title says what differs, in this
order, until no two are alike: the dataset (``HRNet (MPII)``), the rest of the models' ``Architecture``
(``SimpleBaseline2D + ResNeSt (COCO)``), the task, and last the file stem. Titles are names, the same in every
language (no words to translate).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from zoogen.meta.keys import fold
from zoogen.meta.schema import Method


def base_title(method: Method) -> str:
    """The collection the metafile defines, else the one most of its models are in, else its stem."""
    if method.collections:
        return method.collections[0].name
    named = Counter(model.collection for model in method.models if model.collection)
    if named:
        return named.most_common(1)[0][0]
    return method.id.rsplit("/", 1)[-1]


def _architecture(method: Method, base: str) -> str:
    """The models' Architecture entries other than the collection (``ResNeSt`` beside SimpleBaseline2D)."""
    variants: Counter[tuple[str, ...]] = Counter()
    for model in method.models:
        value = next((v for k, v in model.metadata.items() if fold(str(k)) == "architecture"), None)
        items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        variants[tuple(str(item) for item in items if fold(str(item)) != fold(base))] += 1
    return " + ".join(variants.most_common(1)[0][0]) if variants else ""


QUALIFIERS: dict[str, Callable[[Method, str], str]] = {
    "dataset": lambda method, base: (method.datasets or [""])[0],
    "architecture": _architecture,
    "task": lambda method, base: (method.tasks or [""])[0],
    "file": lambda method, base: method.id.rsplit("/", 1)[-1],
}


def derive_titles(methods: list[Method], fixed: set[str]) -> None:
    """Set the title of each method not in ``fixed`` (those keep the title zoo.yml gave them)."""
    derived = [method for method in methods if method.id not in fixed]
    bases = {method.id: base_title(method) for method in derived}
    parts: dict[str, dict[str, str]] = {method.id: {} for method in derived}
    for method in derived:
        method.title = bases[method.id]
    for kind, qualify in QUALIFIERS.items():
        for group in _clashing(derived):
            values = {method.id: qualify(method, bases[method.id]) for method in group}
            if len(set(values.values())) < 2:
                continue
            for method in group:
                parts[method.id][kind] = values[method.id]
                method.title = _title(bases[method.id], parts[method.id])
    for group in _clashing(derived):  # still alike (two files of one name): the page's path decides
        for method in group:
            method.title = f"{method.title} [{method.id}]"


def _clashing(methods: list[Method]) -> list[list[Method]]:
    groups: dict[str, list[Method]] = defaultdict(list)
    for method in methods:
        groups[method.title].append(method)
    return [group for group in groups.values() if len(group) > 1]


def _title(base: str, parts: dict[str, str]) -> str:
    """``HRNet + DarkPose (COCO, Body 2D Keypoint, hrnet_dark_coco)``; empty parts left out."""
    title = f"{base} + {parts['architecture']}" if parts.get("architecture") else base
    rest = [parts[kind] for kind in ("dataset", "task", "file") if parts.get(kind)]
    return f"{title} ({', '.join(rest)})" if rest else title
