"""Toctree captions get the ``aria-level`` ARIA requires of a heading, in the body and in the theme's sidebar."""

from __future__ import annotations

from zoogen.site.captions import add_aria_levels

CAPTION = '<p class="caption" role="heading"><span class="caption-text">Body 2D Keypoint · COCO</span></p>'


def test_captions_in_body_and_sidebar_get_a_level():
    context = {"body": f"<div>{CAPTION}</div>", "toctree": lambda **kwargs: f"<nav>{CAPTION}{CAPTION}</nav>"}
    add_aria_levels(None, "index", "page.html", context, None)  # type: ignore[arg-type]
    assert context["body"].count('role="heading" aria-level="2"') == 1
    sidebar = context["toctree"](maxdepth=2)
    assert sidebar.count('role="heading" aria-level="2"') == 2 and 'role="heading">' not in sidebar


def test_pages_without_body_or_toctree_are_left_alone():
    context: dict[str, object] = {"title": "Search"}
    add_aria_levels(None, "search", "search.html", context, None)  # type: ignore[arg-type]
    assert context == {"title": "Search"}
