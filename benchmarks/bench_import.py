"""``zoogen import`` on pages of 10^3, 10^4 and 10^5 table rows: wall time and peak memory.

    python benchmarks/bench_import.py                   # 1000, 10000, 100000 rows
    python benchmarks/bench_import.py --rows 1000 20000

Each run is ``python -m zoogen.cli import PAGE --out DIR`` in a child process; its peak memory is the child's
own maximum resident set size (``os.wait4``), start-up and imports included; CPU seconds are the child's own
(user + system), which other processes on a busy machine do not inflate as they do wall time. Two pages per size:

* ``headings``: the rows in tables of 1000 under their own headings (one collection, one metafile each), as a
  long zoo page is written; the whole import, validation and writing included;
* ``one table``: every row in one table; past what one metafile may hold (``zoogen.meta.yaml_source``'s
  MAX_BYTES, MAX_NODES) the import stops at that row with one error naming the page and line.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = "| Backbone | Style | Lr schd | Mem (GB) | Inf time (fps) | box AP | Download |\n" + "| --- " * 7 + "|\n"


def row(index: int) -> str:
    return (f"| R-{index} | pytorch | 1x | 4.{index % 10} | 21.{index % 7} | 37.{index % 9} | "
            f"[model](https://e.org/faster_r{index}_1x_20200101-0123abcd.pth) \\| "
            f"[log](https://e.org/f{index}.log.json) |\n")


def write_page(path: Path, rows: int, per_table: int | None) -> None:
    with path.open("w", encoding="utf-8") as page:
        page.write("# Zoo\n")
        for index in range(rows):
            if index == 0 or (per_table and index % per_table == 0):
                page.write(f"\n## Faster R-CNN {index // (per_table or rows)}\n\n{HEADER}")
            page.write(row(index))


def run_import(page: Path, out: Path) -> tuple[float, float, int, int, str]:
    """Wall and CPU seconds, peak resident memory (MiB), exit status and the last line of the child's output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "zoogen.cli", "import", str(page), "--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    last = output.strip().splitlines()[-1] if output.strip() else ""
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, child.returncode, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10_000, 100_000])
    args = parser.parse_args()
    print(f"{'rows':>7} {'page':>9} {'layout':>9} {'wall s':>7} {'CPU s':>7} {'peak MiB':>9} {'exit':>4}  outcome")
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        for rows in args.rows:
            for layout, per_table in (("headings", 1000), ("one table", None)):
                page = Path(tmp) / f"page-{rows}-{per_table}.md"
                write_page(page, rows, per_table)
                seconds, cpu, peak, code, last = run_import(page, Path(tmp) / f"out-{rows}-{per_table}")
                size = f"{page.stat().st_size / 1e6:.1f} MB"
                outcome = last.replace(str(Path(tmp)) + os.sep, "")
                print(f"{rows:>7} {size:>9} {layout:>9} {seconds:>7.1f} {cpu:>7.1f} {peak:>9} {code:>4}  "
                      f"{outcome[:100]}")


if __name__ == "__main__":
    main()
