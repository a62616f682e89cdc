"""The schema of a verification record: its dataclasses and enums, validated with pydantic.

The JSON object of ``docs/architecture.md``, built with `VerificationRecord.to_dict` and read back with
`VerificationRecord.from_dict` or `parse_record` (strict: one `RecordError` naming the field).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import field
from enum import Enum
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass

SCHEMA_VERSION = 1

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
        return parse_record(json.dumps(data, default=str))


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


def parse_record(text: str | bytes) -> VerificationRecord:
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
