"""``zoo-data-table``: a data table whose body rows go straight to HTML (the all-models table).

A table of thousands of cells as docutils nodes costs most of its page's build: MyST renders every cell, some
forty transforms walk every node, the HTML writer visits each one, and ``zoogen serve`` pays it again on every
edit. The directive's content is the same Markdown table the renderer writes anywhere else. Its header stays
a docutils table (translated and extracted like any text); its body rows are read by a small parser of the
few cell forms zoogen's renderer writes (escaped text, ``[text](https://...)``, ``{doc}`page```) into one
`data_rows` node that the HTML writer turns into ``<tbody>`` at once. Link words and registry names in cells
are translated as `zoogen.site.transforms.DataTableCells` translates them; ``{doc}`` links get the target's
title in the page's language. A table with any other cell form, and every builder but HTML, gets MyST's
own parse of the whole table, as without the directive.
"""

from __future__ import annotations

import html
import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import docname_join, logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import clean_astext

from zoogen.render.markup import SPECIAL, split_row
from zoogen.site.context import build_context, builder_of, has_build_context, note_builder
from zoogen.site.transforms import words_catalog

logger = logging.getLogger(__name__)

# The forms zoogen's renderer writes into a cell (zoogen.render.markup and zoogen.render.tables): text with
# every markup character escaped, links to http(s) URLs, and {doc} links.
_TEXT = rf"(?:\\[!-/:-@\[-`{{-~]|[^{re.escape(SPECIAL)}])+"
_PIECE = re.compile(rf"\[(?P<text>{_TEXT})\]\((?P<url>https?://[^()\s<>]+)\)"
                    r"|\{doc\}`(?P<doc>[A-Za-z0-9_./+-]+)`"
                    rf"|(?P<plain>{_TEXT})")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")

Piece = tuple[str, str, str]  # ("text", text, "") | ("link", text, url) | ("doc", "", docname)


class data_rows(nodes.General, nodes.Element):  # noqa: N801 (docutils names nodes in lower case)
    """The body rows of a data table, as data: ``node["rows"]`` is a list of rows of cells of `Piece`.

    Its one child is the rows' text (names, numbers, link words), for the search index only: the HTML
    writer skips it. A zoo whose method tables do not show model names is searched for them here.
    """


def parse_cell(cell: str) -> list[Piece] | None:
    """A cell in one of the renderer's forms as pieces; None for anything else (MyST must read it)."""
    pieces: list[Piece] = []
    position = 0
    for match in _PIECE.finditer(cell):
        if match.start() != position:
            return None
        if match.group("doc"):
            pieces.append(("doc", "", match.group("doc")))
        elif match.group("url"):
            pieces.append(("link", _ESCAPED.sub(r"\1", match.group("text")), match.group("url")))
        else:
            pieces.append(("text", _ESCAPED.sub(r"\1", match.group("plain")), ""))
        position = match.end()
    return pieces if position == len(cell) and pieces else None


def parse_rows(lines: list[str], columns: int) -> list[list[list[Piece]]] | None:
    """The body rows, or None when a row has another number of cells or a cell another form."""
    rows = []
    for line in lines:
        line = line.strip()
        if not (line.startswith("|") and line.endswith("|")):
            return None
        cells = split_row(line)
        if len(cells) != columns:
            return None
        parsed = [parse_cell(cell) for cell in cells]
        complete = [cell for cell in parsed if cell is not None]
        if len(complete) != len(parsed):
            return None
        rows.append(complete)
    return rows


class ZooDataTable(SphinxDirective):
    """The content: an attribute line (``{.zoo-data ...}``), a header row, a delimiter row, body rows."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        lines = [line for line in self.content if line.strip()]
        head, body = lines[:3], lines[3:]
        rows = None
        builder = builder_of(self.env)
        if builder is not None and builder.format == "html" and len(head) == 3:
            columns = len(split_row(head[1]))
            rows = parse_rows(body, columns)
        if rows is None:  # MyST's own parse of the whole table
            return self._parse("\n".join(lines))
        parsed = self._parse("\n".join(head))
        tgroup = next((t for node in parsed for t in node.findall(nodes.tgroup)), None)
        if tgroup is None:
            return self._parse("\n".join(lines))
        localised = self._localised(rows)
        text = "\n".join(" ".join(text for cell in row for _, text, _ in cell) for row in localised)
        tgroup += data_rows("", nodes.Text(text), rows=localised)
        return parsed

    def _parse(self, text: str) -> list[nodes.Node]:
        """MyST's parse of ``text`` (``parse_text_to_nodes`` from Sphinx 7.4; the same by hand before)."""
        if hasattr(self, "parse_text_to_nodes"):
            return self.parse_text_to_nodes(text)
        from docutils.statemachine import StringList

        container = nodes.Element()
        self.state.nested_parse(StringList(text.splitlines(), source=self.get_source_info()[0]),
                                self.content_offset, container)
        return container.children

    def _localised(self, rows: list[list[list[Piece]]]) -> list[list[list[Piece]]]:
        """Cells as `DataTableCells` translates them: registry names by the page's cell map, link words by the
        shared words catalog."""
        config = self.config
        words = words_catalog(tuple(config.locale_dirs), config.language or "en", str(self.env.srcdir))
        cell_text = build_context(self.env).cell_text.get(self.env.docname, {}) if has_build_context(self.env) else {}
        localised = []
        for row in rows:
            cells = []
            for cell in row:
                whole = "".join(text for _, text, _ in cell)
                if whole in cell_text and all(kind == "text" for kind, _, _ in cell):
                    cells.append([("text", cell_text[whole], "")])
                    continue
                cells.append([(kind, words.gettext(text) if kind == "link" else text, target)
                              for kind, text, target in cell])
            localised.append(cells)
        return localised


def _visit_data_rows(translator: Any, node: data_rows) -> None:
    builder = translator.builder
    docname = builder.current_docname
    out = ["<tbody>\n"]
    for index, row in enumerate(node["rows"]):
        out.append(f'<tr class="row-{"even" if index % 2 == 0 else "odd"}">')
        for cell in row:
            text = "".join(_piece_html(piece, builder, docname, node) for piece in cell)
            out.append(f"<td><p>{text}</p></td>\n")
        out.append("</tr>\n")
    out.append("</tbody>\n")
    translator.body.append("".join(out))
    raise nodes.SkipNode


def _piece_html(piece: Piece, builder: Any, docname: str, node: nodes.Node) -> str:
    kind, text, target = piece
    if kind == "text":
        return html.escape(text, quote=False)
    if kind == "link":
        return f'<a class="reference external" href="{html.escape(target)}">{html.escape(text, quote=False)}</a>'
    page = docname_join(docname, target)
    title = builder.env.titles.get(page)
    if title is None:
        logger.warning("unknown document: %r", target, location=node)
        return html.escape(target, quote=False)
    uri = builder.get_relative_uri(docname, page)
    return (f'<a class="reference internal" href="{html.escape(uri)}"><span class="doc">'
            f"{html.escape(clean_astext(title), quote=False)}</span></a>")


def _skip(translator: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_node(data_rows, html=(_visit_data_rows, None), latex=(_skip, None), text=(_skip, None),
                 man=(_skip, None), texinfo=(_skip, None))
    app.add_directive("zoo-data-table", ZooDataTable)
    app.connect("builder-inited", note_builder)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
