"""YAML in, with the line of every mapping key and sequence item kept.

Only safe loading: libyaml's ``CSafeLoader`` when present, else PyYAML's ``SafeLoader``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from zoogen.errors import Location

try:
    SafeLoader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    SafeLoader = yaml.SafeLoader

PathKey = tuple[Any, ...]


class YamlSyntaxError(Exception):
    """The file is not valid YAML; carries where."""

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(message)
        self.location = location


@dataclass
class YamlDocument:
    """Data of one YAML file plus the line of each node, addressed by its path of keys and indexes."""

    path: Path
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def at(self, *keys: Any) -> Location:
        """Location of the node at ``keys``, or of its nearest ancestor that has one."""
        path = tuple(keys)
        while path and path not in self.lines:
            path = path[:-1]
        return Location(self.path, self.lines.get(path, 1))


def load_yaml(path: Path) -> YamlDocument:
    """Parse ``path`` safely; raise ``YamlSyntaxError`` with the failing line."""
    text = path.read_text(encoding="utf-8-sig")
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or str(exc)
        raise YamlSyntaxError(f"invalid YAML: {problem}", Location(path, line)) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"invalid YAML: {exc}", Location(path, 1)) from None
    finally:
        loader.dispose()
    document = YamlDocument(path, data)
    if node is not None:
        _record_lines(node, data, (), document.lines)
    return document


def _record_lines(node: yaml.Node, data: Any, path: PathKey, lines: dict[PathKey, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode) and isinstance(data, dict):
        for key_node, value_node in node.value:
            key = key_node.value
            if key in data:
                _record_lines(value_node, data[key], (*path, key), lines)
                lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode) and isinstance(data, list):
        for index, (item_node, item) in enumerate(zip(node.value, data, strict=False)):
            _record_lines(item_node, item, (*path, index), lines)
