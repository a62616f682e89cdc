"""Headless Chromium (Debian's chromium + chromedriver, driven by Selenium) over the built sites.

The bundled zoo and both example zoos are built once per session with ``zoogen build --lang all``; one example
zoo is also built with the furo theme through a ``conf.py`` of its own that loads ``zoogen.sphinx``. The
family's corpora (``../shared/corpora/{mmpose,mmpretrain}``) are built only when a test asks for them, once per
session each: copied, ``zoogen init``, ``zoogen build --lang all``, as a maintainer would. Everything is served by
one ``http.server`` on 127.0.0.1. Set up with ``bash tools/setup-browser.sh``.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTEFACTS = ROOT / "build" / "test-artefacts"
SCREENSHOTS = ARTEFACTS / "screenshots"
DESKTOP = (1400, 1000)
PHONE = (390, 844)

ZOOS = {"bundled": ROOT / "zoo_meta", "mmdet_v1_rpn": ROOT / "examples" / "mmdet_v1_rpn",
        "paddledetection": ROOT / "examples" / "paddledetection"}
FURO_ZOO = "paddledetection"
CORPORA = ROOT.parent / "shared" / "corpora"
CORPUS_NAMES = ("mmpose", "mmpretrain")


@dataclass(frozen=True)
class Site:
    """One built zoo: ``<served root>/<name>/<language>/...``."""

    name: str
    zoo: Path
    folder: Path
    base_url: str  # http://127.0.0.1:<port>/<name>/

    def url(self, language: str, page: str) -> str:
        return f"{self.base_url}{language}/{page}"


def _zoogen(*args: str, cwd: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    completed = subprocess.run([sys.executable, "-m", "zoogen.cli", *args], capture_output=True, text=True, cwd=cwd,
                               env=environment)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def _adopted_corpus(name: str, served_root: Path) -> Path:
    """The corpus ``name`` copied below ``served_root``, ``zoogen init``-ed and built in both languages (into its
    own ``build/html``); the copy's folder."""
    source = CORPORA / name
    if not (source / "model-index.yml").is_file():
        pytest.skip(f"{source} is not beside the checkout")
    zoo = served_root / "corpora" / name
    if (zoo / "build" / "html" / "zh_CN" / "index.html").is_file():
        return zoo
    shutil.rmtree(zoo, ignore_errors=True)
    shutil.copytree(source, zoo, ignore=shutil.ignore_patterns("docs"))
    for path in [zoo, *zoo.rglob("*")]:  # the corpora are read-only
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    _zoogen("init", cwd=zoo)
    _zoogen("build", "--lang", "all", cwd=zoo)
    return zoo


def _zoogen_build(zoo: Path, out: Path) -> None:
    completed = subprocess.run([sys.executable, "-m", "zoogen.cli", "build", "--zoo", str(zoo), "--lang", "all",
                                "--out", str(out), "--strict"], capture_output=True, text=True, cwd=ROOT)
    assert completed.returncode == 0, completed.stderr


FURO_CONF = """
# A project's own Sphinx configuration with another theme: the zoo through the public extension.
extensions = ["myst_parser", "zoogen.sphinx"]
project = "PaddleDetection docs"
html_theme = "furo"
zoogen_zoo = {zoo!r}
zoogen_results = ""
locale_dirs = []
gettext_compact = False
myst_enable_extensions = ["attrs_block"]
myst_heading_anchors = 3
smartquotes = False
"""


def _furo_build(zoo: Path, out: Path, work: Path) -> None:
    conf_dir = work / "furo-conf"
    conf_dir.mkdir(parents=True)
    (conf_dir / "conf.py").write_text(textwrap.dedent(FURO_CONF.format(zoo=str(zoo))), encoding="utf-8")
    for language in ("en", "zh_CN"):
        source = work / f"furo-src-{language}"
        source.mkdir()
        command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", "-c", str(conf_dir),
                   "-d", str(work / f"furo-doctrees-{language}"), "-D", f"language={language}",
                   str(source), str(out / language)]
        completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        assert completed.returncode == 0, completed.stderr + completed.stdout


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="session")
def served_root() -> Iterator[Path]:
    """A fresh folder; ``ZOOGEN_BROWSER_SITES=<folder>`` keeps the builds there and reuses them (while
    working on the tests only: a reused build is not rebuilt when the code changes)."""
    kept = os.environ.get("ZOOGEN_BROWSER_SITES")
    if kept:
        Path(kept).mkdir(parents=True, exist_ok=True)
        yield Path(kept)
        return
    with tempfile.TemporaryDirectory(prefix="zoogen-browser-") as folder:
        yield Path(folder)


@pytest.fixture(scope="session")
def server(served_root: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(served_root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class _Sites(dict):
    """The built sites by name; a corpus (``mmpose``, ``mmpretrain``) is built the first time it is asked for."""

    def __init__(self, served_root: Path, server: str) -> None:
        super().__init__()
        self.served_root, self.server = served_root, server

    def __missing__(self, name: str) -> Site:
        if name not in CORPUS_NAMES:
            raise KeyError(name)
        zoo = _adopted_corpus(name, self.served_root)
        site = Site(name, zoo, zoo / "build" / "html", f"{self.server}corpora/{name}/build/html/")
        self[name] = site
        return site


@pytest.fixture(scope="session")
def sites(served_root: Path, server: str) -> dict[str, Site]:
    """Every zoo built once, in both languages (and one example zoo with furo); the corpora when first used."""
    built = _Sites(served_root, server)
    for name, zoo in ZOOS.items():
        if not (served_root / name / "zh_CN" / "index.html").is_file():
            _zoogen_build(zoo, served_root / name)
        built[name] = Site(name, zoo, served_root / name, f"{server}{name}/")
    furo = served_root / "furo"
    if not (furo / "zh_CN" / "index.html").is_file():
        shutil.rmtree(served_root / ".work", ignore_errors=True)
        _furo_build(ZOOS[FURO_ZOO], furo, served_root / ".work")
    built["furo"] = Site("furo", ZOOS[FURO_ZOO], furo, f"{server}furo/")
    return built


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("Chromium and chromedriver are not installed: run `bash tools/setup-browser.sh`")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
                 f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {SCREENSHOTS}")
    return SCREENSHOTS
