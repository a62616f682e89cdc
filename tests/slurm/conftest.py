"""The tiny, really trained detector of ``tests/verify`` (its fixtures, reused), and a tiny zoo of several
models for the Slurm tests. Slurm itself comes from ``tools/setup-slurm.sh`` (run by ``tools/setup.sh``)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

VERIFY_TESTS = Path(__file__).resolve().parents[1] / "verify"
sys.path.insert(0, str(VERIFY_TESTS))

import tiny_detector  # noqa: E402
from checkpoint_server import CheckpointServer  # noqa: E402


def _verify_fixtures():  # tests/verify/conftest.py under another module name: its fixtures, not a copy
    spec = importlib.util.spec_from_file_location("zoogen_tests_verify_conftest", VERIFY_TESTS / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_fixtures = _verify_fixtures()
tiny_build = _fixtures.tiny_build
tiny_coco = _fixtures.tiny_coco
tiny_configs_root = _fixtures.tiny_configs_root
tiny_checkpoint = _fixtures.tiny_checkpoint
tiny_reference_metrics = _fixtures.tiny_reference_metrics
tiny_box_ap = _fixtures.tiny_box_ap

MODELS = [f"tiny_{letter}" for letter in "abcdef"]  # the trained detector under six names
GONE = "tiny_gone"  # and a model whose weights are not on the server (an error record at the download step)


@pytest.fixture(scope="module")
def tiny_server(tiny_checkpoint: Path) -> Iterator[CheckpointServer]:
    with CheckpointServer() as server:
        server.add(tiny_checkpoint.name, tiny_checkpoint.read_bytes())
        server.checkpoint_name = tiny_checkpoint.name
        yield server


@pytest.fixture(scope="module")
def slurm_zoo(tiny_server: CheckpointServer, tiny_box_ap: float, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny zoo with its one model under the six names of `MODELS`, and `GONE` (a 404 checkpoint)."""
    zoo = tiny_detector.write_tiny_zoo(tmp_path_factory.mktemp("zoo"), tiny_server.url(tiny_server.checkpoint_name),
                                       tiny_box_ap)
    metafile = zoo / "tiny" / "metafile.yml"
    head, model = metafile.read_text(encoding="utf-8").split("Models:\n", 1)
    copies = [model.replace(f"Name: {tiny_detector.MODEL_NAME}", f"Name: {name}", 1) for name in MODELS]
    gone = model.replace(f"Name: {tiny_detector.MODEL_NAME}", f"Name: {GONE}", 1)
    copies.append(gone.replace(tiny_server.checkpoint_name, "tiny_20260101-0badf00d.pth"))
    metafile.write_text(head + "Models:\n" + "".join(copies), encoding="utf-8")
    return zoo
