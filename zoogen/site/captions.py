"""Toctree captions as ARIA headings with a level.

Sphinx writes a toctree's caption as ``<p class="caption" role="heading">`` without the ``aria-level`` that ARIA
requires of every heading: the Nu HTML Checker reports an error for each caption on each page, thousands on a
zoo whose sidebar is grouped by task (MMPose: 30 captions on 306 pages). Captions sit below the page's title,
at level 2, in the sidebar (the theme's ``toctree()``) and in the body alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sphinx.application import Sphinx

CAPTION = '<p class="caption" role="heading">'
WITH_LEVEL = '<p class="caption" role="heading" aria-level="2">'


def with_aria_level(html: str) -> str:
    return html.replace(CAPTION, WITH_LEVEL)


def _leveled(toctree: Callable[..., str]) -> Callable[..., str]:
    def toctree_with_levels(*args: Any, **kwargs: Any) -> str:
        return with_aria_level(toctree(*args, **kwargs))
    return toctree_with_levels


def add_aria_levels(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                    doctree: object) -> None:
    """The page's body and the theme's sidebar with levelled captions (after zoogen's windowed navigation)."""
    if isinstance(context.get("body"), str):
        context["body"] = with_aria_level(context["body"])
    if callable(context.get("toctree")):
        context["toctree"] = _leveled(context["toctree"])


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", add_aria_levels, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
