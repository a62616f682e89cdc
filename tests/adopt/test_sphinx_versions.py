"""The Sphinx versions zoogen.sphinx supports: from the oldest the oldest supported MyST-Parser runs on to the
newest, and one clear error below that.

CI's ``sphinx-versions`` workflow runs tests/adopt under the oldest and the newest. Locally, the tests that need
another Sphinx run only when an interpreter with it is named:

    python -m venv --system-site-packages /tmp/sphinx-oldest
    /tmp/sphinx-oldest/bin/pip install "sphinx==7.0.*" "myst-parser==4.0.*" "docutils<0.21" "sphinx-rtd-theme<3.1"
    ZOOGEN_OLDEST_SPHINX_PYTHON=/tmp/sphinx-oldest/bin/python pytest tests/adopt/test_sphinx_versions.py

    (and ZOOGEN_OLD_SPHINX_PYTHON for one below the minimum: "sphinx==6.1.3" "docutils==0.18.1")
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sphinx
from html_reader import has_cjk, read_page
from sphinx.errors import ExtensionError

from zoogen.sphinx import MINIMUM_SPHINX, check_sphinx_version

ROOT = Path(__file__).resolve().parents[2]
MINIMUM = ".".join(map(str, MINIMUM_SPHINX))


def requirement_floor(name: str) -> tuple[int, ...]:
    pyproject = (ROOT / "pyproject.toml").read_text()
    spec = re.search(rf'^\s*"{re.escape(name)}\s*(>=[^"]*)"', pyproject, re.M).group(1)
    floor = tuple(int(part) for part in re.search(r">=\s*([\d.]+)", spec).group(1).split("."))
    return (floor + (0, 0))[:2]


def test_the_package_requires_the_minimum_the_extension_checks():
    assert requirement_floor("sphinx") == MINIMUM_SPHINX
    assert requirement_floor("myst-parser") == (4, 0)  # MyST-Parser 4.0 runs on sphinx>=7,<9


@pytest.mark.parametrize("version", [(6, 1, 3, "final", 0), (5, 3, 0, "final", 0)])
def test_below_the_minimum_one_error_names_both_versions(version):
    with pytest.raises(ExtensionError) as raised:
        check_sphinx_version(version)
    found = ".".join(map(str, version[:3]))
    assert str(raised.value).startswith(f"zoogen.sphinx needs Sphinx {MINIMUM} or newer; this is Sphinx {found}")


def test_this_sphinx_passes_the_check():
    check_sphinx_version(tuple(sphinx.version_info))


def _interpreter(variable: str, wanted: str) -> str:
    """The interpreter ``variable`` names, else this one when its Sphinx is ``wanted``; skip otherwise."""
    named = os.environ.get(variable)
    if named:
        return named
    if sphinx.__version__.startswith(wanted + ".") or sphinx.__version__ == wanted:
        return sys.executable
    pytest.skip(f"Sphinx {wanted} is not installed here (this is {sphinx.__version__}); set {variable} to a "
                f"Python that has it (CI's sphinx-versions workflow runs it)")


def _sphinx_of(python: str) -> str:
    return subprocess.run([python, "-c", "import sphinx; print(sphinx.__version__)"], capture_output=True,
                          text=True, check=True).stdout.strip()


def _example_site(tmp_path: Path) -> Path:
    """A project whose conf.py loads only zoogen.sphinx (it loads MyST itself) and the rpn example zoo."""
    shutil.copytree(ROOT / "examples" / "mmdet_v1_rpn", tmp_path / "zoo")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "conf.py").write_text('extensions = ["zoogen.sphinx"]\nzoogen_zoo = "../zoo"\nzoogen_results = ""\n'
                                  'html_theme = "sphinx_rtd_theme"\nlocale_dirs = []\ngettext_compact = False\n')
    return docs


def _build(python: str, docs: Path, output: Path, language: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([python, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                           "-D", f"language={language}", str(docs), str(output)],
                          capture_output=True, text=True, env=env)


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_oldest_supported_sphinx_builds_the_zoo(tmp_path: Path, language: str):
    python = _interpreter("ZOOGEN_OLDEST_SPHINX_PYTHON", MINIMUM)
    assert _sphinx_of(python).startswith(MINIMUM)
    docs = _example_site(tmp_path)
    done = _build(python, docs, tmp_path / "html", language)
    assert done.returncode == 0, done.stderr[-3000:]
    page = read_page(tmp_path / "html" / "methods" / "rpn.html")
    assert page.tables and any(has_cjk(cell) for cell in page.tables[0][0]) == (language == "zh_CN")


@pytest.mark.slow
def test_below_the_minimum_the_build_stops_at_setup_with_that_error(tmp_path: Path):
    python = os.environ.get("ZOOGEN_OLD_SPHINX_PYTHON")
    if not python:
        pytest.skip("no Sphinx below the minimum here; set ZOOGEN_OLD_SPHINX_PYTHON to a Python that has one")
    old = _sphinx_of(python)
    assert tuple(int(p) for p in old.split(".")[:2]) < MINIMUM_SPHINX
    done = _build(python, _example_site(tmp_path), tmp_path / "html", "en")
    assert done.returncode != 0
    assert f"zoogen.sphinx needs Sphinx {MINIMUM} or newer; this is Sphinx {old}" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
