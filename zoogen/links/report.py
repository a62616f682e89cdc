"""The link report: a JSON list with one entry per URL, ``last_seen_alive`` kept across runs.

Entry: ``{"url", "status" (alive|dead|unreachable), "code", "final_url", "checked_at", "last_seen_alive",
"where" (the models and fields that use it), "reason", "length", "mirror_of"}``. Dates are UTC ISO 8601
(``2026-12-01T10:00:00Z``). Written atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from zoogen.errors import ZoogenError
from zoogen.links.check import LinkResult

STATUSES = ("alive", "dead", "unreachable")


class ReportError(ZoogenError):
    pass


def read_report(path: Path) -> list[dict[str, Any]]:
    """The entries of a report; a malformed report is an error naming the file and the entry."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ReportError(f"{path}: cannot read the link report: {error.strerror}") from error
    except ValueError as error:
        raise ReportError(f"{path}: not JSON: {error}") from error
    if not isinstance(data, list):
        raise ReportError(f"{path}: a link report is a JSON list of entries")
    for index, entry in enumerate(data):
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            raise ReportError(f"{path}: entry {index}: url: missing or not a string")
        if entry.get("status") not in STATUSES:
            raise ReportError(f"{path}: entry {index}: status: {entry.get('status')!r} is not one of "
                              f"{', '.join(STATUSES)}")
    return data


def report_entries(results: Iterable[LinkResult], previous: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries for ``results``; ``last_seen_alive`` comes from the previous report unless alive now."""
    seen_alive = {e["url"]: e.get("last_seen_alive") for e in previous if e.get("last_seen_alive")}
    entries = []
    for result in results:
        last_alive = result.checked_at if result.status == "alive" else seen_alive.get(result.url)
        entries.append({
            "url": result.url, "status": result.status, "code": result.code, "final_url": result.final_url,
            "checked_at": result.checked_at, "last_seen_alive": last_alive, "where": result.where,
            "reason": result.reason, "length": result.length, "mirror_of": result.mirror_of,
        })
    return entries


def write_report(path: Path, entries: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}-",
                                     suffix=".tmp", delete=False) as handle:
        json.dump(entries, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    os.chmod(handle.name, 0o644)  # a temporary file is private; the result is not
    os.replace(handle.name, path)
