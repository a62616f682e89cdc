"""A plot as inline SVG with real text: matplotlib's SVG backend, one ``<a>`` with a ``<title>`` per point.

Each point is a focusable link of its own (Tab moves between them; its ``<title>`` is its accessible name):
the figure is a labelled ``role="group"``, never ``role="img"``, whose content assistive technologies would
treat as one picture with links nested inside (axe-core: ``nested-interactive``).

Text stays text (``svg.fonttype: none``) with a font stack that has common CJK fonts, so the Chinese site
shows Chinese labels without embedded glyphs. The SVG is built without any script and needs nothing online.
"""

from __future__ import annotations

import hashlib
import html
import io
import logging
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from matplotlib.typing import RcKeyType

from zoogen.plots.data import MEASURED, Plot, PlotPoint
from zoogen.plots.words import COST_WORDS, Words

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
FONT_FAMILY = ["Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "DejaVu Sans",
               "sans-serif"]
MARKERS = {"passed": "D", "drift": "X", "better": "^", "stale": "s", None: "o"}
VERDICT_WORDS = {"passed": "verified", "drift": "drift", "better": "better than published", "stale": "stale"}
# Colour-blind-friendly qualitative colours (Okabe-Ito, then Tableau 10 and the rest of tab20).
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
           "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d"]

LinkFor = Callable[[PlotPoint], str]
# A point under the pointer or keyboard focus (Tab moves between points) is drawn with a thick outline.
FOCUS_STYLE = (".zoo-plot-point:hover use, .zoo-plot-point:focus use "
               "{stroke: #000 !important; stroke-width: 2.5px !important}")


def _number(value: float) -> str:
    return str(round(value, 2))


def point_title(point: Plot | None, p: PlotPoint, words: Words, metric_name: str) -> str:
    """The tooltip of a point: model, method, accuracy, speed (and re-measured accuracy)."""
    lines = [p.model, p.method_title, f"{metric_name}: {_number(p.accuracy)}",
             f"{_number(p.fps)} fps ({_number(p.ms_per_image)} ms/img)" if p.cost is None or point is None
             else f"{words.cost_label(point.source)}: {_number(p.cost)}"]
    if p.resolution:
        lines[-1] += f", {p.resolution[0]}x{p.resolution[1]}"
    if p.verdict:
        measured = f" {_number(p.measured_accuracy)}" if p.measured_accuracy is not None else ""
        lines.append(f"{words(VERDICT_WORDS.get(p.verdict, 'drift'))}{measured}")
    return "\n".join(lines)


def caption(plot: Plot, words: Words) -> tuple[str, str]:
    """The title and the caption text of a plot (plain text, not escaped)."""
    metric = words.term("metrics", plot.metric)
    against = "{metric} against inference speed: {task} on {dataset}" if not plot.against_cost else \
        f"{{metric}} against {COST_WORDS[plot.source]}: {{task}} on {{dataset}}"
    title = words(against, metric=metric, task=words.term("tasks", plot.task),
                  dataset=words.term("datasets", plot.dataset))
    facts = [plot.backend or "", words("batch size {n}", n=plot.batch_size) if plot.batch_size else "",
             plot.precision or "", *plot.versions]
    if plot.dates:
        facts.append(plot.dates[0] if len(plot.dates) == 1 else f"{min(plot.dates)} – {max(plot.dates)}")
    facts.append(words("{n} models", n=len(plot.points)))
    separator = "，" if words.chinese else ", "
    protocol = separator.join(f for f in facts if f)
    speeds = ("Speeds re-measured by zoogen verify on {hardware} ({protocol})." if plot.source == MEASURED
              else "FLOPs and parameters as the metafiles publish them ({protocol})." if plot.against_cost
              else "Published speeds, measured on {hardware} ({protocol}).")
    how = words("{metric} as published; a diamond marks a value zoogen re-measured within tolerance, a cross one "
                "that drifted. The dashed line is the Pareto front. Hover over a point for its model; click it "
                "for its row.", metric=metric)
    sep = "" if words.chinese else " "
    return title, words(speeds, hardware=plot.hardware, protocol=protocol) + sep + how


def render_svg(plot: Plot, words: Words, link_for: LinkFor) -> str:
    """The plot as an ``<svg>`` element (no XML declaration), ready to inline in HTML."""
    import matplotlib

    matplotlib.use("svg", force=False)
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    metric = words.term("metrics", plot.metric)
    methods = list(dict.fromkeys(p.method_title for p in plot.points))
    styles = {method: method_style(index) for index, method in enumerate(methods)}
    legend_rows = -(-(len(methods) + 3) // 4)
    settings: dict[RcKeyType, Any] = {
        "svg.fonttype": "none", "font.family": ["sans-serif"], "font.sans-serif": FONT_FAMILY[:-1], "font.size": 9,
        "svg.hashsalt": plot.id, "axes.spines.top": False, "axes.spines.right": False}
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # fonts of the stack not installed
    with matplotlib.rc_context(settings), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")  # CJK metrics on a font-less host
        figure = Figure(figsize=(8, 4.6 + 0.19 * legend_rows))
        axes = figure.add_subplot()
        for index, (style, verdict, points) in enumerate(_series(plot, styles)):
            marker = MARKERS.get(verdict, "o")
            dots = axes.scatter([plot.x(p) for p in points], [p.accuracy for p in points],
                                s=36 if marker == "o" else 48,
                                marker=marker, facecolors=style[0], edgecolors=style[1],
                                linewidths=0.5 if style[0] != "white" else 1.3, zorder=3)
            dots.set_gid(f"{plot.id}-series-{index}")
            dots.set_urls([link_for(p) for p in points])
        front = plot.front
        front_line = axes.plot([plot.x(p) for p in front], [p.accuracy for p in front], linestyle="--", color="#555555",
                               linewidth=1, zorder=2, label=words("Pareto front"))
        front_line[0].set_gid(f"{plot.id}-front")
        fps = [plot.x(p) for p in plot.points]
        if max(fps) / min(fps) > 8:
            axes.set_xscale("log")
            from matplotlib.ticker import LogLocator, NullLocator, ScalarFormatter

            axes.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            axes.xaxis.set_major_formatter(ScalarFormatter())
            axes.xaxis.set_minor_locator(NullLocator())  # unlabelled minor ticks cost a third of a figure's drawing
        axes.set_xlabel(words.cost_label(plot.source) if plot.against_cost else
                        f"{words.speed_label()} · {plot.hardware}")
        axes.set_ylabel(metric)
        axes.grid(True, color="#dddddd", linewidth=0.6, zorder=0)
        handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor=styles[m][0], markeredgecolor=styles[m][1],
                          markeredgewidth=0.5 if styles[m][0] != "white" else 1.3, label=m) for m in methods]
        handles.append(Line2D([], [], linestyle="--", color="#555555", label=words("Pareto front")))
        handles += [Line2D([], [], marker=MARKERS[v], linestyle="", color="#888888", markeredgecolor="#222222",
                           label=words(label)) for v, label in VERDICT_WORDS.items()
                    if any(p.verdict == v for p in plot.points)]
        figure.legend(handles=handles, loc="lower center", ncol=4, fontsize=8, frameon=False)
        figure.subplots_adjust(bottom=(0.45 + 0.17 * legend_rows) / (4.6 + 0.19 * legend_rows) + 0.04,
                               top=0.97, left=0.08, right=0.98)
        buffer = io.StringIO()
        FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None, "Creator": None})
    return _annotate(buffer.getvalue(), plot, words, metric)


def method_style(index: int) -> tuple[str, str]:
    """Face and edge colour of the ``index``-th method: filled colours first, then hollow rings of them."""
    colour = COLOURS[index % len(COLOURS)]
    return (colour, "#222222") if (index // len(COLOURS)) % 2 == 0 else ("white", colour)


Style = tuple[str, str]  # face and edge colour


def _series(plot: Plot, styles: dict[str, Style]) -> list[tuple[Style, str | None, list[PlotPoint]]]:
    """The points in one scatter per method and mark (one SVG group each, one link per point, in order)."""
    series: dict[tuple[str, str | None], list[PlotPoint]] = {}
    for point in plot.points:
        series.setdefault((point.method_title, point.verdict), []).append(point)
    return [(styles[method], verdict, points) for (method, verdict), points in series.items()]


def _annotate(svg_text: str, plot: Plot, words: Words, metric: str) -> str:
    """Add a ``<title>`` to each point's link, drop ``target=_blank``, label the whole figure as a group."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(svg_text)
    for metadata in root.findall(f"{{{SVG_NS}}}metadata"):
        root.remove(metadata)
    title, _ = caption(plot, words)
    root.set("role", "group")
    root.set("aria-label", title)
    root.set("class", "zoo-plot-svg")
    root.set("width", "100%")
    root.attrib.pop("height", None)
    groups = {g.get("id"): g for g in root.iter(f"{{{SVG_NS}}}g")}
    styles = {p.method_title: ("", "") for p in plot.points}
    for index, (_, _, points) in enumerate(_series(plot, styles)):
        group = groups.get(f"{plot.id}-series-{index}")
        if group is None:
            raise ValueError(f"matplotlib wrote no group for series {index} of {plot.id}")
        group.set("class", "zoo-plot-points")
        links = list(group.iter(f"{{{SVG_NS}}}a"))
        if len(links) != len(points):
            raise ValueError(f"matplotlib wrote {len(links)} links for {len(points)} points of {plot.id}")
        for link, point in zip(links, points, strict=True):
            link.attrib.pop("target", None)
            link.set("href", link.attrib.pop(f"{{{XLINK_NS}}}href", ""))  # SVG 2 href
            link.set("class", "zoo-plot-point")
            # Sphinx's search-word highlighting draws boxes with getBBox, which a <title> does not have
            tooltip = ET.Element(f"{{{SVG_NS}}}title", {"class": "nohighlight"})
            tooltip.text = point_title(plot, point, words, metric)
            link.insert(0, tooltip)
    style = ET.Element(f"{{{SVG_NS}}}style")
    style.text = FOCUS_STYLE
    root.insert(0, style)
    _prefix_ids(root, "zp" + hashlib.sha1(plot.id.encode()).hexdigest()[:6])
    return ET.tostring(root, encoding="unicode")


_REFERENCE = re.compile(r"url\(#([^)]+)\)")


def _prefix_ids(root: ET.Element, prefix: str) -> None:
    """Make every id unique on a page with several plots (``figure_1`` -> ``<plot id>-figure_1``)."""
    ids = {name for element in root.iter() if (name := element.get("id"))}
    renamed = {old: old if old.startswith(prefix) else f"{prefix}-{old}" for old in ids}
    href = f"{{{XLINK_NS}}}href"
    for element in root.iter():
        name = element.get("id")
        if name:
            element.set("id", renamed[name])
        target = element.get(href)
        if target and target.startswith("#") and target[1:] in renamed:
            element.set(href, "#" + renamed[target[1:]])
        for attribute in ("clip-path", "style", "mask", "filter"):
            value = element.get(attribute)
            if value and "url(#" in value:
                element.set(attribute, _REFERENCE.sub(lambda m: f"url(#{renamed.get(m.group(1), m.group(1))})", value))


def figure_key(plot: Plot, words: Words, link_for: LinkFor) -> str:
    """A digest of everything `render_figure` shows: two plots with the same key have the same HTML."""
    metric = words.term("metrics", plot.metric)
    texts = [*caption(plot, words), metric, words.speed_label(), words("Pareto front"), words("verified"),
             words("drift")]
    points = [(point_title(plot, p, words, metric), link_for(p)) for p in plot.points]
    return hashlib.sha256(repr((plot, texts, points)).encode()).hexdigest()


def render_figure(plot: Plot, words: Words, link_for: LinkFor) -> str:
    """An HTML ``<figure>``: the inline SVG and a caption with the hardware and protocol."""
    title, text = caption(plot, words)
    return (f'<figure class="zoo-plot" id="{html.escape(plot.id)}">\n{render_svg(plot, words, link_for)}\n'
            f"<figcaption><strong>{html.escape(title)}</strong> {html.escape(text)}</figcaption>\n</figure>\n")
