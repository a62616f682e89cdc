"""Diagnostics: every problem zoogen reports names a file, a line and a field."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Location:
    """Where a value came from: a file and a 1-based line."""

    file: Path
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in the input."""

    level: Level
    message: str
    location: Location | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        what = f"{self.field}: " if self.field else ""
        return f"{where}{self.level}: {what}{self.message}"


@dataclass
class Diagnostics:
    """Collects problems; each distinct problem is kept once.

    In strict mode a warning is recorded as an error.
    """

    strict: bool = False
    items: list[Diagnostic] = field(default_factory=list)
    _seen: set[Diagnostic] = field(default_factory=set, repr=False)

    def add(self, level: Level, message: str, location: Location | None = None, field: str | None = None) -> None:
        if level == "warning" and self.strict:
            level = "error"
        diagnostic = Diagnostic(level, message, location, field)
        if diagnostic not in self._seen:
            self._seen.add(diagnostic)
            self.items.append(diagnostic)

    def warn(self, message: str, location: Location | None = None, field: str | None = None) -> None:
        self.add("warning", message, location, field)

    def error(self, message: str, location: Location | None = None, field: str | None = None) -> None:
        self.add("error", message, location, field)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level == "warning"]


class ZoogenError(Exception):
    """A failure that stops a command; its message says what and where."""
