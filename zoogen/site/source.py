"""The zoo loaded and rendered once per process, for every language's Sphinx run.

The ``zoogen.sphinx`` extension asks `rendered_zoo` for the pages on ``config-inited``. A plain ``sphinx-build``
renders them there and then; ``zoogen build`` and ``zoogen serve`` render once, provide the result, and
run one Sphinx application per language in this process or in forked children, which find it here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from zoogen.errors import Diagnostic, ZoogenError
from zoogen.meta import load_zoo
from zoogen.meta.schema import Zoo
from zoogen.records import VerificationRecord, load_records
from zoogen.render import render_pages
from zoogen.render.pages import PageSet


@dataclass(frozen=True)
class RenderedZoo:
    """What the Sphinx extension needs of a zoo: its pages and the zoo-level settings."""

    pages: PageSet
    title: str
    locale_dir: Path | None
    zoo: Zoo  # the loaded zoo and its records: the plots and the exports read them (see `share_loaded`)
    records: Mapping[str, list[VerificationRecord]]
    warnings: tuple[Diagnostic, ...] = ()  # the zoo's warnings, for a Sphinx run that reports them itself


SourceKey = tuple[Path, Path | None, bool]
_provided: dict[SourceKey, RenderedZoo] = {}


def source_key(zoo: Path, results: Path | None, strict: bool) -> SourceKey:
    return (zoo.resolve(), results.resolve() if results else None, bool(strict))


def render_zoo(zoo: Path, results: Path | None, strict: bool) -> RenderedZoo:
    """Load the zoo and its verification records and render every page (language-neutral)."""
    loaded = load_zoo(zoo, strict=strict)
    if loaded.errors:
        details = "\n".join(str(d) for d in loaded.errors)
        raise ZoogenError(f"the zoo at {zoo} has errors:\n{details}")
    records = load_records(results) if results and results.is_dir() else {}
    return RenderedZoo(render_pages(loaded.zoo, records), loaded.zoo.info.title, loaded.zoo.info.locale_dir,
                       loaded.zoo, records, tuple(loaded.warnings))


@contextmanager
def provided(zoo: Path, results: Path | None, strict: bool, rendered: RenderedZoo) -> Iterator[None]:
    """Within the block, ``rendered`` is the rendering of this zoo for every Sphinx run of this process
    (and of the processes forked meanwhile, for their whole life)."""
    key = source_key(zoo, results, strict)
    _provided[key] = rendered
    try:
        yield
    finally:
        _provided.pop(key, None)


def is_provided(zoo: Path, results: Path | None, strict: bool) -> bool:
    """Whether a `zoogen` command rendered this zoo for the Sphinx runs (and reported its warnings itself)."""
    return source_key(zoo, results, strict) in _provided


def rendered_zoo(zoo: Path, results: Path | None, strict: bool) -> RenderedZoo:
    """The provided rendering of this zoo, else a fresh one."""
    provided = _provided.get(source_key(zoo, results, strict))
    return provided if provided is not None else render_zoo(zoo, results, strict)
