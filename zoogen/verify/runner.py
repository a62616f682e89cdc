"""The per-model pipeline of ``zoogen verify``: resolve, download, load, evaluate, speed, judge, record.

Every model ends in a record written atomically to ``<results>/<model>/<environment tag>.json`` before the
next one starts, so a run killed at any moment loses at most the model in flight; a missing piece (no
config, no data, a refused checkpoint...) becomes that model's error record (``status: error``, the failing
``step`` and a one-line message) and the run goes on. The MMDetection work is done by a *backend*
(default `mmdet_backend`, on `zoogen.verify.session.DetectorSession`); tests may pass their own.
"""

from __future__ import annotations

import gc
import json
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from zoogen.currency import published_numbers
from zoogen.meta.configs import mmdet3_spelling
from zoogen.meta.configs import resolve_config as find_config
from zoogen.meta.schema import Model
from zoogen.records import (
    CheckpointInfo,
    Environment,
    Inputs,
    RecordError,
    Status,
    Step,
    VerificationRecord,
    find_record,
    utc_now_iso,
    write_record,
)
from zoogen.verify.config_check import ConfigRefused, check_config, config_fingerprint
from zoogen.verify.fetch import MinimumRate, UncheckedChecksumWarning, fetch
from zoogen.verify.judge import is_subset, judge_memory, judge_metrics, judge_speed, speed_precision
from zoogen.verify.progress import Reporter
from zoogen.verify.selection import (
    default_configs_root,
    evaluator_gap,
    parse_shard,
    select_models,
    split_verifiable,
)

__all__ = [
    "ANN_FILE", "IMG_DIR", "BackendResult", "CocoData", "Reporter", "RunError", "RunSummary", "StepError",
    "VerifyOptions", "check_run", "default_configs_root", "evaluator_gap", "mmdet3_spelling", "mmdet_backend",
    "parse_shard", "published_numbers", "resolve_config", "resolve_dataset", "run_verification",
    "select_models", "split_verifiable", "verify_model",
]

ANN_FILE = "annotations/instances_val2017.json"
IMG_DIR = "val2017"
SPEED_IMAGES = 2000


class RunError(Exception):
    """Something wrong with the run as a whole (data, configs, results or cache folder): no model starts."""


class StepError(Exception):
    """A model's pipeline stopped at ``step`` (resolve|download|load|evaluate|speed)."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step


@dataclass
class VerifyOptions:
    """What ``zoogen verify`` was asked to do (the CLI's options)."""

    results_dir: Path = Path("results")
    data_root: Path = Path("data/coco")
    configs_root: Path | None = None  # None: the configs shipped in the installed mmdet
    cache_dir: Path | None = None  # None: zoogen.verify.fetch.default_cache_dir()
    zoo_dir: Path | None = None  # for the zoo's git commit in the records
    max_images: int | None = None
    speed_images: int = SPEED_IMAGES
    resume: bool = False
    trust_checkpoints: bool = False
    trust_configs: bool = False  # run configs from outside configs_root / with custom_imports
    fuse_conv_bn: bool = False
    command: str | None = None
    rate: MinimumRate = field(default_factory=MinimumRate)  # slowest download tolerated
    mirrors: list[tuple[str, str]] = field(default_factory=list)  # (primary prefix, mirror prefix)


@dataclass
class BackendResult:
    """What a backend measured; ``speed_error`` when evaluation worked but timing failed."""

    evaluation: Any  # zoogen.verify.evaluate.Evaluation: .metrics, .images
    speed: Any | None  # zoogen.verify.timing.SpeedMeasurement
    speed_error: str | None = None


class Backend(Protocol):
    """Builds the detector, evaluates it and times it (see `mmdet_backend`)."""

    def __call__(
        self,
        config_file: Path,
        checkpoint: dict[str, Any],
        *,
        data_root: Path,
        device: Any,
        max_images: int | None,
        work_dir: Path,
        speed_images: int,
        fuse_conv_bn: bool,
        on_step: Callable[[str], None],
        precision: str = "fp32",
    ) -> BackendResult: ...


@dataclass
class RunSummary:
    """The records of one run, in order; ``skipped`` lists models ``--resume`` left alone."""

    records: list[VerificationRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unverifiable: dict[str, list[str]] = field(default_factory=dict)  # "task on dataset" -> model names
    unwritten: list[str] = field(default_factory=list)  # "model: why" for records that could not be written
    stopped: str | None = None  # why the run stopped before its last model (a broken CUDA context)

    @property
    def errors(self) -> list[VerificationRecord]:
        return [r for r in self.records if r.status != "ok"]

    @property
    def drifted(self) -> list[VerificationRecord]:
        return [r for r in self.records if r.drifted]


# --- resolving config and data ----------------------------------------------------------------------------

def resolve_config(config: str | None, configs_root: Path | None) -> tuple[Path, str]:
    """The config file of a metafile's ``Config`` and how to name it in the record.

    Resolved by `zoogen.meta.configs.resolve_config` (the path as written, then MMDetection 3's renames
    of 2.x configs from its table), exactly as ``zoogen check --configs-root`` does.
    """
    if not config:
        raise StepError("resolve", "the metafile gives no Config for this model")
    if configs_root is None and not Path(config).is_absolute():
        raise StepError("resolve", "no configs folder: install mmdet or pass --configs-root")
    if configs_root is not None and not configs_root.is_dir():
        raise StepError("resolve", f"configs folder {configs_root} does not exist")
    resolved = find_config(configs_root, config)
    if resolved is None:
        raise StepError("resolve", f"config {config} not found under {configs_root} "
                                   "(as written, nor by the 2.x -> 3.x renames of config_renames.yml)")
    return resolved.path, resolved.name


@dataclass(frozen=True)
class CocoData:
    """A COCO-layout validation set: ``annotations/instances_val2017.json`` and ``val2017/``."""

    root: Path
    images: int  # images listed in the annotation file


def resolve_dataset(data_root: Path) -> CocoData:
    """Check the COCO layout under ``data_root`` and count the images of its annotation file."""
    ann = data_root / ANN_FILE
    if not ann.is_file():
        raise StepError("resolve", f"no COCO annotations at {ann} (set --data-root to a COCO-layout folder)")
    if not (data_root / IMG_DIR).is_dir():
        raise StepError("resolve", f"no image folder {data_root / IMG_DIR}")
    try:
        with ann.open(encoding="utf-8") as handle:
            images = len(json.load(handle).get("images") or [])
    except (OSError, ValueError, AttributeError) as exc:
        raise StepError("resolve", f"cannot read {ann}: {exc}") from None
    return CocoData(root=data_root, images=images)


# --- the MMDetection backend ------------------------------------------------------------------------------

def mmdet_backend(
    config_file: Path,
    checkpoint: dict[str, Any],
    *,
    data_root: Path,
    device: Any,
    max_images: int | None,
    work_dir: Path,
    speed_images: int,
    fuse_conv_bn: bool,
    on_step: Callable[[str], None],
    precision: str = "fp32",
) -> BackendResult:
    """Build the detector once (`DetectorSession`), evaluate it, then time it in the measured pass.

    The measured pass is ``InferenceBenchmark``'s protocol (`DetectorSession.measure_speed`) over the first
    ``speed_images`` images, apart from the evaluation, in ``precision``; the session is dropped and the
    device's memory freed whatever happens.
    """
    from zoogen.verify.session import DetectorSession

    try:
        session = DetectorSession(
            config_file, checkpoint, data_root=data_root, device=device, max_images=max_images,
            work_dir=work_dir,
        )
    except Exception as exc:
        raise StepError("load", f"cannot build the model of {config_file.name}: {_one_line(exc)}") from exc
    try:
        if session.missing_keys:
            on_step(f"note: {len(session.missing_keys)} weights of the model are missing from the checkpoint")
        on_step("evaluate")
        try:
            evaluation = session.evaluate()
        except Exception as exc:
            raise StepError("evaluate", _one_line(exc)) from exc
        on_step("speed")
        try:
            speed = session.measure_speed(max_images=speed_images, fuse_conv_bn=fuse_conv_bn, precision=precision)
        except Exception as exc:  # keep the evaluation: the record says the speed step failed
            return BackendResult(evaluation, None, _one_line(exc))
        return BackendResult(evaluation, speed)
    finally:
        del session
        _release_memory(device)


def _release_memory(device: Any) -> None:
    """Free what a model left on ``device`` (`zoogen.verify.device.Device.release_memory`)."""
    release = getattr(device, "release_memory", None)
    if callable(release):
        release()
    else:
        gc.collect()


# --- the pipeline -----------------------------------------------------------------------------------------

def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    text = text or type(exc).__name__
    if not isinstance(exc, StepError) and type(exc).__name__ not in text:
        text = f"{type(exc).__name__}: {text}"
    return text if len(text) <= 500 else text[:497] + "..."


def verify_model(
    model: Model,
    *,
    options: VerifyOptions,
    environment: Environment,
    device: Any,
    data: CocoData | StepError,
    backend: Backend = mmdet_backend,
    reporter: Reporter | None = None,
) -> VerificationRecord:
    """Run the pipeline for one model and return its record (not yet written).

    ``data`` is the resolved dataset of the run, or the `StepError` resolving it gave. The record keeps
    each step's wall time (``timings``) and what it depended on (``inputs``) for ``zoogen verify plan``.
    """
    reporter = reporter or Reporter()
    precision = speed_precision(model, environment.device_name)
    record = VerificationRecord(
        model=model.name,
        environment=replace(environment, date=utc_now_iso()),
        checkpoint=CheckpointInfo(url=model.weights),
        inputs=Inputs(published=published_numbers(model), config=model.config),
    )
    step = "resolve"
    started = time.perf_counter()
    step_started = started

    def enter(name: str) -> None:
        nonlocal step, step_started
        if name.startswith("note: "):
            reporter.note(model, name[len("note: ") :])
            return
        now = time.perf_counter()
        record.timings[step] = round(record.timings.get(step, 0.0) + now - step_started, 3)
        step, step_started = name.split("+")[0], now
        reporter.step(model, name)

    try:
        reporter.step(model, "resolve")
        config_file, record.config = resolve_config(model.config, options.configs_root)
        if record.config != f"configs/{_strip_configs(model.config)}":
            reporter.note(model, f"config {model.config} resolved to {record.config}")
        try:
            check_config(config_file, options.configs_root, trust=options.trust_configs)
        except ConfigRefused as exc:
            raise StepError("resolve", str(exc)) from None
        record.inputs.config_sha256 = config_fingerprint(config_file)
        if isinstance(data, StepError):
            raise data
        if not model.weights:
            raise StepError("download", "the metafile gives no Weights URL for this model")

        enter("download")
        try:
            with warnings.catch_warnings():  # told through the reporter instead
                warnings.simplefilter("ignore", UncheckedChecksumWarning)
                fetched = fetch(
                    model.weights, cache_dir=options.cache_dir, rate=options.rate, mirrors=options.mirrors,
                    progress=lambda done, total: reporter.download(model, done, total),
                )
        except Exception as exc:
            raise StepError("download", _one_line(exc)) from exc
        record.checkpoint.sha256 = fetched.sha256
        if fetched.source and fetched.source != model.weights:
            reporter.note(model, f"the primary host failed: downloaded from the mirror {fetched.source}")
        if not fetched.checked:
            reporter.note(model, "the checkpoint's file name has no hash: its bytes could not be checked")

        enter("load")
        from zoogen.verify.checkpoint import load_checkpoint  # torch: only where a model is loaded

        try:
            checkpoint = load_checkpoint(fetched.path, trust=options.trust_checkpoints)
        except Exception as exc:
            raise StepError("load", _one_line(exc)) from exc

        with tempfile.TemporaryDirectory(prefix="zoogen-verify-") as work_dir:
            result = backend(
                config_file, checkpoint, data_root=data.root, device=device,
                max_images=options.max_images, work_dir=Path(work_dir),
                speed_images=min(options.speed_images, options.max_images or options.speed_images),
                fuse_conv_bn=options.fuse_conv_bn, on_step=enter, precision=precision,
            )
        del checkpoint

        evaluation = result.evaluation
        record.images = int(evaluation.images)
        record.subset = is_subset(record.images, data.images, options.max_images)
        record.metrics = judge_metrics(model, evaluation.metrics, subset=record.subset)
        if result.speed is not None:
            device_name = environment.device_name
            record.speed = judge_speed(model, result.speed, device_name, fused=options.fuse_conv_bn)
            record.memory = judge_memory(result.speed, device_name)
        problems = []
        missing = [m.metric for m in record.metrics if m.verdict == "missing"]
        if missing:
            problems.append(f"the evaluator reported no {', '.join(missing)} (published in the metafile)")
        if result.speed_error:
            problems.append(f"speed step failed: {result.speed_error}")
        if problems:  # the metric verdicts stand; the record says what is missing
            record.status, record.error = Status.PARTIAL, _one_line(StepError("", "; ".join(problems)))
            record.step = Step.SPEED if result.speed_error and not missing else Step.EVALUATE
    except StepError as exc:
        record.status, record.step, record.error = Status.ERROR, Step(exc.step), _one_line(exc)
    except Exception as exc:  # a bug or an unforeseen failure: still one record, and the run goes on
        record.status, record.step, record.error = Status.ERROR, Step(step), _one_line(exc)
    now = time.perf_counter()
    record.timings[step] = round(record.timings.get(step, 0.0) + now - step_started, 3)
    record.timings["total"] = round(now - started, 3)
    return record


def _strip_configs(config: str | None) -> str:
    config = config or ""
    return config[len("configs/") :] if config.startswith("configs/") else config


def _check_writable(folder: Path, what: str, option: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".zoogen-write-test-"):
            pass
    except OSError as exc:
        raise RunError(f"the {what} {folder} is not writable ({exc.strerror or exc}); set {option}") from None


def check_run(options: VerifyOptions) -> CocoData:
    """Check what every model needs before any starts: the dataset, the configs folder, writable results
    and cache folders. Raises one `RunError` (a usage error: nothing is written to the results)."""
    try:
        data = resolve_dataset(options.data_root)
    except StepError as exc:
        raise RunError(str(exc)) from None
    if options.configs_root is None:
        raise RunError("no configs folder: install mmdet (its configs are the default) or pass --configs-root")
    if not options.configs_root.is_dir():
        raise RunError(f"configs folder {options.configs_root} does not exist (--configs-root)")
    if options.results_dir.exists() and not options.results_dir.is_dir():
        raise RunError(f"the results folder {options.results_dir} is a file (--results)")
    _check_writable(options.results_dir, "results folder", "--results")
    from zoogen.verify.fetch import default_cache_dir

    _check_writable(options.cache_dir or default_cache_dir(), "checkpoint cache", "--cache-dir")
    return data


def run_verification(
    models: Sequence[Model],
    *,
    options: VerifyOptions,
    environment: Environment,
    device: Any,
    backend: Backend | None = None,
    reporter: Reporter | None = None,
) -> RunSummary:
    """Verify ``models`` one after the other, writing each record as soon as it is known.

    First `check_run` (a `RunError` before any model starts). Models with nothing zoogen can evaluate
    are listed in ``summary.unverifiable`` (once per task and dataset), without records. With
    ``options.resume``, a model whose record for this environment tag exists with status ``ok`` is
    skipped (an error record is retried). A record that cannot be written is reported in
    ``summary.unwritten`` and the run goes on. After each model the device's memory is freed; when a
    model leaves the CUDA context broken (an illegal memory access, a device-side assert), every later
    model would fail too: the run stops, ``summary.stopped`` says why. ``backend`` defaults to
    `mmdet_backend`.
    """
    backend = backend or mmdet_backend
    reporter = reporter or Reporter()
    data = check_run(options)
    models, gaps = split_verifiable(models)
    summary = RunSummary(unverifiable=gaps)
    for gap, names in gaps.items():
        reporter.run_note(f"{len(names)} model(s) of {gap}: not verifiable by this version of zoogen "
                          "(no evaluator for it); skipped")
    if options.trust_configs:
        reporter.run_note("--trust-configs: configs are run as given, wherever they lie: this executes the "
                          "zoo's Python")
    reporter.start(len(models))
    for model in models:
        if options.resume:
            existing = find_record(options.results_dir, model.name, environment.tag or "")
            if existing is not None and existing.status == "ok":
                summary.skipped.append(model.name)
                reporter.model_finished(model, existing, skipped=True)
                continue
        reporter.model_started(model)
        try:
            record = verify_model(
                model, options=options, environment=environment, device=device, data=data,
                backend=backend, reporter=reporter,
            )
        finally:  # an out-of-memory model must not inflate the next one's peak
            _release_memory(device)
        try:
            write_record(options.results_dir, record)
        except (RecordError, ValueError) as exc:
            summary.unwritten.append(f"{model.name}: {exc}")
            reporter.note(model, f"its record could not be written: {exc}")
        summary.records.append(record)
        reporter.model_finished(model, record)
        problem = _broken_device(device) if record.status != "ok" else None
        if problem is not None:
            summary.stopped = (f"the CUDA device cannot run another model after {model.name} failed ({problem}); "
                               "the run stops here: rerun with --resume to go on in a fresh process")
            reporter.run_note(summary.stopped)
            break
    return summary


def _broken_device(device: Any) -> str | None:
    """The sticky CUDA error of ``device`` (`zoogen.verify.device.Device.health_problem`), if any."""
    check = getattr(device, "health_problem", None)
    return check() if callable(check) else None
