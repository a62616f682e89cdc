"""The download cache: where a checkpoint is kept, a lock per file, reuse of a cached copy, and the server's
validators (``ETag``/``Last-Modified``) kept beside a file whose name carries no hash."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from zoogen.verify.fetch.errors import FetchError
from zoogen.verify.fetch.integrity import looks_like_checkpoint, sha256_of

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)


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


def file_name(url: str) -> str:
    """The last path component of ``url``; a URL without one is refused."""
    name = unquote(Path(urlparse(url).path).name)
    if not name or name in (".", "..") or "/" in name:
        raise FetchError(f"cannot derive a file name from URL {url!r}")
    return name


def cache_target(url: str, name: str, prefix: str | None, cache_dir: str | os.PathLike[str] | None) -> Path:
    """Where ``url`` (file ``name``, hash ``prefix``) is cached; its folder is created.

    Names without a hash may repeat across URLs (``latest.pth``): they are kept apart by a hash of the URL.
    """
    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    if prefix is None:
        cache = cache / "unchecked" / hashlib.sha1(url.encode()).hexdigest()[:12]
    cache.mkdir(parents=True, exist_ok=True)
    return cache / name


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
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


def cached(target: Path, url: str, prefix: str | None) -> FetchedFile | None:
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


def _validators_path(target: Path) -> Path:
    return target.with_name(target.name + ".validators.json")


def revalidation_headers(target: Path) -> dict[str, str]:
    """``If-None-Match`` / ``If-Modified-Since`` from the validators stored beside ``target`` (none: ``{}``)."""
    try:
        validators = json.loads(_validators_path(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        validators = {}
    headers = {}
    if isinstance(validators, dict) and validators.get("etag"):
        headers["If-None-Match"] = str(validators["etag"])
    if isinstance(validators, dict) and validators.get("last_modified"):
        headers["If-Modified-Since"] = str(validators["last_modified"])
    return headers


def store_validators(target: Path, validators: dict[str, str]) -> None:
    """Keep the server's ``ETag``/``Last-Modified`` beside an unhashed file, to re-validate it later."""
    path = _validators_path(target)
    if not validators:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(validators), encoding="utf-8")
    os.replace(tmp, path)
