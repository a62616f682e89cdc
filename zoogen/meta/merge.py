"""One model named in several places: its results merged, a true conflict reported.

OpenMMLab libraries list a model once per dataset it was evaluated on (MMPose's JHMDB and PoseTrack18
metafiles repeat names; a model trained once is tested on COCO and on CrowdPose). The first entry of a name is
the model; a later entry adds the results it has on other tasks or datasets, and the metrics the first one does
not have. Only a true conflict (same task, dataset and metric, another value) keeps the first value and is
reported with both values; an entry that adds nothing at all is reported as a repetition. Nothing is dropped
without a warning that says what.
"""

from __future__ import annotations

from dataclasses import replace

from zoogen.errors import Diagnostics
from zoogen.meta.schema import Model

MAX_LISTED = 6  # conflicting values named in one warning


def merge_model(first: Model, later: Model, diags: Diagnostics) -> None:
    """Add ``later``'s results to ``first`` (same name), reporting conflicts and pure repetitions."""
    conflicts: list[str] = []
    added: list[str] = []
    for result in later.results:
        same = next((r for r in first.results if (r.task, r.dataset) == (result.task, result.dataset)), None)
        if same is None:
            first.results.append(replace(result, metrics=dict(result.metrics)))
            added.append(f"{result.task} on {result.dataset}")
            continue
        differing = []
        for metric, value in result.metrics.items():
            if metric not in same.metrics:
                same.metrics[metric] = value
                added.append(f"{metric} ({result.task} on {result.dataset})")
            elif not _same_value(same.metrics[metric], value):
                differing.append(f"{metric} {value} (first: {same.metrics[metric]})")
        if differing:
            first.repeated.append(replace(result, metrics=dict(result.metrics)))
            shown = ", ".join(differing[:MAX_LISTED]) + (f" and {len(differing) - MAX_LISTED} more"
                                                          if len(differing) > MAX_LISTED else "")
            conflicts.append(f"{result.task} on {result.dataset}: {shown}")
    where = f"first at {first.location}"
    if conflicts:
        diags.warn(f"duplicate model name {first.name!r} ({where}) with other values for the same task, dataset "
                   f"and metric: {'; '.join(conflicts)}; the first values are the model's (verification, exports, "
                   "all-models page), these are shown in a second row of its method page's table",
                   later.where("Name"), "Name")
    elif not added:
        diags.warn(f"duplicate model name {first.name!r} ({where}): this entry repeats results the first has; "
                   "nothing is added", later.where("Name"), "Name")
    differs = [name for name, mine, theirs in (("Weights", first.weights, later.weights),
                                               ("Config", first.config, later.config)) if theirs and mine != theirs]
    if added and differs:
        diags.warn(f"model name {first.name!r} ({where}) is given again with other {' and '.join(differs)}; its "
                   f"results here ({', '.join(added[:MAX_LISTED])}) are shown as that model's, with the first "
                   f"entry's {' and '.join(differs)}", later.where("Name"), "Name")
    if later.weights and not first.weights:
        first.weights = later.weights


def _same_value(a: float | str, b: float | str) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b)) < 1e-9
    return str(a) == str(b)


__all__ = ["merge_model"]
