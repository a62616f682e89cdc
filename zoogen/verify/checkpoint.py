"""Load a downloaded checkpoint without running code from it.

`load_checkpoint` uses ``torch.load(weights_only=True)``: the restricted unpickler builds tensors, plain
containers and numbers, plus the short allow-list below of what published OpenMMLab checkpoints keep in
their ``meta`` and ``message_hub``. Anything else (``os.system``, ``builtins.eval``, an arbitrary class) is
refused with `CheckpointRefused`; ``trust=True`` (``--trust-checkpoints``) loads the file with the full
pickle machinery instead, at the user's risk.

Why each allowed global is safe: each one only builds data and, in the restricted unpickler, can be
applied to nothing but other allowed objects.

* numpy arrays (``numpy._core.multiarray._reconstruct``, ``numpy.ndarray``): as ``torch.serialization``
  documents for numpy arrays in checkpoints. ``_reconstruct`` makes an empty array of a given (allowed)
  class; its ``__setstate__`` fills it from bytes, or, for object arrays, from already-unpickled (so
  already-checked) objects.
* numpy dtypes and scalars (``numpy.dtype``, the numeric ``numpy.dtypes.*DType`` classes,
  ``numpy._core.multiarray.scalar``): a dtype from its type code; a scalar from a dtype and raw bytes.
  MMCV/MMEngine store losses, best scores and seeds as numpy scalars.
* ``torch.torch_version.TorchVersion``: a ``str`` subclass (``torch.__version__``).
Not allowed, on purpose: ``builtins.getattr``. MMEngine's full training checkpoints need it, because
their ``message_hub`` pickles ``HistoryBuffer`` statistics as ``getattr(HistoryBuffer, "mean")``; such a
file is refused, naming ``builtins.getattr``. Published checkpoints (``meta`` + ``state_dict``, what
``tools/model_converters/publish_model.py`` writes) never need it; ``--trust-checkpoints`` loads the rest.

Before anything is unpickled, `declared_storage_bytes` reads the sizes the file declares for its tensor
storages (a pickle scan that imports and calls nothing): a checkpoint stores its storages uncompressed, so
they cannot exceed the file's size, and they must fit in the machine's free memory. A file declaring more
(a "zip bomb": 1 MiB claiming gigabytes) is refused at once, without allocating. A file that is neither a
zip archive nor a pickle (an HTML page, text) is refused as "not a checkpoint" -- trusting it would not help.

Pickles from numpy 1.x name ``numpy.core.multiarray.*``; those names are mapped to numpy 2's
``numpy._core`` objects. ``collections.OrderedDict`` is allowed by torch itself. Never allowed: callables
with effects (``builtins.getattr``/``eval``/``exec``, ``os.system``, ``subprocess.*``, ``functools.partial``,
``copyreg`` helpers that can import by name).
"""

from __future__ import annotations

import importlib
import io
import os
import pickle
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = [
    "CheckpointError", "CheckpointRefused", "CheckpointTooLarge", "declared_storage_bytes", "load_checkpoint",
    "safe_checkpoint_globals", "storage_limit",
]

STORAGE_SLACK = 1 << 20  # bytes a checkpoint may declare beyond its own size (headers, alignment)
MEMORY_SHARE = 0.8  # at most this share of the machine's available memory

_ITEM_SIZES = {
    "DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2, "LongStorage": 8,
    "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1, "BoolStorage": 1,
    "ComplexDoubleStorage": 16, "ComplexFloatStorage": 8, "UntypedStorage": 1, "QInt8Storage": 1,
    "QUInt8Storage": 1, "QInt32Storage": 4, "QUInt4x2Storage": 1, "QUInt2x4Storage": 1,
}

_NUMERIC_DTYPES = (
    "BoolDType", "Int8DType", "Int16DType", "Int32DType", "Int64DType", "UInt8DType", "UInt16DType",
    "UInt32DType", "UInt64DType", "Float16DType", "Float32DType", "Float64DType", "Complex64DType",
    "Complex128DType", "LongDType", "ULongDType", "LongLongDType", "ULongLongDType", "ByteDType",
    "UByteDType", "ShortDType", "UShortDType", "IntDType", "UIntDType",
)


class CheckpointError(Exception):
    """A checkpoint file that cannot be read."""


class CheckpointRefused(CheckpointError):
    """The checkpoint needs a global outside the allow-list (and ``trust`` was not given)."""

    def __init__(self, message: str, refused: list[str]) -> None:
        super().__init__(message)
        self.refused = refused


class CheckpointTooLarge(CheckpointError):
    """The file declares more tensor storage than its size or the machine's memory allows."""


class _Inert:
    """Stands for every global of a scanned pickle: accepts any call or state, does nothing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        pass

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def append(self, item: Any) -> None:
        pass

    def extend(self, items: Any) -> None:
        pass

    def __call__(self, *args: Any, **kwargs: Any) -> _Inert:
        return _Inert()


class _StorageScanner(pickle.Unpickler):
    """Reads a checkpoint's pickle without importing or calling anything; collects declared storages."""

    def __init__(self, source: bytes | io.BufferedIOBase) -> None:
        super().__init__(io.BytesIO(source) if isinstance(source, bytes) else source)
        self.storages: dict[str, int] = {}

    def find_class(self, module: str, name: str) -> Any:
        return type(name, (_Inert,), {"module": module})

    def persistent_load(self, pid: Any) -> Any:
        if isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage":
            kind, key, numel = pid[1], str(pid[2]), pid[4]
            name = getattr(kind, "__name__", str(kind))
            if isinstance(numel, int):
                self.storages[key] = max(self.storages.get(key, 0), numel * _ITEM_SIZES.get(name, 8))
        return _Inert()


def _scan(data: bytes) -> dict[str, int]:
    scanner = _StorageScanner(data)
    try:
        scanner.load()
    except Exception as exc:  # noqa: BLE001 - any malformed pickle
        raise CheckpointError(f"malformed checkpoint pickle: {_first_line(exc)}") from None
    return scanner.storages


def declared_storage_bytes(path: Path) -> int:
    """Bytes of tensor storage the checkpoint declares (zip format: its ``data.pkl``; legacy: the main
    pickle), read without unpickling anything for real. Raises `CheckpointError` for a non-checkpoint."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
                if not names:
                    raise CheckpointError(f"{path.name} is a zip archive without data.pkl: not a checkpoint")
                info = archive.getinfo(names[0])
                if info.file_size > path.stat().st_size + STORAGE_SLACK:
                    raise CheckpointTooLarge(f"{path.name}: its data.pkl declares {info.file_size} bytes")
                storages = _scan(archive.read(names[0]))
                records = sum(i.file_size for i in archive.infolist() if "/data/" in f"/{i.filename}")
        except zipfile.BadZipFile as exc:
            raise CheckpointError(f"cannot read checkpoint {path.name}: {exc}") from None
        return max(sum(storages.values()), records)
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        storages = {}
        with path.open("rb") as handle:  # legacy torch.save: magic number, protocol, sys info, main pickle
            for _ in range(4):
                scanner = _StorageScanner(handle)
                try:
                    scanner.load()
                except Exception:  # noqa: BLE001 - a bare pickle ends earlier: what was read counts
                    break
                storages.update(scanner.storages)
        return sum(storages.values())
    raise CheckpointError(
        f"{path.name} is not a checkpoint (neither a zip archive nor a pickle: it starts with {head!r})"
    )


def storage_limit(file_size: int) -> int:
    """The most storage bytes a checkpoint of ``file_size`` may declare: its own size plus 1 MiB, and at
    most 80% of the machine's available memory."""
    try:
        import psutil

        available = int(psutil.virtual_memory().available * MEMORY_SHARE)
    except Exception:  # noqa: BLE001 - psutil missing or unsupported: the size rule alone
        available = None
    limit = file_size + STORAGE_SLACK
    return limit if available is None else min(limit, available)


def check_storage(path: Path) -> None:
    """Refuse ``path`` when its declared storage exceeds `storage_limit` (before anything is allocated)."""
    declared = declared_storage_bytes(path)
    size = path.stat().st_size
    limit = storage_limit(size)
    if declared > limit:
        raise CheckpointTooLarge(
            f"refused to load {path.name}: it declares {declared / 2**20:,.0f} MiB of tensor data, more than "
            f"its file size ({size / 2**20:,.1f} MiB) or this machine's free memory allows "
            f"(limit {limit / 2**20:,.0f} MiB); the file is corrupt or hostile"
        )


def _numpy_core() -> Any:
    """numpy's ``_core.multiarray`` (numpy 2) or ``core.multiarray`` (numpy 1)."""
    try:
        return importlib.import_module("numpy._core.multiarray")
    except ImportError:  # pragma: no cover - numpy 1
        return importlib.import_module("numpy.core.multiarray")


def safe_checkpoint_globals() -> list[Any]:
    """The allow-list given to ``torch.serialization.safe_globals`` (objects or ``(object, name)`` pairs)."""
    core = _numpy_core()
    allowed: list[Any] = [np.ndarray, np.dtype, core._reconstruct, core.scalar]
    # numpy 1.x pickles name these through ``numpy.core``: map those names to the same objects.
    allowed += [
        (core._reconstruct, "numpy.core.multiarray._reconstruct"),
        (core.scalar, "numpy.core.multiarray.scalar"),
        (core._reconstruct, "numpy._core.multiarray._reconstruct"),
        (core.scalar, "numpy._core.multiarray.scalar"),
    ]
    dtypes = getattr(np, "dtypes", None)
    if dtypes is not None:
        allowed += [getattr(dtypes, name) for name in _NUMERIC_DTYPES if hasattr(dtypes, name)]
    allowed.append(torch.torch_version.TorchVersion)
    return allowed


def _allowed_names(allowed: list[Any]) -> set[str]:
    names = set()
    for item in allowed:
        if isinstance(item, tuple):
            names.add(item[1])
        else:
            names.add(f"{item.__module__}.{item.__qualname__}")
    return names


def _refused_globals(path: Path, message: str, allowed: list[Any]) -> list[str]:
    """The globals of ``path`` outside the allow-list (from torch's message and a scan of the file)."""
    found = re.findall(r"GLOBAL (\S+) was not an allowed global", message)
    found += re.findall(r"unrecognized function (\S+)", message)
    try:
        scanned = torch.serialization.get_unsafe_globals_in_checkpoint(path)
    except Exception:  # noqa: BLE001 - the scan is a nicety; legacy formats cannot be scanned
        scanned = []
    known = _allowed_names(allowed)
    found += [name for name in scanned if name not in known]
    return list(dict.fromkeys(found))


def load_checkpoint(path: str | os.PathLike[str], *, trust: bool = False) -> dict[str, Any]:
    """Load a checkpoint on the CPU; return a dict with at least ``state_dict`` (and ``meta`` if present).

    A bare state dict (a mapping of tensors) is wrapped as ``{"state_dict": ..., "meta": {}}``.

    Raises:
        CheckpointRefused: the file needs a global outside the allow-list; the message names it.
        CheckpointError: the file is not a readable checkpoint.
    """
    path = Path(path)
    check_storage(path)
    allowed = safe_checkpoint_globals()
    try:
        if trust:
            loaded = torch.load(path, map_location="cpu", weights_only=False)
        else:
            with torch.serialization.safe_globals(allowed):
                loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if trust:
            raise CheckpointError(f"cannot read checkpoint {path.name}: {_first_line(exc)}") from None
        refused = _refused_globals(path, str(exc), allowed)
        what = ", ".join(refused) if refused else "an object outside the allow-list"
        raise CheckpointRefused(
            f"refused to load {path.name}: it needs {what}, which is not on zoogen's allow-list of safe "
            "checkpoint contents. If you trust the file, --trust-checkpoints loads it with "
            "torch.load(weights_only=False), which can run any code the file holds: at your own risk.",
            refused,
        ) from None
    except (RuntimeError, OSError, EOFError, ValueError) as exc:
        raise CheckpointError(f"cannot read checkpoint {path.name}: {_first_line(exc)}") from None
    return _as_checkpoint(loaded, path)


def _as_checkpoint(loaded: Any, path: Path) -> dict[str, Any]:
    if not isinstance(loaded, Mapping):
        raise CheckpointError(f"{path.name} holds a {type(loaded).__name__}, not a checkpoint dict")
    if "state_dict" in loaded:
        checkpoint = dict(loaded)
        if not isinstance(checkpoint["state_dict"], Mapping):
            raise CheckpointError(f"{path.name}: 'state_dict' is not a mapping")
        checkpoint.setdefault("meta", {})
        return checkpoint
    return {"state_dict": loaded, "meta": {}}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
