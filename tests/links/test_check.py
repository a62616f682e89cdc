"""The checker against real HTTP on 127.0.0.1: one test per behaviour of a host."""

from __future__ import annotations

import pytest
from link_server import BIG, RANGED, LinkServer

from zoogen.links.check import CheckSettings, LinkChecker, LinkResult
from zoogen.links.collect import LinkTarget

FAST = CheckSettings(connect_timeout=1.0, read_timeout=0.5, retries=2, backoff=0.01)


def check(server: LinkServer, path: str, checkpoint: bool = False, settings: CheckSettings = FAST) -> LinkResult:
    checker = LinkChecker(settings)
    try:
        return checker.check(LinkTarget(server.url(path), ["model m: Weights"], checkpoint=checkpoint))
    finally:
        checker.close()


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/ok", "alive", 200),
    ("/r301", "alive", 200),
    ("/r302", "alive", 200),
    ("/401", "dead", 401),
    ("/404", "dead", 404),
    ("/410", "dead", 410),
    ("/429", "unreachable", 429),
    ("/503", "unreachable", 503),
])
def test_status_codes(server: LinkServer, path: str, status: str, code: int) -> None:
    result = check(server, path)
    assert (result.status, result.code) == (status, code)


def test_redirect_is_followed_to_its_final_url(server: LinkServer) -> None:
    assert check(server, "/r301").final_url == server.url("/ok")
    assert check(server, "/chain/5").final_url == server.url("/ok")


def test_redirect_loop_and_long_chain_are_dead(server: LinkServer) -> None:
    loop = check(server, "/loop-a")
    assert loop.status == "dead" and "loop" in (loop.reason or "")
    chain = check(server, "/chain/11")
    assert chain.status == "dead" and "more than 10 redirects" in (chain.reason or "")
    assert [r for r in server.requests if r[0] == "GET"] == []  # a dead chain is not asked again with GET


def test_redirect_out_of_http_is_dead(server: LinkServer) -> None:
    result = check(server, "/to-file")
    assert result.status == "dead" and "non-http(s) URL" in (result.reason or "")


def test_head_refused_falls_back_to_a_ranged_get(server: LinkServer) -> None:
    result = check(server, "/ranged", checkpoint=True)
    assert (result.status, result.code, result.length) == ("alive", 206, RANGED)
    assert ("GET", "/ranged", "bytes=0-0") in server.requests


def test_misleading_head_403_is_confirmed_with_get(server: LinkServer) -> None:
    result = check(server, "/head-403")
    assert (result.status, result.code) == ("alive", 206)


def test_s3_error_bodies_are_dead_and_named(server: LinkServer) -> None:
    denied = check(server, "/s3-403")
    assert (denied.status, denied.code) == ("dead", 403)
    assert denied.reason == "AccessDenied (HTTP 403)"
    assert check(server, "/s3-bucket").reason == "NoSuchBucket (HTTP 404)"


def test_a_tiny_file_is_a_dead_checkpoint_but_a_fine_page(server: LinkServer) -> None:
    tiny = check(server, "/tiny.pth", checkpoint=True)
    assert (tiny.status, tiny.length) == ("dead", 300)
    assert "300 bytes where a checkpoint is expected" in (tiny.reason or "")
    assert check(server, "/tiny.pth").status == "alive"
    big = check(server, "/big.pth", checkpoint=True)
    assert (big.status, big.length) == ("alive", BIG)
    assert [r for r in server.requests if r[1] == "/big.pth" and r[0] == "GET"] == []  # HEAD was enough


def test_500_then_200_is_retried_to_alive(server: LinkServer) -> None:
    result = check(server, "/500-once")
    assert (result.status, result.code) == ("alive", 200)
    assert server.hits["/500-once"] == 2


def test_429_is_retried_then_unreachable(server: LinkServer) -> None:
    result = check(server, "/429")
    assert result.status == "unreachable"
    assert server.hits["/429"] == 3  # the first try and two retries, then no GET


def test_slow_answer_times_out_as_unreachable(server: LinkServer) -> None:
    result = check(server, "/slow", settings=CheckSettings(read_timeout=0.3, retries=1, backoff=0.01))
    assert result.status == "unreachable" and result.code is None
    assert "timed out" in (result.reason or "").lower()
    assert server.hits["/slow"] == 2  # no GET after a HEAD that never answered


def test_dropped_connection_is_unreachable(server: LinkServer) -> None:
    result = check(server, "/drop")
    assert result.status == "unreachable" and result.code is None
    assert "RemoteDisconnected" in (result.reason or "") or "Connection" in (result.reason or "")


def test_connections_per_host_are_limited(server: LinkServer) -> None:
    checker = LinkChecker(CheckSettings(per_host=3, workers=12))
    try:
        results = checker.check_all([LinkTarget(server.url(f"/hold/{i}")) for i in range(24)])
    finally:
        checker.close()
    assert {r.status for r in results} == {"alive"}
    assert [r.url for r in results] == [server.url(f"/hold/{i}") for i in range(24)]
    assert 2 <= server.max_in_flight <= 3
