"""The dates of records: ISO-8601 text as written in ``environment.date``, read back as aware datetimes."""

from __future__ import annotations

from datetime import datetime, timezone


def parse_date(value: str | None) -> datetime:
    """An ISO-8601 date of a record as an aware datetime; unknown or bad dates sort first."""
    if not value:
        return datetime.min.replace(tzinfo=timezone.utc)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def utc_now_iso() -> str:
    """The current UTC time as ``2026-11-24T10:00:00Z``."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
