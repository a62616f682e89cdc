"""Build speed: parse, page generation, Sphinx build per language and ``--lang all``, zoo-size scaling, rebuilds.

    python benchmarks/bench_build.py zoo_meta                       # parse, generate, en / zh_CN / all, sizes
    python benchmarks/bench_build.py zoo_meta --scale 1 4 10        # the same zoo repeated K times
    python benchmarks/bench_build.py zoo_meta --rebuild             # zoogen serve: one edited metafile
    python benchmarks/bench_build.py ../shared/corpora/mmdetection/model-index.yml --repeat 3

``--scale K`` copies every metafile K times under new method folders, model names and collection names
(``faster_rcnn_x2/metafile.yml``, ``faster_rcnn_r50_fpn_1x_coco_x2``), with the zoo's ``zoo.yml`` and
catalogs extended to match, in a temporary folder. Targets (issue 9): the 10x zoo builds in at most 10x the
1x time; ``--lang all`` takes at most 1.3x ``--lang en``; a rebuild after one metafile edit takes at most
20% of a full build. Each build is ``zoogen build`` in a new process, timed from start to exit (as a reader
meets it); timings are wall-clock medians of ``--repeat`` runs; CPU contention makes them noisy.
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from zoogen.meta import load_zoo
from zoogen.meta.keys import fold
from zoogen.meta.registry import load_registry
from zoogen.render import render_pages
from zoogen.site.build import build_site
from zoogen.site.languages import LANGUAGES

INDEX = "model-index.yml"
FIRST_METRIC = re.compile(r"(\n\s+Metrics:\n\s+[^:\n]+: )(\d+(?:\.\d+)?)")  # the edit --rebuild makes
ZOO_INFO = "zoo.yml"


def timed(step: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time of ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def child_cpu_seconds() -> float:
    """CPU time of this process's finished children (each ``zoogen build`` and the processes it forked)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def run_build(zoo: Path, out: Path, label: str) -> tuple[float, float, str]:
    """``zoogen build --lang <label>`` as a reader runs it, in a new process: wall, CPU and its output."""
    command = [sys.executable, "-m", "zoogen.cli", "build", "--lang", label, "--zoo", str(zoo),
               "--out", str(out), "--results", str(out / "no-results")]
    wall, cpu = time.perf_counter(), child_cpu_seconds()
    completed = subprocess.run(command, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - wall, child_cpu_seconds() - cpu
    if completed.returncode != 0:
        sys.exit(f"zoogen build --lang {label} failed:\n{completed.stderr.strip()}")
    return wall, cpu, completed.stdout


def index_path(zoo: Path) -> Path:
    return zoo if zoo.is_file() else zoo / INDEX


def _renamed(metafile: dict, suffix: str) -> dict:
    """The metafile's collections and models under new names (``<name><suffix>``)."""
    for section in ("Collections", "Models"):
        for entry in metafile.get(section) or []:
            for key in list(entry):
                if fold(str(key)) in ("name", "in collection") and isinstance(entry[key], str):
                    entry[key] += suffix
                elif fold(str(key)) == "alias" and isinstance(entry[key], list):
                    entry[key] = [f"{alias}{suffix}" for alias in entry[key]]
    return metafile


def scaled_zoo(zoo: Path, copies: int, dest: Path) -> Path:
    """``zoo`` with every metafile repeated ``copies`` times under new names; returns the new index."""
    index = index_path(zoo)
    root = index.parent
    patterns = (yaml.safe_load(index.read_text(encoding="utf-8")) or {}).get("Import") or []
    metafiles = sorted({path for pattern in patterns for path in root.glob(pattern) if path.is_file()})
    imports, method_ids = [], []
    for copy in range(1, copies + 1):
        suffix = "" if copy == 1 else f"_x{copy}"
        for metafile in metafiles:
            relative = metafile.relative_to(root)
            method = relative.parent
            target = method.with_name(method.name + suffix) / relative.name
            data = _renamed(yaml.safe_load(metafile.read_text(encoding="utf-8")) or {}, suffix)
            (dest / target).parent.mkdir(parents=True, exist_ok=True)
            (dest / target).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
            imports.append(target.as_posix())
            method_ids.append((method.name, suffix))
    (dest / INDEX).write_text(yaml.safe_dump({"Import": imports}, sort_keys=False), encoding="utf-8")
    if (root / ZOO_INFO).is_file():
        _scaled_zoo_info(root, dest, copies)
    return dest / INDEX


def _scaled_zoo_info(root: Path, dest: Path, copies: int) -> None:
    info = yaml.safe_load((root / ZOO_INFO).read_text(encoding="utf-8")) or {}
    methods = info.get("methods") or []
    info["methods"] = [
        {**method, "id": f"{method['id']}{suffix}", "title": f"{method.get('title') or method['id']}{title}"}
        for copy in range(1, copies + 1)
        for suffix, title in [("", "") if copy == 1 else (f"_x{copy}", f" x{copy}")]
        for method in methods
    ]
    locales = (root / (info.get("locale_dir") or "locales")).resolve()
    if locales.is_dir():  # each copy's method page gets the original's catalog
        shutil.copytree(locales, dest / "locales", ignore=shutil.ignore_patterns("*.mo"))
        for catalog in list((dest / "locales").glob("*/LC_MESSAGES/methods/*.po")):
            for copy in range(2, copies + 1):
                shutil.copy2(catalog, catalog.with_name(f"{catalog.stem}_x{copy}.po"))
        info["locale_dir"] = "locales"
    (dest / ZOO_INFO).write_text(yaml.safe_dump(info, allow_unicode=True, sort_keys=False), encoding="utf-8")


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@contextmanager
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="zoogen-bench-") as tmp:
        yield Path(tmp)


def build_times(zoo: Path, repeat: int,
                labels: tuple[str, ...] = (*LANGUAGES, "all")) -> dict[str, tuple[float, float]]:
    """Median wall and CPU time of ``zoogen build`` (a new process each time, as a reader runs it) for each
    language alone and for all languages together; the labels take turns, so a burst of load on the machine
    spreads over all of them."""
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label in labels}
    with scratch() as out:
        for _ in range(repeat):
            for label in labels:
                wall, cpu, output = run_build(zoo, out / "html", label)
                runs[label].append((wall, cpu))
                if label == "all":  # where the time went: each language's Sphinx build, in parallel
                    sphinx = re.findall(r"^(\S+): .* \((\d+\.\d+ s)\)$", output, re.MULTILINE)
                    print(f"    one --lang all build ({wall:.2f} s): Sphinx "
                          + ", ".join(f"{language} {seconds}" for language, seconds in sphinx) + " in parallel")
    return {label: (statistics.median(w for w, _ in times), statistics.median(c for _, c in times))
            for label, times in runs.items()}


def published_sizes(zoo: Path) -> None:
    with scratch() as out:
        build_site(zoo, out / "html", LANGUAGES, results=None, strict=False)
        for language in LANGUAGES:
            tree = out / "html" / language
            hidden = [p.name for p in tree.rglob(".*")]
            print(f"published folder {language:<6} {folder_size(tree) / 1e6:8.1f} MB  "
                  f"({sum(1 for _ in tree.rglob('*.html'))} pages; hidden entries: {hidden or 'none'})")
        print(f"build state beside it (.zoogen-cache): {folder_size(out / '.zoogen-cache') / 1e6:.1f} MB")


def report_builds(zoo: Path, repeat: int) -> None:
    times = build_times(zoo, repeat)
    for label, (wall, cpu) in times.items():
        print(f"zoogen build --lang {label:<6}         {wall:8.2f} s wall  {cpu:8.2f} s CPU")
    print(f"--lang all / --lang en:               {times['all'][0] / times['en'][0]:8.2f}x wall (target <= 1.3x)  "
          f"{times['all'][1] / times['en'][1]:.2f}x CPU")
    print(f"zh_CN / en:                           {times['zh_CN'][0] / times['en'][0]:8.2f}x wall  "
          f"{times['zh_CN'][1] / times['en'][1]:.2f}x CPU")


def report_scale(zoo: Path, factors: list[int], repeat: int, labels: tuple[str, ...]) -> None:
    base: dict[str, tuple[float, float]] = {}
    for factor in factors:
        with scratch() as tmp:
            index = scaled_zoo(zoo, factor, tmp / "zoo")
            models = len(load_zoo(index).zoo.models)
            times = build_times(index, repeat, labels)
        base = base or {label: (wall / factor, cpu / factor) for label, (wall, cpu) in times.items()}
        cells = "  ".join(f"{label} {wall:7.2f} s wall ({wall / base[label][0] / factor:4.2f}) "
                          f"{cpu:7.2f} s CPU ({cpu / base[label][1] / factor:4.2f})"
                          for label, (wall, cpu) in times.items())
        print(f"scale {factor:>3}x  {models:>6} models  {cells}", flush=True)
    print(f"(in brackets: time / ({factors[0]}x time * K / {factors[0]}); linear: 1.00 or less)")


def report_rebuild(zoo: Path, repeat: int) -> None:
    from zoogen.site.serve import LiveSite

    with scratch() as tmp:
        index = scaled_zoo(zoo, 1, tmp / "zoo")
        metafile = next((tmp / "zoo").glob("*/metafile.yml"), None) or next((tmp / "zoo").rglob("metafile.yml"))
        started = time.perf_counter()
        site = LiveSite(index, tmp / "serve", LANGUAGES, results=None, strict=False)
        try:
            site.start()
            full = time.perf_counter() - started
            print(f"serve: first full build (all):        {full:8.2f} s")
            unchanged, _ = timed(site.rebuild, repeat)
            print(f"serve: rebuild, nothing changed:      {unchanged:8.2f} s  ({unchanged / full:.0%} of full)")
            edits = []
            for number in range(repeat):
                text = metafile.read_text(encoding="utf-8")
                edited = FIRST_METRIC.sub(lambda m, n=number: f"{m.group(1)}{n + 1}{m.group(2)}", text, count=1)
                assert edited != text, f"no metric value to edit in {metafile}"
                metafile.write_text(edited, encoding="utf-8")
                edit_started = time.perf_counter()
                site.rebuild()
                edits.append(time.perf_counter() - edit_started)
            edited = statistics.median(edits)
            print(f"serve: rebuild, one metafile edited:  {edited:8.2f} s  ({edited / full:.0%} of full; "
                  f"target <= 20%)  [{metafile.relative_to(tmp / 'zoo')}]")
        finally:
            site.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zoo", type=Path, help="a model-index.yml or the folder holding it")
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure (median)")
    parser.add_argument("--no-sphinx", action="store_true", help="parse and generate only")
    parser.add_argument("--scale", type=int, nargs="*", metavar="K",
                        help="build the zoo repeated K times (default K: 1 4 10)")
    parser.add_argument("--rebuild", action="store_true", help="zoogen serve's rebuild after one metafile edit")
    parser.add_argument("--lang", nargs="*", default=[*LANGUAGES], choices=[*LANGUAGES, "all"],
                        help="what --scale builds (default: each language alone)")
    args = parser.parse_args()
    zoo = args.zoo.resolve()
    if not index_path(zoo).is_file():
        sys.exit(f"no model index at {index_path(zoo)}")
    if args.scale is not None:
        report_scale(zoo, args.scale or [1, 4, 10], args.repeat, tuple(args.lang))
        return
    if args.rebuild:
        report_rebuild(zoo, args.repeat)
        return

    load_registry()  # read once per process in real use too
    parse_seconds, loaded = timed(lambda: load_zoo(zoo), max(args.repeat, 3))
    print(f"zoo: {args.zoo}  methods: {len(loaded.zoo.methods)}  models: {len(loaded.zoo.models)}  "
          f"warnings: {len(loaded.warnings)}")
    print(f"parse metafiles:                      {parse_seconds * 1000:8.1f} ms")
    generate_seconds, _ = timed(lambda: render_pages(loaded.zoo), max(args.repeat, 3))
    print(f"generate pages (once, all languages): {generate_seconds * 1000:8.1f} ms")
    if args.no_sphinx:
        return
    report_builds(zoo, args.repeat)
    published_sizes(zoo)


if __name__ == "__main__":
    main()
