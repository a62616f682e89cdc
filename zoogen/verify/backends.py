"""Backends: what builds a model from its config, evaluates it on the test data and times it.

A backend answers two calls behind one protocol (`Backend`):

* ``inspect(config_file, data_root)`` -- before any download: the config's library (``default_scope``), its test
  dataset class, the config pointed at ``data_root`` and what of the test data is missing there;
* ``run(prepared, checkpoint, ...)`` -- build, evaluate, time (`BackendResult`).

`MMEngineBackend` is zoogen's: the COCO detection path (`zoogen.verify.detection.DetectorSession`, MMDetection's
configs on a COCO layout, as verified since zoogen's first release) for MMDetection models tested on COCO, and
the generic mmengine path (`zoogen.verify.session.TestSession`: the config's own test dataloader, model and
evaluator, what every OpenMMLab 2.0 library's ``tools/test.py`` runs) for every other model.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from zoogen.verify.device import Device
    from zoogen.verify.session import Evaluation
    from zoogen.verify.timing import SpeedMeasurement

__all__ = ["COCO_LAYOUT", "Backend", "BackendResult", "MMEngineBackend", "Prepared", "StepError",
           "release_memory"]

COCO_LAYOUT = ("annotations/instances_val2017.json", "val2017")
COCO_DATASET_TYPES = ("CocoDataset",)


class StepError(Exception):
    """A model's pipeline stopped at ``step`` (resolve|download|load|evaluate|speed)."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step


@dataclass
class Prepared:
    """What `Backend.inspect` found in a model's config."""

    library: str | None  # the config's default_scope: mmdet, mmpretrain, mmseg, mmpose
    dataset_type: str | None  # its test dataset class: CocoDataset, ImageNet, ADE20KDataset
    config: Any  # what `Backend.run` builds from (a Config pointed at the data, or the config's path)
    missing: list[str] = field(default_factory=list)  # test data the config reads and --data-root lacks
    path: str = "generic"  # "coco" (MMDetection on a COCO layout) or "generic"


@dataclass
class BackendResult:
    """What a backend measured; ``speed_error`` when evaluation worked but timing failed."""

    evaluation: Evaluation
    speed: SpeedMeasurement | None
    speed_error: str | None = None


class Backend(Protocol):
    """Inspects a config, then builds, evaluates and times its model (module doc)."""

    def inspect(self, config_file: Path, data_root: Path) -> Prepared: ...

    def run(
        self,
        prepared: Prepared,
        checkpoint: dict[str, Any],
        *,
        data_root: Path,
        device: Device | None,
        max_images: int | None,
        work_dir: Path,
        speed_images: int,
        fuse_conv_bn: bool,
        on_step: Callable[[str], None],
        precision: str = "fp32",
    ) -> BackendResult: ...


def one_line(exc: BaseException) -> str:
    """An exception as one line of at most 500 characters, its type named unless it is a `StepError`."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if not isinstance(exc, StepError) and type(exc).__name__ not in text:
        text = f"{type(exc).__name__}: {text}"
    return text if len(text) <= 500 else text[:497] + "..."


def release_memory(device: Device | None) -> None:
    """Free what a model left on ``device`` (`zoogen.verify.device.Device.release_memory`)."""
    release = getattr(device, "release_memory", None)
    if callable(release):
        release()
    else:
        gc.collect()


class MMEngineBackend:
    """zoogen's backend: the COCO detection path or the generic mmengine path (module doc)."""

    def inspect(self, config_file: Path, data_root: Path) -> Prepared:
        """Read the config (trusted already: `zoogen.verify.config_check`) and check the data it will read.

        Raises:
            StepError: ``resolve``, when the config cannot be read or its test set cannot be moved.
        """
        from zoogen.verify.eval_config import describe, load_config, missing_data, point_test_data

        try:
            cfg = load_config(config_file)
        except Exception as exc:
            raise StepError("resolve", f"cannot read the config {config_file.name}: {one_line(exc)}") from exc
        found = describe(cfg)
        if found.library == "mmdet" and found.dataset_type in COCO_DATASET_TYPES:
            missing = [f"{part} ({data_root / part})" for part in COCO_LAYOUT if not (data_root / part).exists()]
            return Prepared(found.library, found.dataset_type, config_file, missing, path="coco")
        try:
            point_test_data(cfg, data_root)
        except ValueError as exc:
            raise StepError("resolve", f"{config_file.name}: {exc}") from None
        return Prepared(found.library, found.dataset_type, cfg, missing_data(cfg))

    def run(
        self,
        prepared: Prepared,
        checkpoint: dict[str, Any],
        *,
        data_root: Path,
        device: Device | None,
        max_images: int | None,
        work_dir: Path,
        speed_images: int,
        fuse_conv_bn: bool,
        on_step: Callable[[str], None],
        precision: str = "fp32",
    ) -> BackendResult:
        """Build the model once, evaluate it, then time it in the measured pass.

        The measured pass is ``InferenceBenchmark``'s protocol (`TestSession.measure_speed`) over the first
        ``speed_images`` images, apart from the evaluation, in ``precision``; the session is dropped and the
        device's memory freed whatever happens.
        """
        from zoogen.verify.session import TestSession

        if device is None:
            raise StepError("load", "no device to run the model on")
        try:
            if prepared.path == "coco":
                from zoogen.verify.detection import DetectorSession

                session: TestSession = DetectorSession(prepared.config, checkpoint, data_root=data_root,
                                                       device=device, max_images=max_images, work_dir=work_dir)
            else:
                session = TestSession(prepared.config, checkpoint, device=device, max_images=max_images,
                                      work_dir=work_dir)
        except Exception as exc:
            raise StepError("load", f"cannot build the model of its config: {one_line(exc)}") from exc
        try:
            if session.missing_keys:
                on_step(f"note: {len(session.missing_keys)} weights of the model are missing from the checkpoint")
            on_step("evaluate")
            try:
                evaluation = session.evaluate()
            except Exception as exc:
                raise StepError("evaluate", one_line(exc)) from exc
            on_step("speed")
            try:
                speed = session.measure_speed(max_images=speed_images, fuse_conv_bn=fuse_conv_bn,
                                              precision=precision)
            except Exception as exc:  # keep the evaluation: the record says the speed step failed
                return BackendResult(evaluation, None, one_line(exc))
            return BackendResult(evaluation, speed)
        finally:
            del session
            release_memory(device)
