"""Escaping: metafile text is data, never markup, wherever it lands in Markdown or HTML."""

from __future__ import annotations

import re
from urllib.parse import quote

# CommonMark lets a backslash escape any ASCII punctuation; these are the ones that can start markup.
SPECIAL = "\\`*_[]<>|$&{}#!~"
_SPECIAL = set(SPECIAL)
_CELL_SEPARATOR = re.compile(r"(?<!\\)\|")


def escape(text: object) -> str:
    """Plain text to inline Markdown that renders as exactly that text (also inside a table cell)."""
    value = " ".join(str(text).split())
    return "".join(f"\\{ch}" if ch in _SPECIAL else ch for ch in value)


def url(href: str) -> str:
    """A URL as a Markdown link destination: no spaces, brackets or angle brackets left raw."""
    return quote(href.strip(), safe=":/?#@!$&'*+,;=%~-._")


def link(text: str, href: str | None) -> str:
    """``[text](href)`` with the text escaped, or just the escaped text when there is no URL."""
    if not href:
        return escape(text)
    return f"[{escape(text)}]({url(href)})"


def split_row(line: str) -> list[str]:
    """The cells of a table row as this module writes it (``| a | b\\|c |`` -> ``["a", "b\\|c"]``)."""
    return [cell.strip() for cell in _CELL_SEPARATOR.split(line.strip())[1:-1]]
