"""The zoo and its verification records as the plots and the export links need them, loaded once per process.

``zoogen build`` calls `share_loaded` before it forks one Sphinx build per language, so every language finds the
zoo here; a plain ``sphinx-build`` loads it on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from zoogen.errors import ZoogenError
from zoogen.meta import load_zoo
from zoogen.meta.schema import Zoo
from zoogen.records import VerificationRecord, load_records

ZooData = tuple[Zoo, Mapping[str, list[VerificationRecord]]]
_loaded: dict[tuple[Path, Path | None, bool], ZooData] = {}


def zoo_data(zoo: Path, results: Path | None, strict: bool) -> ZooData:
    """The loaded zoo and its records (cached per zoo, results folder and strictness)."""
    key = (zoo.resolve(), results.resolve() if results else None, bool(strict))
    if key not in _loaded:
        loaded = load_zoo(zoo, strict=strict)
        if loaded.errors:
            raise ZoogenError("\n".join(str(d) for d in loaded.errors))
        records = load_records(results) if results and results.is_dir() else {}
        _loaded[key] = (loaded.zoo, records)
    return _loaded[key]


def share_loaded(zoo: Path, results: Path | None, strict: bool, data: ZooData) -> None:
    """Use ``data`` (the zoo and records a caller loaded already, e.g. to render) for this zoo from now on:
    ``zoogen build`` and ``zoogen serve`` call it before each build, so the plots never load the zoo again
    and never see an older copy of it."""
    _loaded[(zoo.resolve(), results.resolve() if results else None, bool(strict))] = data
