"""A dead host costs seconds: real HTTP on 127.0.0.1 for the live hosts, a closed port for the refusing one."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from link_server import LinkServer

from zoogen.cli import cli
from zoogen.links.check import CheckSettings, LinkChecker, LinkResult
from zoogen.links.collect import LinkTarget

FAST = CheckSettings(connect_timeout=1.0, read_timeout=0.5, retries=2, backoff=0.01)
GIVEN_UP = "host refused connections for 3 URLs in a row; not tried"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def check_all(urls: list[str], settings: CheckSettings = FAST) -> list[LinkResult]:
    checker = LinkChecker(settings)
    try:
        return checker.check_all([LinkTarget(url) for url in urls])
    finally:
        checker.close()


def test_a_refusing_host_is_given_up_after_three_urls() -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    settings = CheckSettings(workers=4, per_host=2, connect_timeout=1.0, retries=2, backoff=0.01)
    results = check_all([f"{base}/w/{i}.pth" for i in range(500)], settings)
    assert {r.status for r in results} == {"unreachable"}
    tried = [r for r in results if r.tried]
    assert 3 <= len(tried) <= 4 + 3  # the first three, and at most the ones already on their way
    assert all("ConnectionRefused" in (r.reason or "") or "refused" in (r.reason or "") for r in tried)
    skipped = [r for r in results if not r.tried]
    assert {r.reason for r in skipped} == {GIVEN_UP} and len(skipped) + len(tried) == 500
    assert [r.url for r in results] == [f"{base}/w/{i}.pth" for i in range(500)]


def test_a_live_host_with_many_dead_and_busy_links_is_never_given_up(server: LinkServer) -> None:
    urls = [server.url(f"/404?{i}") for i in range(6)] + [server.url(f"/503?{i}") for i in range(4)]
    urls += [server.url("/ok"), server.url("/drop"), server.url("/drop?2"), server.url("/drop?3"), server.url("/410")]
    results = check_all(urls, CheckSettings(workers=1, connect_timeout=1.0, read_timeout=0.5, retries=1,
                                            backoff=0.01))
    status = [(r.url.removeprefix(server.base), r.status, r.code) for r in results]
    assert status == [*((f"/404?{i}", "dead", 404) for i in range(6)),
                      *((f"/503?{i}", "unreachable", 503) for i in range(4)),
                      ("/ok", "alive", 200), ("/drop", "unreachable", None), ("/drop?2", "unreachable", None),
                      ("/drop?3", "unreachable", None), ("/410", "dead", 410)]
    assert all(r.tried for r in results)


def test_a_flaky_host_that_answers_again_is_not_cut_off() -> None:
    port = closed_port()
    base = f"http://127.0.0.1:{port}"
    checker = LinkChecker(CheckSettings(workers=1, connect_timeout=1.0, retries=0, backoff=0.01))
    try:
        refused = [checker.check(LinkTarget(f"{base}/ok/{i}")) for i in range(2)]
        with LinkServer(port=port):
            answered = checker.check(LinkTarget(f"{base}/ok/up"))
        checker.pool.clear()  # the host went down, and its kept-alive connection with it
        again = [checker.check(LinkTarget(f"{base}/ok/again{i}")) for i in range(3)]
        after = checker.check(LinkTarget(f"{base}/ok/after"))
    finally:
        checker.close()
    assert [r.status for r in refused] == ["unreachable", "unreachable"] and all(r.tried for r in refused)
    assert (answered.status, answered.code) == ("alive", 200)  # two refusals in a row did not give it up
    assert all(r.tried for r in again)  # the count started again when it answered
    assert (after.status, after.reason, after.tried) == ("unreachable", GIVEN_UP, False)


def test_a_dead_host_leaves_the_other_hosts_alone(server: LinkServer) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    urls = []
    for i in range(40):
        urls += [f"{dead}/w/{i}.pth", server.url(f"/ok/{i}"), server.url(f"/404?{i}")]
    results = check_all(urls, CheckSettings(workers=8, connect_timeout=1.0, read_timeout=2.0, retries=2,
                                            backoff=0.01))
    assert {r.status for r in results if r.url.startswith(dead)} == {"unreachable"}
    assert {r.status for r in results if r.url.startswith(server.url("/ok/"))} == {"alive"}
    assert {r.status for r in results if r.url.startswith(server.url("/404"))} == {"dead"}
    assert sum(not r.tried for r in results) >= 40 - 8 - 3  # only the dead host's URLs, bar the first few


def test_cli_reports_the_reason_and_does_not_cache_urls_not_tried(
        make_zoo: Callable[..., Path], tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    zoo = make_zoo({f"m{i}": f"{dead}/m{i}.pth" for i in range(12)})
    report, cache = tmp_path / "links.json", tmp_path / "cache.json"
    result = CliRunner().invoke(cli, ["links", "--zoo", str(zoo), "--json", str(report), "--cache", str(cache),
                                      "--timeout", "1", "--retries", "1", "--connections", "1",
                                      "--fail-on", "unreachable"], catch_exceptions=False)
    assert result.exit_code == 1
    entries = {e["url"]: e for e in json.loads(report.read_text())}
    weights = [entries[f"{dead}/m{i}.pth"] for i in range(12)]
    assert {e["status"] for e in weights} == {"unreachable"}
    assert [e["reason"] == GIVEN_UP for e in weights] == [False] * 3 + [True] * 9
    cached = json.loads(cache.read_text())["answers"]
    assert f"{dead}/m0.pth#checkpoint" in cached and f"{dead}/m5.pth#checkpoint" not in cached


def test_a_host_that_never_answers_is_given_up_after_three_timed_out_tries() -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        results = check_all([f"{base}/w/{i}.pth" for i in range(30)],
                            CheckSettings(workers=1, connect_timeout=1.0, read_timeout=0.2, retries=1, backoff=0.01))
    assert {r.status for r in results} == {"unreachable"}
    # each try counts: the first URL's two tries, then the second URL's first try gives the host up
    assert [r.tried for r in results] == [True] * 2 + [False] * 28
    assert "timed out" in (results[0].reason or "").lower()
    assert results[2].reason == "host did not answer in time for 3 tries in a row; not tried"


def test_tries_that_time_out_together_give_the_host_up_before_any_retry() -> None:
    accepted = []
    with socket.socket() as silent:  # counts the connections it accepts, answers none
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        silent.settimeout(0.1)
        stop = threading.Event()

        def accept() -> None:
            while not stop.is_set():
                try:
                    accepted.append(silent.accept()[0])
                except OSError:
                    continue

        thread = threading.Thread(target=accept)
        thread.start()
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        try:
            results = check_all([f"{base}/w/{i}.pth" for i in range(40)],
                                CheckSettings(per_host=8, workers=8, read_timeout=0.5, retries=3, backoff=0.0))
        finally:
            stop.set()
            thread.join()
            for connection in accepted:
                connection.close()
    assert {r.status for r in results} == {"unreachable"}
    assert sum(r.tried for r in results) == 8  # the first eight, at once
    assert len(accepted) == 8  # and not one retry: all eight time-outs were counted before any retried
