"""The web-standards checkers of the tests: the Nu HTML Checker (vnu.jar, on Java) and axe-core (in the
browser), both from npm (``bash tools/setup-browser.sh`` installs them into ``$ZOOGEN_NPM_DIR``, default
``~/.cache/zoogen/npm``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

VNU_JAR = "vnu-jar/build/dist/vnu.jar"
AXE_JS = "axe-core/axe.min.js"


def npm_file(relative: str) -> Path | None:
    """``node_modules/<relative>`` in the first npm folder that has it."""
    folders = [os.environ.get("ZOOGEN_NPM_DIR"), str(Path.home() / ".cache" / "zoogen" / "npm")]
    for folder in filter(None, folders):
        path = Path(folder) / "node_modules" / relative
        if path.is_file():
            return path
    return None


def require_vnu() -> tuple[str, Path]:
    """(java, vnu.jar), or skip saying what is missing."""
    java = shutil.which("java")
    jar = npm_file(VNU_JAR)
    if not java:
        pytest.skip("java is not installed (the Nu HTML Checker runs on it): run `bash tools/setup-browser.sh`")
    if not jar:
        pytest.skip("npm's vnu-jar is not installed in $ZOOGEN_NPM_DIR or ~/.cache/zoogen/npm: "
                    "run `bash tools/setup-browser.sh`")
    return java, jar


def require_axe() -> str:
    path = npm_file(AXE_JS)
    if not path:
        pytest.skip("npm's axe-core is not installed in $ZOOGEN_NPM_DIR or ~/.cache/zoogen/npm: "
                    "run `bash tools/setup-browser.sh`")
    return path.read_text(encoding="utf-8")


def vnu_errors(*roots: Path) -> list[dict]:
    """The Nu HTML Checker's errors (not warnings) on every HTML file below ``roots``."""
    java, jar = require_vnu()
    done = subprocess.run([java, "-jar", str(jar), "--errors-only", "--format", "json", "--skip-non-html",
                           *map(str, roots)], capture_output=True, text=True, timeout=900)
    report = json.loads(done.stderr or done.stdout or '{"messages": []}')
    return [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")]


def summarise(errors: list[dict], limit: int = 20) -> str:
    return "\n".join(f"{e.get('url', '')}:{e.get('lastLine', '')}: {e.get('message', '')}" for e in errors[:limit])
