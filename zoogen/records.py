"""Verification records: the JSON files `zoogen verify` writes and the renderer reads.

One file per model and environment: ``<results>/<model name>/<environment tag>.json``; the schema is the
one of ``docs/architecture.md``. This module is shared by ``zoogen.render`` and ``zoogen.verify``, so it
imports neither torch nor requests.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import field
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass

SCHEMA_VERSION = 1
MAX_RECORD_BYTES = 4 << 20  # a record is a few kB; anything this big is not one

_CONFIG = ConfigDict(validate_assignment=True)


class RecordError(Exception):
    """A record file that cannot be read, or a record that cannot be written."""


class _Choice(str, Enum):
    """A string enum that prints as its value (``f"{Verdict.PASSED}"`` is ``passed``), as the JSON holds it."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class Status(_Choice):
    """How far verifying a model got: ``partial`` = evaluated, but a metric or the speed step is missing."""

    OK = "ok"
    PARTIAL = "partial"
    ERROR = "error"


class Step(_Choice):
    """The steps of the pipeline, in order."""

    RESOLVE = "resolve"
    DOWNLOAD = "download"
    LOAD = "load"
    EVALUATE = "evaluate"
    SPEED = "speed"


class Verdict(_Choice):
    """A published metric against its measurement, beyond the tolerance either way: ``drift`` (worse than
    published) or ``better`` (better than published), both flagged; ``subset``: measured on fewer images,
    never judged."""

    PASSED = "passed"
    DRIFT = "drift"
    BETTER = "better"
    SUBSET = "subset"
    MISSING = "missing"


class Comparison(_Choice):
    """Speed or memory against a published figure (only comparable on the same hardware)."""

    PASSED = "passed"
    DRIFT = "drift"
    NOT_COMPARABLE = "not-comparable"


@dataclass(config=_CONFIG)
class Environment:
    """Where and with what a record was measured."""

    tag: str | None = None
    device: str | None = None
    device_name: str | None = None
    driver: str | None = None
    cuda: str | None = None  # torch's CUDA (torch.version.cuda)
    cudnn: str | None = None
    mmcv_cuda: str | None = None  # the CUDA mmcv's ops were compiled with
    compute_capability: str | None = None  # "8.0"
    device_memory_mb: int | None = None  # the GPU's total memory
    torch: str | None = None
    mmcv: str | None = None
    mmdet: str | None = None
    mmengine: str | None = None
    library: str | None = None  # the library whose evaluator ran (its distribution: mmpretrain, mmsegmentation)
    library_version: str | None = None
    zoogen: str | None = None
    cpu: str | None = None
    python: str | None = None
    date: str | None = None
    zoo_commit: str | None = None
    command: str | None = None


@dataclass(config=_CONFIG)
class CheckpointInfo:
    """The checkpoint that was verified."""

    url: str | None = None
    sha256: str | None = None


@dataclass(config=_CONFIG)
class MetricCheck:
    """One published metric against its measurement."""

    task: str
    dataset: str
    metric: str
    published: float | None = None
    measured: float | None = None
    tolerance: float | None = None
    verdict: Verdict = Verdict.MISSING
    key: str | None = None  # the evaluator's key it was read from (accuracy/top1)


@dataclass(config=_CONFIG)
class SpeedCheck:
    """Measured inference speed against the metafile's."""

    fps: float | None = None
    ms_per_image: float | None = None
    ms_std: float | None = None
    images: int | None = None
    fused: bool = False
    precision: str | None = None  # fp32, or fp16 (autocast) for a published FP16 figure; None: not recorded
    published_fps: float | None = None
    published_hardware: str | None = None
    verdict: Comparison = Comparison.NOT_COMPARABLE
    batch_size: int | None = None  # the speed protocol: images per step and its name
    protocol: str | None = None


@dataclass(config=_CONFIG)
class MemoryCheck:
    """Peak inference memory against a published figure (if any)."""

    peak_mb: float | None = None
    kind: str | None = None
    published_mb: float | None = None
    verdict: Comparison = Comparison.NOT_COMPARABLE


@dataclass(config=_CONFIG)
class Inputs:
    """What the verification depended on, so ``zoogen verify plan`` can tell when it is out of date.

    ``config_sha256`` hashes the config file with every ``_base_`` file it pulls in
    (`zoogen.meta.config_chain.config_fingerprint`); ``published`` holds the metafile's numbers
    (``"task / dataset / metric"`` -> value) the record was judged against; ``config`` the metafile's
    ``Config`` as written. `zoogen.currency` compares them with the metafile as it is now.
    """

    config_sha256: str | None = None
    published: dict[str, float | str] = field(default_factory=dict)
    config: str | None = None


@dataclass(config=_CONFIG)
class VerificationRecord:
    """The outcome of verifying one model in one environment."""

    model: str
    status: Status = Status.OK
    error: str | None = None
    step: Step | None = None
    config: str | None = None
    checkpoint: CheckpointInfo = field(default_factory=CheckpointInfo)
    images: int | None = None
    subset: bool = False
    environment: Environment = field(default_factory=Environment)
    metrics: list[MetricCheck] = field(default_factory=list)
    speed: SpeedCheck | None = None
    memory: MemoryCheck | None = None
    inputs: Inputs = field(default_factory=Inputs)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step, and "total"
    schema: int = SCHEMA_VERSION

    @property
    def tag(self) -> str:
        """The environment tag (the record's file name without ``.json``)."""
        if not self.environment.tag:
            raise RecordError(f"record of {self.model!r} has no environment tag")
        return self.environment.tag

    @property
    def evaluated(self) -> bool:
        """True when the metric verdicts stand (status ``ok``, or ``partial`` after a whole evaluation)."""
        return self.status in (Status.OK, Status.PARTIAL) and self.images is not None

    @property
    def drifted(self) -> bool:
        """True when a metric, the speed or the memory differs from the published figure beyond its
        tolerance, either way (``drift`` or ``better``): both are flagged."""
        checks: list[Verdict | Comparison] = [m.verdict for m in self.metrics]
        checks += [c.verdict for c in (self.speed, self.memory) if c is not None]
        return Verdict.DRIFT in checks or Verdict.BETTER in checks

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of architecture.md, every key present, in its documented order."""
        data = _RECORD.dump_python(self, mode="json")
        return {"schema": data.pop("schema"), **data}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VerificationRecord:
        """Build and validate a record from its JSON object; unknown keys are ignored, missing ones null."""
        return _validate(json.dumps(data, default=str))


_RECORD = TypeAdapter(VerificationRecord)


def _describe(exc: ValidationError) -> str:
    """``field metrics.0.measured: Input should be a valid number (got 'high')`` (+ how many more)."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "json_invalid":
        text = f"not valid JSON: {first['msg'].removeprefix('Invalid JSON: ')}"
    else:
        got = first.get("input")
        shown = repr(got) if isinstance(got, str | int | float | bool) or got is None else type(got).__name__
        text = f"field {where or '(top level)'}: {first['msg']} (got {shown[:60]})"
    if len(errors) > 1:
        text += f" (and {len(errors) - 1} more problem(s))"
    return text


def _validate(text: str | bytes) -> VerificationRecord:
    """Validate a record's JSON text strictly (``"high"`` is no number, ``"no"`` no boolean)."""
    try:
        record = _RECORD.validate_json(text, strict=True)
    except ValidationError as exc:
        raise RecordError(_describe(exc)) from None
    except (ValueError, RecursionError) as exc:  # defensive: the JSON parser keeps its own depth limit
        raise RecordError(f"not a valid record: {exc}") from None
    if record.schema > SCHEMA_VERSION:
        raise RecordError(f"record schema {record.schema} is newer than this zoogen ({SCHEMA_VERSION})")
    return record


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
        record = _validate(text)
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
    for index, source in enumerate([into, *dirs]):  # read and validate every input before writing
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
