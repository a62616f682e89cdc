"""Verification records: the JSON files `zoogen verify` writes and the renderer reads.

One file per model and environment: ``<results>/<model name>/<environment tag>.json``; the schema is the
one of ``docs/architecture.md``. Shared by ``zoogen.render`` and ``zoogen.verify``, so it imports neither
torch nor requests. One job per module, imported in this order: `schema` (the dataclasses and enums),
`tags` (environment tags), `dates`, `store` (reading and writing files), `merge` (shards into one folder).
The currency rule (is a record still about the metafile as it is now) lives in `zoogen.currency`.
"""

from zoogen.records.dates import parse_date, utc_now_iso
from zoogen.records.merge import merge_results
from zoogen.records.schema import (
    SCHEMA_VERSION,
    CheckpointInfo,
    Comparison,
    Environment,
    Inputs,
    MemoryCheck,
    MetricCheck,
    RecordError,
    SpeedCheck,
    Status,
    Step,
    Verdict,
    VerificationRecord,
)
from zoogen.records.store import (
    MAX_RECORD_BYTES,
    find_record,
    iter_record_files,
    load_records,
    read_record,
    record_path,
    safe_file_name,
    write_record,
)
from zoogen.records.tags import environment_tag, slugify

__all__ = [
    "MAX_RECORD_BYTES",
    "SCHEMA_VERSION",
    "CheckpointInfo",
    "Comparison",
    "Environment",
    "Inputs",
    "MemoryCheck",
    "MetricCheck",
    "RecordError",
    "SpeedCheck",
    "Status",
    "Step",
    "Verdict",
    "VerificationRecord",
    "environment_tag",
    "find_record",
    "iter_record_files",
    "load_records",
    "merge_results",
    "parse_date",
    "read_record",
    "record_path",
    "safe_file_name",
    "slugify",
    "utc_now_iso",
    "write_record",
]
