"""The small zoo of this folder and its one verification record."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from zoogen.meta import load_zoo
from zoogen.meta.schema import Zoo
from zoogen.records import load_records

ROOT = Path(__file__).resolve().parents[2]
TINY_ZOO = Path(__file__).resolve().parent / "zoo"
TINY_RESULTS = Path(__file__).resolve().parent / "zoo_results"


def zoogen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zoogen.cli", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.fixture(scope="session")
def tiny_zoo() -> Zoo:
    return load_zoo(TINY_ZOO, strict=True).zoo


@pytest.fixture(scope="session")
def tiny_records():
    return load_records(TINY_RESULTS)
