"""What a download can fail with: `FetchError` and its kinds, and the warning for an unchecked file."""

from __future__ import annotations


class FetchError(Exception):
    """A checkpoint could not be downloaded."""


class ChecksumMismatch(FetchError):
    """The downloaded bytes do not hash to the prefix in the file name."""


class TruncatedDownload(FetchError):
    """Fewer (or more) bytes arrived than the server announced."""


class SlowDownload(FetchError):
    """The server sent too slowly (below the minimum rate, or past the file's overall deadline)."""


class NotACheckpoint(FetchError):
    """The server sent something that is no checkpoint (an HTML page, text): refused, not cached."""


class UncheckedChecksumWarning(UserWarning):
    """A checkpoint whose file name carries no hash: its bytes could not be checked."""
