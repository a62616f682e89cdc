"""Dead links in the tables: the link report (``links_report`` of ``zoo.yml``) marks them on the pages.

A link of a table row (download, log, config, all-models table) whose URL the report calls ``dead`` gets
``DEAD_MARK`` after it: ``[model](https://...) ✗``. The mark is a symbol, the same in every language; the
link stays, so a reader can still try it. Prose is left alone (its text is a translation message). The
report is written by ``zoogen links``; this module only reads its ``url`` and ``status`` fields.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from zoogen.errors import ZoogenError
from zoogen.render import markup

DEAD_MARK = "✗"
_LINK_END = re.compile(r"\]\(([^()\s]+)\)")


def dead_urls(report: Path | None) -> frozenset[str]:
    """The URLs the report calls dead (as the pages write them); none without a report file."""
    if report is None or not report.is_file():
        return frozenset()
    return _read(report, report.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _read(report: Path, _mtime: int) -> frozenset[str]:
    try:
        entries = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ZoogenError(f"{report}: unreadable link report: {error}") from error
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ZoogenError(f"{report}: a link report is a JSON list of entries (run 'zoogen links --json')")
    return frozenset(markup.url(e["url"]) for e in entries
                     if e.get("status") == "dead" and isinstance(e.get("url"), str))


def mark_dead_links(markdown: str, report: Path | None) -> str:
    """``markdown`` with ``DEAD_MARK`` after each dead link of its table rows."""
    dead = dead_urls(report)
    if not dead:
        return markdown

    def mark(match: re.Match[str]) -> str:
        return f"{match.group(0)} {DEAD_MARK}" if match.group(1) in dead else match.group(0)

    lines = [_LINK_END.sub(mark, line) if line.startswith("|") else line for line in markdown.split("\n")]
    return "\n".join(lines)
