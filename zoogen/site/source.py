"""The zoo loaded and rendered once: what every language's Sphinx run of one build starts from.

``zoogen build`` and ``zoogen serve`` render the zoo once (`render_zoo`) and hand the result to each
language's Sphinx application as an argument (the ``zoogen_rendered`` setting); a plain ``sphinx-build``
renders it itself. Either way the extension makes it part of the build's `BuildContext`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from zoogen.errors import Diagnostic, ZoogenError
from zoogen.meta import load_zoo
from zoogen.meta.schema import Zoo
from zoogen.records import VerificationRecord, load_records
from zoogen.render import render_pages
from zoogen.render.pages import PageSet

RENDERED_SETTING = "zoogen_rendered"  # the Sphinx setting that hands a rendering to an application (-D only)


@dataclass(frozen=True)
class RenderedZoo:
    """A zoo as the site needs it: its pages, the zoo-level settings, the loaded zoo and its records."""

    pages: PageSet
    title: str
    locale_dir: Path | None
    zoo: Zoo  # the loaded zoo and its records: the plots and the exports read them
    records: Mapping[str, list[VerificationRecord]]
    warnings: tuple[Diagnostic, ...] = ()  # the zoo's warnings, for a Sphinx run that reports them itself


@dataclass(frozen=True)
class ZooInputs:
    """The zoo loaded (without errors) and its verification records: what a rendering is made from."""

    zoo: Zoo
    records: Mapping[str, list[VerificationRecord]]
    warnings: tuple[Diagnostic, ...] = ()


def load_inputs(zoo: Path, results: Path | None, strict: bool, links_report: Path | None = None) -> ZooInputs:
    """Load the zoo and its verification records; raise `ZoogenError` with the zoo's errors.

    ``links_report`` (``zoogen build --links``) replaces zoo.yml's ``links_report``.
    """
    loaded = load_zoo(zoo, strict=strict, links_report=links_report)
    if loaded.errors:
        details = "\n".join(str(d) for d in loaded.errors)
        raise ZoogenError(f"the zoo at {zoo} has errors:\n{details}")
    records = load_records(results) if results and results.is_dir() else {}
    return ZooInputs(loaded.zoo, records, tuple(loaded.warnings))


def render_inputs(inputs: ZooInputs) -> RenderedZoo:
    """Every page of the loaded zoo (language-neutral)."""
    zoo = inputs.zoo
    return RenderedZoo(render_pages(zoo, inputs.records), zoo.info.title, zoo.info.locale_dir, zoo, inputs.records,
                       inputs.warnings)


def render_zoo(zoo: Path, results: Path | None, strict: bool, links_report: Path | None = None) -> RenderedZoo:
    """Load the zoo and its verification records and render every page (language-neutral).

    ``links_report`` (``zoogen build --links``) replaces zoo.yml's ``links_report``.
    """
    return render_inputs(load_inputs(zoo, results, strict, links_report))
