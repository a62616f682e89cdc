"""One built model + test data of any OpenMMLab 2.0 library, shared by evaluation and speed measurement.

:class:`TestSession` builds what the library's ``tools/test.py`` (``Runner.from_cfg(cfg).test()``) builds -- the
model from the config, the config's test dataloader and evaluator -- once, loads the weights from an already
loaded checkpoint dict, and offers:

* :meth:`TestSession.evaluate` -- the test loop (``TestLoop.run``: ``model.test_step`` per batch under
  the config's ``test_cfg.fp16`` autocast, ``evaluator.process``, ``evaluator.evaluate``), with the
  config's loader workers on CUDA (evaluation on a GPU is data-bound) and none on the CPU (they would
  compete with the model for the same cores); nothing in it is timed;
* :meth:`TestSession.measure_speed` -- the measured pass, exactly the protocol of MMDetection's
  ``InferenceBenchmark`` (``tools/analysis_tools/benchmark.py``): its own batch-1 loader without
  workers, the device synchronised before and after each ``test_step``, outputs dropped, 5 warm-up
  images excluded, no autocast unless asked (``precision="fp16"``, for a published FP16 figure); with
  conv-bn fusion, the fused copy is timed while the unfused weights wait on the CPU. Its peak memory is
  the pass's allocator peak. ``benchmarks/bench_verify.py`` (c) compares this very method with
  ``InferenceBenchmark``;
* :meth:`TestSession.run` -- both, one after the other (what ``tools/test.py`` then ``benchmark.py``
  do).

The config comes already pointed at its data (`zoogen.verify.eval_config.point_test_data`); the COCO detection
path (`zoogen.verify.detection.DetectorSession`) derives from this class.
"""

from __future__ import annotations

import contextlib
import copy
import io
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoogen.verify.device import Device
from zoogen.verify.eval_config import for_test_run, load_config
from zoogen.verify.timing import MAX_IMAGES, WARMUP, SpeedMeasurement, StepTimer

if TYPE_CHECKING:
    import torch.nn as nn
    from mmengine.config import Config

__all__ = ["Evaluation", "SessionResult", "StateDictMismatch", "TestSession", "check_fit", "load_state_dict"]

#: State-dict keys never counted as a misfit: BatchNorm's ``num_batches_tracked`` (absent from checkpoints
#: saved by torch < 0.4.1 and from converted ones; unused at test time) and EMA copies of the weights kept
#: beside them by some trainers (``ema_*``), which the model does not load.
IGNORED_KEY_SUFFIXES = (".num_batches_tracked",)
IGNORED_KEY_PREFIXES = ("ema_", "ema.")
#: Beyond those, this many missing plus unexpected keys are tolerated (a stray buffer of an older
#: MMDetection); more means the checkpoint is not the config's model and the record is an error.
ALLOWED_MISFIT_KEYS = 2
SHOWN_KEYS = 5


class StateDictMismatch(Exception):
    """The checkpoint's state dict does not fit the model of the config."""


def check_fit(model_keys: list[str], missing: list[str], unexpected: list[str]) -> None:
    """Raise `StateDictMismatch` when more than `ALLOWED_MISFIT_KEYS` keys are missing or unexpected
    (ignoring `IGNORED_KEY_SUFFIXES` / `IGNORED_KEY_PREFIXES`); the message counts and names a few."""

    def counted(keys: list[str]) -> list[str]:
        return [k for k in keys if not k.endswith(IGNORED_KEY_SUFFIXES) and not k.startswith(IGNORED_KEY_PREFIXES)]

    missing, unexpected, total = counted(missing), counted(unexpected), len(counted(list(model_keys)))
    if len(missing) + len(unexpected) <= ALLOWED_MISFIT_KEYS:
        return
    parts = []
    if missing:
        shown = ", ".join(missing[:SHOWN_KEYS]) + (", ..." if len(missing) > SHOWN_KEYS else "")
        parts.append(f"{len(missing)} of the model's {total} weights are missing from the checkpoint ({shown})")
    if unexpected:
        shown = ", ".join(unexpected[:SHOWN_KEYS]) + (", ..." if len(unexpected) > SHOWN_KEYS else "")
        parts.append(f"{len(unexpected)} checkpoint weights are not in the model ({shown})")
    raise StateDictMismatch(
        "the checkpoint does not fit the config: " + "; ".join(parts)
        + f" (at most {ALLOWED_MISFIT_KEYS} are tolerated)"
    )

_LOGGER_IDS = itertools.count(1)


@dataclass
class Evaluation:
    """Result of one evaluation.

    Attributes:
        metrics: the evaluator's keys and values as it reports them (``coco/bbox_mAP`` as a fraction,
            ``accuracy/top1`` in percent).
        images: number of images evaluated.
        evaluator: the evaluator's metric classes (``CocoMetric``, ``Accuracy``, ``IoUMetric``).
        coco_backend: ``faster-coco-eval`` or ``pycocotools`` (COCO metrics only).
        missing_keys / unexpected_keys: state-dict keys the model lacked / did not use when loading.
        seconds: wall time of the pass over the data plus the metric computation.
    """

    metrics: dict[str, float]
    images: int
    evaluator: list[str] = field(default_factory=list)
    coco_backend: str | None = None
    missing_keys: list[str] = field(default_factory=list)
    unexpected_keys: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class SessionResult:
    """What :meth:`DetectorSession.run` measured (``speed`` is None when not asked for)."""

    evaluation: Evaluation
    speed: SpeedMeasurement | None


def load_state_dict(model: nn.Module, state_dict: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Load ``state_dict`` like mmengine's ``load_checkpoint`` does (``module.`` prefix stripped,
    non-strict); returns ``(missing_keys, unexpected_keys)``. Shape mismatches raise."""
    cleaned = {(k[len("module.") :] if k.startswith("module.") else k): v for k, v in state_dict.items()}
    result = model.load_state_dict(cleaned, strict=False)
    return list(result.missing_keys), list(result.unexpected_keys)


def _build_evaluator(spec: Any) -> Any:
    """``Runner.build_evaluator`` without a runner."""
    from mmengine.evaluator import Evaluator
    from mmengine.registry import EVALUATOR

    spec = copy.deepcopy(spec)
    if isinstance(spec, dict) and "metrics" in spec:
        spec.setdefault("type", "Evaluator")
        return EVALUATOR.build(spec)
    return Evaluator(spec)


class TestSession:
    """A model built from its config with weights from ``checkpoint["state_dict"]``, and its test data.

    Args:
        config: the model's config (path, or a ``Config`` which is copied), its test set already pointed at
            the data (`zoogen.verify.eval_config.point_test_data`).
        checkpoint: the loaded checkpoint (``{"meta": ..., "state_dict": ...}`` or a bare state dict).
        device: where to run.
        max_images: evaluate the first ``max_images`` images only (None: all).
        work_dir: scratch directory (``cfg.work_dir``).
        eval_workers: loader workers of the evaluation (None: the config's on CUDA, 0 on the CPU); the
            measured pass never has any.
        quiet: keep the library's console output out of the terminal (it is kept in :attr:`log`).
        check_fit: refuse (`StateDictMismatch`) a checkpoint whose keys do not fit the model (`check_fit`).
    """

    default_scope = "mmengine"

    def __init__(
        self,
        config: Path | str | Config,
        checkpoint: dict[str, Any],
        *,
        device: Device,
        max_images: int | None = None,
        work_dir: Path,
        quiet: bool = True,
        check_fit: bool = True,
        eval_workers: int | None = None,
    ) -> None:
        from mmengine.logging import MMLogger
        from mmengine.registry import init_default_scope
        from mmengine.runner import Runner

        self.device = device
        self.quiet = quiet
        self.check_fit = check_fit
        self._log = io.StringIO()
        Path(work_dir).mkdir(parents=True, exist_ok=True)
        if eval_workers is None and not device.is_cuda:
            eval_workers = 0
        self.cfg: Config = for_test_run(self._prepare(load_config(config)), max_images=max_images,
                                        work_dir=work_dir, loader_workers=eval_workers)
        if quiet:
            MMLogger.get_instance(f"zoogen-verify-{next(_LOGGER_IDS)}", log_level="WARNING")
        init_default_scope(self.cfg.get("default_scope", self.default_scope))
        env_cfg = self.cfg.get("env_cfg") or {}
        device.set_cudnn_benchmark(bool(env_cfg.get("cudnn_benchmark", False)))
        device.activate()

        with self._captured():
            self.model = self._build_model(checkpoint)
            self.loader = Runner.build_dataloader(self.cfg.test_dataloader)
        self.dataset = self.loader.dataset
        test_cfg = self.cfg.get("test_cfg") or {}
        self.fp16 = bool(test_cfg.get("fp16", False))

    # -- what a library's path changes (`zoogen.verify.detection.DetectorSession`) -----------------------

    def _prepare(self, cfg: Config) -> Config:
        """The config before the subset and workers are set (here: as given)."""
        return cfg

    def _before_evaluate(self, evaluator: Any) -> None:
        """Adjust the built evaluator before the loop (here: nothing)."""

    def _count(self, outputs: Any) -> int:
        """Predictions in one batch's outputs, for `_complete` (here: the samples)."""
        return len(outputs or [])

    @contextlib.contextmanager
    def _metrics_context(self) -> Iterator[None]:
        """What ``evaluator.evaluate`` runs inside (here: nothing)."""
        yield

    def _complete(self, metrics: dict[str, Any], evaluator: Any, predictions: int) -> dict[str, Any]:
        """The metrics as reported (here: as the evaluator gave them)."""
        return metrics

    # -- building -------------------------------------------------------------------------------

    def _build_model(self, checkpoint: dict[str, Any]) -> nn.Module:
        from mmengine.model.utils import revert_sync_batchnorm
        from mmengine.registry import MODELS

        model_cfg = copy.deepcopy(self.cfg.model)
        preprocessor = self.cfg.get("data_preprocessor")  # as mmengine's Runner merges a top-level one
        if isinstance(model_cfg, dict) and preprocessor is not None:
            model_cfg.setdefault("data_preprocessor", preprocessor)
        model = MODELS.build(model_cfg)
        model = revert_sync_batchnorm(model)
        state_dict = checkpoint.get("state_dict", checkpoint)
        self.missing_keys, self.unexpected_keys = load_state_dict(model, state_dict)
        if self.check_fit:
            check_fit(list(model.state_dict()), self.missing_keys, self.unexpected_keys)
        meta: dict[str, Any] = checkpoint["meta"] if isinstance(checkpoint.get("meta"), dict) else {}
        if "dataset_meta" in meta:  # as Runner.load_checkpoint does
            model.dataset_meta = copy.deepcopy(meta["dataset_meta"])
        model = model.to(self.device.torch_device)
        model.eval()
        return model

    @contextlib.contextmanager
    def _captured(self):
        if not self.quiet:
            yield
            return
        with contextlib.redirect_stdout(self._log):
            yield

    @property
    def log(self) -> str:
        """Console output of the library captured while ``quiet``."""
        return self._log.getvalue()

    @property
    def images(self) -> int:
        """Images in the (possibly subset) test set."""
        return len(self.dataset)

    def _speed_loader(self) -> Any:
        """The measured pass' loader, as ``InferenceBenchmark`` builds it: batch 1, no workers."""
        from mmengine.runner import Runner

        spec = dict(copy.deepcopy(self.cfg.test_dataloader))
        spec.pop("prefetch_factor", None)
        spec.update(batch_size=1, num_workers=0, persistent_workers=False, dataset=self.dataset)
        return Runner.build_dataloader(spec)

    # -- running --------------------------------------------------------------------------------

    def _test_step(self, model: Any, batch: Any, *, fp16: bool) -> Any:  # an mmengine BaseModel
        """``model.test_step`` without gradients; under autocast only for ``fp16`` (in FP32 no autocast
        context is entered at all, exactly as ``InferenceBenchmark`` runs it)."""
        import torch

        if not fp16:
            with torch.no_grad():
                return model.test_step(batch)
        from mmengine.runner.amp import autocast

        with torch.no_grad(), autocast(enabled=True):
            return model.test_step(batch)

    def run(
        self,
        *,
        speed: bool = True,
        speed_images: int = MAX_IMAGES,
        warmup: int = WARMUP,
        fuse_conv_bn: bool = False,
        precision: str = "fp32",
    ) -> SessionResult:
        """Evaluate, then (if ``speed``) the measured pass of :meth:`measure_speed`."""
        evaluation = self.evaluate()
        measurement = None
        if speed:
            measurement = self.measure_speed(
                max_images=speed_images, warmup=warmup, fuse_conv_bn=fuse_conv_bn, precision=precision
            )
        return SessionResult(evaluation=evaluation, speed=measurement)

    def evaluate(self) -> Evaluation:
        """Run the test loop over the test set and compute the config's metrics (nothing is timed)."""
        with self._captured():
            evaluator = _build_evaluator(self.cfg.test_evaluator)
            if hasattr(self.dataset, "metainfo"):
                evaluator.dataset_meta = self.dataset.metainfo
            self._before_evaluate(evaluator)
            start = time.perf_counter()
            predictions = 0
            outputs = None
            for batch in self.loader:
                outputs = self._test_step(self.model, batch, fp16=self.fp16)
                predictions += self._count(outputs)
                evaluator.process(data_samples=outputs, data_batch=batch)
            del outputs
            with self._metrics_context():
                metrics = evaluator.evaluate(len(self.dataset))
            metrics = self._complete(metrics, evaluator, predictions)
            seconds = time.perf_counter() - start
        return Evaluation(
            metrics=_numbers(metrics),
            images=len(self.dataset),
            evaluator=[type(metric).__name__ for metric in getattr(evaluator, "metrics", [])],
            coco_backend=getattr(self, "coco_eval", None),
            missing_keys=list(self.missing_keys),
            unexpected_keys=list(self.unexpected_keys),
            seconds=seconds,
        )

    def measure_speed(
        self,
        *,
        max_images: int = MAX_IMAGES,
        warmup: int = WARMUP,
        fuse_conv_bn: bool = False,
        precision: str = "fp32",
    ) -> SpeedMeasurement:
        """The measured pass: ``InferenceBenchmark``'s protocol over up to ``max_images`` images.

        ``precision="fp16"`` times under autocast (only for a published FP16 figure); ``fuse_conv_bn``
        times a fused copy (made on the CPU) while the unfused model waits on the CPU, so that its
        weights count neither in the peak memory nor against the device's memory.
        """
        if precision not in ("fp32", "fp16"):
            raise ValueError(f"precision must be fp32 or fp16, got {precision!r}")
        model = self.model
        if fuse_conv_bn:
            from mmcv.cnn import fuse_conv_bn as fuse

            self.model.to("cpu")
            model = fuse(copy.deepcopy(self.model)).to(self.device.torch_device)
        timer = StepTimer(self.device, limit=max_images, warmup=warmup)
        try:
            with self._captured():
                loader = self._speed_loader()
                self.device.release_memory()
                self.device.reset_peak_memory()
                for batch in loader:
                    with timer.step():
                        self._test_step(model, batch, fp16=precision == "fp16")
                    if not timer.wants_more:
                        break
                peak = self.device.peak_memory_mb()
        finally:
            if fuse_conv_bn:
                del model
                self.model.to(self.device.torch_device)
                self.device.release_memory()
        return timer.result(peak_memory_mb=peak, fused=fuse_conv_bn, precision=precision)


def _numbers(metrics: dict[str, Any]) -> dict[str, float]:
    """The evaluator's scalar results as floats (per-class arrays and tables some metrics add are left out)."""
    out: dict[str, float] = {}
    for key, value in metrics.items():
        try:
            out[str(key)] = float(value)
        except (TypeError, ValueError):
            continue
    return out
