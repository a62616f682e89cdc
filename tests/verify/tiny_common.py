"""Helpers shared by the tiny MMPretrain and MMSegmentation fixtures (tests only)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


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
