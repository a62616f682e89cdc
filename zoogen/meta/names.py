"""Names that become paths: method ids (page URLs) and model names (record files)."""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

METAFILE_NAMES = ("metafile.yml", "metafile.yaml")
MAX_NAME_CHARS = 200  # a record is results/<model name>/<environment>.json; file systems allow 255 bytes
_UNSAFE_IN_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")
_NOT_IN_URL = re.compile(r"[^\w.+-]+")  # what a page URL segment keeps readable: letters, digits, _ . + -


def method_id(metafile: Path, root: Path) -> str:
    """The metafile's folder relative to the index's folder, without a leading ``configs/``, plus the
    file's stem when it is not ``metafile.yml``.

    ``configs/recognition/slowfast/metafile.yml`` -> ``recognition/slowfast``; ``faster_rcnn/metafile.yml``
    -> ``faster_rcnn``; ``configs/body_2d_keypoint/topdown_heatmap/coco/hrnet_coco.yml`` ->
    ``body_2d_keypoint/topdown_heatmap/coco/hrnet_coco``. A metafile outside the index's folder, or the
    index's own folder, is named after its own folder. Characters that cannot stand in a readable page URL
    (space, ``#``, ``?``, ...) become ``-`` (``configs/my method`` -> ``my-method``).
    """
    relative = os.path.relpath(os.path.abspath(metafile.parent), os.path.abspath(root))
    parts = list(PurePosixPath(relative.replace(os.sep, "/")).parts)
    if relative == "." or ".." in parts:
        parts = [metafile.parent.resolve().name or "zoo"]
    elif parts[0] == "configs" and len(parts) > 1:
        parts = parts[1:]
    if metafile.name not in METAFILE_NAMES:
        parts.append(metafile.stem)
    return "/".join(_NOT_IN_URL.sub("-", part).strip("-") or "-" for part in parts)


def unique_method_id(metafile: Path, root: Path, used: set[str]) -> str:
    """``method_id``, kept apart from ids already ``used`` (``a/metafile.yml`` beside ``configs/a/metafile.yml``,
    or two metafiles outside the index's folder): the later one keeps its ``configs/`` prefix, else a number."""
    identifier = method_id(metafile, root)
    if identifier in used:
        relative = os.path.relpath(os.path.abspath(metafile), os.path.abspath(root)).replace(os.sep, "/")
        if not relative.startswith("../"):
            identifier = relative.rsplit(".", 1)[0].removesuffix("/metafile")
        base, number = identifier, 2
        while identifier in used:
            identifier, number = f"{base}-{number}", number + 1
    used.add(identifier)
    return identifier


def unsafe_file_name(name: str) -> str | None:
    """Why ``name`` cannot be used as a file name as it is, or None when it can."""
    if name in (".", ".."):
        return "is a path segment ('.' or '..')"
    if len(name) > MAX_NAME_CHARS or len(name.encode("utf-8")) > 255:
        return f"is {len(name)} characters long (at most {MAX_NAME_CHARS})"
    bad = sorted(set(_UNSAFE_IN_NAME.findall(name)))
    if bad:
        shown = " ".join(repr(char) for char in bad)
        return f"holds characters that are not allowed in a file name ({shown})"
    if name.startswith(".") or name != name.strip():
        return "starts with a dot or has white space at either end"
    return None


def unsafe_relative_path(path: str) -> str | None:
    """Why ``path`` (a Config or an Import entry) is not a relative path inside its root, or None."""
    if path.startswith(("/", "\\")) or PurePosixPath(path).is_absolute() or (len(path) > 1 and path[1] == ":"):
        return "is an absolute path"
    if ".." in PurePosixPath(path.replace("\\", "/")).parts:
        return "holds a '..' segment"
    return None
