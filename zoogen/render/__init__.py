"""Zoo (and verification records) -> MyST pages."""

from zoogen.render.pages import PageSet, render_pages

__all__ = ["PageSet", "render_pages"]
