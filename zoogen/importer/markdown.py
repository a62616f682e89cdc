"""The tables of a Markdown page, read with markdown-it: cells as plain text and links, with line numbers.

Bold and italics are dropped (their text kept); ``<sup>`` footnote marks and trailing ``*``/``†``-style
marks are taken off and kept in ``Cell.marks``. A table's ``heading`` is the nearest heading above it; the
page's first level-1 heading is its ``title``.

The page is read as a stream (``iter_page``): markdown-it's own block rules run one top-level block at a
time, and a top-level table is parsed ``ROWS_PER_CHUNK`` body rows at a time (its header and delimiter
lines, then the next rows, through markdown-it's table rule), so a table of any length never holds more
than one chunk of tokens. Reference-style link definitions (``[label]: url``) are gathered first, in a
block-only pass, when the page has any. Nothing here uses a regular expression: cells are split with
string methods in one pass, so a hostile cell costs time in proportion to its length.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import mdTrim
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.rules_block.table import MAX_AUTOCOMPLETED_CELLS, escapedSplit
from markdown_it.rules_block.table import table as table_rule
from markdown_it.rules_core import inline as core_inline
from markdown_it.rules_core import normalize, text_join
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token

ROWS_PER_CHUNK = 256  # body rows of a table parsed (and held as tokens) at once
MARK_CHARACTERS = frozenset("*†‡§¶#")
SUPERSCRIPT_DIGITS = frozenset("¹²³⁴⁵⁶⁷⁸⁹⁰")


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


@dataclass
class Heading:
    """A heading of the page, as ``iter_page`` meets it."""

    text: str
    level: int
    line: int


@dataclass
class StreamedTable:
    """A table as ``iter_page`` meets it: ``rows`` yields ``(line, cells)`` and is read once."""

    heading: str | None
    line: int
    header: list[Cell]
    rows: Iterator[tuple[int, list[Cell]]]


_PARSER = MarkdownIt("commonmark").enable("table")


def read_page(text: str) -> Page:
    """The whole page at once (small pages, tests); ``iter_page`` streams."""
    title: str | None = None
    tables: list[PageTable] = []
    for event in iter_page(text):
        if isinstance(event, Heading):
            if title is None and event.level == 1:
                title = event.text
        else:
            rows = list(event.rows)
            tables.append(PageTable(event.heading, event.line, event.header, [r for _, r in rows],
                                    [line for line, _ in rows]))
    return Page(title, tables)


def iter_page(text: str) -> Iterator[Heading | StreamedTable]:
    """Headings and tables in the page's order; a table's rows must be read before the next event."""
    core = StateCore(text, _PARSER, {})
    normalize(core)
    env: dict[str, Any] = {}
    if "]:" in core.src:  # reference definitions apply to the whole page: gather them first
        for _ in _Reader(core.src, env, inline=False).events():
            pass
    yield from _Reader(core.src, env, inline=True).events()


class _Reader:
    """markdown-it's top-level block loop, one block at a time; top-level tables chunk by chunk."""

    def __init__(self, src: str, env: dict[str, Any], *, inline: bool) -> None:
        self.env, self.inline = env, inline
        self.state = StateBlock(src, _PARSER, env, [])
        self.heading: str | None = None

    def events(self) -> Generator[Heading | StreamedTable, None, None]:
        state, end = self.state, self.state.lineMax
        rules = _PARSER.block.ruler.getRules("")
        line = 0
        while True:
            line = state.skipEmptyLines(line)
            if line >= end:
                return
            state.line = line
            if table_rule(state, line, end, True):
                line = yield from self._table(line, end)
                continue
            if not any(rule(state, line, end, False) for rule in rules):
                raise RuntimeError("no markdown-it block rule matched")  # the paragraph rule always does
            tokens, state.tokens = state.tokens, []
            yield from self._block(tokens)
            line = state.line

    def _source_line(self, line: int) -> str:
        return self.state.src[self.state.bMarks[line]:self.state.eMarks[line]]

    def _parse(self, text: str) -> list[Token]:
        tokens: list[Token] = []
        _PARSER.block.parse(text, _PARSER, self.env, tokens)
        if self.inline:
            core = StateCore(text, _PARSER, self.env, tokens)
            core_inline(core)
            text_join(core)
        return tokens

    def _block(self, tokens: list[Token]) -> Iterator[Heading | StreamedTable]:
        """Headings and tables (in lists, quotes...) of one top-level block other than a table."""
        if not self.inline:
            return
        core = StateCore("", _PARSER, self.env, tokens)
        core_inline(core)
        text_join(core)
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token.type == "heading_open":
                self.heading = _cell(tokens[index + 1].children or []).text
                yield Heading(self.heading, int(token.tag[1:]), (token.map or [0])[0] + 1)
            elif token.type == "table_open":
                start = index
                while tokens[index].type != "table_close":
                    index += 1
                header, rows = _table_cells(tokens[start:index + 1], lambda line: line)
                yield StreamedTable(self.heading, (token.map or [0])[0] + 1, header, iter(rows))
            index += 1

    def _table(self, line: int, end: int) -> Generator[Heading | StreamedTable, None, int]:
        """Yield the table at ``line`` (its rows parsed chunk by chunk); return the line after it."""
        top = [self._source_line(line), self._source_line(line + 1)]
        after = [line + 2]  # the first line not yet read
        chunks = self._chunks(top, after, end)
        header, first = next(chunks)

        def rows() -> Iterator[tuple[int, list[Cell]]]:
            yield from first
            for _, more in chunks:
                yield from more

        table = StreamedTable(self.heading, line + 1, header, rows())
        if self.inline:
            yield table
        for _ in table.rows:  # whatever the reader left unread
            pass
        return after[0]

    def _chunks(self, top: list[str], after: list[int], end: int
                ) -> Iterator[tuple[list[Cell], list[tuple[int, list[Cell]]]]]:
        """``(header, rows)`` for each chunk of body rows, while the table goes on."""
        columns = _count_cells(top[0])
        autocompleted = 0
        while True:
            body = after[0]
            stop = min(body + ROWS_PER_CHUNK, end)
            for index in range(body, stop):  # markdown-it's cap on empty cells it adds, over the whole table
                source = self._source_line(index)
                if source.count("|") <= columns:  # else no cell is missing (extra cells are not counted)
                    autocompleted += max(0, columns - _count_cells(source))
                if autocompleted > MAX_AUTOCOMPLETED_CELLS:
                    end = stop = index
                    break
            text = "\n".join([*top, *(self._source_line(i) for i in range(body, stop))])
            tokens = self._parse(text)
            close = next(i for i, t in enumerate(tokens) if t.type == "table_close")
            read = (tokens[0].map or [0, 2])[1] - 2  # body rows the table rule took from this chunk
            header, rows = _table_cells(tokens[:close + 1], lambda row, first=body: first + row - 2)
            after[0] = body + read
            yield header, rows
            if read < stop - body or stop >= end:
                return


def _count_cells(line: str) -> int:
    """Cells of a table line as markdown-it's table rule counts them."""
    cells = escapedSplit(mdTrim(line))
    return len(cells) - (cells[0] == "") - (len(cells) > 1 and cells[-1] == "")


def _table_cells(tokens: list[Token], to_page_line: Any) -> tuple[list[Cell], list[tuple[int, list[Cell]]]]:
    """Header cells and ``(page line, cells)`` rows of one table's tokens."""
    header: list[Cell] = []
    rows: list[tuple[int, list[Cell]]] = []
    current: list[Cell] = []
    in_head = False
    row_line = 0
    for token in tokens:
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            current = []
            row_line = to_page_line((token.map or [0])[0]) + 1
        elif token.type == "inline":
            current.append(_cell(token.children or []) if token.children is not None else Cell(token.content))
        elif token.type == "tr_close":
            if in_head:
                header = current
            else:
                rows.append((row_line, current))
    return header, rows


def _tag(html: str) -> tuple[str, bool]:
    """The lower-case name of an inline HTML tag and whether it closes (``</sup>``)."""
    body = html[1:].lstrip()
    closing = body.startswith("/")
    body = body[1:] if closing else body
    end = 0
    while end < len(body) and body[end].isalnum():
        end += 1
    return body[:end].casefold(), closing


def _cell(children: list[Token]) -> Cell:
    parts: list[str] = []
    links: list[Link] = []
    marks: list[str] = []
    sup: list[str] | None = None  # text inside <sup>...</sup>
    sup_owner: list[str] = parts  # where that text goes back if the <sup> is never closed
    link_href: str | None = None
    link_text: list[str] = []
    for child in children:
        if child.type == "link_open":
            link_href, link_text = str(child.attrGet("href") or ""), []
        elif child.type == "link_close":
            if sup is not None and sup_owner is link_text:
                link_text.extend(sup)
                sup = None
            if link_href is not None:
                links.append(Link(" ".join("".join(link_text).split()), link_href))
            link_href = None
        elif child.type in ("text", "code_inline", "image"):
            (sup if sup is not None else link_text if link_href is not None else parts).append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "html_inline":  # tags are dropped; <sup> text becomes a mark
            name, closing = _tag(child.content)
            if name == "sup" and not closing and sup is None:
                sup, sup_owner = [], (link_text if link_href is not None else parts)
            elif name == "sup" and closing and sup is not None:
                marks.append(" ".join("".join(sup).split()))
                sup = None
    if sup is not None:
        sup_owner.extend(sup)
    text, trailing = split_marks(" ".join("".join(parts).split()))
    return Cell(text, links, marks + ([trailing] if trailing else []))


def _mark_start(text: str, end: int) -> int:
    """Where the footnote mark that ends at ``end`` starts, or ``end`` when none does.

    Marks: a run of ``*†‡§¶#``, ``^`` and digits, ``[1]``/``[^a]`` (up to 3 word characters), superscript
    digits. Each test looks back at most a few characters past the run it consumes.
    """
    last = text[end - 1]
    start = end
    if last in MARK_CHARACTERS or last in SUPERSCRIPT_DIGITS:
        kind = MARK_CHARACTERS if last in MARK_CHARACTERS else SUPERSCRIPT_DIGITS
        while start > 0 and text[start - 1] in kind:
            start -= 1
        return start
    if last.isdecimal():
        while start > 0 and text[start - 1].isdecimal():
            start -= 1
        return start - 1 if start > 0 and text[start - 1] == "^" else end
    if last == "]":
        opening = text.rfind("[", max(0, end - 6), end - 1)
        label = text[opening + 1:end - 1] if opening >= 0 else ""
        label = label[1:] if label.startswith("^") else label
        if opening >= 0 and 1 <= len(label) <= 3 and all(c.isalnum() or c == "_" for c in label):
            return opening
    return end


def split_marks(text: str) -> tuple[str, str]:
    """``("38.2", "* †")`` for ``"38.2* †"``: the text and its trailing footnote marks (linear time)."""
    end = len(text)
    first = end  # start of the earliest mark of the trailing run
    while end > 0:
        start = _mark_start(text, end)
        if start == end:
            break
        first = start
        end = start
        while end > 0 and text[end - 1].isspace():
            end -= 1
    if first == 0 or first == len(text):
        return text, ""
    return text[:first].rstrip(), text[first:].strip()
