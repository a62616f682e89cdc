"""Real sites for the security tests: a repository holding a zoo, a secret file outside it, two ways to build.

``zoogen build`` (the stand-alone site, warnings are errors) and ``sphinx-build`` on a host project's docs
that use the ``zoogen.sphinx`` extension (no ``-W``: what a page shows when a build goes on past a warning).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "mmdet_v1_rpn"

HOST_CONF = '''
project = "Our library"
extensions = ["myst_parser", "zoogen.sphinx"]
root_doc = "index"
html_theme = "alabaster"
locale_dirs = ["locale"]
gettext_compact = False
zoogen_zoo = "../zoo"
zoogen_pages_dir = "model_zoo"
'''
HOST_INDEX = """# Our library

The host's own page keeps the host's settings: <b class="host-html">raw HTML</b>.

```{toctree}
model_zoo/index
```
"""


@dataclass
class Repository:
    root: Path  # the repository (it has a .git folder)
    zoo: Path  # its zoo (a copy of examples/mmdet_v1_rpn)
    secret: Path  # a file outside the repository that no build may read
    secret_text: str

    @property
    def catalogs(self) -> Path:
        return self.zoo / "locales" / "zh_CN" / "LC_MESSAGES"

    def path_to_secret(self) -> str:
        """A relative path that reaches the secret from any folder (``../`` up to the root, then down)."""
        return "../" * 40 + str(self.secret.resolve()).lstrip("/")

    def add_to_zoo_yml(self, text: str) -> None:
        with (self.zoo / "zoo.yml").open("a", encoding="utf-8") as handle:
            handle.write("\n" + text)

    def translate(self, catalog: str, translations: dict[str, str]) -> dict[str, int]:
        """Set msgstrs of ``catalog`` (``methods/rpn``, ``index``, ``zoogen``), msgid -> msgstr (a msgid that
        is missing is added); returns each msgid's line in the saved file."""
        path = self.catalogs / f"{catalog}.po"
        po = polib.pofile(str(path))
        for msgid, msgstr in translations.items():
            entry = po.find(msgid)
            if entry is None:
                po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
            else:
                entry.msgstr = msgstr
                entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
        po.save(str(path))
        saved = polib.pofile(str(path))
        return {msgid: saved.find(msgid).linenum for msgid in translations}


def repository(tmp_path: Path) -> Repository:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    zoo = root / "zoo"
    shutil.copytree(EXAMPLE, zoo)
    secret = tmp_path / "secret.txt"
    text = f"SECRET-{uuid.uuid4().hex}"
    secret.write_text(text + "\n", encoding="utf-8")
    return Repository(root, zoo, secret, text)


def zoogen_build(repo: Repository, out: Path, language: str = "zh_CN") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zoogen.cli", "build", "--zoo", str(repo.zoo), "--lang", language,
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT)


def host_build(repo: Repository, out: Path, language: str = "zh_CN") -> subprocess.CompletedProcess[str]:
    """The repository's own docs (``docs/``, one page of its own) with the zoo's pages in ``model_zoo/``."""
    docs = repo.root / "docs"
    if not docs.is_dir():
        (docs / "locale").mkdir(parents=True)
        (docs / "conf.py").write_text(HOST_CONF, encoding="utf-8")
        (docs / "index.md").write_text(HOST_INDEX, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "sphinx", "-q", "-E", "-b", "html", "-D", f"language={language}",
                           str(docs), str(out)], capture_output=True, text=True, cwd=ROOT)


def everything_written(*folders: Path, suffixes: tuple[str, ...] = ()) -> str:
    """The text of every file below ``folders`` (pages, search index, sources, build state), or of those
    whose names end in one of ``suffixes``."""
    texts = []
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file() and (not suffixes or path.name.endswith(suffixes)):
                texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("script", "style") and self._hidden > 0

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def page_text(path: Path) -> str:
    """What a reader sees of a page: its text, entities decoded, whitespace collapsed."""
    reader = _Text()
    reader.feed(path.read_text(encoding="utf-8"))
    return " ".join("".join(reader.parts).split())


def readthedocs_build(repo: Repository, out: Path, language: str = "zh_CN") -> subprocess.CompletedProcess[str]:
    """The stand-alone configuration run by plain ``sphinx-build`` without ``-W`` (as Read the Docs may)."""
    source = out.parent / f"{out.name}-src"
    source.mkdir(parents=True, exist_ok=True)
    return subprocess.run([sys.executable, "-m", "sphinx", "-q", "-E", "-b", "html", "-c",
                           str(ROOT / "zoogen" / "site" / "standalone"), "-D", f"language={language}",
                           "-D", f"zoogen_zoo={repo.zoo}", str(source), str(out)],
                          capture_output=True, text=True, cwd=ROOT)
