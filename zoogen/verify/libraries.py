"""Which OpenMMLab library a zoo belongs to, and the configs its installed wheel ships.

Reads files only (no library is imported): ``zoogen verify plan`` and Slurm submission use it on a login node.
The zoo's library is ``zoo.yml``'s ``library:`` when set; else the installed library (of the registry's
``libraries``) whose shipped configs hold the most of the zoo's ``Config`` paths; else the library of the zoo's
most frequent task (the registry's task ``library``), which must then be installed.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from zoogen.meta.configs import resolve_config
from zoogen.meta.registry import LibraryInfo, Registry, load_registry
from zoogen.meta.schema import Model

__all__ = ["LibraryMissing", "configs_root_of", "default_configs_root", "zoo_configs_root", "zoo_library"]

SAMPLE = 40  # Config paths tried per library: enough to tell libraries apart, cheap on a zoo of thousands


class LibraryMissing(Exception):
    """The zoo's library is not installed here (the message names it and how to install it)."""


def configs_root_of(scope: str) -> Path | None:
    """The configs shipped in the installed package ``scope`` (``<package>/.mim/configs``), or None."""
    try:
        spec = importlib.util.find_spec(scope)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    for candidate in (package / ".mim" / "configs", package.parent / "configs"):
        if candidate.is_dir():
            return candidate
    return None


def zoo_library(models: Sequence[Model], declared: str | None = None,
                registry: Registry | None = None) -> LibraryInfo | None:
    """The library of the zoo (module doc), or None when neither zoo.yml nor an installed library tells.

    Raises:
        LibraryMissing: zoo.yml names a library the registry does not know, or one that is not installed.
    """
    registry = registry or load_registry()
    if declared:
        info = registry.libraries.get(declared) or next(
            (lib for lib in registry.libraries.values() if declared in (lib.package, lib.title)), None)
        if info is None:
            known = ", ".join(sorted(registry.libraries))
            raise LibraryMissing(f"zoo.yml's library {declared!r} is not one zoogen verifies with ({known})")
        if configs_root_of(info.scope) is None:
            raise LibraryMissing(f"the zoo's library {info.title} is not installed here: pip install "
                                 f"{info.package} (or pass --configs-root)")
        return info
    configs = [m.config for m in models if m.config][:SAMPLE]
    best: tuple[int, LibraryInfo] | None = None
    for info in registry.libraries.values():
        root = configs_root_of(info.scope)
        if root is None or not configs:
            continue
        found = sum(1 for config in configs if resolve_config(root, config) is not None)
        if found and (best is None or found > best[0]):
            best = (found, info)
    if best is not None:
        return best[1]
    votes: dict[str, int] = {}
    for model in models:
        for result in model.results:
            task = registry.tasks.get(result.task)
            if task is not None and task.library in registry.libraries:
                votes[task.library] = votes.get(task.library, 0) + 1
    if not votes:
        return None
    info = registry.libraries[max(votes, key=lambda scope: votes[scope])]
    if configs_root_of(info.scope) is None:
        raise LibraryMissing(f"the zoo's models are {info.title}'s, which is not installed here: pip install "
                             f"{info.package} (or pass --configs-root)")
    return info


def default_configs_root(library: LibraryInfo | None = None) -> Path | None:
    """The configs shipped by ``library`` (default: MMDetection's), or None when it is not installed."""
    return configs_root_of(library.scope if library else "mmdet")


def zoo_configs_root(models: Sequence[Model], declared: str | None, given: Path | None) -> Path | None:
    """``--configs-root`` when given, else the configs shipped by the zoo's installed library (`zoo_library`),
    else MMDetection's when it is installed. Raises `LibraryMissing` (the message names the library)."""
    if given is not None:
        return given
    library = zoo_library(models, declared)
    return default_configs_root(library)
