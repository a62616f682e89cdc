"""The ``zoo-plots`` Sphinx directive: the accuracy plots in the page's language.

``zoo-plots`` without an argument draws the overview's plots (every model); with a method id, that method's.
It draws nothing when no task and dataset has three comparable points. The SVG and caption are one raw HTML
node, so no plot text enters a page's gettext catalog; the words come from `zoogen.plots.words`. The zoo and its
records come from the build's context (`zoogen.site.context`).
"""

from __future__ import annotations

import gettext
from collections import OrderedDict
from functools import cache
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from zoogen.plots.anchors import ANCHOR_ROLE, row_anchor
from zoogen.plots.data import Plot, PlotPoint, method_plots, overview_plots
from zoogen.plots.svg import LinkFor, figure_key, render_figure
from zoogen.plots.words import Words
from zoogen.records import record_path
from zoogen.site.context import BuildOptions, build_context, builder_of, has_build_context, note_builder

WORDS_DOMAIN = "zoogen"  # the zoo's shared catalog of words (as zoogen.site.transforms reads it)

METHODS_DIR = "methods"
# Figures drawn in this process, by `figure_key`: a rebuild (zoogen serve) redraws only the figures whose
# data or words changed; matplotlib takes some 50 ms a figure. The oldest are dropped beyond this many.
MEMO_SIZE = 256
_drawn: OrderedDict[str, str] = OrderedDict()


def figure_html(plot: Plot, words: Words, link_for: LinkFor) -> str:
    """`render_figure`, once per process for the same figure."""
    key = figure_key(plot, words, link_for)
    html_text = _drawn.get(key)
    if html_text is None:
        html_text = _drawn[key] = render_figure(plot, words, link_for)
        while len(_drawn) > MEMO_SIZE:
            _drawn.popitem(last=False)
    else:
        _drawn.move_to_end(key)
    return html_text


@cache
def _catalog(locale_dirs: tuple[str, ...], language: str, srcdir: str) -> gettext.NullTranslations:
    """The zoo's shared words catalog (``zoogen.po``), which may override the plot words."""
    translations: gettext.NullTranslations = gettext.NullTranslations()
    for directory in reversed(locale_dirs):
        found = gettext.translation(WORDS_DOMAIN, localedir=Path(srcdir, directory), languages=[language],
                                    fallback=True)
        found.add_fallback(translations)
        translations = found
    return translations


def _words(config: Any, srcdir: str) -> Words:
    language = config.language or "en"
    return Words(language, _catalog(tuple(config.locale_dirs), language, srcdir))


def _figures(plots: list[Plot], words: Words, builder: Any, docname: str, options: BuildOptions) -> str:
    """The plots' figures for page ``docname``, each point linking to its row on its method page."""

    def link_for(plot: Plot) -> Any:
        def link(point: PlotPoint) -> str:
            target = options.docname(f"{METHODS_DIR}/{point.method}")
            uri = builder.get_relative_uri(docname, target) if target != docname else ""
            return f"{uri}#{row_anchor(point.model, plot.dataset)}"
        return link

    return "".join(figure_html(plot, words, link_for(plot)) for plot in plots)


class plot_html(nodes.General, nodes.Element):  # noqa: N801 (docutils names nodes in lower case)
    """The HTML of the plots: like a raw node, but kept out of the search index (tooltips list every model)."""


def _visit_plot_html(translator: Any, node: plot_html) -> None:
    translator.body.append(node["html"])
    raise nodes.SkipNode


def _skip(translator: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


class ZooPlots(SphinxDirective):
    """``zoo-plots [METHOD]``: the accuracy/speed plots of the zoo, or of one method page."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = False

    def run(self) -> list[nodes.Node]:
        context = build_context(self.env)
        builder = builder_of(self.env)
        if not context.options.plots or builder is None or builder.format != "html":  # gettext: no plots
            return []
        if not self.arguments:  # the overview shows every method: drawn when the page is written
            _overview_docs(self.env).add(self.env.docname)
            return [plot_html(html="", overview=True)]
        zoo, records, results = context.zoo, context.records, context.options.results
        methods = [m for m in zoo.methods if m.id == self.arguments[0]]
        for method in methods:  # an incremental build redraws the plot when a metafile or record changes
            self.env.note_dependency(str(method.metafile))
        if results is not None:
            for model in (model for method in methods for model in method.models if model.name in records):
                for record in records[model.name]:
                    self.env.note_dependency(str(record_path(results, model.name, record.tag)))
        plots = method_plots(zoo, self.arguments[0], records)
        if not plots:
            return []
        figures = _figures(plots, _words(self.config, str(self.env.srcdir)), builder, self.env.docname,
                           context.options)
        return [plot_html(html=f'<div class="zoo-plots">\n{figures}</div>\n')]


OVERVIEW_DOCS = "zoogen_overview_plot_docs"  # the pages with the overview plots (an attribute of the env)


def _overview_docs(env: Any) -> set[str]:
    if not hasattr(env, OVERVIEW_DOCS):
        setattr(env, OVERVIEW_DOCS, set())
    return getattr(env, OVERVIEW_DOCS)


def draw_overview(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Fill in the overview plots as the page is written, from the zoo as it is now.

    The overview shows every method: drawn at read time, its page would be read again after any edit of any
    metafile. Drawn here, the page is only written again (`rewrite_overview`), which costs far less.
    """
    placeholders = [node for node in doctree.findall(plot_html) if node.get("overview")]
    if not placeholders:
        return
    context = build_context(app)
    plots = overview_plots(context.zoo, context.records)
    figures = _figures(plots, _words(app.config, str(app.srcdir)), app.builder, docname, context.options)
    for node in placeholders:
        if plots:
            node["html"] = f'<div class="zoo-plots">\n{figures}</div>\n'
        else:
            node.parent.remove(node)


def rewrite_overview(app: Sphinx, env: Any) -> list[str]:
    """Pages with overview plots are written on every build (their plots may have changed), but for
    ``zoogen serve``'s first pass after an edit (the edited pages only; a second pass follows)."""
    if has_build_context(env) and build_context(env).preview:
        return []
    return sorted(_overview_docs(env) & set(env.found_docs))


def _purge_overview(app: Sphinx, env: Any, docname: str) -> None:
    _overview_docs(env).discard(docname)


def _merge_overview(app: Sphinx, env: Any, docnames: set[str], other: Any) -> None:
    _overview_docs(env).update(_overview_docs(other) & docnames)


def anchor_role(name: str, rawtext: str, text: str, lineno: int, inliner: Any, options: dict[str, Any] | None = None,
                content: list[str] | None = None) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """``{zoo-anchor}`id```: an empty ``<span id>`` that plot points link to (see `anchors.anchor_markup`)."""
    return [nodes.inline("", "", ids=[text])], []


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("zoogen_plots", True, "env", bool)  # False: no accuracy/speed plots
    app.add_node(plot_html, html=(_visit_plot_html, None), latex=(_skip, None), text=(_skip, None),
                 man=(_skip, None), texinfo=(_skip, None))
    app.add_directive("zoo-plots", ZooPlots)
    app.connect("builder-inited", note_builder)
    app.add_role(ANCHOR_ROLE, anchor_role)
    app.connect("doctree-resolved", draw_overview)
    app.connect("env-get-updated", rewrite_overview)
    app.connect("env-purge-doc", _purge_overview)
    app.connect("env-merge-info", _merge_overview)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
