"""The small zoo of tests/export (four models on one V100 protocol) and its one verification record."""

from __future__ import annotations

from pathlib import Path

import pytest

from zoogen.meta import load_zoo
from zoogen.meta.schema import Zoo
from zoogen.records import load_records

ROOT = Path(__file__).resolve().parents[2]
TINY_ZOO = ROOT / "tests" / "export" / "zoo"
TINY_RESULTS = ROOT / "tests" / "export" / "zoo_results"


@pytest.fixture(scope="session")
def tiny_zoo() -> Zoo:
    return load_zoo(TINY_ZOO, strict=True).zoo


@pytest.fixture(scope="session")
def tiny_records():
    return load_records(TINY_RESULTS)
