"""HTTP: a session that retries, and a body streamed into a ``.part`` file, resumed with ``Range`` requests.

Bodies are requested and accepted only without ``Content-Encoding`` (a compressed body is not the file
whose bytes are hashed; it is refused). Every byte passes the `RateClock`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from zoogen.verify.fetch.errors import FetchError, TruncatedDownload
from zoogen.verify.fetch.integrity import CHUNK
from zoogen.verify.fetch.rate import DEFAULT_RATE, MinimumRate, RateClock

log = logging.getLogger(__name__)

STREAM_CHUNK = 1 << 16  # small reads: an interrupted read loses at most this much
DEFAULT_TIMEOUT = (10.0, 60.0)  # (connect, read) seconds
Progress = Callable[[int, "int | None"], None]


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


def still_current(
    url: str, conditions: dict[str, str], session: requests.Session, timeout: tuple[float, float]
) -> bool:
    """Ask the server whether the cached copy of an unhashed file is current (304 Not Modified).

    ``conditions`` are the ``If-None-Match`` / ``If-Modified-Since`` headers from the stored validators;
    without them the copy cannot be re-validated and is downloaded again; an unreachable server keeps
    the cached copy (logged).
    """
    if not conditions:
        return False
    headers = {"Accept-Encoding": "identity", **conditions}
    try:
        with session.get(url, stream=True, timeout=timeout, headers=headers) as response:
            if response.status_code == 304:
                return True
    except (requests.ConnectionError, requests.Timeout) as exc:
        log.warning("cannot re-validate %s with the server (%s): using the cached copy", url, short(exc))
        return True
    log.info("%s changed on the server: downloading it again", url)
    return False


class Restart(requests.ConnectionError):
    """The partial file was dropped: download again from the first byte."""


class Part:
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


def receive(
    url: str,
    part: Part,
    session: requests.Session,
    timeout: tuple[float, float],
    retries: int,
    backoff: float,
    progress: Progress | None,
    rate: MinimumRate = DEFAULT_RATE,
) -> None:
    """Stream the whole of ``url`` into ``part``, resuming after a body cut off mid-way (``retries`` times).

    Raises `FetchError` when the host does not answer, `TruncatedDownload` when the body keeps breaking
    off or its length is not the announced one (the partial file is deleted), `SlowDownload` below ``rate``.
    """
    clock = RateClock(rate, url)
    attempt = 0
    while True:
        before = part.size
        try:
            total = stream(url, part, session, timeout, progress, clock)
            break
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            attempt += 1
            if not part.answered and part.size == before:
                # No answer even after urllib3's own retries: the host is down or unreachable.
                raise FetchError(f"cannot download {url}: {short(exc)}") from None
            if attempt > retries:
                have = part.size
                part.restart()
                if have:
                    raise TruncatedDownload(
                        f"download of {url} was cut off {retries + 1} times (last after {have} bytes; "
                        f"{short(exc)}); the partial file was deleted"
                    ) from None
                raise FetchError(f"cannot download {url}: {short(exc)}") from None
            delay = backoff * (2 ** (attempt - 1))
            log.warning("download of %s interrupted after %d bytes (%s); resuming in %.1fs",
                        url, part.size, short(exc), delay)
            time.sleep(delay)
    if total is not None and part.size != total:
        size = part.size
        part.restart()
        raise TruncatedDownload(
            f"download of {url} is truncated: {size} bytes received, the server announced {total}; "
            "the partial file was deleted"
        )


def stream(
    url: str,
    part: Part,
    session: requests.Session,
    timeout: tuple[float, float],
    progress: Progress | None,
    clock: RateClock | None = None,
) -> int | None:
    """Append the rest of ``url`` to ``part``; return the full size the server announced (or None)."""
    clock = clock or RateClock(DEFAULT_RATE, url)
    headers = {"Accept-Encoding": "identity"}
    if part.size:
        headers["Range"] = f"bytes={part.size}-"
    part.answered = False
    with session.get(url, stream=True, timeout=timeout, headers=headers) as response:
        part.answered = True
        content_range = response.headers.get("Content-Range")
        if response.status_code == 416 and part.size:
            # Nothing after our bytes: the part may already be whole (checked by the caller) or be junk.
            total = content_range_total(content_range)
            if total == part.size:
                return total
            part.restart()
            raise Restart("requested range not satisfiable; restarting the download")
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
            if content_range_start(content_range) != part.size:
                part.restart()
                raise Restart("the server resumed at another byte; restarting")
            total = content_range_total(content_range)
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


def content_range_start(value: str | None) -> int | None:
    """``bytes 100-199/200`` -> 100."""
    match = re.match(r"bytes\s+(\d+)-\d+/", value or "")
    return int(match.group(1)) if match else None


def content_range_total(value: str | None) -> int | None:
    """``bytes 100-199/200`` or ``bytes */200`` -> 200; ``*`` totals give None."""
    match = re.search(r"/(\d+)\s*$", value or "")
    return int(match.group(1)) if match else None


def short(exc: BaseException) -> str:
    """A one-line description of a network error."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) < 200 else text[:197] + "..."
