"""The package as users get it: a wheel, installed (not editable) into a fresh venv, used outside the checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from html_reader import has_cjk, read_page

import zoogen

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def tracked_copy(destination: Path) -> Path:
    """What a clone holds: the files git tracks (no build folders, no egg-info)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    for name in filter(None, files.stdout.split("\0")):
        if (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)
    return destination


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the wheel, the venv's bin folder)."""
    work = tmp_path_factory.mktemp("wheel")
    source = tracked_copy(work / "source")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(work / "dist"), str(source)], check=True)
    wheel = next((work / "dist").glob("zoogen-*.whl"))
    venv.create(work / "venv", with_pip=True)
    bin_dir = work / "venv" / "bin"
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    str(wheel)], check=True)
    return wheel, bin_dir


def test_wheel_ships_templates_configuration_and_metadata(installed: tuple[Path, Path]):
    wheel, _ = installed
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = Parser().parsestr(archive.read(f"zoogen-{zoogen.__version__}.dist-info/METADATA").decode())
    for needed in ("zoogen/templates/method.md.j2", "zoogen/site/standalone/conf.py", "zoogen/registry.yml",
                   "zoogen/site/static/zoo-table.js", "zoogen/site/templates/layout.html", "zoogen/sphinx.py"):
        assert needed in names
    assert not any(name.startswith(("tests/", "zoo_meta/", "conf.py")) for name in names)
    assert metadata["Version"] == zoogen.__version__
    assert metadata["License-Expression"] == "Apache-2.0"
    assert f"zoogen-{zoogen.__version__}.dist-info/licenses/LICENSE" in names
    assert metadata["Requires-Python"] and metadata.get_all("Project-URL")
    assert any("Programming Language :: Python :: 3.11" in c for c in metadata.get_all("Classifier"))


def test_installed_zoogen_builds_zoos_outside_the_checkout(installed: tuple[Path, Path], tmp_path: Path):
    _, bin_dir = installed
    version = subprocess.run([str(bin_dir / "zoogen"), "--version"], capture_output=True, text=True, check=True)
    assert zoogen.__version__ in version.stdout
    shutil.copytree(ROOT / "zoo_meta", tmp_path / "zoo_meta")
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    for zoo in ("zoo_meta", "examples/mmdet_v1_rpn", "examples/paddledetection"):
        out = tmp_path / "out" / zoo
        done = subprocess.run([str(bin_dir / "zoogen"), "build", "--zoo", zoo, "--lang", "all", "--out", str(out)],
                              cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        for language in ("en", "zh_CN"):
            index = read_page(out / language / "index.html")
            h1 = next(text for tag, text in index.headings if tag == "h1")
            assert has_cjk(h1) == (language == "zh_CN"), (zoo, language, h1)
            assert (out / language / "_static" / "zoo-table.js").is_file()
    faster = read_page(tmp_path / "out" / "zoo_meta" / "en" / "methods" / "faster_rcnn.html")
    assert any("faster_rcnn_r50_fpn_1x_coco" in cell for row in faster.tables[0] for cell in row)
