"""Real Sphinx builds shared by the site tests (built once per session)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def zoogen(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zoogen.cli", *args], capture_output=True, text=True, cwd=cwd)


def build(zoo: Path, out: Path, *extra: str) -> Path:
    result = zoogen("build", "--zoo", str(zoo), "--lang", "all", "--out", str(out), *extra)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled zoo in both languages."""
    return build(ROOT / "zoo_meta", tmp_path_factory.mktemp("bundled"), "--strict")
