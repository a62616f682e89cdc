"""Figures are drawn once per process for the same data, words and links; any change draws anew."""

from __future__ import annotations

import dataclasses

from zoogen.plots import directive as plot_directive
from zoogen.plots import overview_plots
from zoogen.plots.svg import figure_key, render_figure
from zoogen.plots.words import Words


def _link(point) -> str:
    return f"methods/{point.method}.html#{point.model}"


def test_the_key_changes_with_what_the_figure_shows(tiny_zoo, tiny_records):
    [plot] = overview_plots(tiny_zoo, tiny_records)
    english = figure_key(plot, Words("en"), _link)
    assert figure_key(plot, Words("en"), _link) == english
    assert figure_key(plot, Words("zh_CN"), _link) != english  # the words
    assert figure_key(plot, Words("en"), lambda p: f"../{_link(p)}") != english  # the links (another page)
    edited = dataclasses.replace(plot, points=[dataclasses.replace(plot.points[0], accuracy=99.9),
                                               *plot.points[1:]])
    assert figure_key(edited, Words("en"), _link) != english  # a number
    assert figure_key(dataclasses.replace(plot, hardware="A100"), Words("en"), _link) != english


def test_a_figure_is_drawn_once_and_again_after_a_change(tiny_zoo, tiny_records, monkeypatch):
    drawn = []

    def counting(plot, words, link_for):
        drawn.append(plot.points[0].accuracy)
        return render_figure(plot, words, link_for)

    monkeypatch.setattr(plot_directive, "render_figure", counting)
    monkeypatch.setattr(plot_directive, "_drawn", type(plot_directive._drawn)())
    [plot] = overview_plots(tiny_zoo, tiny_records)
    first = plot_directive.figure_html(plot, Words("en"), _link)
    assert plot_directive.figure_html(plot, Words("en"), _link) == first
    assert len(drawn) == 1
    edited = dataclasses.replace(plot, points=[dataclasses.replace(plot.points[0], accuracy=12.5),
                                               *plot.points[1:]])
    changed = plot_directive.figure_html(edited, Words("en"), _link)
    assert drawn == [plot.points[0].accuracy, 12.5] and changed != first and "box AP: 12.5" in changed
