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
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlparse

import requests
import urllib3
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


class SlowDownload(FetchError):
    """The server sent too slowly (below the minimum rate, or past the file's overall deadline)."""


class NotACheckpoint(FetchError):
    """The server sent something that is no checkpoint (an HTML page, text): refused, not cached."""


class UncheckedChecksumWarning(UserWarning):
    """A checkpoint whose file name carries no hash: its bytes could not be checked."""


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
CHECKPOINT_MAGIC = (b"PK\x03\x04", b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")


def looks_like_checkpoint(head: bytes) -> bool:
    """True when ``head`` starts like what ``torch.save`` writes: a zip archive or a binary pickle."""
    return head.startswith(CHECKPOINT_MAGIC)


def describe_content(head: bytes) -> str:
    """A short description of what a body that is no checkpoint looks like (for the refusal)."""
    text = head[:512].lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text:
        return "an HTML page"
    if text.startswith((b"<?xml", b"<")):
        return "an XML/HTML document"
    if text.startswith((b"{", b"[")):
        return "a JSON document"
    if head and all(32 <= c < 127 or c in (9, 10, 13) for c in head[:512]):
        return "a text file"
    return f"a file starting with bytes {head[:8].hex(' ')}"


@dataclass(frozen=True)
class FetchedFile:
    """A checkpoint in the cache."""

    path: Path
    url: str
    sha256: str
    checked: bool  # the sha256 matched the hash prefix of the file name
    downloaded: bool  # False when the cached copy was used
    source: str | None = None  # the URL the bytes came from (a mirror's, when the primary failed)


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


def mirror_urls(url: str, mirrors: Sequence[tuple[str, str]]) -> list[str]:
    """The URLs of ``url`` on each mirror whose primary prefix it starts with."""
    return [mirror + url[len(primary) :] for primary, mirror in mirrors if primary and url.startswith(primary)]


def fetch(
    url: str,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    session: requests.Session | None = None,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    retries: int = 5,
    backoff: float = 0.5,
    progress: Progress | None = None,
    rate: MinimumRate = DEFAULT_RATE,
    mirrors: Sequence[tuple[str, str]] = (),
) -> FetchedFile:
    """Download ``url`` into the cache (or reuse the cached copy) and return the checked file.

    ``retries`` bounds both urllib3's retries of a request and the resumptions after a body cut off
    mid-way; ``progress(done_bytes, total_bytes_or_None)`` is called as bytes arrive. ``mirrors`` are
    used only for file names that carry a hash.
    """
    name = file_name(url)
    prefix = expected_hash_prefix(name)
    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    if prefix is None:
        # Names without a hash may repeat across URLs (``latest.pth``): keep them apart.
        cache = cache / "unchecked" / hashlib.sha1(url.encode()).hexdigest()[:12]
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / name
    timeout = (timeout[0], min(timeout[1], rate.window))  # a silent server fails within the window
    own = session is None
    session = session or make_session(retries, backoff)
    try:
        with _locked(target):
            fetched = _cached(target, url, prefix)
            if fetched is not None and prefix is None and not _still_valid(target, url, session, timeout):
                fetched = None
            if fetched is None:
                sources = [url, *(mirror_urls(url, mirrors) if prefix is not None else [])]
                fetched = _download_first(sources, url, target, session, timeout, retries, backoff, progress,
                                          rate, checked=prefix is not None)
    finally:
        if own:
            session.close()
    if not fetched.checked:
        warnings.warn(
            f"{name} has no hash in its file name: its sha256 {fetched.sha256} is recorded but could "
            "not be checked against a published value",
            UncheckedChecksumWarning,
            stacklevel=2,
        )
    return fetched


def _download_first(
    sources: list[str], url: str, target: Path, session: requests.Session, timeout: tuple[float, float],
    retries: int, backoff: float, progress: Progress | None, rate: MinimumRate, *, checked: bool,
) -> FetchedFile:
    """Download from the first of ``sources`` that works; the error of the primary when none does."""
    failures: list[str] = []
    for source in sources:
        try:
            sha256 = _download(source, target, session, timeout, retries, backoff, progress, rate)
        except FetchError as exc:
            if len(sources) == 1:
                raise
            failures.append(str(exc))
            log.warning("%s; trying the next mirror", exc)
            continue
        return FetchedFile(target, url, sha256, checked=checked, downloaded=True, source=source)
    raise FetchError(f"{failures[0]} (and {len(failures) - 1} mirror(s) failed too: {'; '.join(failures[1:])})")


def _validators_path(target: Path) -> Path:
    return target.with_name(target.name + ".validators.json")


def _still_valid(target: Path, url: str, session: requests.Session, timeout: tuple[float, float]) -> bool:
    """Ask the server whether the cached copy of an unhashed file is current (304 Not Modified).

    Without stored validators (``ETag``/``Last-Modified``) the copy cannot be re-validated and is
    downloaded again; an unreachable server keeps the cached copy (logged).
    """
    try:
        validators = json.loads(_validators_path(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        validators = {}
    headers = {"Accept-Encoding": "identity"}
    if isinstance(validators, dict) and validators.get("etag"):
        headers["If-None-Match"] = str(validators["etag"])
    if isinstance(validators, dict) and validators.get("last_modified"):
        headers["If-Modified-Since"] = str(validators["last_modified"])
    if len(headers) == 1:
        return False
    try:
        with session.get(url, stream=True, timeout=timeout, headers=headers) as response:
            if response.status_code == 304:
                return True
    except (requests.ConnectionError, requests.Timeout) as exc:
        log.warning("cannot re-validate %s with the server (%s): using the cached copy", url, _short(exc))
        return True
    log.info("%s changed on the server: downloading it again", url)
    return False


def _cached(target: Path, url: str, prefix: str | None) -> FetchedFile | None:
    """The cached file when it exists and still matches its hash prefix (or, unhashed, still looks like a
    checkpoint); a bad one is deleted."""
    if not target.is_file():
        return None
    if prefix is None:
        with target.open("rb") as handle:
            if not looks_like_checkpoint(handle.read(8)):
                log.warning("cached %s is no checkpoint: downloading it again", target)
                target.unlink()
                return None
    sha256 = sha256_of(target)
    if prefix is not None and not sha256.startswith(prefix):
        log.warning("cached %s does not match its hash %s: downloading it again", target, prefix)
        target.unlink()
        return None
    return FetchedFile(target, url, sha256, checked=prefix is not None, downloaded=False, source=url)


class _Restart(requests.ConnectionError):
    """The partial file was dropped: download again from the first byte."""


class _Part:
    """The ``.part`` file of a download and the sha256 of the bytes it holds, updated as they arrive."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.digest = hashlib.sha256()
        self.size = 0
        self.answered = False  # the last request got a response (its body may still break off)
        self.validators: dict[str, str] = {}  # the server's ETag / Last-Modified
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
    rate: MinimumRate = DEFAULT_RATE,
) -> str:
    """Stream ``url`` to ``<target>.part`` (resuming), check it, move it to ``target``; return its sha256."""
    part = _Part(target.with_name(target.name + ".part"))
    clock = _RateClock(rate, url)
    attempt = 0
    while True:
        before = part.size
        try:
            total = _stream(url, part, session, timeout, progress, clock)
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
    prefix = expected_hash_prefix(target.name)
    _check_hash(part.path, sha256, prefix, url)
    if prefix is None:
        _check_magic(part.path, url)
    os.replace(part.path, target)
    if prefix is None:
        _store_validators(target, part.validators)
    return sha256


def _check_magic(path: Path, url: str) -> None:
    """Delete ``path`` and raise `NotACheckpoint` when it does not start like a ``torch.save`` file."""
    with path.open("rb") as handle:
        head = handle.read(512)
    if looks_like_checkpoint(head):
        return
    path.unlink(missing_ok=True)
    raise NotACheckpoint(
        f"{url} did not return a checkpoint but {describe_content(head)} (neither zip nor pickle data); "
        "it was not cached. Check the Weights URL in the metafile."
    )


def _store_validators(target: Path, validators: dict[str, str]) -> None:
    """Keep the server's ``ETag``/``Last-Modified`` beside an unhashed file, to re-validate it later."""
    path = _validators_path(target)
    if not validators:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(validators), encoding="utf-8")
    os.replace(tmp, path)


class _RateClock:
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


def _stream(
    url: str,
    part: _Part,
    session: requests.Session,
    timeout: tuple[float, float],
    progress: Progress | None,
    clock: _RateClock | None = None,
) -> int | None:
    """Append the rest of ``url`` to ``part``; return the full size the server announced (or None)."""
    clock = clock or _RateClock(DEFAULT_RATE, url)
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
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise FetchError(
                f"cannot download {url}: the server sent it with Content-Encoding: {encoding} although "
                "only identity was accepted; compressed bytes are not the published file, so it was refused"
            )
        part.validators = {key: response.headers[header] for key, header in
                           (("etag", "ETag"), ("last_modified", "Last-Modified")) if response.headers.get(header)}
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
        clock.announce(None if total is None else total - part.size)
        raw = response.raw
        with part.path.open(mode) as handle:
            while True:
                # read1 returns as soon as some bytes are there, so the clock sees a trickle at once
                try:
                    block = raw.read1(STREAM_CHUNK, decode_content=False)
                except urllib3.exceptions.ReadTimeoutError as exc:
                    raise requests.Timeout(str(exc)) from None
                except (urllib3.exceptions.ProtocolError, urllib3.exceptions.HTTPError, OSError) as exc:
                    raise requests.exceptions.ChunkedEncodingError(str(exc)) from None
                if not block:
                    break
                handle.write(block)
                part.digest.update(block)
                part.size += len(block)
                if progress is not None:
                    progress(part.size, total)
                clock.advance(len(block))
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
