"""What markup a Markdown message carries: the test a translation passes before Sphinx parses it.

A translated message may bring back the markup its original had (zoogen's own roles and links), nothing else.
Both texts are parsed by MyST's Markdown parser (markdown-it with every MyST syntax extension, so that
anything some site could read as markup counts as markup; no directive or role runs, no file is read), and
each is reduced to its *signature*: the multiset of its markup (links by target, roles by name and target,
raw HTML, directives, headings, lists, ...). Plain formatting (emphasis, strong, code spans, line breaks)
changes how text looks, never what a page runs or reads, and is left out. A translation passes when its
signature is part of the original's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

Mark = tuple[str, ...]

# Tokens that only shape text: a translation may add or drop them freely.
_FORMATTING = frozenset({
    "paragraph_open", "paragraph_close", "inline", "text", "text_special", "softbreak", "hardbreak",
    "em_open", "strong_open", "s_open", "code_inline",
})
_ROLE_TARGET = re.compile(r"<([^<>]*)>\s*$")
_EXTENSIONS = ("amsmath", "attrs_block", "attrs_inline", "colon_fence", "deflist", "dollarmath", "fieldlist",
               "gfm_autolink", "html_admonition", "html_image", "section_ref", "strikethrough", "substitution",
               "tasklist", "alert")


@cache
def _parser() -> MarkdownIt:
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    return create_md_parser(MdParserConfig(enable_extensions=set(_EXTENSIONS)), RendererHTML)


# Text without any of these characters, on one line, not starting like a block, parses as text alone.
_MAYBE_MARKUP = re.compile(r"[\\`*_\[\]<>{}!$~&|:#@\n]|^\s*([-+>=]|\d+[.)])")


def signature(text: str, links: Mapping[str, str] | None = None) -> Counter[Mark]:
    """The markup of ``text`` (reference-style links to ``links`` labels count as links to their URLs)."""
    if not _MAYBE_MARKUP.search(text):
        return Counter()
    env = {"references": dict(_references(tuple((links or {}).items())))}
    return Counter(_marks(_parser().parse(text, env)))


def foreign_markup(original: str, translation: str, links: Mapping[str, str] | None = None) -> list[Mark]:
    """The markup of ``translation`` that ``original`` does not have (empty: it only reuses the original's)."""
    added = signature(translation, links)
    if not added:
        return []
    extra = added - signature(original, links)
    return sorted(extra.elements())


@cache
def _references(links: tuple[tuple[str, str], ...]) -> dict[str, dict[str, str]]:
    return {normalizeReference(label): {"href": url, "title": ""} for label, url in links}


def describe(mark: Mark) -> str:
    """A reader's name for one piece of markup (``raw HTML '<script>'``, ``directive {include}``)."""
    kind, *details = mark
    shown = " ".join(repr(d[:60]) for d in details if d)
    return f"{kind} {shown}".strip()


def _marks(tokens: Iterable[Token]) -> Iterable[Mark]:
    for token in tokens:
        if token.children:
            yield from _marks(token.children)
        if token.type in _FORMATTING or token.type.endswith("_close"):  # an opening token counts for both
            continue
        if token.type == "link_open":
            yield ("link", str(token.attrGet("href") or ""))
        elif token.type == "image":
            yield ("image", str(token.attrGet("src") or ""))
        elif token.type == "myst_role":
            name = str(token.meta.get("name", ""))
            target = _ROLE_TARGET.search(token.content)
            yield ("role", name, target.group(1) if target else token.content)
        elif token.type in ("html_inline", "html_block"):
            yield ("raw HTML", token.content.strip())
        elif token.type in ("fence", "colon_fence"):
            name = token.info.strip()
            yield ("directive" if name.startswith("{") else "code block", name, token.content)
        else:
            yield (token.type.removesuffix("_open"), token.markup, token.info, token.content)
        if token.attrs and token.type not in ("link_open", "image"):
            yield ("attributes", token.type, repr(sorted(token.attrs.items())))
