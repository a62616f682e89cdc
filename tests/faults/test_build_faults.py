"""Issue 16 §7: `zoogen build` under faults, for real: concurrent builds into one --out, signals in the middle
of a build, an --out that is a mount point of another file system, a full disk (a real tmpfs) and a file-size
limit (RLIMIT_FSIZE: the kernel's EFBIG). Each ends in one clear error or a clean site, and leaves the last
good site and nothing else (no staging folder, no half-swapped language)."""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
METHOD = "retinanet"
VALUE, CHANGED = "box AP: 36.5", "box AP: 36.6"

pytestmark = pytest.mark.slow


def small_zoo(folder: Path) -> Path:
    """One method of the bundled zoo, in a folder of its own."""
    zoo = folder / "zoo"
    (zoo / METHOD).mkdir(parents=True)
    shutil.copy2(ROOT / "zoo_meta" / METHOD / "metafile.yml", zoo / METHOD / "metafile.yml")
    (zoo / "model-index.yml").write_text(f"Import:\n  - {METHOD}/metafile.yml\n", encoding="utf-8")
    return zoo


def command(zoo: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "zoogen.cli", "build", "--zoo", str(zoo), "--out", str(out),
            "--results", str(zoo.parent / "no-results"), *extra]


def build(zoo: Path, out: Path, *extra: str, **options) -> subprocess.CompletedProcess:
    done = subprocess.run(command(zoo, out, *extra), capture_output=True, text=True, cwd=zoo.parent,
                          timeout=300, **options)
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-3000:]
    return done


def start(zoo: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(command(zoo, out, *extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=zoo.parent)


def snapshot(out: Path) -> dict[str, str]:
    """Every file of the site (hidden ones too) and a hash of its bytes."""
    return {str(path.relative_to(out)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(out.rglob("*")) if path.is_file()}


def staging_folders(out: Path) -> list[Path]:
    return [*out.parent.glob(f".{out.name}.zoogen-staging-*"), *out.glob(".zoogen-staging-*"),
            *out.glob(".*.old"), *(out.parent / ".zoogen-cache" / out.name).glob("staging-*")]


def wait_for_staging(process: subprocess.Popen, out: Path, timeout: float = 120) -> None:
    """Until the build has begun to write its staging folder (Sphinx is running)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        found = staging_folders(out)
        if found and any(found[0].iterdir()):
            return
        time.sleep(0.05)
    pytest.fail("the build never began to stage")


def change_the_zoo(zoo: Path) -> None:
    metafile = zoo / METHOD / "metafile.yml"
    text = metafile.read_text(encoding="utf-8")
    assert text.count(VALUE) == 1
    metafile.write_text(text.replace(VALUE, CHANGED), encoding="utf-8")


def the_page(out: Path) -> str:
    return (out / "en" / "methods" / f"{METHOD}.html").read_text(encoding="utf-8")


def assert_complete(out: Path) -> None:
    for part in ("index.html", "en/index.html", "zh_CN/index.html", "exports/models.json"):
        assert (out / part).is_file(), part
    assert staging_folders(out) == []


@pytest.fixture(scope="module")
def good_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A zoo and its built site (copied by each test that needs a last good site)."""
    folder = tmp_path_factory.mktemp("good")
    zoo = small_zoo(folder)
    out = folder / "site"
    done = build(zoo, out)
    assert done.returncode == 0, done.stderr
    return zoo, out


@pytest.fixture
def site(good_site: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    zoo, out = good_site
    shutil.copytree(zoo, tmp_path / "zoo")
    shutil.copytree(out, tmp_path / "site", symlinks=True)
    return tmp_path / "zoo", tmp_path / "site"


def test_builds_into_one_output_take_turns(site: tuple[Path, Path]):
    zoo, out = site
    first = start(zoo, out)
    try:
        wait_for_staging(first, out)
        refused = build(zoo, out, "--no-wait")  # the first holds the lock: one error, at once
        assert refused.returncode == 1
        assert refused.stderr.strip().splitlines() == [
            f"zoogen: another zoogen build is writing to {out} (it holds {out.parent / '.site.zoogen-lock'}); run "
            "this one when it has finished, or leave out --no-wait to wait for it"]
        change_the_zoo(zoo)
        second = start(zoo, out)  # waits, says so, then builds the changed zoo
        _, first_errors = first.communicate(timeout=300)
        _, second_errors = second.communicate(timeout=300)
    finally:
        first.kill()
    assert first.returncode == 0 and second.returncode == 0, first_errors + second_errors
    assert "Traceback" not in first_errors + second_errors
    assert "waiting for it to finish" in second_errors
    assert CHANGED in the_page(out)
    assert_complete(out)


def test_two_builds_started_together_never_end_in_a_traceback(site: tuple[Path, Path]):
    zoo, out = site
    processes = [start(zoo, out) for _ in range(2)]
    outcomes = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outcomes
    assert not any("Traceback" in errors for _, errors in outcomes)
    assert sum("waiting for it to finish" in errors for _, errors in outcomes) == 1
    assert_complete(out)


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_in_the_middle_leaves_the_last_good_site_and_nothing_else(site: tuple[Path, Path],
                                                                          signal_number: int):
    zoo, out = site
    before = snapshot(out)
    change_the_zoo(zoo)
    process = start(zoo, out)
    wait_for_staging(process, out)
    process.send_signal(signal_number)
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 130, errors
    assert errors.strip() == "zoogen: build interrupted; the last good site is left as it was"
    assert snapshot(out) == before
    assert staging_folders(out) == []
    assert not _processes_naming(out), "a language's process outlived the build"


def test_a_killed_build_leaves_staging_that_the_next_build_removes(site: tuple[Path, Path]):
    zoo, out = site
    process = start(zoo, out)
    wait_for_staging(process, out)
    process.kill()  # SIGKILL: no cleanup can run
    process.communicate(timeout=60)
    (out.parent / ".zoogen-cache" / out.name / "staging-x1").mkdir()  # where older zoogen versions staged
    left = staging_folders(out)
    assert len(left) == 2, left  # the killed build's and the legacy one
    change_the_zoo(zoo)
    done = build(zoo, out)  # waits for orphaned language processes (they hold the lock), then cleans up
    assert done.returncode == 0, done.stderr
    assert CHANGED in the_page(out)
    assert_complete(out)


def test_a_file_size_limit_ends_in_one_error_and_the_last_good_site(site: tuple[Path, Path]):
    """RLIMIT_FSIZE makes the kernel refuse writes beyond the limit (EFBIG), as a full disk refuses them
    (ENOSPC): a real write failure in the middle of a build, on any machine."""
    zoo, out = site
    before = snapshot(out)
    change_the_zoo(zoo)

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of the signal that would kill us
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))

    done = build(zoo, out, preexec_fn=limited)
    assert done.returncode == 1
    message = done.stderr.strip().splitlines()
    assert len(message) == 1 and message[0].startswith(f"zoogen: cannot write the site {out}: File too large")
    assert "the last good site is left as it was" in message[0]
    assert snapshot(out) == before
    assert staging_folders(out) == []


# --- another file system: a real tmpfs mounted for the test (needs root and mount permission) -------------

@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[Path, str], Path]]:
    mounted: list[Path] = []

    def mount(folder: Path, size: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", f"zoogen-{uuid.uuid4().hex[:8]}",
                               str(folder)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_an_output_that_is_a_mount_point_builds(good_site: tuple[Path, Path], tmp_path: Path, tmpfs):
    zoo, _ = good_site
    out = tmpfs(tmp_path / "volume", "100m")  # its parent is another file system: rename() across is EXDEV
    assert os.stat(out).st_dev != os.stat(out.parent).st_dev
    for _ in range(2):  # the first build, and one that replaces it
        done = build(zoo, out)
        assert done.returncode == 0, done.stderr
        assert_complete(out)
    assert sorted(path.name for path in out.iterdir()) == [".zoogen-lock", "en", "exports", "index.html", "zh_CN"]


def test_a_full_disk_leaves_the_last_good_site_and_nothing_else(good_site: tuple[Path, Path], tmp_path: Path,
                                                               tmpfs):
    disk = tmpfs(tmp_path / "disk", "64m")
    zoo = Path(shutil.copytree(good_site[0], tmp_path / "zoo"))
    out = disk / "site"
    assert build(zoo, out).returncode == 0
    before = snapshot(out)
    names = {path.relative_to(disk) for path in disk.rglob("*")}
    stats = os.statvfs(disk)
    filler = disk / "filler"
    with filler.open("wb") as handle:  # all but 1 MB: the site's fonts and scripts alone need more
        handle.write(b"\0" * (stats.f_bavail * stats.f_frsize - 1024 * 1024))
    used = _used(disk)
    change_the_zoo(zoo)
    done = build(zoo, out)
    assert done.returncode == 1
    message = done.stderr.strip().splitlines()
    assert len(message) == 1, done.stderr
    assert message[0].startswith(f"zoogen: cannot write the site {out}: No space left on device"), message[0]
    assert message[0].endswith("the last good site is left as it was; free some space and build again")
    assert "zoogen-staging" not in message[0]  # no folder that is gone by now
    assert snapshot(out) == before
    assert {path.relative_to(disk) for path in disk.rglob("*")} == names | {Path("filler")}
    assert abs(_used(disk) - used) <= 64 * 1024  # the staging's megabytes are given back
    filler.unlink()
    done = build(zoo, out)
    assert done.returncode == 0, done.stderr
    assert CHANGED in the_page(out)
    assert_complete(out)


def _used(folder: Path) -> int:
    stats = os.statvfs(folder)
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize


def _processes_naming(out: Path) -> list[int]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(out).encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found
