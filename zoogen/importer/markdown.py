"""The tables of a Markdown page, read with markdown-it: cells as plain text and links, with line numbers.

Bold and italics are dropped (their text kept); ``<sup>`` footnote marks and trailing ``*``/``†``-style
marks are taken off and kept in ``Cell.marks``. A table's ``heading`` is the nearest heading above it; the
page's first level-1 heading is its ``title``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

_TRAILING_MARKS = re.compile(r"(?:\s*(?:[*†‡§¶#]+|\^\d+|\[\^?\w{1,3}\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]+))+$")
_SUP = re.compile(r"<sup>(.*?)</sup>", re.IGNORECASE | re.DOTALL)


@dataclass
class Link:
    text: str
    href: str


@dataclass
class Cell:
    text: str  # plain text, whitespace collapsed, marks removed
    links: list[Link] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)  # footnote marks taken off the text

    @property
    def empty(self) -> bool:
        """No value: empty, or dashes only (``-``, ``----``, ``—``)."""
        return not self.links and (not self.text or set(self.text) <= set("-–—/ "))


@dataclass
class PageTable:
    heading: str | None
    line: int  # 1-based line of the header row
    header: list[Cell]
    rows: list[list[Cell]]
    row_lines: list[int]


@dataclass
class Page:
    title: str | None
    tables: list[PageTable]


_PARSER = MarkdownIt("commonmark").enable("table")


def read_page(text: str) -> Page:
    tokens = _PARSER.parse(text)
    title: str | None = None
    heading: str | None = None
    tables: list[PageTable] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "heading_open":
            heading = _cell(tokens[index + 1].children or []).text
            if token.tag == "h1" and title is None:
                title = heading
        elif token.type == "table_open":
            index = _table(tokens, index, heading, tables)
        index += 1
    return Page(title, tables)


def _table(tokens: list[Token], index: int, heading: str | None, tables: list[PageTable]) -> int:
    rows: list[list[Cell]] = []
    lines: list[int] = []
    in_head = False
    header: list[Cell] = []
    line = (tokens[index].map or [0])[0] + 1
    while tokens[index].type != "table_close":
        token = tokens[index]
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            current: list[Cell] = []
            row_line = (token.map or [0])[0] + 1
        elif token.type == "inline":
            current.append(_cell(token.children or []))
        elif token.type == "tr_close":
            if in_head:
                header = current
            else:
                rows.append(current)
                lines.append(row_line)
        index += 1
    tables.append(PageTable(heading, line, header, rows, lines))
    return index


def _cell(children: list[Token]) -> Cell:
    parts: list[str] = []
    links: list[Link] = []
    marks: list[str] = []
    link_href: str | None = None
    link_text: list[str] = []
    for child in children:
        if child.type == "link_open":
            link_href, link_text = str(child.attrGet("href") or ""), []
        elif child.type == "link_close":
            if link_href is not None:
                links.append(Link(" ".join("".join(link_text).split()), link_href))
            link_href = None
        elif child.type in ("text", "code_inline"):
            (link_text if link_href is not None else parts).append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type in ("html_inline", "image"):
            parts.append(child.content)
    text = " ".join("".join(parts).split())
    marks += [mark.strip() for mark in _SUP.findall(text)]
    text = _SUP.sub("", text)
    text = re.sub(r"<[^>]+>", "", text).strip()
    match = _TRAILING_MARKS.search(text)
    if match and match.start() > 0:
        marks.append(match.group(0).strip())
        text = text[: match.start()].rstrip()
    return Cell(text, links, marks)
