"""The parts of `zoogen.site.output` on their own (real files, real locks; no Sphinx): fast checks of what
tests/faults/test_build_faults.py shows end to end."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from zoogen.errors import ZoogenError
from zoogen.site.output import (
    finish_interrupted_swaps,
    output_lock,
    output_places,
    staging_folder,
    swap_into_place,
    write_text_atomic,
)


def test_a_second_holder_fails_at_once_or_waits_saying_so(tmp_path: Path):
    out = tmp_path / "site"
    out.mkdir()
    said: list[str] = []
    acquired = threading.Event()

    def second() -> None:
        with output_lock(out, wait=True, on_wait=said.append):
            acquired.set()

    with output_lock(out):
        with pytest.raises(ZoogenError, match="another zoogen build is writing to .*--no-wait"), \
                output_lock(out, wait=False):
            pass
        waiter = threading.Thread(target=second)
        waiter.start()
        deadline = time.monotonic() + 10
        while not said and time.monotonic() < deadline:
            time.sleep(0.01)
        assert said and "waiting for it to finish" in said[0]
        assert not acquired.is_set()
    waiter.join(timeout=10)
    assert acquired.is_set()


def test_staging_lives_beside_the_output_and_goes_whatever_happens(tmp_path: Path):
    out = tmp_path / "site"
    out.mkdir()
    places = output_places(out)
    assert places.lock == tmp_path / ".site.zoogen-lock" and places.staging_parent == tmp_path
    stale = tmp_path / ".site.zoogen-staging-killed"
    (stale / "en").mkdir(parents=True)
    legacy = tmp_path / "cache-staging"
    legacy.mkdir()
    with pytest.raises(KeyboardInterrupt), staging_folder(out, leftovers=[legacy]) as staging:
        assert not stale.exists() and not legacy.exists()  # a killed build's, removed at the start
        assert staging.parent == tmp_path and staging.name.startswith(".site.zoogen-staging-")
        assert os.stat(staging).st_dev == os.stat(out).st_dev
        (staging / "en" / "html").mkdir(parents=True)
        raise KeyboardInterrupt
    assert sorted(path.name for path in tmp_path.iterdir()) == ["site"]


def test_a_killed_swap_is_finished_from_what_it_left(tmp_path: Path):
    (tmp_path / ".en.old").mkdir()  # killed after moving en aside: the last good en
    (tmp_path / ".en.old" / "index.html").write_text("good en")
    (tmp_path / ".zh_CN.old").mkdir()  # killed after the new zh_CN was in place
    (tmp_path / "zh_CN").mkdir()
    finish_interrupted_swaps(tmp_path, ["en", "zh_CN", "exports"])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["en", "zh_CN"]
    assert (tmp_path / "en" / "index.html").read_text() == "good en"


def test_a_swap_that_fails_puts_the_old_part_back(tmp_path: Path):
    final = tmp_path / "en"
    final.mkdir()
    (final / "index.html").write_text("good")
    with pytest.raises(FileNotFoundError):
        swap_into_place(tmp_path / "gone", final)  # what a second build once did to the first one
    assert (final / "index.html").read_text() == "good" and sorted(p.name for p in tmp_path.iterdir()) == ["en"]
    new = tmp_path / "new"
    new.mkdir()
    (new / "index.html").write_text("better")
    swap_into_place(new, final)
    assert (final / "index.html").read_text() == "better" and sorted(p.name for p in tmp_path.iterdir()) == ["en"]


def test_an_atomic_write_leaves_no_temporary_file(tmp_path: Path):
    target = tmp_path / "index.html"
    target.write_text("old")
    write_text_atomic(target, "new")
    assert target.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["index.html"]
    assert target.stat().st_mode & 0o777 == 0o644
