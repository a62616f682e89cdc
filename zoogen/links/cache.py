"""Recent answers, so that a re-run within ``ttl`` seconds sends nothing.

One JSON file (default ``<user cache dir>/zoogen/links.json``): ``{"schema": 1, "answers": {key: result}}``,
keyed by URL (and ``#checkpoint`` when the URL is checked as a checkpoint, whose rules differ). Written
atomically. An unreadable cache is ignored (it is only a cache), never an error.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import platformdirs

from zoogen.links.check import LinkResult
from zoogen.links.collect import LinkTarget

SCHEMA = 1
_FIELDS = ("status", "code", "final_url", "checked_at", "reason", "length")


def default_cache_path() -> Path:
    return Path(platformdirs.user_cache_dir("zoogen")) / "links.json"


def _key(url: str, checkpoint: bool) -> str:
    return f"{url}#checkpoint" if checkpoint else url


def parse_time(text: str | None) -> datetime | None:
    try:
        return datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


class LinkCache:
    def __init__(self, path: Path, ttl_seconds: float) -> None:
        self.path, self.ttl = path, ttl_seconds
        self.answers: dict[str, dict[str, object]] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("schema") == SCHEMA and isinstance(data.get("answers"), dict):
                self.answers = {k: v for k, v in data["answers"].items() if isinstance(v, dict)}
        except (OSError, ValueError):
            pass

    def get(self, target: LinkTarget, at: datetime | None = None) -> LinkResult | None:
        """The cached answer for ``target`` when it is younger than the cache time."""
        entry = self.answers.get(_key(target.url, target.checkpoint))
        if not entry:
            return None
        checked = parse_time(entry.get("checked_at"))  # type: ignore[arg-type]
        at = at or datetime.now(timezone.utc)
        if checked is None or not 0 <= (at - checked).total_seconds() < self.ttl:
            return None
        if entry.get("status") not in ("alive", "dead", "unreachable"):
            return None
        return LinkResult(url=target.url, checkpoint=target.checkpoint, where=list(target.where),
                          mirror_of=target.mirror_of, **{k: entry.get(k) for k in _FIELDS})  # type: ignore[arg-type]

    def put(self, result: LinkResult) -> None:
        data = asdict(result)
        self.answers[_key(result.url, result.checkpoint)] = {k: data[k] for k in _FIELDS}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"schema": SCHEMA, "answers": self.answers}, indent=1, sort_keys=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=self.path.parent, prefix=".links-",
                                         suffix=".tmp", delete=False) as handle:
            handle.write(payload)
        os.replace(handle.name, self.path)
