"""Paths of the small zoo of this folder and a way to run the zoogen command (imported by the tests here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TINY_ZOO = Path(__file__).resolve().parent / "zoo"
TINY_RESULTS = Path(__file__).resolve().parent / "zoo_results"


def zoogen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zoogen.cli", *args], capture_output=True, text=True, cwd=ROOT)
