"""Merging the results folders of shards (Slurm array tasks, other machines) into one."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from zoogen.records.dates import parse_date
from zoogen.records.schema import VerificationRecord
from zoogen.records.store import iter_record_files, load_records, read_record, write_record


def merge_results(
    dirs: Iterable[str | os.PathLike[str]], into: str | os.PathLike[str]
) -> dict[str, list[VerificationRecord]]:
    """Merge the results folders of shards into ``into`` (which may already hold records).

    The union of all records; when a model has a record for the same environment tag in more than one
    place, the one with the newest ``environment.date`` is kept (on a tie, the one already in ``into``,
    then the earlier folder in ``dirs``). Returns the merged records like `load_records`.
    """
    into = Path(into)
    chosen: dict[tuple[str, str], tuple[VerificationRecord, bool]] = {}
    for index, source in enumerate([into, *dirs]):  # read and validate every input before writing
        for path in iter_record_files(source):
            record = read_record(path)
            key = (record.model, record.tag)
            held = chosen.get(key)
            if held is None or parse_date(record.environment.date) > parse_date(held[0].environment.date):
                chosen[key] = (record, index == 0)
    for record, already_there in chosen.values():
        if not already_there:
            write_record(into, record)
    return load_records(into)
