"""The record files: ``<results>/<model name>/<environment tag>.json``, written atomically, read and validated.

One file per model and environment. A reader, or a run killed at any moment, sees either the previous
file or the new one, never a part; a broken file raises one `RecordError` naming file and field.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from zoogen.records.schema import RecordError, VerificationRecord, parse_record
from zoogen.records.tags import slugify

MAX_RECORD_BYTES = 4 << 20  # a record is a few kB; anything this big is not one

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,127}")


def safe_file_name(name: str) -> str:
    """``name`` when it is a plain file name, else a slug of it plus a hash of the whole name.

    Any model name maps to one folder inside the results folder: ``../x`` -> ``x-<sha1[:10]>``, a
    300-character name is cut to 100 characters plus the hash. Distinct names never share a folder.
    """
    if _SAFE_NAME.fullmatch(name) and name not in (".", ".."):
        return name
    digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{slugify(name)[:100] or 'model'}-{digest}"


def record_path(results_dir: str | os.PathLike[str], model: str, tag: str) -> Path:
    """``<results_dir>/<model>/<tag>.json``, both parts made safe file names (`safe_file_name`)."""
    return Path(results_dir) / safe_file_name(model) / f"{safe_file_name(tag)}.json"


def write_record(results_dir: str | os.PathLike[str], record: VerificationRecord) -> Path:
    """Write ``record`` atomically (temporary file in the same folder, ``os.replace``); return its path.

    A reader, or a run killed at any moment, sees either the previous file or the new one, never a part.
    Raises `RecordError` (naming the path) when the file cannot be written.
    """
    path = record_path(results_dir, record.model, record.tag)
    text = json.dumps(record.to_dict(), indent=2, ensure_ascii=False) + "\n"
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise RecordError(f"{path}: cannot write verification record: {exc.strerror or exc}") from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_record(path: str | os.PathLike[str]) -> VerificationRecord:
    """Read and validate one record file; a broken file raises one `RecordError` naming file and field."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_RECORD_BYTES:
            raise RecordError(f"{path}: not a verification record (larger than {MAX_RECORD_BYTES >> 20} MiB)")
        text = path.read_bytes()
    except OSError as exc:
        raise RecordError(f"{path}: cannot read verification record: {exc.strerror or exc}") from None
    try:
        record = parse_record(text)
    except RecordError as exc:
        raise RecordError(f"{path}: {exc}") from None
    if not record.environment.tag:
        record.environment.tag = path.stem
    return record


def iter_record_files(results_dir: str | os.PathLike[str]) -> Iterable[Path]:
    """The record files under ``results_dir`` (``*/*.json``, temporary files skipped), sorted."""
    root = Path(results_dir)
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob("*/*.json") if not p.name.startswith(".") and p.is_file())


def load_records(results_dir: str | os.PathLike[str]) -> dict[str, list[VerificationRecord]]:
    """All records under ``results_dir`` by model name, each list sorted by environment tag.

    A missing folder gives ``{}``; an unreadable file raises `RecordError` naming it.
    """
    out: dict[str, list[VerificationRecord]] = {}
    for path in iter_record_files(results_dir):
        record = read_record(path)
        out.setdefault(record.model, []).append(record)
    for records in out.values():
        records.sort(key=lambda r: r.tag)
    return dict(sorted(out.items()))


def find_record(results_dir: str | os.PathLike[str], model: str, tag: str) -> VerificationRecord | None:
    """The record of ``model`` for environment ``tag``, or None when there is none (or it is unreadable)."""
    path = record_path(results_dir, model, tag)
    if not path.is_file():
        return None
    try:
        return read_record(path)
    except RecordError:
        return None
