"""One model's pipeline: resolve, download, load, evaluate, speed, judge -- into one record (not yet written).

A missing piece (no config, no data, a refused checkpoint...) becomes that model's error record (``status:
error``, the failing ``step`` and a one-line message). The library work is done by a `Backend`
(`zoogen.verify.backends.MMEngineBackend` unless a caller passes another).
"""

from __future__ import annotations

import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoogen.verify.device import Device

from zoogen.currency import published_numbers
from zoogen.meta.registry import LibraryInfo, Registry, load_registry
from zoogen.meta.schema import Model
from zoogen.records import CheckpointInfo, Environment, Inputs, Status, Step, VerificationRecord, utc_now_iso
from zoogen.verify.backends import Backend, Prepared, StepError, one_line
from zoogen.verify.config_check import ConfigRefused, check_config, config_fingerprint
from zoogen.verify.environment import package_version
from zoogen.verify.fetch import UncheckedChecksumWarning, fetch
from zoogen.verify.inputs import DataRoot, resolve_config
from zoogen.verify.judge import (
    is_subset,
    judge_memory,
    judge_metrics,
    judge_speed,
    judged_datasets,
    speed_precision,
    unjudged_metrics,
)
from zoogen.verify.options import VerifyOptions
from zoogen.verify.progress import Reporter

__all__ = ["library_of", "verify_model"]


def _strip_configs(config: str | None) -> str:
    config = config or ""
    return config[len("configs/") :] if config.startswith("configs/") else config


def library_of(prepared: Prepared, config_name: str, registry: Registry) -> LibraryInfo:
    """The library whose evaluator runs ``prepared`` (its ``default_scope``). Raises StepError(resolve)."""
    known = ", ".join(sorted(registry.libraries))
    if not prepared.library:
        raise StepError("resolve", f"{config_name} names no default_scope: zoogen cannot tell which library "
                                   f"evaluates it ({known})")
    info = registry.libraries.get(prepared.library)
    if info is None:
        raise StepError("resolve", f"{config_name} is a {prepared.library} config: zoogen verifies {known}")
    return info


def _check_inputs(model: Model, prepared: Prepared, library: LibraryInfo, data: DataRoot, config_name: str,
                  registry: Registry) -> tuple[str, ...]:
    """The datasets to judge; raises StepError(resolve) when the data or anything to judge is missing."""
    if prepared.missing:
        shown = "; ".join(prepared.missing[:3]) + ("; ..." if len(prepared.missing) > 3 else "")
        raise StepError("resolve", f"the test set of {config_name} ({prepared.dataset_type or 'its dataset'}) "
                                   f"is not under --data-root {data.root}: missing {shown}")
    datasets = judged_datasets(model, prepared.dataset_type, registry)
    if not datasets:
        published = ", ".join(dict.fromkeys(r.dataset for r in model.results)) or "none"
        raise StepError("resolve", f"the config tests on {prepared.dataset_type or 'an unnamed dataset'}, which "
                                   f"is none of the datasets the metafile publishes ({published}); name its "
                                   "class under the dataset's `types` in zoo.yml's registry")
    if not judge_metrics(model, {}, subset=True, datasets=datasets, registry=registry, library=library.scope):
        unmapped = ", ".join(unjudged_metrics(model, library.scope, datasets, registry)) or "none"
        raise StepError("resolve", f"no published metric has a key of {library.title}'s evaluator in the "
                                   f"registry (published: {unmapped})")
    return datasets


def verify_model(
    model: Model,
    *,
    options: VerifyOptions,
    environment: Environment,
    device: Device | None,
    data: DataRoot | StepError,
    backend: Backend,
    reporter: Reporter | None = None,
    registry: Registry | None = None,
    unjudged: dict[str, list[str]] | None = None,
) -> VerificationRecord:
    """Run the pipeline for one model and return its record (not yet written).

    ``data`` is the run's `DataRoot`, or the `StepError` resolving it gave. The record keeps each step's
    wall time (``timings``) and what it depended on (``inputs``) for ``zoogen verify plan``. Published numbers
    that no key of the library's evaluator measures are added to ``unjudged`` (``"<metric> (<task> on
    <dataset>) of <library>"`` -> model names), for the run to report once.
    """
    reporter = reporter or Reporter()
    registry = registry or load_registry()
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
        prepared = backend.inspect(config_file, data.root)
        library = library_of(prepared, record.config or config_file.name, registry)
        record.environment.library = library.package
        record.environment.library_version = package_version(library.package)
        datasets = _check_inputs(model, prepared, library, data, record.config or config_file.name, registry)
        for metric in unjudged_metrics(model, library.scope, datasets, registry):
            if unjudged is not None:
                unjudged.setdefault(f"{metric} of {library.title}", []).append(model.name)
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
            raise StepError("download", one_line(exc)) from exc
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
            raise StepError("load", one_line(exc)) from exc

        with tempfile.TemporaryDirectory(prefix="zoogen-verify-") as work_dir:
            result = backend.run(
                prepared, checkpoint, data_root=data.root, device=device,
                max_images=options.max_images, work_dir=Path(work_dir),
                speed_images=min(options.speed_images, options.max_images or options.speed_images),
                fuse_conv_bn=options.fuse_conv_bn, on_step=enter, precision=precision,
            )
        del checkpoint

        evaluation = result.evaluation
        record.images = int(evaluation.images)
        images_in_set = data.coco_images if prepared.path == "coco" else None
        if images_in_set is None and options.max_images is not None and record.images < options.max_images:
            images_in_set = record.images  # fewer images than asked for: the whole set was evaluated
        record.subset = is_subset(record.images, images_in_set, options.max_images)
        record.metrics = judge_metrics(model, evaluation.metrics, subset=record.subset, datasets=datasets,
                                       registry=registry, library=library.scope)
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
            record.status, record.error = Status.PARTIAL, one_line(StepError("", "; ".join(problems)))
            record.step = Step.SPEED if result.speed_error and not missing else Step.EVALUATE
    except StepError as exc:
        record.status, record.step, record.error = Status.ERROR, Step(exc.step), one_line(exc)
    except Exception as exc:  # a bug or an unforeseen failure: still one record, and the run goes on
        record.status, record.step, record.error = Status.ERROR, Step(step), one_line(exc)
    now = time.perf_counter()
    record.timings[step] = round(record.timings.get(step, 0.0) + now - step_started, 3)
    record.timings["total"] = round(now - started, 3)
    return record
