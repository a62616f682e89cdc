"""Every value of a good metafile and zoo.yml replaced, one at a time, by something odd: never a crash.

A bug inside the loader would surface as a "please report it" error (the loader's last resort), so the test
asserts none appears, in lenient and strict mode.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from zoogen.meta import load_zoo

ODD_VALUES = [None, [], {"a": {"b": 1}}, -1, 10**400, True, "x" * 3000, datetime.date(2020, 1, 1), "../../x",
              "nan"]
ZOO_YML = """
title: Zoo
locale_dir: locales
config_base_url: https://github.com/open-mmlab/mmdetection/blob/master/
links: {benchmark: "https://example.com/b"}
table: {columns: [backbone, metrics, download], group_by: dataset}
sections:
  - {title: Settings, body: text, table: {columns: [{key: a, title: A, translate: true}], rows: [{a: x}]}}
  - {title: Baselines, methods: true}
methods: [{id: m, title: M, description: d}]
footer: "© Authors"
mirrors: [{primary: "https://download.openmmlab.com/", mirror: "https://mirror.example.org/"}]
links_report: links.json
registry: {metrics: {Foo: {unit: number, tasks: [Object Detection]}}, tasks: {T: {zh_CN: 任务}}}
"""


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    children = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in children:
        yield from paths(value, (*prefix, key))


def replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    data = copy.deepcopy(data)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def crashes(zoo: Path) -> list[str]:
    found = []
    for strict in (False, True):
        loaded = load_zoo(zoo, strict=strict)
        found += [str(d) for d in loaded.diagnostics if "please report" in d.message]
    return found


@pytest.mark.parametrize("target", ["metafile", "zoo.yml"])
def test_no_odd_value_anywhere_crashes_the_loader(make_zoo, good: str, target: str):
    zoo = make_zoo({"m/metafile.yml": good}, zoo_yml=ZOO_YML)
    file = zoo / ("m/metafile.yml" if target == "metafile" else "zoo.yml")
    data = yaml.safe_load(file.read_text())
    failures = []
    for path in paths(data):
        for value in ODD_VALUES:
            file.write_text(yaml.safe_dump(replaced(data, path, value), allow_unicode=True))
            failures += [f"{path} = {value!r:.30}: {crash}" for crash in crashes(zoo)]
    assert failures == []
