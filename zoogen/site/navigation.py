"""The sidebar of a method page lists the methods near it, not all of them: navigation in linear time.

Sphinx resolves and renders the global table of contents for every page; with one entry per method that is
N entries on each of N method pages, the one part of a build that grows with the square of the zoo (at 560
methods it outweighed everything else). Every theme gets that table from the ``toctree()`` function of the
page context; on a method page this replaces it with one that resolves the root's toctree with only the
``METHOD_WINDOW`` methods either side of the current one (and every entry that is not a method), counted
across the sidebar's groups (one toctree per task, or task and dataset; a group left with no method near the
current one is left out). The
overview and the other few pages keep the full list, and the overview and the all-models page list every
method anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment.adapters.toctree import TocTree

from zoogen.render.pages import METHODS_DIR

METHOD_WINDOW = 25  # methods either side of the current one in a method page's sidebar


def method_prefix(app: Sphinx) -> str:
    pages_dir = app.config.zoogen_pages_dir.strip("/")
    return f"{pages_dir}/{METHODS_DIR}/" if pages_dir else f"{METHODS_DIR}/"


def windowed_entries(entries: list[tuple[str | None, str]], pagename: str, prefix: str,
                     window: int = METHOD_WINDOW, methods: list[str] | None = None) -> list[tuple[str | None, str]]:
    """The toctree entries without the methods more than ``window`` places from ``pagename`` in ``methods``
    (the methods of every toctree of the root, in order: the sidebar's groups are one toctree each; default:
    those of ``entries``)."""
    if methods is None:
        methods = [ref for _, ref in entries if ref.startswith(prefix)]
    if pagename not in methods:
        return entries
    position = methods.index(pagename)
    keep = set(methods[max(0, position - window): position + window + 1])
    return [(title, ref) for title, ref in entries if not ref.startswith(prefix) or ref in keep]


def windowed_navigation(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                        doctree: Any) -> None:
    """html-page-context: a method page's ``toctree()`` lists only the methods near it."""
    prefix = method_prefix(app)
    if not pagename.startswith(prefix) or "toctree" not in context:
        return
    context["toctree"] = _toctree_function(app, pagename, prefix)


def _toctree_function(app: Sphinx, pagename: str, prefix: str) -> Callable[..., str]:
    env, builder = app.env, app.builder

    def toctree(collapse: bool = True, includehidden: bool = False, maxdepth: int | str = 0,
                titles_only: bool = False, **_: Any) -> str:
        root = env.master_doctree  # unpickled once per build, as Sphinx's own global toctree does
        merged: nodes.Element | None = None
        toctrees = list(root.findall(addnodes.toctree))
        methods = [ref for node in toctrees for _, ref in node["entries"] if ref.startswith(prefix)]
        for node in toctrees:
            windowed = node.copy()
            windowed["entries"] = windowed_entries(node["entries"], pagename, prefix, methods=methods)
            if not windowed["entries"]:  # a sidebar group with no method near this one: left out
                continue
            resolved = TocTree(env).resolve(pagename, builder, windowed, prune=True,
                                            maxdepth=int(maxdepth or 0), titles_only=bool(titles_only),
                                            collapse=bool(collapse), includehidden=bool(includehidden))
            if resolved is None:
                continue
            if merged is None:
                merged = resolved
            else:
                merged.extend(resolved.children)
        return builder.render_partial(merged)["fragment"] if merged is not None else ""  # type: ignore[attr-defined]

    return toctree
