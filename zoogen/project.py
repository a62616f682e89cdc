"""Where a repository keeps its zoo: the commands find the model index without ``--zoo``."""

from __future__ import annotations

import os
from pathlib import Path

from zoogen.errors import ZoogenError

INDEX_FILE = "model-index.yml"
BUNDLED_FOLDER = "zoo_meta"
ZOO_ENVIRONMENT = "ZOOGEN_ZOO"
REPOSITORY_MARKERS = (".git", ".hg")  # a folder holding one is a repository's root (.git: a file in a worktree)


def find_zoo(start: Path | None = None) -> Path:
    """The zoo of the repository around ``start`` (default: the current folder).

    ``$ZOOGEN_ZOO`` wins; then, from ``start`` up to the repository's root, the first folder holding a
    ``model-index.yml`` (an adopted repository) or a ``zoo_meta/model-index.yml`` (zoogen's own checkout).
    """
    if os.environ.get(ZOO_ENVIRONMENT):
        return Path(os.environ[ZOO_ENVIRONMENT])
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        for candidate in (folder, folder / BUNDLED_FOLDER):
            if (candidate / INDEX_FILE).is_file():
                return candidate
        if (folder / ".git").exists():
            break
    raise ZoogenError(f"no {INDEX_FILE} found in {start} or above it (nor in {BUNDLED_FOLDER}/); "
                      f"pass --zoo DIR or set {ZOO_ENVIRONMENT}")


def repository_root(folder: Path) -> Path:
    """The repository that holds ``folder``: the nearest folder at or above it with a ``.git`` (or ``.hg``).

    Outside any checkout: the current folder when ``folder`` lies inside it (and it is not the file system's
    root), else ``folder`` itself. Paths that a zoo's own files name (``zoo.yml``, ``Import``) stay inside it.
    """
    folder = folder.resolve()
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in REPOSITORY_MARKERS):
            return candidate
    here = Path.cwd().resolve()
    return here if folder.is_relative_to(here) and here != Path(here.anchor) else folder
