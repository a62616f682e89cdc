"""Inference speed with the protocol of MMDetection's ``InferenceBenchmark`` (``benchmark.py``).

Batch 1, no loader workers, the model's ``test_step`` (data preprocessor + forward + post-processing)
timed per image with the device synchronised before and after, the first ``warmup`` (5) images
excluded, at most ``max_images`` (2000) images, no autocast unless the published figure is FP16,
optional conv-bn fusion. Data loading is not timed. The pass itself is
`zoogen.verify.session.TestSession.measure_speed`; this module holds the clock and the result.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoogen.verify.device import Device

__all__ = ["SpeedMeasurement", "StepTimer"]

MAX_IMAGES = 2000
WARMUP = 5


@dataclass
class SpeedMeasurement:
    """Result of one speed measurement.

    Attributes:
        fps: timed images per second (warm-up excluded).
        ms_per_image: mean milliseconds per timed image; ``ms_std`` their standard deviation.
        images: images run (warm-up included); ``timed_images = images - warmup``.
        warmup: images excluded (5, fewer only when the set has no more than 5 images).
        peak_memory_mb / memory_kind: peak memory during the pass (``cuda`` allocator peak or the
            process' ``cpu-rss``), MiB.
        fused: conv-bn fusion was applied.
        precision: ``fp32``, or ``fp16`` (timed under autocast).
    """

    fps: float
    ms_per_image: float
    ms_std: float
    images: int
    timed_images: int
    warmup: int
    peak_memory_mb: float
    memory_kind: str
    fused: bool = False
    precision: str = "fp32"


class StepTimer:
    """Times steps the way ``benchmark.py`` does; warm-up steps are run but not counted.

    Use ``with timer.step(): model.test_step(batch)`` at most ``limit`` times
    (``timer.wants_more`` says whether another step is wanted).
    """

    def __init__(self, device: Device, *, limit: int = MAX_IMAGES, warmup: int = WARMUP) -> None:
        if limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit}")
        if warmup < 0:
            raise ValueError(f"warmup must be >= 0, got {warmup}")
        self.device = device
        self.limit = limit
        self.warmup = warmup
        self.seconds: list[float] = []

    @property
    def wants_more(self) -> bool:
        return len(self.seconds) < self.limit

    @contextlib.contextmanager
    def step(self) -> Iterator[None]:
        self.device.synchronize()
        start = time.perf_counter()
        yield
        self.device.synchronize()
        self.seconds.append(time.perf_counter() - start)

    def result(self, *, peak_memory_mb: float, fused: bool = False, precision: str = "fp32") -> SpeedMeasurement:
        """The measurement; with no more steps than ``warmup``, all but the first step are timed."""
        images = len(self.seconds)
        if images == 0:
            raise ValueError("no image was timed: the dataset is empty")
        warmup = self.warmup if images > self.warmup else max(images - 1, 0)
        timed = self.seconds[warmup:]
        total = sum(timed)
        mean = total / len(timed)
        var = sum((s - mean) ** 2 for s in timed) / (len(timed) - 1) if len(timed) > 1 else 0.0
        return SpeedMeasurement(
            fps=len(timed) / total if total > 0 else math.inf,
            ms_per_image=1000.0 * mean,
            ms_std=1000.0 * math.sqrt(var),
            images=images,
            timed_images=len(timed),
            warmup=warmup,
            peak_memory_mb=round(peak_memory_mb, 1),
            memory_kind=self.device.memory_kind,
            fused=fused,
            precision=precision,
        )

