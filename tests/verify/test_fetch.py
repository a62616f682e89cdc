"""zoogen.verify.fetch against a real local HTTP server (resume, corruption, truncation, cache)."""

from __future__ import annotations

import hashlib
import os
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from checkpoint_server import CheckpointServer

from zoogen.verify.fetch import (
    ChecksumMismatch,
    FetchError,
    MinimumRate,
    NotACheckpoint,
    SlowDownload,
    TruncatedDownload,
    UncheckedChecksumWarning,
    expected_hash_prefix,
    fetch,
)

BODY = b"PK\x03\x04" + os.urandom(3 * 1024 * 1024 + 123)  # zip magic, several chunks of 1 MiB
SHA = hashlib.sha256(BODY).hexdigest()
NAME = f"faster_rcnn_r50_fpn_1x_coco_20200130-{SHA[:8]}.pth"


@pytest.fixture
def server() -> Iterator[CheckpointServer]:
    with CheckpointServer() as srv:
        srv.add(NAME, BODY)
        srv.add("plain_model.pth", BODY)
        yield srv


def _fetch(url: str, cache: Path, **kwargs):
    return fetch(url, cache_dir=cache, backoff=0, **kwargs)


def test_hash_prefix_of_openmmlab_names() -> None:
    assert expected_hash_prefix("faster_rcnn_r50_fpn_1x_coco_20200130-047c8118.pth") == "047c8118"
    assert expected_hash_prefix("resnet50-0676ba61.pth") == "0676ba61"
    assert expected_hash_prefix("model.pth") is None
    assert expected_hash_prefix("model_latest.pth") is None
    assert expected_hash_prefix("model-20200130.pth") is None  # a date, not a hash
    assert expected_hash_prefix("model-20201399.pth") == "20201399"  # not a date: digits of a hash
    assert expected_hash_prefix("model-047C8118.pth") is None  # OpenMMLab hashes are lower case


def test_download_checks_hash_and_moves_into_place(server: CheckpointServer, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    got = _fetch(server.url(NAME), tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert got.path == tmp_path / NAME
    assert got.path.read_bytes() == BODY
    assert got.sha256 == SHA and got.checked and got.downloaded
    assert not list(tmp_path.glob("*.part"))
    assert seen[-1] == (len(BODY), len(BODY))


def test_cached_file_is_not_downloaded_again(server: CheckpointServer, tmp_path: Path) -> None:
    _fetch(server.url(NAME), tmp_path)
    before = len(server.requests)
    again = _fetch(server.url(NAME), tmp_path)
    assert not again.downloaded and again.sha256 == SHA and again.checked
    assert len(server.requests) == before


def test_tampered_cache_is_replaced(server: CheckpointServer, tmp_path: Path) -> None:
    (tmp_path / NAME).write_bytes(b"not the checkpoint")
    got = _fetch(server.url(NAME), tmp_path)
    assert got.downloaded and got.path.read_bytes() == BODY


def test_resume_after_a_cut_connection_uses_range(server: CheckpointServer, tmp_path: Path) -> None:
    got = _fetch(server.url(NAME, "cut-once"), tmp_path)
    assert got.path.read_bytes() == BODY and got.sha256 == SHA
    ranges = [rng for path, rng in server.requests if path.startswith("/cut-once/")]
    assert ranges[0] is None
    assert len(ranges) == 2 and ranges[1] is not None
    start = int(ranges[1].removeprefix("bytes=").rstrip("-"))
    assert 0 < start < len(BODY)  # the second request asked only for the rest: the part was appended to


def test_resume_of_a_part_left_by_a_killed_run(server: CheckpointServer, tmp_path: Path) -> None:
    half = len(BODY) // 2
    (tmp_path / f"{NAME}.part").write_bytes(BODY[:half])
    got = _fetch(server.url(NAME), tmp_path)
    assert got.path.read_bytes() == BODY and got.sha256 == SHA
    assert server.requests == [(f"/files/{NAME}", f"bytes={half}-")]


def test_whole_part_is_finished_on_416(server: CheckpointServer, tmp_path: Path) -> None:
    (tmp_path / f"{NAME}.part").write_bytes(BODY)
    got = _fetch(server.url(NAME), tmp_path)
    assert got.path.read_bytes() == BODY


def test_server_ignoring_range_restarts_the_part(server: CheckpointServer, tmp_path: Path) -> None:
    (tmp_path / f"{NAME}.part").write_bytes(BODY[:1000])
    got = _fetch(server.url(NAME, "no-range"), tmp_path)
    assert got.path.read_bytes() == BODY and got.sha256 == SHA


def test_corrupted_bytes_are_deleted_and_raised(server: CheckpointServer, tmp_path: Path) -> None:
    with pytest.raises(ChecksumMismatch, match=SHA[:8]):
        _fetch(server.url(NAME, "corrupt"), tmp_path)
    assert list(tmp_path.iterdir()) == [tmp_path / f"{NAME}.lock"]  # nothing left that could be loaded


def test_truncated_body_is_deleted_and_raised(server: CheckpointServer, tmp_path: Path) -> None:
    with pytest.raises(TruncatedDownload, match="cut off"):
        _fetch(server.url(NAME, "truncated"), tmp_path, retries=2)
    assert not (tmp_path / NAME).exists() and not (tmp_path / f"{NAME}.part").exists()
    assert len([p for p, _ in server.requests if p.startswith("/truncated/")]) == 3


def test_retry_on_503(server: CheckpointServer, tmp_path: Path) -> None:
    got = _fetch(server.url(NAME, "flaky"), tmp_path)
    assert got.path.read_bytes() == BODY
    assert [p for p, _ in server.requests].count(f"/flaky/{NAME}") == 2


def test_404_is_a_clear_error(server: CheckpointServer, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        _fetch(server.url("missing_20200101-deadbeef.pth"), tmp_path)


def test_unreachable_host_is_a_clear_error(tmp_path: Path) -> None:
    with CheckpointServer() as srv:
        url = srv.url(NAME)
    with pytest.raises(FetchError, match="cannot download"):
        fetch(url, cache_dir=tmp_path, retries=1, backoff=0)


def test_name_without_hash_warns_and_records_sha(server: CheckpointServer, tmp_path: Path) -> None:
    with pytest.warns(UncheckedChecksumWarning, match="no hash"):
        got = _fetch(server.url("plain_model.pth"), tmp_path)
    assert got.sha256 == SHA and not got.checked
    assert got.path.read_bytes() == BODY and got.path.name == "plain_model.pth"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UncheckedChecksumWarning)
        again = _fetch(server.url("plain_model.pth"), tmp_path)
    assert not again.downloaded and again.sha256 == SHA


def test_cache_dir_from_environment(server: CheckpointServer, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ZOOGEN_CACHE_DIR", str(tmp_path / "env-cache"))
    got = fetch(server.url(NAME), backoff=0)
    assert got.path == tmp_path / "env-cache" / NAME


HTML = b"<!DOCTYPE html><html><body>Sign in to continue</body></html>"
FAST = MinimumRate(bytes_per_second=50_000, window=1.0)


def test_trickling_server_fails_within_the_window(server: CheckpointServer, tmp_path: Path) -> None:
    """1 byte every 0.2 s (the read time-out alone would restart with every byte): fails after ~1 s."""
    started = time.monotonic()
    with pytest.raises(SlowDownload, match="too slow") as info:
        _fetch(server.url(NAME, "trickle"), tmp_path, rate=FAST)
    assert time.monotonic() - started < 30  # generous: the point is that it ends, not how fast
    assert "kB/s" in str(info.value)
    assert not (tmp_path / NAME).exists()


def test_overall_deadline_from_size() -> None:
    rate = MinimumRate(bytes_per_second=50_000, window=60.0)
    assert rate.deadline(300_000_000) == pytest.approx(6060.0)  # a 300 MB checkpoint: at most ~1 h 41 min
    assert rate.deadline(None) is None  # unknown size: the per-window rate check alone


def test_content_encoding_is_refused_clearly(server: CheckpointServer, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="Content-Encoding: gzip"):
        _fetch(server.url(NAME, "gzip"), tmp_path)
    assert not (tmp_path / NAME).exists()


def test_html_page_without_hash_is_refused_and_not_cached(server: CheckpointServer, tmp_path: Path) -> None:
    server.add("latest.pth", HTML)
    with pytest.raises(NotACheckpoint, match="an HTML page") as info:
        _fetch(server.url("latest.pth"), tmp_path)
    assert "--trust-checkpoints" not in str(info.value)
    assert not [p for p in tmp_path.rglob("latest.pth*") if p.suffix in (".pth", ".part")]
    server.add("latest.pth", BODY)  # fixed on the server: the next run downloads, nothing stale was kept
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UncheckedChecksumWarning)
        assert _fetch(server.url("latest.pth"), tmp_path).path.read_bytes() == BODY


def test_unhashed_cache_is_revalidated_with_etag(server: CheckpointServer, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UncheckedChecksumWarning)
        first = _fetch(server.url("plain_model.pth"), tmp_path)
        again = _fetch(server.url("plain_model.pth"), tmp_path)
        assert not again.downloaded
        conditional = [r for r in server.requests if r[0] == "/files/plain_model.pth"]
        assert len(conditional) == 2  # the second request asked If-None-Match and got 304
        changed = b"PK\x03\x04" + b"new weights" * 100
        server.add("plain_model.pth", changed)
        third = _fetch(server.url("plain_model.pth"), tmp_path)
    assert third.downloaded and third.path.read_bytes() == changed and third.path == first.path
    assert third.sha256 == hashlib.sha256(changed).hexdigest()


def test_stale_html_in_cache_is_not_reused(server: CheckpointServer, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UncheckedChecksumWarning)
        got = _fetch(server.url("plain_model.pth"), tmp_path)
        got.path.write_bytes(HTML)  # what an older zoogen could have cached
        again = _fetch(server.url("plain_model.pth"), tmp_path)
    assert again.downloaded and again.path.read_bytes() == BODY


def test_mirror_is_used_when_the_primary_fails(server: CheckpointServer, tmp_path: Path) -> None:
    mirrors = [(f"{server.base}/gone/", f"{server.base}/files/")]
    got = _fetch(server.url(NAME, "gone"), tmp_path, mirrors=mirrors)
    assert got.path.read_bytes() == BODY and got.checked
    assert got.url == server.url(NAME, "gone") and got.source == server.url(NAME)


def test_no_mirror_for_a_name_without_hash(server: CheckpointServer, tmp_path: Path) -> None:
    server.add("latest.pth", BODY)
    mirrors = [(f"{server.base}/gone/", f"{server.base}/files/")]
    with pytest.raises(FetchError, match="404"):
        _fetch(server.url("latest.pth", "gone"), tmp_path, mirrors=mirrors)
    assert not any(path.startswith("/files/") for path, _ in server.requests)


def test_mirror_failing_too_names_both(server: CheckpointServer, tmp_path: Path) -> None:
    mirrors = [(f"{server.base}/gone/", f"{server.base}/corrupt/")]
    with pytest.raises(FetchError, match="404.*mirror.*checksum mismatch"):
        _fetch(server.url(NAME, "gone"), tmp_path, mirrors=mirrors)
