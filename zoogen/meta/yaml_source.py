"""YAML in, with the line of every mapping key and sequence item kept.

Only safe loading: libyaml's ``CSafeLoader`` when present, else PyYAML's ``SafeLoader``. Before anything is
built, one pass over the parser's events measures the document as it would be once its aliases are expanded:
past ``MAX_NODES`` nodes or ``MAX_DEPTH`` levels of nesting it is refused with one error (a limit on the
expansion, so an alias bomb is answered in milliseconds, never by a time-out). Text must be UTF-8.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from zoogen.errors import Diagnostics, Location

try:
    SafeLoader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    SafeLoader = yaml.SafeLoader

PathKey = tuple[Any, ...]

MAX_BYTES = 4 * 1024 * 1024  # real metafiles are under 20 kB
MAX_NODES = 200_000  # nodes after alias expansion (the largest real metafile has a few thousand)
MAX_DEPTH = 64  # levels of nesting (real files have fewer than ten)


class YamlError(Exception):
    """The file cannot be read as YAML; carries where."""

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(message)
        self.location = location


YamlSyntaxError = YamlError  # the name used before the reading errors were split out


@dataclass
class YamlDocument:
    """Data of one YAML file plus the line of each node, addressed by its path of keys and indexes."""

    path: Path
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)
    duplicate_keys: list[tuple[PathKey, int]] = field(default_factory=list)  # later spellings of a key

    def warn_duplicate_keys(self, diags: Diagnostics) -> None:
        """YAML keeps the last of two equal keys; say so, at the later one."""
        for path, line in self.duplicate_keys:
            keys = [str(part) for part in path if not isinstance(part, int)]
            field_name = ".".join(keys[-2:])  # as other messages name it: "Metrics.box AP", "title"
            diags.warn(f"key {path[-1]!r} appears twice in this mapping; the last value is used",
                       Location(self.path, line), field_name)

    def at(self, *keys: Any) -> Location:
        """Location of the node at ``keys``, or of its nearest ancestor that has one."""
        path = tuple(keys)
        while path and path not in self.lines:
            path = path[:-1]
        return Location(self.path, self.lines.get(path, 1))


def read_text(path: Path) -> str:
    """The file's text; one ``YamlError`` naming the byte offset when it is not UTF-8 text."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlError(f"cannot read the file: {exc.strerror or exc}", Location(path, 1)) from None
    if len(raw) > MAX_BYTES:
        raise YamlError(f"file too large ({len(raw)} bytes; the limit is {MAX_BYTES})", Location(path, 1))
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise YamlError(f"not a text file: NUL byte at byte offset {nul}", Location(path, _line(raw, nul)))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        byte = raw[exc.start]
        raise YamlError(f"not UTF-8 text: byte 0x{byte:02x} at byte offset {exc.start} ({exc.reason}); "
                        "save the file as UTF-8", Location(path, _line(raw, exc.start))) from None


def _line(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


_PARSED: dict[str, tuple[str, YamlDocument]] = {}  # path -> (its text, the document parsed from it)


def load_yaml(path: Path) -> YamlDocument:
    """Parse ``path`` safely; raise ``YamlError`` with the failing line.

    A file whose text is the one parsed last time is not parsed again (``zoogen serve`` reloads the whole zoo
    after each edit): the caller gets a copy of that document, free to change it.
    """
    text = read_text(path)
    known = _PARSED.get(str(path))
    if known is None or known[0] != text:
        known = text, _parse(path, text)
        _PARSED[str(path)] = known
    parsed = known[1]
    return YamlDocument(path, copy.deepcopy(parsed.data), dict(parsed.lines), list(parsed.duplicate_keys))


def _parse(path: Path, text: str) -> YamlDocument:
    try:
        check_size(text, path)
        loader = SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or str(exc)
        if "maximum nesting depth" in problem:  # libyaml >= 0.2.6 has a (larger) nesting limit of its own
            raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", Location(path, line)) from None
        raise YamlError(f"invalid YAML: {problem}", Location(path, line)) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {' '.join(str(exc).split())}", Location(path, 1)) from None
    document = YamlDocument(path, data)
    if node is not None:
        _record_lines(node, data, (), document)
    return document


@dataclass
class _Frame:
    anchor: str | None
    size: int = 1
    height: int = 0


def check_size(text: str, path: Path) -> None:
    """Refuse a document that expands past ``MAX_NODES`` nodes or ``MAX_DEPTH`` levels (one linear pass)."""
    anchors: dict[str, tuple[int, int]] = {}
    stack: list[_Frame] = []

    def close(size: int, height: int, anchor: str | None, event: Any) -> None:
        if anchor:
            anchors[anchor] = (size, height)
        if not stack:
            return
        parent = stack[-1]
        parent.size += size
        parent.height = max(parent.height, height)
        if len(stack) + height > MAX_DEPTH:
            raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", _at(path, event))
        if sum(frame.size for frame in stack) > MAX_NODES:
            raise YamlError(f"the document expands to more than {MAX_NODES} nodes (YAML aliases); refused",
                            _at(path, event))

    for event in yaml.parse(text, Loader=SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append(_Frame(event.anchor))
            if len(stack) > MAX_DEPTH:
                raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", _at(path, event))
        elif isinstance(event, yaml.CollectionEndEvent):
            frame = stack.pop()
            close(frame.size, frame.height + 1, frame.anchor, event)
        elif isinstance(event, yaml.ScalarEvent):
            if "\x00" in event.value:
                raise YamlError("a value holds a NUL character ('\\0'), which no field allows",
                                _at(path, event))
            close(1, 1, event.anchor, event)
        elif isinstance(event, yaml.AliasEvent):
            size, height = anchors.get(event.anchor or "", (1, 1))
            close(size, height, None, event)


def _at(path: Path, event: Any) -> Location:
    mark = event.start_mark
    return Location(path, mark.line + 1 if mark else 1)


def _record_lines(node: yaml.Node, data: Any, path: PathKey, document: YamlDocument) -> None:
    document.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode) and isinstance(data, dict):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if not isinstance(key, str) or key not in data or key == "<<":
                continue
            if key in seen and isinstance(key_node, yaml.ScalarNode):
                document.duplicate_keys.append(((*path, key), key_node.start_mark.line + 1))
            seen.add(key)
            _record_lines(value_node, data[key], (*path, key), document)
            document.lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode) and isinstance(data, list):
        for index, (item_node, item) in enumerate(zip(node.value, data, strict=False)):
            _record_lines(item_node, item, (*path, index), document)
