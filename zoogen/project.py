"""Where a repository keeps its zoo: the commands find the model index without ``--zoo``."""

from __future__ import annotations

import functools
import os
import re
import subprocess
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


_REMOTE_OWNER = re.compile(r"^(?:https?://|ssh://)?(?:[^@/]+@)?[^:/]+[:/](?P<owner>[^/]+)/[^/]+?(?:\.git)?/?$")


@functools.lru_cache(maxsize=32)
def repository_owner(folder: Path) -> str | None:
    """The owner of the git repository holding ``folder`` (``open-mmlab`` of github.com/open-mmlab/mmpose), from
    its ``origin`` remote (or its only remote); None outside a repository or without a remote."""
    def git(*arguments: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(folder), *arguments], capture_output=True, text=True,
                                  timeout=10, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None

    url = git("remote", "get-url", "origin")
    if url is None:
        remotes = (git("remote") or "").split()
        url = git("remote", "get-url", remotes[0]) if len(remotes) == 1 else None
    match = _REMOTE_OWNER.match(url or "")
    return match["owner"] if match else None
