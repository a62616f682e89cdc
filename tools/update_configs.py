"""Point a zoo's ``Config`` values at the config files an installed MMDetection ships.

    python3 tools/update_configs.py ZOO [--configs-root DIR]          show what would change
    python3 tools/update_configs.py ZOO [--configs-root DIR] --write  rewrite the metafiles

For each model whose ``Config`` is not a file under the configs root (default: the installed mmdet's
``.mim/configs``): the ``Config`` that MMDetection's own metafiles give for the same weights file, else the
file the resolver's rename table finds (`zoogen.meta.configs`). Only the ``Config`` lines change (each
metafile is rewritten atomically). Exit status 1 when some models are left with no config; they are listed.
This is how the bundled ``zoo_meta/`` was moved from MMDetection 2.x names to those of 3.3.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

import yaml

from zoogen.meta import load_zoo
from zoogen.meta.configs import VIA_EXACT, resolve_config
from zoogen.meta.schema import Model


def installed_configs_root() -> Path | None:
    """``mmdet/.mim/configs`` of the installed mmdet, found without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("mmdet")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations))) / ".mim" / "configs"
    return root if root.is_dir() else None


def configs_by_weights(configs_root: Path) -> dict[str, set[str]]:
    """Weights file name -> the ``Config`` values (existing files) MMDetection's metafiles give for it."""
    found: dict[str, set[str]] = {}
    for metafile in sorted(configs_root.glob("*/metafile.yml")):
        data = yaml.safe_load(metafile.read_text(encoding="utf-8"))
        models = data.get("Models") if isinstance(data, dict) else None
        for model in models if isinstance(models, list) else []:
            if not isinstance(model, dict) or not isinstance(model.get("Config"), str):
                continue
            config = unquote(model["Config"])
            config = config if config.startswith("configs/") else f"configs/{config}"
            if not (configs_root / config.removeprefix("configs/")).is_file():
                continue
            weights = model.get("Weights")
            for url in [weights] if isinstance(weights, str) else weights or []:
                found.setdefault(_file_name(str(url)), set()).add(config)
    return found


def _file_name(url: str) -> str:
    return unquote(PurePosixPath(url).name)


def new_config(model: Model, configs_root: Path, by_weights: dict[str, set[str]]) -> tuple[str | None, str]:
    """The ``Config`` the model should name, and how it was found."""
    resolved = resolve_config(configs_root, model.config)
    if resolved is not None and resolved.via == VIA_EXACT:
        return model.config, "unchanged"
    same_weights = sorted(by_weights.get(_file_name(model.weights), ())) if model.weights else []
    if len(same_weights) == 1:
        return same_weights[0], "same weights in MMDetection's metafiles"
    if resolved is not None and resolved.inside_root:
        return resolved.name, resolved.via
    return None, "no such config in this MMDetection"


def rewrite(metafile: Path, changes: dict[int, tuple[str, str]]) -> None:
    """Replace old by new on each given 1-based line, atomically."""
    lines = metafile.read_text(encoding="utf-8").splitlines(keepends=True)
    for line, (old, new) in changes.items():
        if old not in lines[line - 1]:
            raise SystemExit(f"{metafile}:{line}: expected {old!r} on this line")
        lines[line - 1] = lines[line - 1].replace(old, new, 1)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=metafile.parent, delete=False,
                                     prefix=f".{metafile.name}.") as handle:
        handle.write("".join(lines))
    os.replace(handle.name, metafile)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zoo", type=Path, help="the model index (or its folder)")
    parser.add_argument("--configs-root", type=Path, help="default: the installed mmdet's configs")
    parser.add_argument("--write", action="store_true", help="rewrite the metafiles")
    args = parser.parse_args(argv)
    configs_root = args.configs_root or installed_configs_root()
    if configs_root is None or not configs_root.is_dir():
        parser.error("no configs folder: install mmdet or pass --configs-root")
    loaded = load_zoo(args.zoo)
    if loaded.errors:
        for diagnostic in loaded.errors:
            print(diagnostic, file=sys.stderr)
        return 1
    by_weights = configs_by_weights(configs_root)
    how: Counter[str] = Counter()
    changes: dict[Path, dict[int, tuple[str, str]]] = {}
    missing: list[str] = []
    for model in loaded.zoo.models:
        if not model.config:
            continue
        config, reason = new_config(model, configs_root, by_weights)
        how[reason] += 1
        where = model.where("Config")
        if config is None:
            missing.append(f"{where}: {model.name}: {model.config}")
        elif config != model.config:
            print(f"{where}: {model.config} -> {config} ({reason})")
            changes.setdefault(where.file, {})[where.line] = (model.config, config)
    if args.write:
        for metafile, file_changes in changes.items():
            rewrite(metafile, file_changes)
    for line in missing:
        print(f"{line}: no such config in this MMDetection", file=sys.stderr)
    summary = ", ".join(f"{count} {reason}" for reason, count in how.most_common())
    print(f"{sum(how.values())} configs: {summary}" + ("" if args.write or not changes else "; pass --write"))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
