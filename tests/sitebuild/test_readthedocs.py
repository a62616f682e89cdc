"""Read the Docs builds the repository with its own sphinx-build command, once per language project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from html_reader import has_cjk, read_page

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def checkout_copy(tmp_path: Path) -> Path:
    """What Read the Docs clones: the files git tracks."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    copy = tmp_path / "checkout"
    for name in filter(None, files.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    return copy


def test_readthedocs_config_points_at_conf_py():
    config = yaml.safe_load((ROOT / ".readthedocs.yaml").read_text())
    assert config["version"] == 2 and config["sphinx"]["configuration"] == "conf.py"
    assert config["sphinx"]["fail_on_warning"] is True


# Read the Docs' own environment for the English project and its Simplified Chinese translation (served at
# /zh-cn/<version>/ since 2023), and the language it passes to sphinx-build.
READTHEDOCS_LANGUAGES = {"en": "en", "zh-cn": "zh_CN"}


@pytest.mark.parametrize("readthedocs_language", list(READTHEDOCS_LANGUAGES))
def test_readthedocs_sphinx_build_command(tmp_path: Path, readthedocs_language: str):
    language = READTHEDOCS_LANGUAGES[readthedocs_language]
    checkout = checkout_copy(tmp_path)
    output = tmp_path / "readthedocs_output"
    env = {**os.environ, "READTHEDOCS": "True", "READTHEDOCS_LANGUAGE": readthedocs_language,
           "READTHEDOCS_VERSION": "latest", "READTHEDOCS_OUTPUT": str(output),
           "READTHEDOCS_CANONICAL_URL": f"https://zoogen.readthedocs.io/{readthedocs_language}/latest/"}
    env.pop("ZOOGEN_ZOO", None)
    # The command Read the Docs runs for a Sphinx project (build.jobs are not used here).
    command = [sys.executable, "-m", "sphinx", "-T", "-W", "--keep-going", "-b", "html", "-d", "_build/doctrees",
               "-D", f"language={language}", ".", str(output / "html")]
    result = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    index = output / "html" / "index.html"
    headings = [text for tag, text in read_page(index).headings if tag == "h1"]
    assert has_cjk(headings[0]) == (language == "zh_CN")
    method = output / "html" / "methods" / "faster_rcnn.html"
    text = method.read_text(encoding="utf-8")
    assert f'<html class="writer-html5" lang="{"zh-CN" if language == "zh_CN" else "en"}"' in text
    other = "en" if readthedocs_language == "zh-cn" else "zh-cn"
    switch = f"https://zoogen.readthedocs.io/{other}/latest/methods/faster_rcnn.html"  # straight, no redirect
    assert switch in read_page(method).links
    assert f'hreflang="{"en" if other == "en" else "zh-CN"}"' in text and "/zh_CN/" not in text

