"""Throughput of ``zoogen links``' checker against the local test server (tests/links/link_server.py).

The server runs in its own process on 127.0.0.1 (threaded http.server); the checker sends HEAD to
N distinct URLs (``/ok/<i>``, plus a share of ranged-GET and redirect URLs) with C connections, all to
one host (per-host limit = C), nothing cached. Prints URLs per second.

    python benchmarks/bench_links.py [--urls 2000] [--connections 32] [--repeat 3]
    python benchmarks/bench_links.py --dead-host [--urls 5000] [--silent]

``--dead-host``: N URLs on one host that refuses connections (a closed port on 127.0.0.1), with
``zoogen links``' default settings (32 URLs at once, 8 per host, 3 retries with 0.5 s back-off). Prints the
seconds for all of them and how many were tried before the host was given up. ``--silent``: the host accepts
connections and never answers (a listening socket nobody reads), so each try waits for the 20 s time-out.
"""

from __future__ import annotations

import argparse
import multiprocessing
import socket
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


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dead_host(count: int, silent: bool) -> None:
    from zoogen.links.check import CheckSettings, LinkChecker
    from zoogen.links.collect import LinkTarget

    listener = socket.socket()
    if silent:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1024)
    base = f"http://127.0.0.1:{listener.getsockname()[1] if silent else closed_port()}"
    targets = [LinkTarget(f"{base}/weights/{index}.pth", checkpoint=True) for index in range(count)]
    checker = LinkChecker(CheckSettings())
    start = time.perf_counter()
    results = checker.check_all(targets)
    seconds = time.perf_counter() - start
    checker.close()
    listener.close()
    statuses = {r.status for r in results}
    skipped = sum(1 for r in results if "not tried" in (r.reason or ""))
    kind = "never answering" if silent else "refusing connections"
    print(f"{count} URLs on one host {kind}: {seconds:.2f} s; statuses {sorted(statuses)}; "
          f"{count - skipped} tried, {skipped} reported at once")
    if skipped:
        print(f"  reason: {next(r.reason for r in results if 'not tried' in (r.reason or ''))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dead-host", action="store_true", help="time N URLs on one host refusing connections")
    parser.add_argument("--silent", action="store_true", help="with --dead-host: the host never answers")
    args = parser.parse_args()
    if args.dead_host:
        dead_host(args.urls, args.silent)
        return

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
