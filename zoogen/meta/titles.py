"""Method titles: from the collection, told apart by what differs when a collection spans several metafiles.

A metafile's title is the name of the collection it defines, else the collection its models are in (MMPose's
``hrnet_mpii.yml`` lists models ``In Collection: HRNet`` defined in another file), else its file stem. Where
several metafiles would share a title (HRNet on COCO, MPII, AP-10K, ...), each title says what differs, in this
order, until no two are alike: the dataset (``HRNet (MPII)``), what the models' ``Architecture`` adds to the
group's (``SimpleBaseline2D + ResNeSt``), the metafile's folder, and last its name; the one metafile that
defines the collection keeps the bare name. Titles are names, the same in every language (nothing to translate).
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


def _architecture_items(method: Method, base: str) -> tuple[str, ...]:
    """The Architecture entries most of the method's models name, other than the collection itself."""
    variants: Counter[tuple[str, ...]] = Counter()
    for model in method.models:
        value = next((v for k, v in model.metadata.items() if fold(str(k)) == "architecture"), None)
        items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        variants[tuple(str(item) for item in items if fold(str(item)) != fold(base))] += 1
    return variants.most_common(1)[0][0] if variants else ()


def _variant(method: Method, base: str, group: list[Method]) -> str:
    """What the method's architecture adds to what every method of its group shares (``ResNeSt``), when that
    is at most ``MAX_VARIANT_ITEMS`` entries (a longer list names no variant)."""
    shared = set.intersection(*(set(_architecture_items(m, base)) for m in group))
    items = [item for item in _architecture_items(method, base) if item not in shared]
    return " + ".join(items) if 0 < len(items) <= MAX_VARIANT_ITEMS else ""


MAX_VARIANT_ITEMS = 2
QUALIFIERS: dict[str, Callable[[Method, str, list[Method]], str]] = {
    "dataset": lambda method, base, group: (method.datasets or [""])[0],
    "architecture": _variant,
    "folder": lambda method, base, group: _folder(method),
    "file": lambda method, base, group: method.id.rsplit("/", 1)[-1],
}


def _folder(method: Method) -> str:
    """The metafile's folder when it names more than the dataset (``ubody2d``, not ``coco`` for COCO)."""
    if "/" not in method.id:
        return ""
    folder = method.id.rsplit("/", 2)[-2]
    dataset = (method.datasets or [""])[0]
    return "" if _letters(folder) == _letters(dataset) else folder


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _defines(method: Method, base: str) -> bool:
    return any(collection.name == base for collection in method.collections)


def derive_titles(methods: list[Method], fixed: set[str]) -> None:
    """Set the title of each method not in ``fixed`` (those keep the title zoo.yml gave them).

    Within a group of methods that would share a title, the one metafile that defines the collection keeps
    the bare name (MMDetection's ``faster_rcnn/metafile.yml`` stays "Faster R-CNN"); each other one gets the
    first qualifier that tells it apart from the rest.
    """
    derived = [method for method in methods if method.id not in fixed]
    bases = {method.id: base_title(method) for method in derived}
    parts: dict[str, dict[str, str]] = {method.id: {} for method in derived}
    for method in derived:
        method.title = bases[method.id]
    for kind, qualify in QUALIFIERS.items():
        for group in _clashing(derived):
            homes = [m for m in group if _defines(m, bases[m.id]) and not parts[m.id]]
            home = homes[0] if len(homes) == 1 else None
            values = {m.id: qualify(m, bases[m.id], group) for m in group}
            if len(set(values.values())) < 2:
                continue
            for method in group:
                value = values[method.id]
                if method is home or not value or (home is not None and value == values[home.id]):
                    continue
                parts[method.id][kind] = value
                method.title = _title(bases[method.id], parts[method.id])
    defined = {c.name for m in methods for c in m.collections}
    for method in derived:  # a collection defined in another metafile: say which study of it this page is
        base = bases[method.id]
        if not parts[method.id] and not _defines(method, base) and base in defined:
            parts[method.id]["file"] = QUALIFIERS["file"](method, base, [method])
            method.title = _title(base, parts[method.id])
    for group in _clashing(derived):  # still alike (two files of one name): the page's path decides
        for method in group:
            method.title = f"{method.title} [{method.id}]"


def _clashing(methods: list[Method]) -> list[list[Method]]:
    groups: dict[str, list[Method]] = defaultdict(list)
    for method in methods:
        groups[method.title].append(method)
    return [group for group in groups.values() if len(group) > 1]


def _title(base: str, parts: dict[str, str]) -> str:
    """``SimpleBaseline2D + ResNeSt (COCO, resnest_coco)``; empty parts left out."""
    title = f"{base} + {parts['architecture']}" if parts.get("architecture") else base
    rest = [parts[kind] for kind in ("dataset", "folder", "file") if parts.get(kind)]
    return f"{title} ({', '.join(rest)})" if rest else title
