"""Is a file the published checkpoint: the hash prefix in its name, its sha256, the magic of its first bytes.

OpenMMLab names its checkpoints ``<name>_<date>-<first 8 hex digits of the sha256>.pth``; a file whose
name carries no hash can only be checked to start like what ``torch.save`` writes (zip or pickle).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from datetime import date
from pathlib import Path

from zoogen.verify.fetch.errors import ChecksumMismatch, NotACheckpoint

CHUNK = 1 << 20
CHECKPOINT_MAGIC = (b"PK\x03\x04", b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")

_HASH_SUFFIX = re.compile(r"-([0-9a-f]{8,64})\.[A-Za-z0-9]+$")


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


def sha256_of(path: Path) -> str:
    """The sha256 hex digest of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def check_hash(path: Path, sha256: str, prefix: str | None, url: str) -> None:
    """Delete ``path`` and raise `ChecksumMismatch` when ``sha256`` does not start with ``prefix``."""
    if prefix is not None and not sha256.startswith(prefix):
        path.unlink(missing_ok=True)
        raise ChecksumMismatch(
            f"checksum mismatch for {url}: sha256 {sha256[:16]}... does not start with {prefix} "
            f"(the hash in its file name); the download was deleted"
        )


def check_magic(path: Path, url: str) -> None:
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
