"""Download published checkpoints into a cache, checked against the hash in their file names.

OpenMMLab names its checkpoints ``<name>_<date>-<first 8 hex digits of the sha256>.pth``. `fetch` streams
the file to ``<file>.part`` (resuming with an HTTP ``Range`` request after an interruption), hashes it
while it streams, and moves it into place only when its length and hash prefix are right. A bad file is
deleted and raised as `ChecksumMismatch` / `TruncatedDownload`: it is never handed to ``torch.load``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlparse

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

CHUNK = 1 << 20
STREAM_CHUNK = 1 << 16  # small reads: an interrupted read loses at most this much
DEFAULT_TIMEOUT = (10.0, 60.0)  # (connect, read) seconds
Progress = Callable[[int, "int | None"], None]

_HASH_SUFFIX = re.compile(r"-([0-9a-f]{8,64})\.[A-Za-z0-9]+$")


class FetchError(Exception):
    """A checkpoint could not be downloaded."""


class ChecksumMismatch(FetchError):
    """The downloaded bytes do not hash to the prefix in the file name."""


class TruncatedDownload(FetchError):
    """Fewer (or more) bytes arrived than the server announced."""


class UncheckedChecksumWarning(UserWarning):
    """A checkpoint whose file name carries no hash: its bytes could not be checked."""


@dataclass(frozen=True)
class FetchedFile:
    """A checkpoint in the cache."""

    path: Path
    url: str
    sha256: str
    checked: bool  # the sha256 matched the hash prefix of the file name
    downloaded: bool  # False when the cached copy was used


def default_cache_dir() -> Path:
    """``$ZOOGEN_CACHE_DIR`` or ``$XDG_CACHE_HOME/zoogen/checkpoints`` (``~/.cache/zoogen/checkpoints``)."""
    if os.environ.get("ZOOGEN_CACHE_DIR"):
        return Path(os.environ["ZOOGEN_CACHE_DIR"]).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "zoogen" / "checkpoints"


def expected_hash_prefix(filename: str) -> str | None:
    """The hash prefix in an OpenMMLab file name (``..._20200130-047c8118.pth`` -> ``047c8118``), or None.

    An all-digit suffix that reads as a date (``model-20200130.pth``) is a date, not a hash.
    """
    match = _HASH_SUFFIX.search(filename)
    if not match:
        return None
    digits = match.group(1)
    if digits.isdigit() and len(digits) == 8:
        with contextlib.suppress(ValueError):
            date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
            return None
    return digits


def file_name(url: str) -> str:
    """The last path component of ``url``; a URL without one is refused."""
    name = unquote(Path(urlparse(url).path).name)
    if not name or name in (".", "..") or "/" in name:
        raise FetchError(f"cannot derive a file name from URL {url!r}")
    return name


def sha256_of(path: Path) -> str:
    """The sha256 hex digest of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def make_session(retries: int = 5, backoff: float = 0.5) -> requests.Session:
    """A session retrying connection errors and 429/5xx answers with exponential back-off."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = "zoogen-verify"
    return session


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` so two processes never write the same ``.part``."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    lock = path.with_name(path.name + ".lock")
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _check_hash(path: Path, sha256: str, prefix: str | None, url: str) -> None:
    """Delete ``path`` and raise `ChecksumMismatch` when ``sha256`` does not start with ``prefix``."""
    if prefix is not None and not sha256.startswith(prefix):
        path.unlink(missing_ok=True)
        raise ChecksumMismatch(
            f"checksum mismatch for {url}: sha256 {sha256[:16]}... does not start with {prefix} "
            f"(the hash in its file name); the download was deleted"
        )


def fetch(
    url: str,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    session: requests.Session | None = None,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    retries: int = 5,
    backoff: float = 0.5,
    progress: Progress | None = None,
) -> FetchedFile:
    """Download ``url`` into the cache (or reuse the cached copy) and return the checked file.

    ``retries`` bounds both urllib3's retries of a request and the resumptions after a body cut off
    mid-way; ``progress(done_bytes, total_bytes_or_None)`` is called as bytes arrive.
    """
    name = file_name(url)
    prefix = expected_hash_prefix(name)
    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    if prefix is None:
        # Names without a hash may repeat across URLs (``latest.pth``): keep them apart.
        cache = cache / "unchecked" / hashlib.sha1(url.encode()).hexdigest()[:12]
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / name
    with _locked(target):
        fetched = _cached(target, url, prefix)
        if fetched is None:
            own = session is None
            session = session or make_session(retries, backoff)
            try:
                sha256 = _download(url, target, session, timeout, retries, backoff, progress)
            finally:
                if own:
                    session.close()
            fetched = FetchedFile(target, url, sha256, checked=prefix is not None, downloaded=True)
    if not fetched.checked:
        warnings.warn(
            f"{name} has no hash in its file name: its sha256 {fetched.sha256} is recorded but could "
            "not be checked against a published value",
            UncheckedChecksumWarning,
            stacklevel=2,
        )
    return fetched


def _cached(target: Path, url: str, prefix: str | None) -> FetchedFile | None:
    """The cached file when it exists and still matches its hash prefix; a bad one is deleted."""
    if not target.is_file():
        return None
    sha256 = sha256_of(target)
    if prefix is not None and not sha256.startswith(prefix):
        log.warning("cached %s does not match its hash %s: downloading it again", target, prefix)
        target.unlink()
        return None
    return FetchedFile(target, url, sha256, checked=prefix is not None, downloaded=False)


class _Restart(requests.ConnectionError):
    """The partial file was dropped: download again from the first byte."""


class _Part:
    """The ``.part`` file of a download and the sha256 of the bytes it holds, updated as they arrive."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.digest = hashlib.sha256()
        self.size = 0
        self.answered = False  # the last request got a response (its body may still break off)
        if path.exists():  # an earlier, interrupted run: resume after its bytes
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(CHUNK), b""):
                    self.digest.update(block)
                    self.size += len(block)

    def restart(self) -> None:
        """Forget the bytes held so far."""
        self.path.unlink(missing_ok=True)
        self.digest = hashlib.sha256()
        self.size = 0


def _download(
    url: str,
    target: Path,
    session: requests.Session,
    timeout: tuple[float, float],
    retries: int,
    backoff: float,
    progress: Progress | None,
) -> str:
    """Stream ``url`` to ``<target>.part`` (resuming), check it, move it to ``target``; return its sha256."""
    part = _Part(target.with_name(target.name + ".part"))
    attempt = 0
    while True:
        before = part.size
        try:
            total = _stream(url, part, session, timeout, progress)
            break
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            attempt += 1
            if not part.answered and part.size == before:
                # No answer even after urllib3's own retries: the host is down or unreachable.
                raise FetchError(f"cannot download {url}: {_short(exc)}") from None
            if attempt > retries:
                have = part.size
                part.restart()
                if have:
                    raise TruncatedDownload(
                        f"download of {url} was cut off {retries + 1} times (last after {have} bytes; "
                        f"{_short(exc)}); the partial file was deleted"
                    ) from None
                raise FetchError(f"cannot download {url}: {_short(exc)}") from None
            delay = backoff * (2 ** (attempt - 1))
            log.warning("download of %s interrupted after %d bytes (%s); resuming in %.1fs",
                        url, part.size, _short(exc), delay)
            time.sleep(delay)
    if total is not None and part.size != total:
        size = part.size
        part.restart()
        raise TruncatedDownload(
            f"download of {url} is truncated: {size} bytes received, the server announced {total}; "
            "the partial file was deleted"
        )
    sha256 = part.digest.hexdigest()
    _check_hash(part.path, sha256, expected_hash_prefix(target.name), url)
    os.replace(part.path, target)
    return sha256


def _stream(
    url: str,
    part: _Part,
    session: requests.Session,
    timeout: tuple[float, float],
    progress: Progress | None,
) -> int | None:
    """Append the rest of ``url`` to ``part``; return the full size the server announced (or None)."""
    headers = {"Accept-Encoding": "identity"}
    if part.size:
        headers["Range"] = f"bytes={part.size}-"
    part.answered = False
    with session.get(url, stream=True, timeout=timeout, headers=headers) as response:
        part.answered = True
        content_range = response.headers.get("Content-Range")
        if response.status_code == 416 and part.size:
            # Nothing after our bytes: the part may already be whole (checked by the caller) or be junk.
            total = _content_range_total(content_range)
            if total == part.size:
                return total
            part.restart()
            raise _Restart("requested range not satisfiable; restarting the download")
        if response.status_code >= 400:
            raise FetchError(f"cannot download {url}: HTTP {response.status_code} {response.reason}")
        if response.status_code == 206 and part.size:
            if _content_range_start(content_range) != part.size:
                part.restart()
                raise _Restart("the server resumed at another byte; restarting")
            total = _content_range_total(content_range)
            mode = "ab"
        else:  # a full answer: the first request, or a server that ignored the Range header
            part.restart()
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            mode = "wb"
        with part.path.open(mode) as handle:
            for block in response.iter_content(STREAM_CHUNK):
                handle.write(block)
                part.digest.update(block)
                part.size += len(block)
                if progress is not None:
                    progress(part.size, total)
    return total


def _content_range_start(value: str | None) -> int | None:
    """``bytes 100-199/200`` -> 100."""
    match = re.match(r"bytes\s+(\d+)-\d+/", value or "")
    return int(match.group(1)) if match else None


def _content_range_total(value: str | None) -> int | None:
    """``bytes 100-199/200`` or ``bytes */200`` -> 200; ``*`` totals give None."""
    match = re.search(r"/(\d+)\s*$", value or "")
    return int(match.group(1)) if match else None


def _short(exc: BaseException) -> str:
    """A one-line description of a network error."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) < 200 else text[:197] + "..."
