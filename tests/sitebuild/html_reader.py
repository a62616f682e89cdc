"""Reading built HTML pages in tests: tables, headings and links, with the standard library's parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.headings: list[tuple[str, str]] = []
        self.links: list[str] = []
        self.scripts: int = 0
        self._cell: list[str] | None = None
        self._heading: list[str] | None = None
        self._heading_tag = ""
        self._in_headerlink = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag in ("h1", "h2", "h3", "h4"):
            self._heading, self._heading_tag = [], tag
        elif tag == "a":
            if attributes.get("href"):
                self.links.append(attributes["href"] or "")
            self._in_headerlink = "headerlink" in (attributes.get("class") or "")
        elif tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == self._heading_tag and self._heading is not None:
            self.headings.append((tag, " ".join("".join(self._heading).split())))
            self._heading = None
        elif tag == "a":
            self._in_headerlink = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._heading is not None and not self._in_headerlink:
            self._heading.append(data)


def read_page(path: Path) -> _Reader:
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    return reader


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def numbers(page: _Reader) -> list[str]:
    """Every table cell that is a number, in page order (marks and units stripped)."""
    found = []
    for table in page.tables:
        for row in table:
            for cell in row:
                head = cell.split(" ")[0]
                if _NUMBER.match(head):
                    found.append(head)
    return found
