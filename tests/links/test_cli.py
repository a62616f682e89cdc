"""``zoogen links`` end to end: a zoo whose URLs point at the local server, the JSON report, the cache."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from link_server import LinkServer

from zoogen.cli import cli

FAST = ["--timeout", "0.5", "--retries", "1"]


def _zoo(server: LinkServer, make_zoo: Callable[..., Path]) -> Path:
    return make_zoo(
        {"alive_model": server.url("/big.pth"), "tiny_model": server.url("/tiny.pth"),
         "gone_model": server.url("/s3-403"), "busy_model": server.url("/503")},
        f"""\
        title: Demo
        config_base_url: {server.url("/ok/repo/")}
        links:
          tool: {server.url("/ok/tool")}
          old: {server.url("/410")}
        mirrors:
          - primary: {server.url("/big")}
            mirror: {server.url("/404/big")}
        sections:
          - title: Notes
            body: See [the paper]({server.url("/r302")}).
        """,
    )


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["links", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_report_statuses_and_places(server: LinkServer, make_zoo: Callable[..., Path], tmp_path: Path) -> None:
    zoo = _zoo(server, make_zoo)
    report = tmp_path / "links.json"
    code, output = _run("--zoo", str(zoo), "--json", str(report), "--cache", str(tmp_path / "c.json"), *FAST)
    assert code == 1, output  # dead links
    entries = {e["url"]: e for e in json.loads(report.read_text())}
    status = {url.removeprefix(server.base): e["status"] for url, e in entries.items()}
    assert status == {
        "/big.pth": "alive", "/tiny.pth": "dead", "/s3-403": "dead", "/503": "unreachable",
        "/404/big.pth": "dead",  # the mirror copy of alive_model's weights
        "/ok/repo/configs/demo/alive_model.py": "alive", "/ok/repo/configs/demo/tiny_model.py": "alive",
        "/ok/repo/configs/demo/gone_model.py": "alive", "/ok/repo/configs/demo/busy_model.py": "alive",
        "/ok/tool": "alive", "/410": "dead", "/r302": "alive",
    }
    gone = entries[server.url("/s3-403")]
    assert gone["code"] == 403 and gone["reason"] == "AccessDenied (HTTP 403)"
    assert gone["where"] == ["model gone_model: Weights"]
    assert gone["last_seen_alive"] is None
    mirror = entries[server.url("/404/big.pth")]
    assert mirror["mirror_of"] == server.url("/big.pth") and mirror["where"] == ["model alive_model: Weights (mirror)"]
    assert entries[server.url("/r302")]["final_url"] == server.url("/ok")
    assert entries[server.url("/r302")]["where"] == ["zoo.yml: sections/Notes"]
    alive = entries[server.url("/big.pth")]
    assert alive["last_seen_alive"] == alive["checked_at"] and alive["checked_at"].endswith("Z")
    assert "dead (4)" in output and "unreachable (1)" in output
    assert "12 link(s): 7 alive, 4 dead, 1 unreachable" in output


def test_fail_on(server: LinkServer, make_zoo: Callable[..., Path], tmp_path: Path) -> None:
    zoo = make_zoo({"a": server.url("/big.pth"), "b": server.url("/503")})
    common = ["--zoo", str(zoo), "--cache-hours", "0", *FAST]
    assert _run(*common)[0] == 0  # unreachable only: not a failure by default
    assert _run(*common, "--fail-on", "unreachable")[0] == 1


def test_rerun_within_cache_time_sends_nothing(server: LinkServer, make_zoo: Callable[..., Path],
                                               tmp_path: Path) -> None:
    zoo = make_zoo({"a": server.url("/big.pth"), "b": server.url("/404")})
    args = ["--zoo", str(zoo), "--cache", str(tmp_path / "cache.json"), "--json", str(tmp_path / "r.json"), *FAST]
    _run(*args)
    sent = len(server.requests)
    assert sent > 0
    code, output = _run(*args)
    assert code == 1 and len(server.requests) == sent
    assert {e["status"] for e in json.loads((tmp_path / "r.json").read_text())} == {"alive", "dead"}
    _run(*args, "--cache-hours", "0")
    assert len(server.requests) > sent


def test_last_seen_alive_is_kept_across_runs(server: LinkServer, make_zoo: Callable[..., Path],
                                             tmp_path: Path) -> None:
    report = tmp_path / "links.json"
    url = server.url("/big.pth")
    report.write_text(json.dumps([{"url": server.url("/404"), "status": "alive",
                                   "last_seen_alive": "2025-01-02T03:04:05Z"}]))
    zoo = make_zoo({"a": server.url("/404"), "b": url})
    _run("--zoo", str(zoo), "--json", str(report), "--cache-hours", "0", *FAST)
    entries = {e["url"]: e for e in json.loads(report.read_text())}
    assert entries[server.url("/404")]["status"] == "dead"
    assert entries[server.url("/404")]["last_seen_alive"] == "2025-01-02T03:04:05Z"
    assert entries[url]["last_seen_alive"] == entries[url]["checked_at"]


def test_report_place_named_in_zoo_yml(server: LinkServer, make_zoo: Callable[..., Path]) -> None:
    zoo = make_zoo({"a": server.url("/big.pth")}, "links_report: reports/links.json\n")
    code, output = _run("--zoo", str(zoo), "--cache-hours", "0", *FAST)
    assert code == 0, output
    assert json.loads((zoo / "reports" / "links.json").read_text())[0]["status"] == "alive"


def test_malformed_previous_report_is_one_clear_error(make_zoo: Callable[..., Path], tmp_path: Path) -> None:
    report = tmp_path / "links.json"
    report.write_text('[{"url": "https://x.org/a", "status": "fine"}]')
    zoo = make_zoo({"a": "https://x.org/a.pth"})
    result = CliRunner().invoke(cli, ["links", "--zoo", str(zoo), "--json", str(report)])
    assert result.exit_code == 1
    assert f"{report}: entry 0: status: 'fine' is not one of alive, dead, unreachable" in result.output
    assert "Traceback" not in result.output
