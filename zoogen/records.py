"""Verification records: the JSON files `zoogen verify` writes and the renderer reads.

One file per model and environment: ``<results>/<model name>/<environment tag>.json``; the schema is the
one of ``docs/architecture.md``. This module is shared by ``zoogen.render`` and ``zoogen.verify``, so it
imports neither torch nor requests.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1



class RecordError(Exception):
    """A record file that cannot be read, or a record that cannot be written."""


@dataclass
class Environment:
    """Where and with what a record was measured."""

    tag: str | None = None
    device: str | None = None
    device_name: str | None = None
    driver: str | None = None
    cuda: str | None = None
    cudnn: str | None = None
    torch: str | None = None
    mmcv: str | None = None
    mmdet: str | None = None
    mmengine: str | None = None
    zoogen: str | None = None
    cpu: str | None = None
    python: str | None = None
    date: str | None = None
    zoo_commit: str | None = None
    command: str | None = None


@dataclass
class CheckpointInfo:
    """The checkpoint that was verified."""

    url: str | None = None
    sha256: str | None = None


@dataclass
class MetricCheck:
    """One published metric against its measurement."""

    task: str
    dataset: str
    metric: str
    published: float | None = None
    measured: float | None = None
    tolerance: float | None = None
    verdict: str = "missing"


@dataclass
class SpeedCheck:
    """Measured inference speed against the metafile's."""

    fps: float | None = None
    ms_per_image: float | None = None
    ms_std: float | None = None
    images: int | None = None
    fused: bool = False
    published_fps: float | None = None
    published_hardware: str | None = None
    verdict: str = "not-comparable"


@dataclass
class MemoryCheck:
    """Peak inference memory against a published figure (if any)."""

    peak_mb: float | None = None
    kind: str | None = None
    published_mb: float | None = None
    verdict: str = "not-comparable"


@dataclass
class VerificationRecord:
    """The outcome of verifying one model in one environment."""

    model: str
    status: str = "ok"
    error: str | None = None
    step: str | None = None
    config: str | None = None
    checkpoint: CheckpointInfo = field(default_factory=CheckpointInfo)
    images: int | None = None
    subset: bool = False
    environment: Environment = field(default_factory=Environment)
    metrics: list[MetricCheck] = field(default_factory=list)
    speed: SpeedCheck | None = None
    memory: MemoryCheck | None = None
    schema: int = SCHEMA_VERSION

    @property
    def tag(self) -> str:
        """The environment tag (the record's file name without ``.json``)."""
        if not self.environment.tag:
            raise RecordError(f"record of {self.model!r} has no environment tag")
        return self.environment.tag

    @property
    def drifted(self) -> bool:
        """True when a metric, the speed or the memory drifted from the published figure."""
        checks = [m.verdict for m in self.metrics]
        checks += [c.verdict for c in (self.speed, self.memory) if c is not None]
        return "drift" in checks

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of architecture.md, every key present, in its documented order."""
        out: dict[str, Any] = {"schema": self.schema}
        for f in fields(self):
            if f.name == "schema":
                continue
            value = getattr(self, f.name)
            if f.name == "metrics":
                out[f.name] = [asdict(m) for m in value]
            elif value is not None and hasattr(value, "__dataclass_fields__"):
                out[f.name] = asdict(value)
            else:
                out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VerificationRecord:
        """Build a record from its JSON object; unknown keys are ignored, missing ones are null."""
        schema = data.get("schema", SCHEMA_VERSION)
        if not isinstance(schema, int) or schema > SCHEMA_VERSION:
            raise RecordError(f"record schema {schema!r} is newer than this zoogen ({SCHEMA_VERSION})")
        if not isinstance(data.get("model"), str):
            raise RecordError("record has no 'model' name")
        return cls(
            schema=schema,
            model=data["model"],
            status=data.get("status") or "ok",
            error=data.get("error"),
            step=data.get("step"),
            config=data.get("config"),
            checkpoint=_sub(CheckpointInfo, data.get("checkpoint")) or CheckpointInfo(),
            images=data.get("images"),
            subset=bool(data.get("subset", False)),
            environment=_sub(Environment, data.get("environment")) or Environment(),
            metrics=[_sub(MetricCheck, m) for m in data.get("metrics") or []],
            speed=_sub(SpeedCheck, data.get("speed")),
            memory=_sub(MemoryCheck, data.get("memory")),
        )


def _sub(kind: type, data: Any) -> Any:
    """Instantiate the dataclass ``kind`` from a JSON object, keeping only its known keys."""
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise RecordError(f"expected an object for {kind.__name__}, got {type(data).__name__}")
    names = {f.name for f in fields(kind)}
    try:
        return kind(**{k: v for k, v in data.items() if k in names})
    except TypeError as exc:
        raise RecordError(f"bad {kind.__name__}: {exc}") from None


# --- environment tags -------------------------------------------------------------------------------------

_CPU_NOISE = re.compile(
    r"\((?:r|tm|c)\)|®|™|\bcpu\b|\bprocessor\b|\bwith radeon.*$|@\s*[\d.]+\s*[gm]hz|\b\d+-core\b",
    re.IGNORECASE,
)


def slugify(text: str) -> str:
    """Lower-case ``text``, join its alphanumeric runs with ``-``: ``"Tesla V100"`` -> ``tesla-v100``."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def environment_tag(env: Environment | Mapping[str, Any]) -> str:
    """The timm-style slug naming a record file: device, model of CPU or GPU, torch and CUDA versions.

    ``cpu-intel-xeon-torch2.13.0`` or ``cuda-nvidia-a100-sxm4-40gb-torch2.13.0-cu121``. The torch local
    version (``+cpu``, ``+cu121``) is dropped; the CUDA version says the same for CUDA builds.
    """
    get = env.get if isinstance(env, Mapping) else lambda key: getattr(env, key)
    device = (get("device") or "cpu").split(":")[0].lower()
    torch_version = (get("torch") or "unknown").split("+")[0]
    if device == "cpu":
        hardware = slugify(_CPU_NOISE.sub(" ", get("cpu") or "")) or "unknown"
    else:
        hardware = slugify(get("device_name") or "") or "unknown"
    parts = [slugify(device) or "cpu", hardware, f"torch{torch_version}"]
    cuda = get("cuda")
    if device == "cuda" and cuda:
        parts.append("cu" + "".join(re.findall(r"\d+", str(cuda))[:2]))
    return "-".join(parts)


# --- reading and writing ----------------------------------------------------------------------------------

def _check_name(kind: str, name: str) -> str:
    """Refuse names that would leave the results folder or hide the file."""
    if not name or name.startswith(".") or "/" in name or "\\" in name or "\0" in name:
        raise RecordError(f"{kind} {name!r} cannot be used as a file name")
    return name


def record_path(results_dir: str | os.PathLike[str], model: str, tag: str) -> Path:
    """``<results_dir>/<model>/<tag>.json``."""
    folder = Path(results_dir) / _check_name("model name", model)
    return folder / f"{_check_name('environment tag', tag)}.json"


def write_record(results_dir: str | os.PathLike[str], record: VerificationRecord) -> Path:
    """Write ``record`` atomically (temporary file in the same folder, ``os.replace``); return its path.

    A reader, or a run killed at any moment, sees either the previous file or the new one, never a part.
    """
    path = record_path(results_dir, record.model, record.tag)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record.to_dict(), indent=2, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_record(path: str | os.PathLike[str]) -> VerificationRecord:
    """Read one record file; a broken file raises `RecordError` naming it."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RecordError(f"{path}: cannot read verification record: {exc}") from None
    if not isinstance(data, dict):
        raise RecordError(f"{path}: a verification record is a JSON object")
    try:
        record = VerificationRecord.from_dict(data)
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


def parse_date(value: str | None) -> datetime:
    """An ISO-8601 date of a record as an aware datetime; unknown or bad dates sort first."""
    if not value:
        return datetime.min.replace(tzinfo=timezone.utc)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def utc_now_iso() -> str:
    """The current UTC time as ``2026-11-24T10:00:00Z``."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def merge_results(
    dirs: Iterable[str | os.PathLike[str]], into: str | os.PathLike[str]
) -> dict[str, list[VerificationRecord]]:
    """Merge the results folders of shards into ``into`` (which may already hold records).

    The union of all records; when a model has a record for the same environment tag in more than one
    place, the one with the newest ``environment.date`` is kept (on a tie, the one already in ``into``,
    then the earlier folder in ``dirs``). Returns the merged records like `load_records`.
    """
    into = Path(into)
    chosen: dict[tuple[str, str], tuple[VerificationRecord, bool]] = {}
    for index, source in enumerate([into, *dirs]):
        for path in iter_record_files(source):
            record = read_record(path)
            key = (record.model, record.tag)
            held = chosen.get(key)
            if held is None or parse_date(record.environment.date) > parse_date(held[0].environment.date):
                chosen[key] = (record, index == 0)
    for record, already_there in chosen.values():
        if not already_there:
            write_record(into, record)
    return load_records(into)
