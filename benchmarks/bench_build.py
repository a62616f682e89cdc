"""Build speed: parse alone, page generation for both languages (no Sphinx), full Sphinx build per language.

    python benchmarks/bench_build.py ../shared/corpora/mmdetection/model-index.yml [--repeat 5] [--no-sphinx]

Target (issue 3): generating both languages for about 550 models takes at most 3x the bare parse time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from zoogen.meta import load_zoo
from zoogen.meta.registry import load_registry
from zoogen.render import render_pages
from zoogen.site.build import build_language
from zoogen.site.languages import LANGUAGES


def timed(step: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time of ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zoo", type=Path, help="a model-index.yml or the folder holding it")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-sphinx", action="store_true", help="skip the full Sphinx builds")
    args = parser.parse_args()

    load_registry()  # read once per process in real use too
    parse_seconds, loaded = timed(lambda: load_zoo(args.zoo), args.repeat)
    zoo = loaded.zoo
    print(f"zoo: {args.zoo}  methods: {len(zoo.methods)}  models: {len(zoo.models)}  "
          f"warnings: {len(loaded.warnings)}")
    print(f"parse metafiles:                      {parse_seconds * 1000:8.1f} ms")

    def generate_both() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            for language in LANGUAGES:  # the pages are language-neutral: one rendering, written per language
                render_pages(zoo).write(Path(tmp) / language)

    generate_seconds, _ = timed(generate_both, args.repeat)
    print(f"generate pages, both languages:       {generate_seconds * 1000:8.1f} ms  "
          f"({generate_seconds / parse_seconds:.2f}x parse; target <= 3x)")
    if args.no_sphinx:
        return
    with tempfile.TemporaryDirectory() as out:
        for language in LANGUAGES:
            result = build_language(args.zoo.resolve(), Path(out), language, results=None, strict=False)
            print(f"Sphinx build, {language:<6}               {result.seconds:8.1f} s")


if __name__ == "__main__":
    main()
