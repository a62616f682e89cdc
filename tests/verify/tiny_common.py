"""Helpers shared by the tiny MMPretrain, MMSegmentation and MMPose fixtures (tests only)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run torch's CPU ops on one thread meanwhile.

    The tiny models' convolutions are too small to gain from threads, and on a busy 2-core machine
    OpenMP's waiting threads make a training step ~20 times slower (measured: 0.04 s on one thread,
    0.83 s on two, with a load of 6).
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train(config: Path, work_dir: Path, device: str = "cpu") -> tuple[Any, dict[str, Any]]:
    """Train ``config`` with MMEngine's runner on ``device`` (no validation pass, one torch thread); returns the
    runner and the trained weights, on the CPU."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    from tiny_detector import runner_device

    cfg = Config.fromfile(str(config))
    cfg.work_dir = str(work_dir)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    with runner_device(device), one_torch_thread():
        runner = Runner.from_cfg(cfg)
        runner.train()
    return runner, {k: v.detach().cpu().clone() for k, v in runner.model.state_dict().items()}


def library_test_loop(cfg: Any, checkpoint: Path, work_dir: Path, device: str = "cpu") -> dict[str, float]:
    """The library's own test loop, as ``tools/test.py`` runs it (``load_from`` = the file), on ``device``."""
    from mmengine.runner import Runner
    from tiny_detector import runner_device

    cfg.work_dir = str(work_dir)
    cfg.load_from = str(checkpoint)
    with runner_device(device):
        metrics = Runner.from_cfg(cfg).test()
    return {key: float(value) for key, value in metrics.items()}


def build(root: Path, data_folder: str, make_data: Callable[[Path], Path], configs_folder: str,
          write_config: Callable[[Path, Path], Path], train_model: Callable[[Path, Path, Path], Path],
          reference: Callable[[Path, Path, Path, Path], dict[str, float]]) -> dict[str, Any]:
    """Data, config, trained checkpoint and reference metrics of a tiny fixture under ``root``; their paths."""
    root = Path(root)
    data_root = make_data(root / "data" / data_folder)
    config = write_config(root / configs_folder, data_root)
    checkpoint = train_model(config, root / "work" / "train", root / "checkpoints")
    return {
        "data_root": str(data_root),
        "configs_root": str(root / configs_folder),
        "config": str(config),
        "checkpoint": str(checkpoint),
        "reference_metrics": reference(config, checkpoint, data_root, root / "work" / "test"),
    }
