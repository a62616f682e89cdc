"""The run loop of ``zoogen verify``: every selected model through its pipeline, each record written at once.

Every model ends in a record written atomically to ``<results>/<model>/<environment tag>.json`` before the
next one starts, so a run killed at any moment loses at most the model in flight. The pipeline of one model
is `zoogen.verify.pipeline.verify_model`; the library work is done by a backend (`DEFAULT_BACKEND`, the
mmengine backend of `zoogen.verify.backends`; tests may pass their own).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoogen.verify.device import Device

from zoogen.meta.configs import mmdet3_spelling
from zoogen.meta.registry import load_registry
from zoogen.meta.schema import Model
from zoogen.records import Environment, RecordError, VerificationRecord, find_record, write_record
from zoogen.verify.backends import Backend, BackendResult, MMEngineBackend, StepError, release_memory
from zoogen.verify.inputs import DataRoot, check_run, resolve_config, resolve_dataset
from zoogen.verify.libraries import default_configs_root
from zoogen.verify.options import RunError, VerifyOptions
from zoogen.verify.pipeline import verify_model
from zoogen.verify.progress import Reporter
from zoogen.verify.selection import evaluator_gap, parse_shard, select_models, split_verifiable

__all__ = [
    "DEFAULT_BACKEND", "BackendResult", "DataRoot", "Reporter", "RunError", "RunSummary", "StepError",
    "VerifyOptions", "check_run", "default_configs_root", "evaluator_gap", "mmdet3_spelling", "parse_shard",
    "resolve_config", "resolve_dataset", "run_verification", "select_models", "split_verifiable",
    "verify_model",
]

DEFAULT_BACKEND: Backend = MMEngineBackend()


@dataclass
class RunSummary:
    """The records of one run, in order; ``skipped`` lists models ``--resume`` left alone."""

    records: list[VerificationRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unverifiable: dict[str, list[str]] = field(default_factory=dict)  # "task on dataset" -> model names
    unjudged: dict[str, list[str]] = field(default_factory=dict)  # "metric (task on dataset) of lib" -> models
    unwritten: list[str] = field(default_factory=list)  # "model: why" for records that could not be written
    stopped: str | None = None  # why the run stopped before its last model (a broken CUDA context)

    @property
    def errors(self) -> list[VerificationRecord]:
        return [r for r in self.records if r.status != "ok"]

    @property
    def drifted(self) -> list[VerificationRecord]:
        return [r for r in self.records if r.drifted]


def run_verification(
    models: Sequence[Model],
    *,
    options: VerifyOptions,
    environment: Environment,
    device: Device | None,
    backend: Backend | None = None,
    reporter: Reporter | None = None,
) -> RunSummary:
    """Verify ``models`` one after the other, writing each record as soon as it is known.

    First `check_run` (a `RunError` before any model starts). Models with nothing zoogen can evaluate
    are listed in ``summary.unverifiable`` (once per task and dataset), without records; published numbers
    no evaluator key measures are reported once each (``summary.unjudged``). With ``options.resume``, a
    model whose record for this environment tag exists with status ``ok`` is skipped (an error record is
    retried). A record that cannot be written is reported in ``summary.unwritten`` and the run goes on.
    After each model the device's memory is freed; when a model leaves the CUDA context broken (an illegal
    memory access, a device-side assert), every later model would fail too: the run stops,
    ``summary.stopped`` says why.
    """
    backend = backend or DEFAULT_BACKEND
    reporter = reporter or Reporter()
    registry = load_registry()
    models, gaps = split_verifiable(models)
    data: DataRoot | StepError = check_run(options, models)
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
        known = set(summary.unjudged)
        try:
            record = verify_model(
                model, options=options, environment=environment, device=device, data=data,
                backend=backend, reporter=reporter, registry=registry, unjudged=summary.unjudged,
            )
        finally:  # an out-of-memory model must not inflate the next one's peak
            release_memory(device)
        for what in summary.unjudged.keys() - known:
            reporter.run_note(f"not judged: {what}: no key of its evaluator maps to it in the registry")
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


def _broken_device(device: Device | None) -> str | None:
    """The sticky CUDA error of ``device`` (`zoogen.verify.device.Device.health_problem`), if any."""
    check = getattr(device, "health_problem", None)
    return check() if callable(check) else None
