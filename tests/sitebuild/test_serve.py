"""``zoogen serve`` for real: a process on a free port of 127.0.0.1, pages fetched over HTTP, a metafile edited."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
METHOD = "retinanet"


def small_zoo(tmp_path: Path) -> Path:
    """One method of the bundled zoo, in a folder of its own."""
    zoo = tmp_path / "zoo"
    (zoo / METHOD).mkdir(parents=True)
    shutil.copy2(ROOT / "zoo_meta" / METHOD / "metafile.yml", zoo / METHOD / "metafile.yml")
    (zoo / "model-index.yml").write_text(f"Import:\n  - {METHOD}/metafile.yml\n", encoding="utf-8")
    return zoo


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def start_serve(zoo: Path, tmp_path: Path, log: Path) -> subprocess.Popen:
    """``zoogen serve`` of ``zoo`` on a free port, its output in ``log``."""
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "zoogen.cli", "serve", "--zoo", str(zoo), "--lang", "all", "--port", "0",
             "--workdir", str(tmp_path / "work"), "--results", str(tmp_path / "no-results")],
            stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)


def wait_for(condition, timeout: float, what: str, process: subprocess.Popen) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"zoogen serve exited ({process.returncode}) while waiting for {what}")
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    tmp_path = tmp_path_factory.mktemp("serve")
    zoo = small_zoo(tmp_path)
    log = tmp_path / "serve.log"
    process = start_serve(zoo, tmp_path, log)
    try:
        url = wait_for(lambda: re.search(r"http://127\.0\.0\.1:\d+", log.read_text()), 240,
                       "the first build", process)
        yield zoo, url.group(0), process, tmp_path / "work"
    finally:
        process.terminate()
        process.wait(timeout=30)


TOKEN = re.compile(r'var page = "([^"]+)", token = "([^"]+)"')


def page_token(html: str) -> tuple[str, str]:
    """The page name and token that a served page's reload script asks about."""
    found = TOKEN.search(html)
    assert found, "no reload script in the page"
    return found[1], found[2]


def ask_in_background(base: str, page: str, token: str) -> tuple[threading.Thread, dict]:
    """The question a page's script asks (``has page changed since token?``), in a thread; its answer lands in
    the returned dict."""
    answer: dict = {}

    def ask() -> None:
        query = urllib.parse.urlencode({"page": page, "token": token})
        answer.update(json.loads(fetch(f"{base}/_zoogen/version?{query}")))

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    return thread, answer


@pytest.mark.slow
def test_serve_rebuilds_on_a_metafile_edit_and_tells_the_browser(served):
    zoo, base, process, work = served
    page = f"{base}/en/methods/{METHOD}.html"
    html = fetch(page)
    assert "36.5" in html and "99.1" not in html
    assert "/_zoogen/version" in html  # the reload script is injected
    state = json.loads(fetch(f"{base}/_zoogen/version"))
    assert state["pending"] is False and state["error"] is None
    tokens = {name: page_token(fetch(f"{base}/en/{name}")) for name in (f"methods/{METHOD}.html", "models.html")}
    questions = {name: ask_in_background(base, *token) for name, token in tokens.items()}
    time.sleep(1.0)
    assert not any(thread.join(0) or answer for thread, answer in questions.values())  # held: nothing changed

    metafile = zoo / METHOD / "metafile.yml"
    text = metafile.read_text(encoding="utf-8")
    assert text.count("box AP: 36.5") == 1
    metafile.write_text(text.replace("box AP: 36.5", "box AP: 99.1"), encoding="utf-8")

    # each page's question is answered once that page was rebuilt: the answer's token differs, and the page
    # then shows the new number (the method page in a first pass, the all-models page after the second)
    for name, (thread, answer) in questions.items():
        thread.join(120)
        assert answer and answer["token"] != tokens[name][1], name
        assert "99.1" in fetch(f"{base}/en/{name}"), name
    wait_for(lambda: (s := json.loads(fetch(f"{base}/_zoogen/version")))["version"] > state["version"]
             and not s["pending"], 120, "both passes of the rebuild", process)
    for language in ("en", "zh_CN"):
        assert "99.1" in fetch(f"{base}/{language}/methods/{METHOD}.html"), language
        assert "99.1" in fetch(f"{base}/{language}/models.html"), language


@pytest.mark.slow
def test_serve_keeps_build_state_private(served):
    _, base, _, work = served
    assert (work / "html" / "en" / "index.html").is_file()
    for hidden in ("/en/.buildinfo", "/en/.doctrees/environment.pickle", "/../src/index.md"):
        with pytest.raises(urllib.error.HTTPError) as error:
            fetch(base + hidden)
        assert error.value.code == 404
    assert not list((work / "html").rglob(".doctrees"))


@pytest.mark.slow
def test_pages_are_never_cached_and_checksummed_static_files_are(served):
    _, base, _, _ = served
    with urllib.request.urlopen(f"{base}/en/methods/{METHOD}.html", timeout=10) as response:
        assert response.headers["Cache-Control"] == "no-store"
        html = response.read().decode("utf-8")
    static = re.findall(r'(?:href|src)="(?:\.\./)*(_static/[^"?]+)\?v=([0-9a-f]+)"', html)
    assert static
    for path, checksum in static:
        with urllib.request.urlopen(f"{base}/en/{path}?v={checksum}", timeout=10) as response:
            assert response.headers["Cache-Control"].startswith("max-age="), path
    with urllib.request.urlopen(f"{base}/en/{static[0][0]}", timeout=10) as response:  # no checksum: asked again
        assert response.headers["Cache-Control"] is None


def test_the_reload_script_holds_its_page_name_as_text():
    from zoogen.site.serve import reload_script

    script = reload_script('en/methods/a</script><img src=x onerror=alert(1)>TOKEN.html', "3.1")
    assert script.count("</script>") == 1 and "<img" not in script
    assert 'token = "3.1"' in script  # the name's TOKEN stays part of the name
    assert '"/en/methods/a\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003eTOKEN.html"' in script


def test_what_each_changed_file_sets_off(tmp_path: Path):
    from zoogen.site.serve import PAGE_TEMPLATES_DIR, SITE_PACKAGE_DIR, change_kind

    locales = tmp_path / "locales"
    assert change_kind(tmp_path / "zoo" / METHOD / "metafile.yml", locales) == "rebuild"
    assert change_kind(tmp_path / "zoo" / "zoo.yml", locales) == "rebuild"
    assert change_kind(PAGE_TEMPLATES_DIR / "method.md.j2", locales) == "rebuild"
    assert change_kind(locales / "zh_CN" / "LC_MESSAGES" / "index.po", locales) == "restart"
    assert change_kind(locales / "zh_CN" / "LC_MESSAGES" / "index.mo", locales) is None  # Sphinx writes it
    assert change_kind(SITE_PACKAGE_DIR / "templates" / "layout.html", locales) == "restart"
    assert change_kind(SITE_PACKAGE_DIR / "static" / "zoogen.css", locales) == "restart"
    assert change_kind(SITE_PACKAGE_DIR / "serve.py", locales) is None
    assert change_kind(tmp_path / "zoo" / "notes.txt", locales) is None


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGKILL"])
def test_no_language_process_outlives_the_server(tmp_path: Path, signal_name: str):
    import signal

    log = tmp_path / "serve.log"
    process = start_serve(small_zoo(tmp_path), tmp_path, log)
    try:
        wait_for(lambda: "serving http://127.0.0.1" in log.read_text(), 240, "the first build", process)
        workers = _children(process.pid)
        assert len(workers) >= 2  # one Sphinx process per language
        process.send_signal(getattr(signal, signal_name))
        process.wait(timeout=30)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
            time.sleep(0.2)
        assert not [pid for pid in workers if _alive(pid)], log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
