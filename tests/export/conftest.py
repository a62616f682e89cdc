"""The small zoo of this folder and its one verification record."""

from __future__ import annotations

import pytest
from tiny_zoo import TINY_RESULTS, TINY_ZOO

from zoogen.meta import load_zoo
from zoogen.meta.schema import Zoo
from zoogen.records import load_records


@pytest.fixture(scope="session")
def tiny_zoo() -> Zoo:
    return load_zoo(TINY_ZOO, strict=True).zoo


@pytest.fixture(scope="session")
def tiny_records():
    return load_records(TINY_RESULTS)
