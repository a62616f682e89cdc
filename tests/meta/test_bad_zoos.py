"""The corpus of broken zoos (tests/meta/bad_zoos/<case>/): each gives its one expected error through the CLI.

Every case folder holds a small zoo and ``expected.yml``: the file and line the error must name, its field,
a fragment of its message, and how many errors the run must report (default 1). Each runs
``zoogen check --strict`` in-process through click's CliRunner: exit code 1, the expected line, no traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from zoogen.cli import cli

CORPUS = Path(__file__).parent / "bad_zoos"
CASES = sorted(path.name for path in CORPUS.iterdir() if (path / "expected.yml").is_file())


def run_case(case: Path, *options: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(cli, ["check", *options, str(case)])
    exception = None if isinstance(result.exception, SystemExit) else result.exception
    return result.exit_code, result.output, exception


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", CASES)
def test_broken_zoo_gives_its_one_clear_error(name: str):
    case = CORPUS / name
    expected = yaml.safe_load((case / "expected.yml").read_text())
    exit_code, output, exception = run_case(case, "--strict")
    assert exception is None, f"{type(exception).__name__}: {exception}"
    assert "Traceback" not in output
    assert exit_code == 1, output
    where = f"{case / expected['file']}:{expected['line']}: error: "
    what = f"{expected['field']}: " if expected.get("field") else ""
    matching = [line for line in output.splitlines() if line.startswith(where + what)]
    assert any(expected["message"] in line for line in matching), f"wanted {where}{what}...{expected['message']}" \
                                                                  f"\ngot:\n{output}"
    assert f"{expected.get('errors', 1)} error(s) in" in output, output


@pytest.mark.parametrize("name", CASES)
def test_broken_zoo_never_crashes_leniently(name: str):
    exit_code, output, exception = run_case(CORPUS / name)
    assert exception is None, f"{type(exception).__name__}: {exception}"
    assert "Traceback" not in output and exit_code in (0, 1)
