"""Shared fixtures: paths of the repository, the bundled zoo and the real corpus in ../shared."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpora" / "mmdetection"
SEEDS = SHARED / "seeds"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpora/mmdetection is not beside the checkout")
    return CORPUS


@pytest.fixture
def make_zoo(tmp_path: Path):
    """Write a small zoo: ``make_zoo({"method/metafile.yml": "...yaml..."}, zoo_yml=...)`` -> its folder."""

    def make(files: dict[str, str], zoo_yml: str | None = None, imports: list[str] | None = None) -> Path:
        zoo = tmp_path / "zoo"
        zoo.mkdir(exist_ok=True)
        for name, text in files.items():
            path = zoo / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        listed = imports if imports is not None else list(files)
        (zoo / "model-index.yml").write_text("Import:\n" + "".join(f"  - \"{name}\"\n" for name in listed))
        if zoo_yml is not None:
            (zoo / "zoo.yml").write_text(textwrap.dedent(zoo_yml), encoding="utf-8")
        return zoo

    return make
