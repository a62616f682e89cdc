"""The output folder of `zoogen build` under faults: one build at a time, staging on the output's own file
system, nothing left behind.

- **Lock.** An exclusive lock (``filelock``: ``flock`` on a file beside the output, released by the kernel
  when a build dies) serialises builds into one ``--out``: the second waits, or fails at once (``--no-wait``).
- **Staging.** Each build writes into a hidden folder beside ``--out`` (``.<out>.zoogen-staging-*``), on the
  same file system, so each part moves into place with one ``rename``. When ``--out`` is a mount point (its
  parent is another file system), the staging folder and the lock live inside it instead (``.zoogen-*``).
- **Cleanup.** The staging folder is removed when the build ends, whatever way it ends (an error, Ctrl-C,
  SIGTERM); one left by a killed build (SIGKILL, power loss) is removed by the next build, under the lock.
- **Full disk.** Nothing is swapped in until every language built: a write that fails (``ENOSPC``) leaves
  the last good site and, once the staging folder is gone, nothing else.
"""

from __future__ import annotations

import errno
import glob
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from zoogen.errors import ZoogenError

LEGACY_STAGING = "staging-*"  # where zoogen <= 0.x staged: in the cache folder (another file system, maybe)


@dataclass(frozen=True)
class OutputPlaces:
    """Where the lock and the staging folders of one output folder live."""

    out: Path
    lock: Path
    staging_parent: Path
    staging_prefix: str

    def stale_staging(self) -> list[Path]:
        """Staging folders of earlier builds (both places: the output may have become a mount point)."""
        beside = self.out.parent.glob(f".{glob.escape(self.out.name)}.zoogen-staging-*")
        within = self.out.glob(".zoogen-staging-*") if self.out.is_dir() else []
        return [path for path in (*beside, *within) if path.is_dir() and not path.is_symlink()]


def output_places(out: Path) -> OutputPlaces:
    """The lock and staging of ``out`` (which exists): beside it, or inside it when it is a mount point."""
    out = out.resolve()
    if _same_file_system(out, out.parent):
        return OutputPlaces(out, out.parent / f".{out.name}.zoogen-lock", out.parent, f".{out.name}.zoogen-staging-")
    return OutputPlaces(out, out / ".zoogen-lock", out, ".zoogen-staging-")


def _same_file_system(path: Path, other: Path) -> bool:
    return path == other or path.stat().st_dev == other.stat().st_dev


@contextmanager
def output_lock(out: Path, *, wait: bool = True, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the exclusive lock of ``out`` within the block; another holder: wait (saying so), or fail."""
    from filelock import FileLock, Timeout

    path = output_places(out).lock
    lock = FileLock(str(path))
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if not wait:
                raise ZoogenError(f"another zoogen build is writing to {out} (it holds {path}); run this one "
                                  "when it has finished, or leave out --no-wait to wait for it") from None
            if on_wait is not None:
                on_wait(f"another zoogen build is writing to {out}; waiting for it to finish (lock: {path})")
            lock.acquire()
    except OSError as error:
        raise ZoogenError(f"cannot lock {out} ({path}): {error.strerror or error}") from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def staging_folder(out: Path, leftovers: Iterable[Path] = ()) -> Iterator[Path]:
    """A new staging folder on ``out``'s file system, removed when the block ends, however it ends.

    Call under `output_lock`: staging folders of earlier builds (and ``leftovers``, e.g. the cache's old
    staging folders) are removed first.
    """
    places = output_places(out)
    for stale in (*places.stale_staging(), *leftovers):
        shutil.rmtree(stale, ignore_errors=True)
    try:
        folder = Path(tempfile.mkdtemp(prefix=places.staging_prefix, dir=places.staging_parent))
    except OSError as error:
        raise write_failure(error, out) from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def finish_interrupted_swaps(out: Path, parts: Iterable[str]) -> None:
    """Undo what a build killed in the middle of a swap left in ``out``: a ``.<part>.old`` folder is put back
    when ``<part>`` is missing (it is the last good one), else removed."""
    for part in parts:
        old = out / f".{part}.old"
        if not old.is_dir() or old.is_symlink():
            continue
        if (out / part).exists():
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(old, out / part)


def swap_into_place(new: Path, final: Path) -> None:
    """Replace ``final`` by ``new`` (same file system); the old tree is removed only once the new one is in
    place. Runs under `output_lock`: no other build moves these folders meanwhile."""
    old = final.with_name(f".{final.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        os.replace(final, old)
    try:
        os.replace(new, final)
    except OSError:
        if old.exists() and not final.exists():
            os.replace(old, final)  # the last good part back
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``path`` through a temporary file beside it: a full disk leaves the old file whole."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def write_failure(error: OSError, out: Path) -> ZoogenError:
    """One message for a write that failed while building ``out`` (a full disk first of all)."""
    what = error.strerror or str(error)
    staged = error.filename and "zoogen-staging-" in str(error.filename)  # gone by the time this is read
    where = f" ({error.filename})" if error.filename and not staged else ""
    hint = "; free some space and build again" if error.errno in DISK_FULL else ""
    return ZoogenError(f"cannot write the site {out}: {what}{where}; the last good site is left as it "
                       f"was{hint}")


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the build is, so that its cleanup runs as on Ctrl-C."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM interrupts the main thread as Ctrl-C does (elsewhere: nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
