"""What a model's config pulls in, read without running it: safety checks and a content fingerprint.

An MMDetection config is Python that mmengine executes (``Config.fromfile``). `config_chain` follows its
``_base_`` files (``_base_ = [...]`` and the ``with read_base(): from .x import *`` style) by parsing them
with `ast`, so zoogen can refuse a config before anything of it runs:

* a config, or one of its ``_base_`` files, outside ``--configs-root`` (the installed mmdet's configs by
  default) -- a metafile's ``Config: ../../evil/x.py`` must not run;
* a config that sets ``custom_imports`` (it imports arbitrary modules when loaded);

unless ``--trust-configs`` is given. `config_fingerprint` hashes the whole chain, so ``zoogen verify plan``
sees a change in any ``_base_`` file.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ConfigRefused", "ConfigChain", "check_config", "config_chain", "config_fingerprint"]

MAX_CHAIN = 200  # files; a config chain longer than this is broken (or a loop)


class ConfigRefused(Exception):
    """A config that would run code zoogen has not been told to trust."""


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
        if isinstance(node, ast.stmt) and "_base_" in _targets(node) and getattr(node, "value", None) is not None:
            for name in _strings(node.value):
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


def config_fingerprint(config_file: Path, root: Path | None = None) -> str:
    """sha256 over the config's chain: each file's name (relative to ``root`` when inside) and content."""
    digest = hashlib.sha256()
    chain = config_chain(config_file)
    for path in sorted(chain.files, key=lambda p: p.resolve().as_posix()):
        name = path.resolve().as_posix()
        if root is not None and _inside(root, path):
            name = path.resolve().relative_to(root.resolve()).as_posix()
        digest.update(name.encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
        digest.update(b"\0")
    return digest.hexdigest()


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    return True


def check_config(config_file: Path, configs_root: Path | None, *, trust: bool) -> ConfigChain:
    """Refuse (`ConfigRefused`) a config whose chain leaves ``configs_root`` or sets ``custom_imports``.

    With ``trust`` nothing is refused (the caller says so once per run).
    """
    chain = config_chain(config_file)
    if trust:
        return chain
    advice = ("A config is Python that mmengine executes; pass --trust-configs to run the zoo's own Python "
              "(at your risk).")
    outside = [p for p in chain.files if configs_root is None or not _inside(configs_root, p)]
    if outside:
        where = f"--configs-root {configs_root}" if configs_root is not None else "a configs root"
        first = outside[0] if outside[0] != chain.files[0] else config_file
        what = "the config" if first == config_file else f"its _base_ file {first}"
        raise ConfigRefused(f"refused to run config {config_file.name}: {what} lies outside {where}. {advice}")
    if chain.custom_imports:
        raise ConfigRefused(
            f"refused to run config {config_file.name}: {chain.custom_imports[0].name} sets custom_imports, "
            f"which imports modules when the config is loaded. {advice}"
        )
    return chain
