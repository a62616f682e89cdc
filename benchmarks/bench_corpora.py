"""The family's corpora as their maintainers would meet zoogen (issue 14 §7): build times, MMPretrain's own
generator, ``zoogen serve``'s edit-to-browser time on MMPose, and the build's growth with zoo size.

    python3 benchmarks/bench_corpora.py                          # everything below
    python3 benchmarks/bench_corpora.py --only build stat        # some of: build stat serve scale
    python3 benchmarks/bench_corpora.py --only serve --repeat 5 --browser

- build: each corpus (``../shared/corpora/{mmpose,mmpretrain}``) copied to a temporary folder, ``zoogen init``,
  then ``zoogen build --lang en`` and ``--lang all`` there, each a new process timed from start to exit.
- stat: MMPretrain's own generator as its docs run it: ``docs/en/stat.py`` (it writes the summary page and one
  page per paper) followed by ``sphinx-build`` of those pages with the same theme as zoogen's (sphinx_rtd_theme,
  myst_parser with colon fences, sphinx_tabs for the papers' tabs); "all" runs it once per language. stat.py
  needs ``model-index``, ``tabulate``, ``markdown``, ``ordered-set`` and ``sphinx-tabs``; install them apart from
  the environment with ``pip install --target ~/.cache/zoogen/stat-deps --no-deps model-index tabulate markdown
  ordered-set sphinx-tabs`` (``--stat-deps`` names another folder). Printed: zoogen's time / the generator's.
- serve: ``zoogen serve --lang all`` on MMPose after ``init``; one metric value of a metafile is rewritten and
  the time is taken from the write until ``/_zoogen/version`` changes and the served method page shows the new
  value (HTTP, polled every 10 ms); with ``--browser`` also until a headless Chromium that has the page open
  shows it (the page's own reload script); and until the served all-models page shows it (the rebuild's second
  pass: the first builds the edited method page alone, in the language the browser watches).
- scale: ``bench_build.py --scale`` of ``--scale-zoo`` (default the bundled zoo) at 1x, 4x, 10x, ``--lang all``.

Timings are wall-clock medians of ``--repeat`` runs; the machine's other load makes them noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
CHECKOUT = [ROOT]  # the zoogen measured (--checkout): this one unless told
NAMES = ("mmpose", "mmpretrain")
STAT_DEPS = Path.home() / ".cache" / "zoogen" / "stat-deps"
VERSION_PATH = "/_zoogen/version"
METRIC = re.compile(r"(\n\s+Metrics:\n\s+[^:\n]+: )(\d+\.\d+)")
SERVE_METAFILE = "configs/body_2d_keypoint/rtmpose/coco/rtmpose_coco.yml"
SERVING = re.compile(r"serving (http://127\.0\.0\.1:\d+)/")

STAT_CONF = """
# MMPretrain's docs as far as the generated pages need them (docs/en/conf.py), with zoogen's theme.
project = "MMPretrain"
extensions = ["myst_parser", "sphinx_tabs.tabs"]
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
html_theme = "sphinx_rtd_theme"
language = {language!r}
suppress_warnings = ["myst.header", "myst.xref_missing"]
"""
STAT_INDEX = """
# MMPretrain

```{toctree}
:maxdepth: 1
:glob:

modelzoo_statistics
papers/*
```
"""


def env(*extra: Path) -> dict[str, str]:
    """This checkout's zoogen first on the path (and ``extra`` folders)."""
    paths = [str(CHECKOUT[0]), *map(str, extra), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}


def run(command: list[str], cwd: Path, environment: dict[str, str] | None = None) -> float:
    """Wall time of ``command`` (a new process); exits with its output when it fails."""
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=environment or env())
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        sys.exit(f"{' '.join(command)} failed in {cwd}:\n{(completed.stdout + completed.stderr)[-4000:]}")
    return seconds


def zoogen(*args: str) -> list[str]:
    return [sys.executable, "-m", "zoogen.cli", *args]


def adopted_copy(name: str, dest: Path) -> Path:
    """``name``'s corpus copied (writable) into ``dest`` and ``zoogen init``-ed, as a maintainer would."""
    source = CORPORA / name
    if not (source / "model-index.yml").is_file():
        sys.exit(f"no corpus at {source}")
    zoo = dest / name
    shutil.copytree(source, zoo)
    for path in [zoo, *zoo.rglob("*")]:  # the corpora are read-only
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    run(zoogen("init"), zoo)
    return zoo


def stat_runner(work: Path, deps: Path):
    """MMPretrain's ``stat.py`` + Sphinx for one language, as a function of the language (None: it cannot run)."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(deps),
                                                                              os.environ.get("PYTHONPATH")]))}
    probe = subprocess.run([sys.executable, "-c", "import modelindex, tabulate, sphinx_tabs"], env=environment,
                           capture_output=True, text=True)
    if probe.returncode != 0:
        print(f"stat: MMPretrain's generator cannot run ({probe.stderr.strip().splitlines()[-1]}); see --help")
        return None
    repo = work / "mmpretrain-stat"
    shutil.copytree(CORPORA / "mmpretrain", repo)
    for path in [repo, *repo.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)

    def one(language: str) -> float:
        docs = repo / "docs" / language
        docs.mkdir(parents=True, exist_ok=True)
        shutil.copy2(CORPORA / "mmpretrain" / "docs" / "en" / "stat.py", docs / "stat.py")
        shutil.rmtree(docs / "papers", ignore_errors=True)
        shutil.rmtree(docs / "_build", ignore_errors=True)
        (docs / "conf.py").write_text(textwrap.dedent(STAT_CONF.format(language=language)), encoding="utf-8")
        (docs / "index.md").write_text(STAT_INDEX, encoding="utf-8")
        generate = run([sys.executable, "stat.py"], docs, environment)
        sphinx = run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "auto", ".", "_build/html"], docs,
                     environment)
        return generate + sphinx

    return one


def report_builds(work: Path, repeat: int, deps: Path, only: set[str]) -> None:
    """The generator and zoogen's builds take turns, ``repeat`` rounds: a burst of load spreads over all."""
    generator = stat_runner(work, deps) if "stat" in only else None
    zoos = {name: adopted_copy(name, work / "build") for name in NAMES} if "build" in only else {}
    runs: dict[str, list[float]] = {}
    for _ in range(repeat):
        if generator:
            english, chinese = generator("en"), generator("zh_CN")
            runs.setdefault("stat en", []).append(english)
            runs.setdefault("stat all", []).append(english + chinese)
        for name, zoo in zoos.items():
            for label in ("en", "all"):
                runs.setdefault(f"{name} {label}", []).append(run(zoogen("build", "--lang", label), zoo))
    times = {key: statistics.median(values) for key, values in runs.items()}
    if generator:
        print(f"MMPretrain stat.py + sphinx-build      en {times['stat en']:7.2f} s   both languages "
              f"{times['stat all']:7.2f} s")
    for name in zoos:
        ratio = (f"   = {times[f'{name} en'] / times['stat en']:.2f}x / "
                 f"{times[f'{name} all'] / times['stat all']:.2f}x MMPretrain's generator") if generator else ""
        print(f"{name:<11} zoogen build --lang en {times[f'{name} en']:7.2f} s   --lang all "
              f"{times[f'{name} all']:7.2f} s{ratio}", flush=True)


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def _version(base: str) -> int:
    return int(json.loads(_get(base + VERSION_PATH))["version"])


def _page_of(html_root: Path, model: str) -> Path:
    """The English method page whose table names ``model`` (not the all-models page)."""
    for page in sorted((html_root / "en" / "methods").rglob("*.html")):
        if model in page.read_text(encoding="utf-8"):
            return page
    sys.exit(f"no served page names {model}")


def _wait_until(name: str, check, interval: float, seen: dict[str, float]) -> None:
    """Poll ``check`` every ``interval`` seconds; note in ``seen[name]`` when it first held."""
    while not check():
        time.sleep(interval)
    seen[name] = time.perf_counter()


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                            options=options)


def report_serve(work: Path, repeat: int, browser: bool) -> None:
    zoo = adopted_copy("mmpose", work / "serve")
    metafile = zoo / SERVE_METAFILE
    model = re.search(r"\n\s*-?\s*Name: (\S+)", metafile.read_text(encoding="utf-8").split("Models:", 1)[1])[1]
    server = subprocess.Popen(zoogen("serve", "--lang", "all", "--port", "0"), cwd=zoo, env=env(),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    driver = None
    try:
        started = time.perf_counter()
        for line in server.stdout:
            if found := SERVING.search(line):
                base = found[1]
                break
        else:
            sys.exit(f"zoogen serve ended: {server.wait()}")
        print(f"serve mmpose: first build and serving   {time.perf_counter() - started:7.2f} s")
        page = _page_of(zoo / "build" / ".zoogen-cache" / "serve" / "html", model)
        url = f"{base}/{page.relative_to(zoo / 'build' / '.zoogen-cache' / 'serve' / 'html').as_posix()}"
        if browser:
            driver = _browser()
            driver.get(url)
        models_url = f"{base}/en/models.html"
        served, shown, aggregated = [], [], []
        for number in range(repeat):
            text = metafile.read_text(encoding="utf-8")
            edited = METRIC.sub(lambda m, n=number: f"{m[1]}{n + 1}{m[2]}", text, count=1)
            version, before, models_before = _version(base), _get(url), _get(models_url)
            if driver is not None:
                driver.execute_script("window.zoogenBenchMark = 1;")  # gone once the page reloaded
            time.sleep(0.5)  # the watcher idle, as when a maintainer saves a file
            waits = {  # each polled in a thread of its own from the write on (the large page less often)
                "served": (lambda v=version, b=before: _version(base) != v and _get(url) != b, 0.01),
                "models": (lambda b=models_before: _get(models_url) != b, 0.05)}
            seen: dict[str, float] = {}
            threads = [threading.Thread(target=_wait_until, args=(name, *wait, seen)) for name, wait in waits.items()]
            written = time.perf_counter()
            metafile.write_text(edited, encoding="utf-8")
            for thread in threads:
                thread.start()
            if driver is not None:
                while driver.execute_script("return window.zoogenBenchMark === 1 || document.readyState "
                                            "!== 'complete';"):
                    time.sleep(0.01)
                shown.append(time.perf_counter() - written)
            for thread in threads:
                thread.join()
            served.append(seen["served"] - written)
            aggregated.append(seen["models"] - written)
            time.sleep(1.5)  # the browser's reload settles
        print(f"serve mmpose: edit to served page       {statistics.median(served):7.2f} s median of "
              f"{repeat} (min {min(served):.2f}, max {max(served):.2f}) [{SERVE_METAFILE}]")
        if shown:
            print(f"serve mmpose: edit to Chromium's page   {statistics.median(shown):7.2f} s median "
                  f"(min {min(shown):.2f}, max {max(shown):.2f})")
        print(f"serve mmpose: edit to all-models page   {statistics.median(aggregated):7.2f} s median "
              f"(min {min(aggregated):.2f}, max {max(aggregated):.2f}; served, the second pass)")
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(timeout=30)


def report_scale(zoo: Path, factors: list[int], repeat: int) -> None:
    command = [sys.executable, str(CHECKOUT[0] / "benchmarks" / "bench_build.py"), str(zoo), "--scale",
               *map(str, factors), "--lang", "all", "--repeat", str(repeat)]
    print(f"growth with zoo size ({' '.join(command[1:])}):", flush=True)
    subprocess.run(command, env=env(), check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=["build", "stat", "serve", "scale"],
                        default=["build", "stat", "serve", "scale"])
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure (median)")
    parser.add_argument("--browser", action="store_true", help="serve: also time a headless Chromium")
    parser.add_argument("--checkout", type=Path, default=ROOT,
                        help="the zoogen checkout to measure (another branch's worktree, for a before/after)")
    parser.add_argument("--stat-deps", type=Path, default=STAT_DEPS, help="where stat.py's packages are")
    parser.add_argument("--scale-zoo", type=Path, default=ROOT / "zoo_meta")
    parser.add_argument("--scale", type=int, nargs="*", default=[1, 4, 10], metavar="K")
    args = parser.parse_args()
    only = set(args.only)
    CHECKOUT[0] = args.checkout.resolve()
    print(f"zoogen from {CHECKOUT[0]}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    with tempfile.TemporaryDirectory(prefix="zoogen-corpora-") as tmp:
        work = Path(tmp)
        if only & {"build", "stat"}:
            report_builds(work, args.repeat, args.stat_deps, only)
        if "serve" in only:
            report_serve(work, args.repeat, args.browser)
    if "scale" in only:
        report_scale(args.scale_zoo, args.scale, args.repeat)


if __name__ == "__main__":
    main()
