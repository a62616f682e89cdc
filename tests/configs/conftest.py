"""The configs folder of the installed MMDetection (``<mmdet>/.mim/configs``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def configs() -> Path:
    """Found without importing mmdet (no mmcv needed); the tests skip where mmdet is not installed."""
    spec = importlib.util.find_spec("mmdet")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("mmdet is not installed")
    root = Path(next(iter(spec.submodule_search_locations))) / ".mim" / "configs"
    assert root.is_dir(), f"mmdet is installed without its configs: {root}"
    return root
