"""Accuracy against inference speed: which plots a zoo has (`data`), drawn as SVG (`svg`), placed on the
pages by the ``zoo-plots`` Sphinx directive (`directive`)."""

from zoogen.plots.data import Plot, PlotPoint, method_plots, overview_plots, pareto_front

__all__ = ["Plot", "PlotPoint", "method_plots", "overview_plots", "pareto_front"]
