"""Download published checkpoints into a cache, checked against the hash in their file names.

OpenMMLab names its checkpoints ``<name>_<date>-<first 8 hex digits of the sha256>.pth``. `fetch` streams
the file to ``<file>.part`` (resuming with an HTTP ``Range`` request after an interruption), hashes it
while it streams, and moves it into place only when its length and hash prefix are right. A bad file is
deleted and raised as `ChecksumMismatch` / `TruncatedDownload`: it is never handed to ``torch.load``.

No server can hold a run: every download has an overall deadline derived from its size and a minimum
rate (`MinimumRate`: by default a transfer slower than 50 kB/s over 60 s fails, and so does one that has
not finished within ``60 s + size / 50 kB/s``). Bodies are requested and accepted only without
``Content-Encoding`` (a compressed body is not the file whose bytes are hashed; it is refused).

A file whose name carries no hash cannot be checked: it is cached only when it starts like a checkpoint
(zip or pickle magic; an HTML or text page is refused, `NotACheckpoint`), and a cached copy is
re-validated with the server (``If-None-Match`` / ``If-Modified-Since``) on every later run. For hashed
names, ``mirrors`` (``(primary prefix, mirror prefix)`` pairs from ``zoo.yml``) are tried in turn when the
primary host fails: the hash makes any host's bytes as good as the primary's.

One job per module, imported in this order: `errors`, `integrity` (hash prefix, sha256, magic), `rate`
(the minimum-rate guard), `cache` (where files are kept, locks, reuse, validators), `http` (session with
retries, streaming with resumption), `download` (`fetch` itself, mirrors).
"""

from zoogen.verify.fetch.cache import FetchedFile, default_cache_dir, file_name
from zoogen.verify.fetch.download import fetch, mirror_urls
from zoogen.verify.fetch.errors import (
    ChecksumMismatch,
    FetchError,
    NotACheckpoint,
    SlowDownload,
    TruncatedDownload,
    UncheckedChecksumWarning,
)
from zoogen.verify.fetch.http import DEFAULT_TIMEOUT, STREAM_CHUNK, Progress, make_session
from zoogen.verify.fetch.integrity import (
    CHECKPOINT_MAGIC,
    CHUNK,
    describe_content,
    expected_hash_prefix,
    looks_like_checkpoint,
    sha256_of,
)
from zoogen.verify.fetch.rate import DEFAULT_RATE, MinimumRate

__all__ = [
    "CHECKPOINT_MAGIC",
    "CHUNK",
    "DEFAULT_RATE",
    "DEFAULT_TIMEOUT",
    "STREAM_CHUNK",
    "ChecksumMismatch",
    "FetchError",
    "FetchedFile",
    "MinimumRate",
    "NotACheckpoint",
    "Progress",
    "SlowDownload",
    "TruncatedDownload",
    "UncheckedChecksumWarning",
    "default_cache_dir",
    "describe_content",
    "expected_hash_prefix",
    "fetch",
    "file_name",
    "looks_like_checkpoint",
    "make_session",
    "mirror_urls",
    "sha256_of",
]
