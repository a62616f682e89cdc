"""Fixtures of the link tests: the local server and a small zoo whose URLs point at it."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from link_server import LinkServer  # noqa: E402


@pytest.fixture
def server() -> Iterator[LinkServer]:
    with LinkServer(slow_seconds=3.0) as running:
        yield running


@pytest.fixture
def make_zoo(tmp_path: Path) -> Callable[..., Path]:
    """``make_zoo(models, zoo_yml="")``: a zoo folder with one method; ``models`` maps name -> Weights."""

    def make(models: dict[str, str], zoo_yml: str = "") -> Path:
        root = tmp_path / "zoo"
        (root / "demo").mkdir(parents=True, exist_ok=True)
        (root / "model-index.yml").write_text("Import:\n  - demo/metafile.yml\n", encoding="utf-8")
        entries = []
        for name, weights in models.items():
            entries.append(textwrap.dedent(f"""\
                - Name: {name}
                  In Collection: Demo
                  Config: configs/demo/{name}.py
                  Results:
                    - Task: Object Detection
                      Dataset: COCO
                      Metrics:
                        box AP: 40.0
                  Weights: {weights}
                """))
        body = "Collections:\n  - Name: Demo\nModels:\n" + textwrap.indent("".join(entries), "  ")
        (root / "demo" / "metafile.yml").write_text(body, encoding="utf-8")
        (root / "zoo.yml").write_text(textwrap.dedent(zoo_yml), encoding="utf-8")
        return root

    return make
