"""What the accuracy/speed plots and the exports add to a build of the bundled zoo.

Prints, per language, the wall time of one Sphinx build with plots and one without (``-D zoogen_plots=0``),
the time to draw every plot in-process, and the time and sizes of the exports.

    python3 benchmarks/bench_plots_exports.py [--zoo zoo_meta] [--repeat 1]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from zoogen.export.publish import export_files
from zoogen.meta import load_zoo
from zoogen.plots import method_plots, overview_plots
from zoogen.plots.svg import render_figure
from zoogen.plots.words import Words
from zoogen.site.build import sphinx_command


def sphinx_seconds(zoo: Path, language: str, plots: bool) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-plots-") as tmp:
        source = Path(tmp) / "src"
        source.mkdir()
        command = sphinx_command("html", source, Path(tmp) / "html", zoo, None, language, strict=False)
        if not plots:
            command[command.index("-D"):command.index("-D")] = ["-D", "zoogen_plots=0"]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zoo", type=Path, default=Path("zoo_meta"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    zoo_path = args.zoo.resolve()
    zoo = load_zoo(zoo_path).zoo

    plots = overview_plots(zoo)
    per_method = {m.id: method_plots(zoo, m.id) for m in zoo.methods}
    print(f"plots: overview {len(plots)} "
          f"({', '.join(f'{p.task}/{p.dataset}: {len(p.points)} points on {p.hardware}' for p in plots)}); "
          f"method pages {sum(1 for v in per_method.values() if v)} pages, {sum(map(len, per_method.values()))} plots")
    everything = [*plots, *(p for v in per_method.values() for p in v)]
    render_figure(everything[0], Words("en"), lambda p: "#")  # matplotlib's import and font cache
    for language in ("en", "zh_CN"):
        started = time.perf_counter()
        size = sum(len(render_figure(p, Words(language), lambda p: "#").encode()) for p in everything)
        print(f"draw all plots ({language}): {time.perf_counter() - started:.2f} s, {size / 1024:.0f} KiB of HTML")

    started = time.perf_counter()
    files = export_files(zoo)
    seconds = time.perf_counter() - started
    sizes = {name: len(text.encode()) for name, text in files.items()}
    cards = [v for k, v in sizes.items() if k.startswith("model-index/")]
    print(f"exports: {seconds:.2f} s, {len(files)} files, {sum(sizes.values()) / 1024:.0f} KiB in all; "
          f"models.json {sizes['models.json'] / 1024:.0f} KiB; CSV "
          + ", ".join(f"{k} {v / 1024:.1f} KiB" for k, v in sizes.items() if k.endswith(".csv"))
          + f"; {len(cards)} model cards, {sum(cards) / 1024:.0f} KiB")

    for language in ("en", "zh_CN"):
        with_plots = min(sphinx_seconds(zoo_path, language, True) for _ in range(args.repeat))
        without = min(sphinx_seconds(zoo_path, language, False) for _ in range(args.repeat))
        print(f"sphinx build ({language}): {with_plots:.1f} s with plots, {without:.1f} s without "
              f"(+{with_plots - without:.1f} s)")


if __name__ == "__main__":
    main()
