"""Published files are readable by any web server: folders 0755, files 0644.

Temporary folders (``tempfile.mkdtemp``) and atomically written files (``NamedTemporaryFile``) are created
private (0700, 0600); a site or an export built in one and then moved into place would keep that mode, and a
web server running as another user would answer 403.
"""

from __future__ import annotations

import os
from pathlib import Path

FOLDER_MODE = 0o755
FILE_MODE = 0o644


def make_public(root: Path) -> None:
    """Give ``root`` and everything below it the modes of published files (links are left alone)."""
    root = Path(root)
    if root.is_symlink():
        return
    if root.is_file():
        os.chmod(root, FILE_MODE)
        return
    os.chmod(root, FOLDER_MODE)
    for folder, folders, files in os.walk(root):
        for name in folders:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, FOLDER_MODE)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, FILE_MODE)
