"""A config and the ``_base_`` files it pulls in, found by parsing (never by running), and their hash.

An OpenMMLab config is Python that mmengine executes (``Config.fromfile``). `config_chain` follows its
``_base_`` files (``_base_ = [...]`` and the ``with read_base(): from .x import *`` style) with `ast`;
`config_fingerprint` hashes the whole chain, so a change in any ``_base_`` file shows. Shared by
``zoogen.currency`` (is a verification record still current?) and ``zoogen.verify`` (what may run).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ConfigChain", "config_chain", "config_fingerprint", "inside", "rooted_fingerprint"]

MAX_CHAIN = 200  # files; a config chain longer than this is broken (or a loop)


@dataclass(frozen=True)
class ConfigChain:
    """A config file and every file it inherits from (first the config itself)."""

    files: tuple[Path, ...]
    custom_imports: tuple[Path, ...]  # files that set ``custom_imports``
    unparsable: tuple[Path, ...]  # files that are no valid Python (mmengine will say why)
    missing: tuple[str, ...]  # ``_base_`` entries naming no file


def _strings(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.List | ast.Tuple):
        for item in node.elts:
            yield from _strings(item)


def _targets(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _bases(tree: ast.Module, here: Path) -> tuple[list[Path], list[str], bool]:
    """(``_base_`` files, names that resolve to nothing, whether ``custom_imports`` is set)."""
    found: list[Path] = []
    missing: list[str] = []
    custom = False
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and "custom_imports" in _targets(node):
            custom = True
        value = getattr(node, "value", None) if isinstance(node, ast.stmt) else None
        if isinstance(node, ast.stmt) and "_base_" in _targets(node) and isinstance(value, ast.AST):
            for name in _strings(value):
                path = (here / name) if not name.startswith("mmdet::") else None
                if path is not None and path.is_file():
                    found.append(path)
                else:
                    missing.append(name)
        if isinstance(node, ast.ImportFrom) and node.level > 0:  # read_base(): from .._base_.x import *
            base = here
            for _ in range(node.level - 1):
                base = base.parent
            parts = (node.module or "").split(".") if node.module else []
            module = base.joinpath(*parts)
            candidates = [module.with_suffix(".py")] if parts else []
            candidates += [module / f"{alias.name}.py" for alias in node.names if alias.name != "*"]
            hits = [c for c in candidates if c.is_file()]
            if hits:
                found.append(hits[0])
    return found, missing, custom


@functools.lru_cache(maxsize=4096)
def _parsed(path: Path, mtime_ns: int, size: int) -> tuple[list[Path], list[str], bool] | None:
    """`_bases` of one file (cached by path, modification time and size); None when it does not parse."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return None
    return _bases(tree, path.parent)


def config_chain(config_file: Path) -> ConfigChain:
    """The config and its ``_base_`` files (transitively), found by parsing, never by running them."""
    seen: list[Path] = []
    custom: list[Path] = []
    unparsable: list[Path] = []
    missing: list[str] = []
    queue = [Path(config_file)]
    while queue and len(seen) < MAX_CHAIN:
        path = queue.pop(0)
        if path.resolve() in (p.resolve() for p in seen):
            continue
        seen.append(path)
        try:
            stat = path.stat()
        except OSError:
            unparsable.append(path)
            continue
        parsed = _parsed(path, stat.st_mtime_ns, stat.st_size)
        if parsed is None:
            unparsable.append(path)
            continue
        bases, gone, sets_custom = parsed
        if sets_custom:
            custom.append(path)
        missing += gone
        queue += bases
    return ConfigChain(tuple(seen), tuple(custom), tuple(unparsable), tuple(missing))


def config_fingerprint(config_file: Path) -> str:
    """sha256 over the config's chain: each file's path relative to the config's folder, and its content.

    The same files give the same hash wherever the configs lie (an mmdet wheel's ``.mim/configs``, a
    clone's ``configs/``), so the hash `zoogen verify` records can be checked against a zoo's own copy.
    """
    return _cached_fingerprint(*_identity(Path(config_file)))


def rooted_fingerprint(config_file: Path, root: Path | None) -> str:
    """The hash zoogen 0.2 recorded: names relative to ``root`` (when inside it), so it depends on the root."""
    def name(path: Path) -> str:
        resolved = path.resolve().as_posix()
        return path.resolve().relative_to(root.resolve()).as_posix() if root is not None and inside(root, path) \
            else resolved
    return _digest(config_chain(config_file).files, name)


def _identity(path: Path) -> tuple[Path, tuple[tuple[str, int, int], ...]]:
    """The config and (path, mtime, size) of each file of its chain: the cache key of a fingerprint."""
    files = []
    for item in config_chain(path).files:
        try:
            stat = item.stat()
            files.append((str(item.resolve()), stat.st_mtime_ns, stat.st_size))
        except OSError:
            files.append((str(item), -1, -1))
    return path, tuple(files)


@functools.lru_cache(maxsize=4096)
def _cached_fingerprint(path: Path, files: tuple[tuple[str, int, int], ...]) -> str:
    folder = path.resolve().parent
    return _digest(config_chain(path).files, lambda p: Path(os.path.relpath(p.resolve(), folder)).as_posix())


def _digest(files: tuple[Path, ...], name_of: Callable[[Path], str]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.resolve().as_posix()):
        digest.update(name_of(path).encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
        digest.update(b"\0")
    return digest.hexdigest()


def inside(root: Path, path: Path) -> bool:
    """True when ``path`` (links followed) lies inside ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    return True
