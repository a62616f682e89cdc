"""Bad input answers fast: every broken zoo of tests/meta/bad_zoos/ and a few generated worst cases.

    python benchmarks/bench_bad_input.py              # every case, median of 3 runs each
    python benchmarks/bench_bad_input.py --repeat 5

Each case is ``zoogen check --strict`` run in-process (click's CliRunner), so the figure is the check itself,
without Python's start-up. Generated cases: the nine-levels-of-ten-aliases bomb and deeper variants, 100 000
nested brackets, a 3 MB metafile of one long line, a 20 MB metafile. Prints every case's time, the number of
clean errors and of tracebacks, and the slowest case. The limits are on the expansion (yaml_source.MAX_NODES,
MAX_DEPTH), never a time-out: the bomb is refused before anything is built.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from zoogen.cli import cli

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "meta" / "bad_zoos"


def alias_bomb(levels: int, width: int = 10) -> str:
    text = "a0: &a0 [" + ", ".join(['"lol"'] * width) + "]\n"
    for level in range(1, levels):
        text += f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]\n"
    return text


def generated_cases(root: Path) -> list[Path]:
    cases = {
        "gen_alias_bomb_9x10": alias_bomb(9),
        "gen_alias_bomb_20x10": alias_bomb(20),
        "gen_alias_bomb_merge_keys": "a: &a {x: 1, y: 2}\n" + "".join(
            f"k{i}: &k{i} {{<<: [{', '.join(['*a'] + [f'*k{j}' for j in range(max(0, i - 5), i)])}]}}\n"
            for i in range(40)),
        "gen_nested_100k": "Models: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "gen_long_line_3mb": "Models:\n  - Name: " + "x" * 3_000_000 + "\n",
        "gen_too_large_20mb": "Models:\n" + "  - Name: x\n" * 1_700_000,
    }
    folders = []
    for name, text in cases.items():
        folder = root / name
        (folder / "m").mkdir(parents=True)
        (folder / "m" / "metafile.yml").write_text(text)
        (folder / "model-index.yml").write_text("Import:\n  - m/metafile.yml\n")
        folders.append(folder)
    return folders


def run(case: Path) -> tuple[float, int, bool]:
    start = time.perf_counter()
    result = CliRunner().invoke(cli, ["check", "--strict", str(case)])
    seconds = time.perf_counter() - start
    crashed = (result.exception is not None and not isinstance(result.exception, SystemExit)) \
        or "Traceback" in result.output
    return seconds, result.exit_code, crashed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        cases = sorted(p for p in CORPUS.iterdir() if p.is_dir()) + generated_cases(Path(scratch))
        CliRunner().invoke(cli, ["check", "--strict", str(cases[0])])  # imports and registry, once
        timings: dict[str, float] = {}
        clean = tracebacks = 0
        for case in cases:
            runs = [run(case) for _ in range(args.repeat)]
            timings[case.name] = statistics.median(seconds for seconds, _, _ in runs)
            _, exit_code, crashed = runs[0]
            tracebacks += crashed
            clean += exit_code == 1 and not crashed
            print(f"{case.name:<40} {timings[case.name] * 1000:8.1f} ms  exit {exit_code}")
    slowest = max(timings, key=timings.__getitem__)
    print(f"\ncases: {len(cases)}  clean errors (exit 1): {clean}  tracebacks: {tracebacks}")
    print(f"slowest: {slowest} {timings[slowest] * 1000:.1f} ms; "
          f"nine-levels-of-ten-aliases bomb: {timings['gen_alias_bomb_9x10'] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
