"""The ``zoogen.sphinx`` extension inside a project's existing Sphinx docs, in each language."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sphinx
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
# The host publishes both languages (as OpenMMLab's docs/en and docs/zh_CN): the zoo's pages link across.
BOTH_LANGUAGES = 'zoogen_languages = ["en", "zh_CN"]\n'
SWITCH = re.compile(r'class="zoogen-lang-switch"|<link rel="alternate"[^>]*data-zoogen-lang')

INDEX = '''# Our library

Some text of the library's own.

```{toctree}
get_started
model_zoo/index
```
'''


def existing_docs(tmp_path: Path, extra_conf: str = "") -> Path:
    """A project with docs of its own (two pages, a catalog of its own) and a zoo beside them. Its MyST
    settings are MyST's defaults (no ``attrs_block``), as in OpenMMLab's own ``conf.py`` files."""
    shutil.copytree(ROOT / "examples" / "mmdet_v1_rpn", tmp_path / "zoo")
    docs = tmp_path / "docs"
    (docs / "locale" / "zh_CN" / "LC_MESSAGES").mkdir(parents=True)
    (docs / "conf.py").write_text(CONF + extra_conf)
    (docs / "index.md").write_text(INDEX)
    (docs / "get_started.md").write_text("# Get started\n\nInstall it.\n")
    (docs / "locale" / "zh_CN" / "LC_MESSAGES" / "get_started.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Get started"\nmsgstr "开始使用"\n', encoding="utf-8")
    return docs


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_zoo_pages_inside_an_existing_site(tmp_path: Path, language: str):
    docs = existing_docs(tmp_path, BOTH_LANGUAGES)
    output = tmp_path / "html"
    done = sphinx_build(docs, output, language)
    assert done.returncode == 0, done.stderr[-3000:]
    own = read_page(output / "get_started.html")
    assert ("开始使用" in [text for _, text in own.headings]) == (language == "zh_CN")  # its own catalog still works
    zoo_index = read_page(output / "model_zoo" / "index.html")
    assert zoo_index.headings, "the zoo's overview is missing"
    method = output / "model_zoo" / "methods" / "rpn.html"
    header = read_page(method).tables[0][0]
    assert any(has_cjk(cell) for cell in header) == (language == "zh_CN"), header
    assert "model_zoo/index.html" in read_page(output / "index.html").links


def sphinx_build(docs: Path, output: Path, language: str = "en", *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sphinx", *options, "-q", "-b", "html", "-D", f"language={language}",
                           str(docs), str(output)], capture_output=True, text=True)


def switch_links(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    nav = re.search(r'<nav class="zoogen-lang-switch".*?</nav>', text, re.S)
    return re.findall(r'href="([^"]+)"', nav.group(0)) if nav else []


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_switch_only_on_the_zoos_pages_of_a_two_language_host(tmp_path: Path, language: str):
    docs = existing_docs(tmp_path, BOTH_LANGUAGES)
    output = tmp_path / "html"
    done = sphinx_build(docs, output, language, "-W", "--keep-going")
    assert done.returncode == 0, done.stderr[-3000:]
    for own in ("index.html", "get_started.html", "search.html", "genindex.html"):
        assert not SWITCH.search((output / own).read_text(encoding="utf-8")), f"a switch on the host's {own}"
    other = {"en": "zh_CN", "zh_CN": "en"}[language]
    assert switch_links(output / "model_zoo" / "methods" / "rpn.html") == [
        f"../../../{other}/model_zoo/methods/rpn.html"]
    assert switch_links(output / "model_zoo" / "index.html") == [f"../../{other}/model_zoo/index.html"]


def test_one_language_host_has_no_switch_and_no_literal_attributes(tmp_path: Path):
    docs = existing_docs(tmp_path)  # neither zoogen_languages nor attrs_block in its conf.py
    output = tmp_path / "html"
    done = sphinx_build(docs, output, "en", "-W", "--keep-going")
    assert done.returncode == 0, done.stderr[-3000:]
    pages = sorted(output.rglob("*.html"))
    assert any("model_zoo" in page.parts for page in pages)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "{.zoo-" not in text, f"{page}: MyST attributes shown as text"
        assert not SWITCH.search(text), f"{page}: a language switch where only one language is built"
    assert 'class="zoo-data' in (output / "model_zoo" / "methods" / "rpn.html").read_text(encoding="utf-8")


def _zoo_with_a_warning(docs: Path) -> tuple[Path, int]:
    """The zoo's metafile with an unknown top-level key (a warning of zoogen's, at that line)."""
    metafile = docs.parent / "zoo" / "rpn" / "metafile.yml"
    lines = metafile.read_text(encoding="utf-8").splitlines()
    metafile.write_text("\n".join(["Maintainers: someone", *lines]) + "\n", encoding="utf-8")
    return metafile, 1


def test_zoo_warnings_reach_sphinx_and_fail_under_w(tmp_path: Path):
    docs = existing_docs(tmp_path)
    metafile, line = _zoo_with_a_warning(docs)
    strict = sphinx_build(docs, tmp_path / "strict", "en", "-W", "--keep-going")
    assert strict.returncode != 0
    assert f"{metafile}:{line}: WARNING:" in strict.stderr and "unknown top-level key 'Maintainers'" in strict.stderr
    if sphinx.version_info >= (7, 3):  # Sphinx names a warning's type from 7.3 on
        assert "[zoogen.zoo]" in strict.stderr, strict.stderr[-2000:]
    lenient = sphinx_build(docs, tmp_path / "lenient", "en")
    assert lenient.returncode == 0 and "unknown top-level key 'Maintainers'" in lenient.stderr
    (docs / "conf.py").write_text((docs / "conf.py").read_text() + 'suppress_warnings = ["zoogen"]\n')
    suppressed = sphinx_build(docs, tmp_path / "suppressed", "en", "-W", "--keep-going")
    assert suppressed.returncode == 0, suppressed.stderr[-3000:]
