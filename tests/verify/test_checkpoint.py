"""zoogen.verify.checkpoint: weights-only loading with a short allow-list; malicious pickles refused."""

from __future__ import annotations

import builtins
import collections
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from zoogen.verify.checkpoint import (
    CheckpointError,
    CheckpointRefused,
    declared_storage_bytes,
    load_checkpoint,
    safe_checkpoint_globals,
    storage_limit,
)


class _TouchMarker:
    """Unpickling this runs ``os.system("touch <marker>")``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _EvalMarker:
    """Unpickling this runs ``eval`` of code that creates the marker."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (builtins.eval, (f"open({str(self.marker)!r}, 'w').close()",))


class Custom:
    """A harmless class the allow-list does not know."""

    def __init__(self) -> None:
        self.value = 42


def _state_dict() -> collections.OrderedDict:
    return collections.OrderedDict(
        [("backbone.conv1.weight", torch.randn(4, 3, 3, 3)), ("bbox_head.bias", torch.zeros(4))]
    )


def test_openmmlab_like_checkpoint_loads(tmp_path: Path) -> None:
    """What mmcv/mmengine put in ``meta``: numbers, strings, class tuples, numpy scalars and arrays."""
    meta = {
        "mmdet_version": "3.3.0",
        "CLASSES": ("person", "bicycle"),
        "dataset_meta": {"classes": ("person",), "palette": [(220, 20, 60)]},
        "epoch": 12,
        "iter": 87960,
        "seed": np.int64(1234),
        "hook_msgs": {"best_score": np.float64(0.374), "last_ckpt": "work_dirs/epoch_12.pth"},
        "history": np.arange(5, dtype=np.float32),
        "dtype": np.dtype("float64"),
        "time": "Thu Jan 30 04:12:34 2020",
    }
    path = tmp_path / "model.pth"
    torch.save({"meta": meta, "state_dict": _state_dict(), "optimizer": {"state": {}, "param_groups": []}},
               path)
    checkpoint = load_checkpoint(path)
    assert set(checkpoint["state_dict"]) == {"backbone.conv1.weight", "bbox_head.bias"}
    assert checkpoint["meta"]["seed"] == 1234
    assert checkpoint["meta"]["hook_msgs"]["best_score"] == pytest.approx(0.374)
    np.testing.assert_array_equal(checkpoint["meta"]["history"], np.arange(5, dtype=np.float32))


def test_numpy1_spelling_is_mapped(tmp_path: Path) -> None:
    """Checkpoints pickled under numpy 1.x name ``numpy.core.multiarray``: still accepted."""
    path = tmp_path / "np1.pth"
    torch.save({"state_dict": _state_dict(), "meta": {"loss": np.float64(0.5), "arr": np.ones(3)}}, path)
    rewritten = tmp_path / "np1-spelling.pth"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(rewritten, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith("data.pkl"):
                assert b"numpy._core.multiarray" in data  # protocol 2: GLOBAL names are plain text lines
                data = data.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
            dst.writestr(info, data)
    checkpoint = load_checkpoint(rewritten)
    assert checkpoint["meta"]["loss"] == 0.5
    np.testing.assert_array_equal(checkpoint["meta"]["arr"], np.ones(3))


@pytest.mark.parametrize("payload", [_TouchMarker, _EvalMarker])
def test_malicious_pickle_is_refused_and_never_runs(tmp_path: Path, payload: type) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    torch.save({"state_dict": _state_dict(), "meta": {"x": payload(marker)}}, path)
    with pytest.raises(CheckpointRefused) as info:
        load_checkpoint(path)
    assert not marker.exists()
    message = str(info.value)
    assert "--trust-checkpoints" in message and "weights_only=False" in message
    assert info.value.refused and info.value.refused[0] in message
    assert any(name.endswith(("system", "eval")) for name in info.value.refused)


def test_unknown_class_refused_then_loaded_with_trust(tmp_path: Path) -> None:
    path = tmp_path / "custom.pth"
    torch.save({"state_dict": _state_dict(), "meta": {"custom": Custom()}}, path)
    with pytest.raises(CheckpointRefused, match=r"test_checkpoint\.Custom|Custom"):
        load_checkpoint(path)
    trusted = load_checkpoint(path, trust=True)
    assert trusted["meta"]["custom"].value == 42


def test_bare_state_dict_is_wrapped(tmp_path: Path) -> None:
    path = tmp_path / "bare.pth"
    torch.save(_state_dict(), path)
    checkpoint = load_checkpoint(path)
    assert set(checkpoint) == {"state_dict", "meta"}
    assert checkpoint["meta"] == {}
    assert "bbox_head.bias" in checkpoint["state_dict"]


def test_not_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "garbage.pth"
    path.write_bytes(b"\x00this is not a torch file" * 10)
    with pytest.raises(CheckpointError, match="garbage.pth"):
        load_checkpoint(path)
    tensor = tmp_path / "tensor.pth"
    torch.save(torch.zeros(2), tensor)
    with pytest.raises(CheckpointError, match="Tensor"):
        load_checkpoint(tensor)


def test_allow_list_is_short_and_harmless() -> None:
    names = set()
    for item in safe_checkpoint_globals():
        obj = item[0] if isinstance(item, tuple) else item
        names.add(f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}")
    assert len(names) < 40
    forbidden = ("builtins.getattr", "builtins.eval", "builtins.exec", "posix.system", "os.system",
                 "functools.partial", "subprocess.", "copyreg.")
    assert not [n for n in names if n.startswith(forbidden)]


def test_mmengine_history_buffer_needs_trust(tmp_path: Path) -> None:
    """A message hub pickles ``getattr(HistoryBuffer, ...)``: refused (getattr is never allowed) unless trusted."""
    history = pytest.importorskip("mmengine.logging.history_buffer")
    buffer = history.HistoryBuffer()
    buffer.update(0.5)
    buffer.update(0.25)
    path = tmp_path / "mmengine.pth"
    torch.save({"state_dict": _state_dict(), "meta": {},
                "message_hub": {"log_scalars": {"train/loss": buffer}, "runtime_info": {"epoch": 1}}}, path)
    with pytest.raises(CheckpointRefused, match="--trust-checkpoints") as info:
        load_checkpoint(path)
    assert "builtins.getattr" in info.value.refused
    checkpoint = load_checkpoint(path, trust=True)
    assert checkpoint["message_hub"]["log_scalars"]["train/loss"].mean() == pytest.approx(0.375)


class _GetattrProbe:
    """Unpickling this calls ``getattr(owner, name)`` through the pickle's ``builtins.getattr``."""

    def __init__(self, owner: object, name: str) -> None:
        self.owner, self.name = owner, name

    def __reduce__(self):
        return (builtins.getattr, (self.owner, self.name))


def test_getattr_is_always_refused(tmp_path: Path) -> None:
    history = pytest.importorskip("mmengine.logging.history_buffer")
    for owner, name in [(history.HistoryBuffer, "mean"), (history.HistoryBuffer, "__init__"),
                        (np.ndarray, "tofile"), (collections.OrderedDict, "__init_subclass__")]:
        path = tmp_path / f"probe-{name}.pth"
        torch.save({"state_dict": _state_dict(), "meta": {"m": _GetattrProbe(owner, name)}}, path)
        with pytest.raises(CheckpointRefused, match="builtins.getattr") as info:
            load_checkpoint(path)
        assert "--trust-checkpoints" in str(info.value)


def test_mmengine_training_checkpoint_needs_trust_but_its_published_form_loads(tmp_path: Path) -> None:
    """What ``mmengine.Runner.save_checkpoint`` writes (meta, message hub, optimizer, schedulers) needs
    --trust-checkpoints; the published form (meta + state_dict) of the same checkpoint loads as it is."""
    pytest.importorskip("mmengine")
    import mmengine
    from mmengine.logging import MessageHub
    from mmengine.optim import LinearLR, MultiStepLR, OptimWrapper

    model = torch.nn.Linear(2, 2)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9, weight_decay=1e-4))
    optim.update_params(model(torch.randn(3, 2)).sum())
    schedulers = [LinearLR(optim, start_factor=0.001, by_epoch=False, begin=0, end=500),
                  MultiStepLR(optim, milestones=[8, 11], by_epoch=True)]
    hub = MessageHub.get_instance("zoogen-test-checkpoint")
    hub.update_scalar("train/loss", 0.5)
    hub.update_info("epoch", 1)
    meta = {"cfg": "model = dict()", "seed": 42, "experiment_name": "x", "time": "20260101_000000",
            "mmengine_version": mmengine.__version__, "epoch": 1, "iter": 10,
            "dataset_meta": {"classes": ("a",), "palette": [(1, 2, 3)]}}
    path = tmp_path / "epoch_1.pth"
    torch.save({"meta": meta, "state_dict": model.state_dict(), "message_hub": hub.state_dict(),
                "optimizer": optim.state_dict(), "param_schedulers": [s.state_dict() for s in schedulers]}, path)
    with pytest.raises(CheckpointRefused, match="builtins.getattr"):
        load_checkpoint(path)
    assert load_checkpoint(path, trust=True)["message_hub"]["log_scalars"]["train/loss"].mean() == pytest.approx(0.5)
    published = tmp_path / "published.pth"
    torch.save({"meta": meta, "state_dict": model.state_dict()}, published)
    checkpoint = load_checkpoint(published)
    assert checkpoint["meta"]["dataset_meta"]["classes"] == ("a",)
    assert set(checkpoint["state_dict"]) == {"weight", "bias"}


# --- declared storage: zip bombs, and files that are no checkpoint ----------------------------------------

def _zip_bomb(path: Path) -> Path:
    """A real 1 MiB torch.save file whose pickle declares 2**31-1 floats (8 GiB) for its one tensor."""
    import struct

    honest = path.with_name("honest.pth")
    torch.save({"state_dict": {"w": torch.zeros(262144)}}, honest)
    with zipfile.ZipFile(honest) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as bomb:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("data.pkl"):
                data = data.replace(b"J" + struct.pack("<i", 262144), b"J" + struct.pack("<i", 2**31 - 1))
            bomb.writestr(info, data)
    return path


def test_zip_bomb_is_refused_quickly_without_allocating(tmp_path: Path) -> None:
    bomb = _zip_bomb(tmp_path / "bomb.pth")
    assert 1 << 20 <= bomb.stat().st_size < 2 << 20
    assert declared_storage_bytes(bomb) == (2**31 - 1) * 4
    script = (
        "import resource, sys\n"
        "from zoogen.verify.checkpoint import CheckpointTooLarge, load_checkpoint\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    load_checkpoint(sys.argv[1])\n"
        "except CheckpointTooLarge as exc:\n"
        "    print('refused', exc)\n"
        "print('grew_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(bomb)], capture_output=True, text=True,
                          timeout=120, check=True)
    assert "refused" in done.stdout and "8,192 MiB" in done.stdout, done.stdout
    grew = int(done.stdout.split("grew_kb")[1])
    assert grew < 200 * 1024, f"loading the bomb grew the process by {grew} kB"


def test_honest_checkpoints_declare_no_more_than_their_size(tmp_path: Path) -> None:
    state = {"w": torch.randn(1000, 10), "b": torch.zeros(10, dtype=torch.float64)}
    view = torch.arange(100)[10:20]  # a view: its whole storage is saved
    for legacy in (False, True):
        path = tmp_path / f"ckpt-{legacy}.pth"
        torch.save({"meta": {}, "state_dict": {**state, "v": view}}, path,
                   _use_new_zipfile_serialization=not legacy)
        declared = declared_storage_bytes(path)
        assert 40000 + 80 + 800 <= declared <= path.stat().st_size
        assert storage_limit(path.stat().st_size) >= declared
        loaded = load_checkpoint(path)
        assert torch.equal(loaded["state_dict"]["w"], state["w"])


def test_html_page_is_not_a_checkpoint_and_trust_is_not_suggested(tmp_path: Path) -> None:
    page = tmp_path / "latest.pth"
    page.write_bytes(b"<!DOCTYPE html><html><body>Sign in</body></html>")
    with pytest.raises(CheckpointError, match="not a checkpoint") as info:
        load_checkpoint(page)
    assert not isinstance(info.value, CheckpointRefused)
    assert "--trust-checkpoints" not in str(info.value)
