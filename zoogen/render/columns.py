"""Table columns: the value of each registry column for a model.

A value comes from the model's Metadata when stored there. Otherwise a documented rule derives it:

- ``backbone_from_name``: the backbone token of the model name: ``r50`` -> ``R-50``, ``r101`` -> ``R-101``,
  ``x101-32x4d`` -> ``X-101-32x4d``, ``regnetx-3.2GF`` -> ``RegNetX-3.2GF``; nothing when no token matches.
- ``style_from_name``: ``caffe`` when the name or config contains ``caffe``, else ``pytorch`` (only for
  ResNet-family backbones, where the two styles exist).
- ``schedule_from_epochs``: ``Epochs`` 12 -> ``1x``, 24 -> ``2x``, 36 -> ``3x``, other n -> ``ne``; else
  else ``Iterations`` n -> ``<n/1000>k iters``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from zoogen.meta.keys import fold
from zoogen.meta.registry import ColumnInfo
from zoogen.meta.schema import Model

_RESNET = re.compile(r"(?:^|_)(r|x)(\d{2,3})(?:[-_](\d+x\d+d))?(?=[_-]|$)")
_REGNET = re.compile(r"(?:^|_)regnetx-([\d.]+[gm]f)(?=[_-]|$)", re.IGNORECASE)
_SCHEDULES = {12: "1x", 24: "2x", 36: "3x"}


def backbone_from_name(model: Model) -> str | None:
    name = model.name
    if match := _RESNET.search(name):
        family, depth, width = match.groups()
        backbone = f"{family.upper()}-{depth}"
        return f"{backbone}-{width}" if width else backbone
    if match := _REGNET.search(name):
        return f"RegNetX-{match.group(1).upper()}"
    return None


def style_from_name(model: Model) -> str | None:
    if not _RESNET.search(model.name):
        return None
    text = f"{model.name} {model.config or ''}"
    return "caffe" if "caffe" in text else "pytorch"


def schedule_from_epochs(model: Model) -> str | None:
    epochs = _metadata(model, "Epochs")
    if isinstance(epochs, int | float) and not isinstance(epochs, bool) and epochs > 0:
        return _SCHEDULES.get(int(epochs), f"{int(epochs)}e")
    iterations = _metadata(model, "Iterations")
    if isinstance(iterations, int | float) and not isinstance(iterations, bool) and iterations > 0:
        return f"{iterations / 1000:g}k iters"
    return None


DERIVED_FROM: dict[str | None, tuple[str, ...]] = {"schedule_from_epochs": ("Epochs", "Iterations")}  # inputs

RULES: dict[str, Callable[[Model], str | None]] = {
    "backbone_from_name": backbone_from_name,
    "style_from_name": style_from_name,
    "schedule_from_epochs": schedule_from_epochs,
}


def _metadata(model: Model, field: str) -> object:
    wanted = fold(field)
    for key, value in model.metadata.items():
        if fold(str(key)) == wanted:
            return value
    return None


# Metadata never shown as a column of its own: the inference time has its column, the architecture is the page.
HIDDEN_METADATA = {fold(name) for name in ("inference time (ms/im)", "Architecture", "Training Techniques")}


def _plain(value: object) -> str | None:
    if value is None or value == "" or isinstance(value, dict | list):
        return None
    if isinstance(value, float):
        return str(value)
    return " ".join(str(value).split())


def plain_value(value: object) -> str | None:
    """A metadata value as one line of plain text (not escaped); None for nothing, lists and mappings."""
    return _plain(value)


def metadata_field(model: Model, field: str) -> str | None:
    """The plain text of the metadata field ``field`` (any spelling) of ``model``."""
    return _plain(_metadata(model, field))


ALREADY_IN_UNIT = 1e4  # a smaller value is taken as written in the header's unit already (an imported "44.2" M)


def _scaled(value: object, scale: float) -> str | None:
    """A count in the header's unit, two decimals (FLOPs 4109464576 at 1e-9 -> 4.11); a value below
    ``ALREADY_IN_UNIT`` is shown as it is (a table imported with its "Params (M)" column)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = _plain(value)
        try:
            value = float(text) if text is not None else None
        except ValueError:
            return text  # already written with its unit ("4.1G"): shown as it is
        if value is None:
            return None
    if abs(value) < ALREADY_IN_UNIT:
        return _plain(value)
    return f"{value * scale:.2f}"


def metadata_value(model: Model, column: ColumnInfo) -> str | None:
    """Plain-text value of a metadata column (not escaped)."""
    if column.name == "name":
        return model.name
    if column.name == "inference_fps":
        return f"{model.speed[0].fps:.1f}" if model.speed else None
    if column.metadata:
        raw = _metadata(model, column.metadata)
        value = _scaled(raw, column.scale) if column.scale and raw is not None else _plain(raw)
        if value is not None:
            return value
    if column.derive:
        return RULES[column.derive](model)
    return None
