"""The HTML ids of table rows that plot points link to (used by `zoogen.render.tables` when it writes them)."""

from __future__ import annotations

from zoogen.records import safe_file_name, slugify


def row_anchor(model: str, dataset: str) -> str:
    """The id of a model's row in the table of ``dataset`` on its method page (unique per page)."""
    return f"model-{safe_file_name(model)}--{slugify(dataset) or 'none'}"


ANCHOR_ROLE = "zoo-anchor"


def anchor_markup(model: str, dataset: str) -> str:
    """An empty inline target for the start of a row's first cell (a role: zoogen's pages have no raw HTML)."""
    return f"{{{ANCHOR_ROLE}}}`{row_anchor(model, dataset)}`"
