"""Paths that a zoo's own files name (``zoo.yml``, ``Import``) stay inside its repository.

A path is judged once its symbolic links are resolved: ``locales`` that is a link to ``/etc`` is outside. Paths
given on the command line are the user's own and may point anywhere; they never pass through here.
"""

from __future__ import annotations

import os
from pathlib import Path

from zoogen.errors import Diagnostics, Location


def inside(path: Path, repository: Path) -> bool:
    """Whether ``path``, its links resolved, lies in ``repository`` (or is it)."""
    try:
        return path.resolve().is_relative_to(repository.resolve())
    except (OSError, RuntimeError):  # a link loop
        return False


def repository_path(root: Path, written: str, repository: Path, where: Location, field: str,
                    diags: Diagnostics) -> Path | None:
    """``written`` (relative to ``root``) resolved, or None and one error when it leaves ``repository``."""
    path = root / written
    if inside(path, repository):
        return path.resolve()
    diags.error(f"{written!r} leads to {_resolved(path)}, outside the repository {repository}; "
                "a path in the zoo's files stays inside its repository", where, field)
    return None


def links_out(folder: Path, repository: Path) -> list[tuple[Path, Path]]:
    """The symbolic links below ``folder`` that lead outside ``repository`` (and where they lead)."""
    found: list[tuple[Path, Path]] = []
    try:
        if not folder.is_dir():
            return found
    except OSError:  # a name too long: no folder
        return found
    for parent, folders, files in os.walk(folder):  # links to folders are listed, never entered
        for name in (*folders, *files):
            path = Path(parent, name)
            if path.is_symlink() and not inside(path, repository):
                found.append((path, _resolved(path)))
    return found


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path
