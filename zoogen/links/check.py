"""Ask the hosts: HEAD, then a ranged GET where HEAD is refused or cannot be trusted.

Classification (the rules of the report):

* ``alive``: a 2xx answer, with no S3/OSS error document in its body and, for a checkpoint, a length of at
  least ``min_checkpoint_bytes`` when the length is known;
* ``dead``: 401, 403, 404, 410 and the other 4xx (but 408 and 429), an S3/OSS error body (``NoSuchBucket``,
  ``NoSuchKey``, ``AccessDenied``...), a redirect loop or chain longer than ``max_redirects``, a redirect
  without ``Location`` or to a non-http(s) URL, or a checkpoint of a few hundred bytes;
* ``unreachable``: 408, 429 and 5xx after the retries, time-outs and dropped connections after the retries.

HEAD is trusted only when it answers 2xx (and, for a checkpoint, a plausible ``Content-Length``); any other
HEAD answer (405/501 "HEAD refused", 403 without the body that says why, no length) is confirmed with
``GET`` and ``Range: bytes=0-0``, of which at most ``BODY_LIMIT`` bytes are read. Connections are pooled per
host (urllib3), at most ``per_host`` at a time; urllib3's ``Retry`` retries 429/5xx and connection errors
with exponential back-off, honouring ``Retry-After`` up to ``max_retry_after`` seconds. Redirects are
followed here, hop by hop, so that a loop is named as such.

A dead host costs seconds, not retries for each of its URLs: a host whose last ``dead_host_after`` URLs (in
the order their checks ended) got no connection or no answer at all (refused, name not found, timed out,
each after the retries) is given up. Its remaining URLs are ``unreachable`` at once with the reason (``host
refused connections for 3 URLs in a row; not tried``), and the retries still running for it stop at their
next failure. Any HTTP answer from the host (even a 404 or a 503) starts the count again, so a live host or
a flaky one that answers again is never given up.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal
from urllib.parse import urljoin, urlparse

import urllib3
from urllib3 import HTTPConnectionPool
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError, ReadTimeoutError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util import Retry, Timeout, parse_url

from zoogen import __version__
from zoogen.links.collect import LinkTarget

Status = Literal["alive", "dead", "unreachable"]
DEAD_CODES = frozenset({401, 403, 404, 410})
RETRIED_CODES = frozenset({429, 500, 502, 503, 504})
BODY_LIMIT = 4096
_S3_ERROR = re.compile(rb"<Code>\s*(NoSuchBucket|NoSuchKey|AccessDenied|AllAccessDisabled|InvalidBucketName|"
                       rb"AccountProblem|NoSuchVersion|InvalidAccessKeyId|UserDisable)\s*</Code>")
_TOTAL_LENGTH = re.compile(r"bytes\s+\d+-\d+/(\d+)")


@dataclass(frozen=True)
class CheckSettings:
    per_host: int = 8  # connections open at once to one host
    workers: int = 32  # URLs checked at once
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    retries: int = 3  # for 429/5xx, time-outs and dropped connections
    backoff: float = 0.5  # seconds; doubled on each retry (urllib3 backoff_factor)
    max_retry_after: float = 30.0
    max_redirects: int = 10
    min_checkpoint_bytes: int = 10_000
    dead_host_after: int = 3  # URLs in a row without a connection or an answer; 0: never give a host up


@dataclass
class LinkResult:
    url: str
    status: Status
    code: int | None
    final_url: str | None
    checked_at: str
    reason: str | None = None
    length: int | None = None
    checkpoint: bool = False
    where: list[str] = field(default_factory=list)
    mirror_of: str | None = None
    tried: bool = True  # False: its host was given up before it was asked (not cached)


def host_key(scheme: str | None, host: str | None, port: int | None) -> str:
    """``scheme://host:port`` with the port spelled out: the unit a dead host is counted in."""
    scheme = (scheme or "http").lower()
    return f"{scheme}://{(host or '').strip('[]').lower()}:{port or (443 if scheme == 'https' else 80)}"


def host_of(url: str) -> str:
    parts = parse_url(url)
    return host_key(parts.scheme, parts.host, parts.port)


def _pool_host(pool: Any) -> str:
    return host_key(pool.scheme, pool.host, pool.port)


def _failure(error: Exception) -> str:
    """How a host failed to answer, as the reason of the URLs not tried says it."""
    if isinstance(error, NameResolutionError):
        return "name was not found"
    if isinstance(error, NewConnectionError):
        return "refused connections" if "refused" in str(error).lower() else "could not be connected to"
    if isinstance(error, ReadTimeoutError):
        return TIMED_OUT
    return "timed out connecting"


TIMED_OUT = "did not answer in time"
SILENT_SETTLE = 0.2  # seconds before retrying a try that timed out (its concurrent siblings get counted)


class DeadHosts:
    """Per host, the failures in a row without a connection or an answer; thread-safe.

    A URL that got none after its retries counts once; a try that timed out counts on its own as well, so that a
    host that accepts connections and never answers costs one read time-out, not one per URL and retry.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._streak: dict[str, tuple[int, str, str]] = {}

    def given_up(self, host: str) -> str | None:
        """The reason ``host`` is given up, or None."""
        with self._lock:
            count, failure, unit = self._streak.get(host, (0, "", ""))
        if self.limit and count >= self.limit:
            return f"host {failure} for {self.limit} {unit} in a row; not tried"
        return None

    def failed(self, host: str, failure: str, unit: str = "URLs") -> None:
        with self._lock:
            count, _, _ = self._streak.get(host, (0, "", ""))
            self._streak[host] = (count + 1, failure, unit)

    def answered(self, host: str) -> None:
        with self._lock:
            if self._streak.get(host, (0, "", ""))[0] < (self.limit or 1 << 30):  # a host given up stays so
                self._streak.pop(host, None)


class _CappedRetry(Retry):
    """``Retry`` that never sleeps longer than ``max_retry_after`` for a server's ``Retry-After``, and that
    stops retrying a connection to a host given up meanwhile."""

    max_retry_after: float = 30.0
    dead_hosts: DeadHosts | None = None
    silent_try: tuple[HTTPConnectionPool, str, Exception] | None = None  # the last try, if it timed out

    def get_retry_after(self, response: urllib3.BaseHTTPResponse) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.max_retry_after)

    def increment(self, method: str | None = None, url: str | None = None, *args: Any, **kwargs: Any) -> Any:
        error, pool = kwargs.get("error"), kwargs.get("_pool")
        silent = isinstance(error, Urllib3Timeout) and not isinstance(error, NewConnectionError)  # not a refusal
        if silent and pool is not None and self.dead_hosts is not None:
            host = _pool_host(pool)
            self.dead_hosts.failed(host, TIMED_OUT, "tries")  # each silent try counts
            if self.dead_hosts.given_up(host):
                raise MaxRetryError(pool, url or "", error)
        retry = super().increment(method, url, *args, **kwargs)
        retry.silent_try = (pool, url or "", error) if silent and pool and isinstance(error, Urllib3Timeout) else None
        return retry

    def sleep(self, response: urllib3.BaseHTTPResponse | None = None) -> None:
        """Before the try after a silent one: wait at least ``SILENT_SETTLE`` (the host's other tries that
        timed out at the same moment get counted meanwhile), then stop if the host was given up."""
        super().sleep(response)
        if self.silent_try is None or self.dead_hosts is None:
            return
        pool, url, error = self.silent_try
        time.sleep(SILENT_SETTLE)
        if self.dead_hosts.given_up(_pool_host(pool)):
            raise MaxRetryError(pool, url, error)

    def new(self, **kwargs: object) -> _CappedRetry:
        retry = super().new(**kwargs)
        retry.max_retry_after = self.max_retry_after
        retry.dead_hosts = self.dead_hosts
        return retry


class _Dead(Exception):
    def __init__(self, reason: str, code: int | None = None, url: str | None = None) -> None:
        super().__init__(reason)
        self.code, self.url = code, url


class _NoAnswer(Exception):
    """A URL whose host gave no connection or no answer (after the retries): its result, the host, how."""

    def __init__(self, error: MaxRetryError, result: LinkResult) -> None:
        super().__init__(str(error))
        pool = error.pool
        self.result = result
        self.host = _pool_host(pool)
        self.failure = _failure(error.reason or error)


@dataclass
class _Answer:
    code: int
    url: str
    headers: urllib3.HTTPHeaderDict
    body: bytes = b""


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class LinkChecker:
    """Checks URLs over one urllib3 pool manager (thread-safe; one pool of connections per host)."""

    def __init__(self, settings: CheckSettings | None = None) -> None:
        self.settings = settings or CheckSettings()
        retry = _CappedRetry(
            total=self.settings.retries, connect=self.settings.retries, read=self.settings.retries,
            status=self.settings.retries, other=0, redirect=False, backoff_factor=self.settings.backoff,
            status_forcelist=RETRIED_CODES, allowed_methods=frozenset({"HEAD", "GET"}),
            raise_on_status=False, respect_retry_after_header=True,
        )
        retry.max_retry_after = self.settings.max_retry_after
        self.dead_hosts = DeadHosts(self.settings.dead_host_after)
        retry.dead_hosts = self.dead_hosts
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._slots_lock = threading.Lock()
        self.pool = urllib3.PoolManager(
            num_pools=256, maxsize=self.settings.per_host, block=True, retries=retry,
            timeout=Timeout(connect=self.settings.connect_timeout, read=self.settings.read_timeout),
            headers={"User-Agent": f"zoogen-links/{__version__}", "Accept-Encoding": "identity"},
        )

    def close(self) -> None:
        self.pool.clear()

    def check(self, target: LinkTarget) -> LinkResult:
        """The verdict on one URL; at once ``unreachable`` when its host has been given up.

        A URL waits for one of its host's ``per_host`` slots here, not inside urllib3, so that once the host
        is given up the URLs waiting for it are answered without a try.
        """
        host = host_of(target.url)
        with self._slot(host):
            given_up = self.dead_hosts.given_up(host)
            if given_up:
                return LinkResult(target.url, "unreachable", None, None, now(), given_up, None,
                                  target.checkpoint, list(target.where), target.mirror_of, tried=False)
            try:
                result = self._check(target)
            except _NoAnswer as no_answer:
                if no_answer.failure != TIMED_OUT:  # each timed-out try has counted already
                    self.dead_hosts.failed(no_answer.host, no_answer.failure)
                if no_answer.host != host:  # a redirect led there: the URL's own host answered
                    self.dead_hosts.answered(host)
                return no_answer.result
        self.dead_hosts.answered(host)
        return result

    def _slot(self, host: str) -> threading.BoundedSemaphore:
        with self._slots_lock:
            if host not in self._slots:
                self._slots[host] = threading.BoundedSemaphore(self.settings.per_host)
            return self._slots[host]

    def _check(self, target: LinkTarget) -> LinkResult:
        checked_at = now()

        def result(status: Status, code: int | None, final: str | None, reason: str | None = None,
                   length: int | None = None) -> LinkResult:
            return LinkResult(target.url, status, code, final, checked_at, reason, length, target.checkpoint,
                              list(target.where), target.mirror_of)

        try:
            head: _Answer | None = self._follow("HEAD", target.url)
        except _Dead as dead:
            return result("dead", dead.code, dead.url, str(dead))
        except MaxRetryError as error:
            if isinstance(error.reason, Urllib3Timeout):  # no answer at all: GET would wait as long again
                raise _NoAnswer(error, result("unreachable", None, None, _reason(error))) from None
            head = None  # a host that drops HEAD may still answer GET
        except Urllib3Error:
            head = None
        if head is not None:
            if head.code in RETRIED_CODES or head.code == 408:
                return result("unreachable", head.code, head.url, f"HTTP {head.code} after retries")
            length = _length(head)
            too_short = target.checkpoint and (length or 0) < self.settings.min_checkpoint_bytes
            if 200 <= head.code < 300 and not too_short:
                return result("alive", head.code, head.url, None, length)
        try:
            get = self._follow("GET", target.url, {"Range": "bytes=0-0"})
        except _Dead as dead:
            return result("dead", dead.code, dead.url, str(dead))
        except MaxRetryError as error:
            if isinstance(error.reason, Urllib3Timeout):
                raise _NoAnswer(error, result("unreachable", None, None, _reason(error))) from None
            return result("unreachable", None, None, _reason(error))
        except Urllib3Error as error:
            return result("unreachable", None, None, _reason(error))
        return result(*self._classify(get, target.checkpoint))

    def _classify(self, answer: _Answer, checkpoint: bool) -> tuple[Status, int, str, str | None, int | None]:
        code, length = answer.code, _length(answer)
        s3_error = _S3_ERROR.search(answer.body)
        if s3_error:
            return "dead", code, answer.url, f"{s3_error.group(1).decode()} (HTTP {code})", length
        if code in RETRIED_CODES or code == 408:
            return "unreachable", code, answer.url, f"HTTP {code} after retries", length
        if 400 <= code < 500 or code == 501:
            return "dead", code, answer.url, f"HTTP {code}", length
        if 200 <= code < 300:
            if checkpoint and length is not None and length < self.settings.min_checkpoint_bytes:
                return "dead", code, answer.url, f"{length} bytes where a checkpoint is expected", length
            return "alive", code, answer.url, None, length
        return "unreachable", code, answer.url, f"HTTP {code}", length

    def _follow(self, method: str, url: str, headers: dict[str, str] | None = None) -> _Answer:
        seen = [url]
        for _ in range(self.settings.max_redirects + 1):
            response = self.pool.request(method, url, headers=headers, redirect=False, preload_content=False)
            try:
                if 300 <= response.status < 400 and response.status != 304:
                    location = response.headers.get("Location")
                    if not location:
                        raise _Dead(f"HTTP {response.status} without Location", response.status, url)
                    url = urljoin(url, location)
                    if urlparse(url).scheme not in ("http", "https"):
                        raise _Dead(f"redirect to a non-http(s) URL ({url[:80]})", response.status, url)
                    if url in seen:
                        raise _Dead(f"redirect loop after {len(seen)} hop(s)", response.status, url)
                    seen.append(url)
                    continue
                body = b"" if method == "HEAD" else response.read(BODY_LIMIT)
                return _Answer(response.status, url, response.headers, body)
            finally:
                _release(response)
        raise _Dead(f"more than {self.settings.max_redirects} redirects", None, url)

    def check_all(self, targets: Iterable[LinkTarget],
                  progress: Callable[[LinkResult], None] | None = None) -> list[LinkResult]:
        """Check every target, ``workers`` at a time; results in the order of ``targets``."""
        targets = list(targets)
        with ThreadPoolExecutor(max_workers=self.settings.workers, thread_name_prefix="zoogen-links") as pool:
            results = []
            for checked in pool.map(self.check, targets):
                if progress:
                    progress(checked)
                results.append(checked)
        return results


def _length(answer: _Answer) -> int | None:
    """The full length of the resource: ``Content-Range``'s total, else ``Content-Length`` of a 200."""
    match = _TOTAL_LENGTH.search(answer.headers.get("Content-Range", ""))
    if match:
        return int(match.group(1))
    value = answer.headers.get("Content-Length")
    if value and value.isdigit() and answer.code != 206:
        return int(value)
    return None


def _release(response: urllib3.BaseHTTPResponse) -> None:
    """Give the connection back; one with unread body (a server that ignored Range) is closed."""
    if response.length_remaining == 0:
        response.drain_conn()
    else:
        response.close()
    response.release_conn()


def _reason(error: Exception) -> str:
    if isinstance(error, MaxRetryError) and error.reason is not None:
        error = error.reason
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}"[:300]
