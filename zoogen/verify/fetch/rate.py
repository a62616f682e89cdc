"""The minimum-rate guard: no server can hold a run with a trickle or a transfer that never ends."""

from __future__ import annotations

import time
from dataclasses import dataclass

from zoogen.verify.fetch.errors import SlowDownload


@dataclass(frozen=True)
class MinimumRate:
    """The slowest transfer tolerated: below ``bytes_per_second`` over any ``window`` seconds fails, and
    a file must be whole within ``window + size / bytes_per_second`` seconds of its first byte."""

    bytes_per_second: float = 50_000.0
    window: float = 60.0

    def deadline(self, size: int | None) -> float | None:
        """Seconds allowed for a body of ``size`` bytes (None: unknown size, the window check alone)."""
        return None if size is None else self.window + size / self.bytes_per_second


DEFAULT_RATE = MinimumRate()


class RateClock:
    """Fails a transfer slower than the `MinimumRate`, counted from the first request of a download."""

    def __init__(self, rate: MinimumRate, url: str) -> None:
        self.rate = rate
        self.url = url
        self.start = time.monotonic()
        self.mark_time = self.start
        self.mark_bytes = 0
        self.received = 0
        self.deadline: float | None = None

    def announce(self, remaining: int | None) -> None:
        """The server announced ``remaining`` more bytes: set the overall deadline once."""
        allowed = self.rate.deadline(remaining)
        if self.deadline is None and allowed is not None:
            self.deadline = time.monotonic() + allowed

    def advance(self, count: int) -> None:
        """``count`` more bytes arrived; raise `SlowDownload` when the transfer is too slow."""
        self.received += count
        now = time.monotonic()
        if self.deadline is not None and now > self.deadline:
            raise SlowDownload(
                f"download of {self.url} did not finish within its deadline of "
                f"{self.deadline - self.start:.0f}s ({self.received} bytes received; the minimum rate is "
                f"{self.rate.bytes_per_second / 1000:g} kB/s); the partial file is kept for a later resume"
            )
        elapsed = now - self.mark_time
        if elapsed >= self.rate.window:
            speed = (self.received - self.mark_bytes) / elapsed
            if speed < self.rate.bytes_per_second:
                raise SlowDownload(
                    f"download of {self.url} is too slow: {speed / 1000:.2f} kB/s over {elapsed:.0f}s, below "
                    f"the minimum of {self.rate.bytes_per_second / 1000:g} kB/s; the partial file is kept "
                    "for a later resume"
                )
            self.mark_time, self.mark_bytes = now, self.received
