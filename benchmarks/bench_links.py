"""Throughput of ``zoogen links``' checker against the local test server (tests/links/link_server.py).

The server runs in its own process on 127.0.0.1 (threaded http.server); the checker sends HEAD to
N distinct URLs (``/ok/<i>``, plus a share of ranged-GET and redirect URLs) with C connections, all to
one host (per-host limit = C), nothing cached. Prints URLs per second.

    python benchmarks/bench_links.py [--urls 2000] [--connections 32] [--repeat 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "links"))


def _serve(port_queue: multiprocessing.Queue, stop: multiprocessing.Event) -> None:  # type: ignore[type-arg]
    from link_server import LinkServer

    with LinkServer() as server:
        port_queue.put(server.base)
        stop.wait()


def _targets(base: str, count: int, run: int) -> list:
    from zoogen.links.collect import LinkTarget

    targets = []
    for index in range(count):
        if index % 10 == 0:  # HEAD refused: a ranged GET follows
            targets.append(LinkTarget(f"{base}/ranged?{run}-{index}", checkpoint=True))
        elif index % 10 == 1:
            targets.append(LinkTarget(f"{base}/r302?{run}-{index}"))
        else:
            targets.append(LinkTarget(f"{base}/ok/{run}-{index}"))
    return targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from zoogen.links.check import CheckSettings, LinkChecker

    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    stop = multiprocessing.Event()
    process = multiprocessing.Process(target=_serve, args=(ports, stop), daemon=True)
    process.start()
    base = ports.get(timeout=30)
    try:
        rates = []
        for run in range(args.repeat):
            checker = LinkChecker(CheckSettings(workers=args.connections, per_host=args.connections))
            targets = _targets(base, args.urls, run)
            start = time.perf_counter()
            results = checker.check_all(targets)
            seconds = time.perf_counter() - start
            checker.close()
            bad = [r for r in results if r.status != "alive"]
            if bad:
                raise SystemExit(f"{len(bad)} URL(s) not alive, e.g. {bad[0]}")
            rates.append(args.urls / seconds)
            print(f"run {run + 1}: {args.urls} URLs in {seconds:.2f} s = {args.urls / seconds:.0f} URLs/s")
        print(f"median: {statistics.median(rates):.0f} URLs/s at {args.connections} connections "
              f"on {args.urls} URLs (10% HEAD-refused + ranged GET, 10% one redirect)")
    finally:
        stop.set()
        process.join(timeout=10)


if __name__ == "__main__":
    main()
