"""Display names in one language: the registry's task, dataset, metric and column names, and the templates'
own words (the built-in catalog ``zoogen/templates/<language>.po``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import polib

from zoogen.meta.registry import Registry, Term

SOURCE_LANGUAGE = "en"
_DERIVED_TITLE = re.compile(r"^(?:(?P<name>[\w.+-]+) )?Model Zoo$")


@cache
def builtin_messages(language: str) -> dict[str, str]:
    """The templates' English texts -> ``language`` (empty for English or a language zoogen does not ship)."""
    if language == SOURCE_LANGUAGE:
        return {}
    catalog = resources.files("zoogen") / "templates" / f"{language}.po"
    if not catalog.is_file():
        return {}
    entries = polib.pofile(catalog.read_text(encoding="utf-8"))
    return {entry.msgid: entry.msgstr for entry in entries if entry.msgstr and not entry.obsolete}


@dataclass(frozen=True)
class Names:
    """Names as the pages of one language show them."""

    registry: Registry
    language: str = SOURCE_LANGUAGE
    messages: dict[str, str] = field(default_factory=dict)

    @classmethod
    def for_language(cls, registry: Registry, language: str) -> Names:
        return cls(registry, language, builtin_messages(language))

    def gettext(self, message: str) -> str:
        return self.messages.get(message, message)

    def _term(self, term: Term | None, fallback: str) -> str:
        if term is None:
            return fallback
        localised = getattr(term, self.language, None) if self.language != SOURCE_LANGUAGE else None
        return localised or term.title or fallback

    def task(self, name: str) -> str:
        return self._term(self.registry.tasks.get(name), name)

    def dataset(self, name: str) -> str:
        return self._term(self.registry.datasets.get(name), name)

    def metric(self, name: str) -> str:
        return self._term(self.registry.metric(name), name)

    def column(self, key: str) -> str:
        return self._term(self.registry.columns.get(key), key)

    def zoo_title(self, title: str) -> str:
        """The site's name in this language: ``mmpose Model Zoo`` (as ``zoogen init`` names a zoo) -> ``mmpose 模型库``;
        any other title as it is (the zoo's catalog translates it)."""
        match = _DERIVED_TITLE.match(title)
        if not match:
            return title
        name = match["name"]
        return self.gettext("%(name)s Model Zoo") % {"name": name} if name else self.gettext("Model Zoo")

    def holder(self, owner: str | None, name: str) -> str:
        """The footer's copyright holder: the repository's owner, else ``the <name> authors`` in this language."""
        return owner or self.gettext("the %(name)s authors") % {"name": name}

    def listing(self, items: list[str]) -> str:
        """``a, b and c`` in this language."""
        if len(items) < 2:
            return "".join(items)
        return self.gettext("%(first)s and %(last)s") % {
            "first": self.gettext(", ").join(items[:-1]), "last": items[-1]}
