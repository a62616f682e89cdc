"""Bounded-time fuzzing of what strangers send: metafiles, ``model-index.yml`` and ``zoo.yml``.

Each example is a small zoo written to a fresh folder and checked through the CLI (``zoogen check``), as a
maintainer would. Whatever the input, the run ends with exit 0 or 1, never a traceback, never zoogen's
"please report it" last resort, and never opens a file outside the repository, though the inputs point at
one (an audit hook records every ``open``).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoogen.cli import cli

FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)
SECRET = "zoogen-fuzz-secret-content"

_opened: list[str] | None = None


def _record_open(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _opened is not None and isinstance(args[0], (str, bytes, Path)):
        _opened.append(str(args[0], "utf-8", "replace") if isinstance(args[0], bytes) else str(args[0]))


sys.addaudithook(_record_open)  # audit hooks cannot be removed; it records only inside `opened_files`


@contextmanager
def opened_files() -> Iterator[list[str]]:
    """Every path the process opens meanwhile."""
    global _opened
    _opened = []
    try:
        yield _opened
    finally:
        _opened = None


# Paths a stranger's metafile may name: inside, outside (`../outside/...`), absolute, odd.
paths = st.sampled_from([
    "configs/a.py", "../outside/secret.yml", "../outside/secret.py", "../outside/*.yml", "/etc/hostname",
    "..", "./", "a/../../outside/secret.yml", "**/*.yml", "~/.bashrc", "con\x00fig.py", "c:\\windows\\x.py",
])
text = st.one_of(st.text(max_size=40), paths, st.sampled_from([
    "<script>alert(1)</script>", "{include} ../outside/secret.yml", "```{raw} html\n<b>x</b>\n```",
    "[x](javascript:alert(1))", "| a | b |\n|---|---|", "&lt;", "${HOME}", "$(id)", "`id`",
]))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), text)
metrics = st.dictionaries(st.sampled_from(["box AP", "mask AP", "Top 1 Accuracy", "AP", "mIoU", "x"]), scalars,
                          max_size=3)
result = st.fixed_dictionaries({}, optional={
    "Task": st.one_of(text, st.sampled_from(["Object Detection", "Image Classification", "Pose Estimation"])),
    "Dataset": st.one_of(text, st.sampled_from(["COCO", "ImageNet-1k"])),
    "Metrics": st.one_of(metrics, scalars),
})
metadata = st.dictionaries(st.sampled_from(["FLOPs", "Parameters", "inference time (ms/im)", "Epochs",
                                            "Training Memory (GB)", "Training Data"]),
                           st.one_of(scalars, st.lists(scalars, max_size=3)), max_size=4)
model = st.fixed_dictionaries({}, optional={
    "Name": st.one_of(text, st.sampled_from(["m1", "m2", "../../outside/m"])),
    "In Collection": st.one_of(text, st.just("C")),
    "Config": paths,
    "Metadata": st.one_of(metadata, scalars),
    "Results": st.one_of(st.lists(result, max_size=3), scalars),
    "Weights": st.one_of(text, st.just("https://example.com/m1_20200101-abcdef12.pth")),
    "README": paths,
})
collection = st.fixed_dictionaries({}, optional={
    "Name": st.one_of(text, st.just("C")),
    "Metadata": st.one_of(metadata, scalars),
    "Paper": st.one_of(text, st.fixed_dictionaries({"URL": text, "Title": text})),
    "README": paths,
    "Code": st.one_of(text, st.fixed_dictionaries({"URL": text, "Version": text})),
})
metafile = st.fixed_dictionaries({}, optional={
    "Collections": st.one_of(st.lists(collection, max_size=2), scalars),
    "Models": st.one_of(st.lists(model, max_size=3), scalars),
})
zoo_settings = st.fixed_dictionaries({}, optional={
    "title": text, "intro": text, "links_report": paths, "locale_dir": paths,
    "sections": st.one_of(st.lists(st.fixed_dictionaries({"title": text, "body": text}), max_size=2), scalars),
    "methods": st.one_of(st.lists(text, max_size=2), scalars),
    "unknown_key": scalars,
})


def _write_repository(base: Path) -> Path:
    """A repository folder beside an `outside` folder that holds a secret the inputs point at."""
    outside = base / "outside"
    outside.mkdir()
    for name in ("secret.yml", "secret.py"):
        (outside / name).write_text(f"# {SECRET}\nModels: [{{Name: {SECRET}}}]\n")
    repository = base / "repo"
    (repository / "configs").mkdir(parents=True)
    (repository / "configs" / "a.py").write_text("model = dict()\n")
    return repository


def _check(repository: Path) -> None:
    with opened_files() as opened:
        result = CliRunner().invoke(cli, ["check", str(repository)])
    crashed = None if isinstance(result.exception, SystemExit) else result.exception
    assert crashed is None, f"{type(crashed).__name__}: {crashed}"
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output and "please report it" not in result.output, result.output
    outside = (repository.parent / "outside").resolve()
    read = [path for path in opened if Path(path).resolve().is_relative_to(outside)]
    assert not read, f"read outside the repository: {read}\n{result.output}"
    assert SECRET not in result.output


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@FUZZ
@given(metafile=metafile, imports=st.lists(paths, max_size=2))
def test_any_metafile_gives_errors_never_a_crash_or_a_read_outside(metafile: dict, imports: list[str]):
    with tempfile.TemporaryDirectory() as base:
        repository = _write_repository(Path(base))
        (repository / "m").mkdir()
        (repository / "m" / "metafile.yml").write_text(_dump(metafile))
        (repository / "model-index.yml").write_text(_dump({"Import": ["m/metafile.yml", *imports]}))
        _check(repository)


@FUZZ
@given(settings_=zoo_settings)
def test_any_zoo_yml_gives_errors_never_a_crash_or_a_read_outside(settings_: dict):
    with tempfile.TemporaryDirectory() as base:
        repository = _write_repository(Path(base))
        (repository / "m").mkdir()
        (repository / "m" / "metafile.yml").write_text(_dump({"Models": [{"Name": "m1", "Config": "configs/a.py"}]}))
        (repository / "model-index.yml").write_text(_dump({"Import": ["m/metafile.yml"]}))
        (repository / "zoo.yml").write_text(_dump(settings_))
        _check(repository)


@FUZZ
@given(raw=st.binary(max_size=300), seed=st.sampled_from(["model-index.yml", "m/metafile.yml", "zoo.yml"]))
def test_any_bytes_in_any_input_file_give_errors_never_a_crash(raw: bytes, seed: str):
    with tempfile.TemporaryDirectory() as base:
        repository = _write_repository(Path(base))
        (repository / "m").mkdir()
        (repository / "m" / "metafile.yml").write_text(_dump({"Models": [{"Name": "m1"}]}))
        (repository / "model-index.yml").write_text(_dump({"Import": ["m/metafile.yml"]}))
        (repository / seed).write_bytes(raw)
        _check(repository)
