"""Speed measurement with benchmark.py's protocol (no timed assertions)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from zoogen.verify.device import resolve_device
from zoogen.verify.timing import StepTimer


def test_step_timer_excludes_warmup() -> None:
    timer = StepTimer(resolve_device(False, None), limit=8, warmup=5)
    while timer.wants_more:
        with timer.step():
            pass
    timer.seconds = [10.0] * 5 + [0.01, 0.02, 0.03]  # warm-up steps slow, as they are on a GPU
    result = timer.result(peak_memory_mb=123.45)
    assert result.images == 8 and result.timed_images == 3 and result.warmup == 5
    assert result.ms_per_image == pytest.approx(20.0)
    assert result.fps == pytest.approx(50.0)
    assert result.ms_std == pytest.approx(10.0)
    assert result.peak_memory_mb == 123.5 and result.memory_kind == "cpu-rss"


def test_step_timer_with_fewer_images_than_warmup() -> None:
    timer = StepTimer(resolve_device(False, None), limit=2000, warmup=5)
    timer.seconds = [1.0, 0.5, 0.5]
    result = timer.result(peak_memory_mb=1.0)
    assert result.warmup == 2 and result.timed_images == 1 and result.fps == pytest.approx(2.0)


def test_step_timer_rejects_an_empty_run() -> None:
    with pytest.raises(ValueError, match="empty"):
        StepTimer(resolve_device(False, None)).result(peak_memory_mb=0)


@pytest.fixture(scope="module")
def loaded_checkpoint(tiny_checkpoint: Path) -> dict:
    import torch

    return torch.load(tiny_checkpoint, map_location="cpu", weights_only=True)


def _sane(result, images: int, timed: int) -> None:
    assert result.images == images
    assert result.timed_images == timed
    assert math.isfinite(result.fps) and result.fps > 0
    assert result.ms_per_image == pytest.approx(1000.0 / result.fps)
    assert result.ms_std >= 0
    assert result.peak_memory_mb > 0 and result.memory_kind == "cpu-rss"


@pytest.mark.slow
@pytest.mark.parametrize("fuse", [False, True])
def test_measure_speed(tiny_config: Path, tiny_coco: Path, loaded_checkpoint: dict, fuse: bool,
                       tmp_path: Path) -> None:
    from zoogen.verify.detection import DetectorSession

    session = DetectorSession(tiny_config, loaded_checkpoint, data_root=tiny_coco,
                              device=resolve_device(False, None), max_images=12, work_dir=tmp_path)
    result = session.measure_speed(max_images=12, warmup=5, fuse_conv_bn=fuse)
    _sane(result, images=12, timed=7)
    assert result.fused is fuse


@pytest.mark.slow
def test_measure_speed_stops_at_the_end_of_the_set(
    tiny_config: Path, tiny_coco: Path, loaded_checkpoint: dict, tmp_path: Path
) -> None:
    from zoogen.verify.detection import DetectorSession

    session = DetectorSession(tiny_config, loaded_checkpoint, data_root=tiny_coco,
                              device=resolve_device(False, None), work_dir=tmp_path)
    result = session.measure_speed()
    _sane(result, images=16, timed=11)


@pytest.mark.slow
def test_session_times_during_evaluation(
    tiny_config: Path, tiny_coco: Path, loaded_checkpoint: dict, tiny_reference_metrics: dict, tmp_path: Path
) -> None:
    from zoogen.verify.detection import DetectorSession

    session = DetectorSession(
        tiny_config,
        loaded_checkpoint,
        data_root=tiny_coco,
        device=resolve_device(False, None),
        work_dir=tmp_path,
    )
    result = session.run(speed=True, speed_images=10, warmup=5)
    assert result.evaluation.metrics == tiny_reference_metrics
    _sane(result.speed, images=10, timed=5)
    fused = session.run(speed=True, speed_images=2000, fuse_conv_bn=True)
    assert fused.evaluation.metrics == tiny_reference_metrics  # fusion never touches the evaluated model
    _sane(fused.speed, images=16, timed=11)
    assert fused.speed.fused
