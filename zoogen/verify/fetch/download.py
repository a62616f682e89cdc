"""`fetch`: a checkpoint from the cache, or downloaded (from the primary host or a mirror) and checked.

A download streams to ``<file>.part`` and is moved into place only when its length and hash prefix are
right (or, for a name without a hash, when it starts like a checkpoint); a bad file is deleted and raised.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import requests

from zoogen.verify.fetch.cache import (
    FetchedFile,
    cache_target,
    cached,
    file_name,
    locked,
    revalidation_headers,
    store_validators,
)
from zoogen.verify.fetch.errors import FetchError, UncheckedChecksumWarning
from zoogen.verify.fetch.http import DEFAULT_TIMEOUT, Part, Progress, make_session, receive, still_current
from zoogen.verify.fetch.integrity import check_hash, check_magic, expected_hash_prefix
from zoogen.verify.fetch.rate import DEFAULT_RATE, MinimumRate

log = logging.getLogger(__name__)


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
    target = cache_target(url, name, prefix, cache_dir)
    timeout = (timeout[0], min(timeout[1], rate.window))  # a silent server fails within the window
    own = session is None
    session = session or make_session(retries, backoff)
    try:
        with locked(target):
            fetched = cached(target, url, prefix)
            if fetched is not None and prefix is None and not still_current(
                url, revalidation_headers(target), session, timeout
            ):
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
            sha256 = download(source, target, session, timeout, retries, backoff, progress, rate)
        except FetchError as exc:
            if len(sources) == 1:
                raise
            failures.append(str(exc))
            log.warning("%s; trying the next mirror", exc)
            continue
        return FetchedFile(target, url, sha256, checked=checked, downloaded=True, source=source)
    raise FetchError(f"{failures[0]} (and {len(failures) - 1} mirror(s) failed too: {'; '.join(failures[1:])})")


def download(
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
    part = Part(target.with_name(target.name + ".part"))
    receive(url, part, session, timeout, retries, backoff, progress, rate)
    sha256 = part.digest.hexdigest()
    prefix = expected_hash_prefix(target.name)
    check_hash(part.path, sha256, prefix, url)
    if prefix is None:
        check_magic(part.path, url)
    os.replace(part.path, target)
    if prefix is None:
        store_validators(target, part.validators)
    return sha256
