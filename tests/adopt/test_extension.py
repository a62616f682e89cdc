"""The ``zoogen.sphinx`` extension inside a project's existing Sphinx docs, in each language."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from html_reader import has_cjk, read_page

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

CONF = '''
project = "Our library"
extensions = ["myst_parser", "zoogen.sphinx"]
root_doc = "index"
html_theme = "alabaster"
language = "en"
locale_dirs = ["locale"]
gettext_compact = False
zoogen_zoo = "../zoo"
zoogen_pages_dir = "model_zoo"
'''

INDEX = '''# Our library

Some text of the library's own.

```{toctree}
get_started
model_zoo/index
```
'''


def existing_docs(tmp_path: Path) -> Path:
    """A project with docs of its own (two pages, a catalog of its own) and a zoo beside them."""
    shutil.copytree(ROOT / "examples" / "mmdet_v1_rpn", tmp_path / "zoo")
    docs = tmp_path / "docs"
    (docs / "locale" / "zh_CN" / "LC_MESSAGES").mkdir(parents=True)
    (docs / "conf.py").write_text(CONF)
    (docs / "index.md").write_text(INDEX)
    (docs / "get_started.md").write_text("# Get started\n\nInstall it.\n")
    (docs / "locale" / "zh_CN" / "LC_MESSAGES" / "get_started.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Get started"\nmsgstr "开始使用"\n', encoding="utf-8")
    return docs


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_zoo_pages_inside_an_existing_site(tmp_path: Path, language: str):
    docs = existing_docs(tmp_path)
    output = tmp_path / "html"
    done = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                           "-D", f"language={language}", str(docs), str(output)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    own = read_page(output / "get_started.html")
    assert ("开始使用" in [text for _, text in own.headings]) == (language == "zh_CN")  # its own catalog still works
    zoo_index = read_page(output / "model_zoo" / "index.html")
    assert zoo_index.headings, "the zoo's overview is missing"
    method = output / "model_zoo" / "methods" / "rpn.html"
    header = read_page(method).tables[0][0]
    assert any(has_cjk(cell) for cell in header) == (language == "zh_CN"), header
    assert "model_zoo/index.html" in read_page(output / "index.html").links
