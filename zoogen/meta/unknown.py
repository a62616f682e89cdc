"""Tasks and metrics the registry does not know: shown under their own name, reported once each."""

from __future__ import annotations

from dataclasses import dataclass, field

from zoogen.errors import Diagnostics, Location


@dataclass
class UnknownNames:
    """The first place each unknown name was seen, and how often it was used."""

    first: dict[tuple[str, str], tuple[Location, str]] = field(default_factory=dict)
    uses: dict[tuple[str, str], int] = field(default_factory=dict)

    def note(self, kind: str, name: str, where: Location, field_name: str) -> None:
        key = (kind, name)
        self.first.setdefault(key, (where, field_name))
        self.uses[key] = self.uses.get(key, 0) + 1

    def report(self, diags: Diagnostics) -> None:
        for (kind, name), (where, field_name) in self.first.items():
            uses = self.uses[(kind, name)]
            diags.warn(f"unknown {kind} {name!r} (used {uses} time(s), first here); shown under its own name. "
                       f"Describe it in zoo.yml under 'registry: {kind}s:' to name it in both languages",
                       where, field_name)
