"""pydantic errors to diagnostics: each error names the file, the line of the offending value and its field."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from zoogen.errors import Diagnostics, Level
from zoogen.meta.yaml_source import YamlDocument

_INSTANCE = re.compile(r"a valid dictionary or instance of \w+")
# Error types that are repairs rather than faults: reported as warnings (errors under --strict).
WARNING_TYPES = frozenset({"extra_forbidden"})


def data_path(data: Any, loc: Sequence[Any]) -> tuple[Any, ...]:
    """The part of a pydantic ``loc`` that addresses real data (drops union tags such as ``'str'``)."""
    path: list[Any] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part.endswith("]"):
            continue  # pydantic's tag of a dict key validator: "[key]"
        else:
            if isinstance(node, dict) and isinstance(part, str) and part not in node:
                path.append(part)  # a missing field: name it (its line is its parent's)
            break
        path.append(part)
    return tuple(path)


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key; ignored"
    if kind == "missing":
        return "required field is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    message = _INSTANCE.sub("a mapping", message).replace("valid dictionary", "mapping")
    value = error.get("input")
    if kind not in ("missing",) and not isinstance(value, dict | list):
        shown = repr(value)
        message += f" (got {shown[:60]})"
    elif isinstance(value, dict | list):
        message += f" (got a {'mapping' if isinstance(value, dict) else 'list'})"
    return message


def report(
    error: ValidationError,
    doc: YamlDocument,
    diags: Diagnostics,
    *,
    data: Any,
    base: tuple[Any, ...] = (),
    prefix: str = "",
    level: Level = "error",
) -> list[tuple[tuple[Any, ...], str]]:
    """Add one diagnostic per pydantic error; return each wrong data path (below ``base``) and error type."""
    wrong: list[tuple[tuple[Any, ...], str]] = []
    items = sorted(error.errors(), key=lambda item: doc.at(*base, *data_path(data, item["loc"])).line)
    for item in items:
        path = data_path(data, item["loc"])
        wrong.append((path, item["type"]))
        written = ".".join(str(part) if not isinstance(part, int) else f"[{part}]" for part in path).replace(".[", "[")
        field = f"{prefix}.{written}" if prefix and written else (prefix or written or None)
        kind = "warning" if item["type"] in WARNING_TYPES else level
        diags.add(kind, _message(dict(item)), doc.at(*base, *path), field)
    return wrong
