"""A submission's values, checked once: the resources of its tasks (`SlurmOptions`) and its folder (`SlurmJob`).

Every value that lands in a script is checked here, before anything is written: no value may hold a
newline, NUL or other control character (it would end a ``#SBATCH`` line or a comment and start a
command), and a value of an ``#SBATCH`` line must be one plain word that ``sbatch`` reads as it is.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

SLURM_DIR = ".slurm"
JOB_FILE = "job.json"

# sbatch reads an "#SBATCH" line as words: whitespace splits them, quotes group them, a backslash escapes
# and an unquoted "#" ends the line (src/sbatch/opt.c, _get_argument). A value made only of printable ASCII
# other than these is one word that sbatch takes literally, whatever its version.
SBATCH_WORD = re.compile(r"[!$-&(-\[\]-~]+")  # printable ASCII without space, ", #, ', \
_PARTITION = re.compile(r"[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*")
# sbatch --time: minutes, minutes:seconds, hours:minutes:seconds, days-hours[:minutes[:seconds]], or no limit
_TIME = re.compile(r"\d+(:\d+){0,2}|\d+-\d+(:\d+){0,2}|UNLIMITED|INFINITE", re.IGNORECASE)
_MEM = re.compile(r"\d+[KMGT]?", re.IGNORECASE)  # sbatch --mem: a size, megabytes by default


class SlurmError(Exception):
    """Slurm refused or is not there (``sbatch`` missing, a submission rejected, no such job folder)."""


class InvalidValue(ValueError):
    """A value that cannot go into a Slurm script; ``field`` names what it was given as."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


def control_character(text: str) -> str | None:
    """The first newline, NUL or other control (or line/paragraph separator) character of ``text``, or None."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return char
    return None


def require_plain(field_name: str, value: str | os.PathLike[str]) -> str:
    """``value`` as a string, or `InvalidValue` when it holds a control character."""
    text = os.fspath(value)
    char = control_character(text)
    if char is not None:
        raise InvalidValue(field_name, f"a control character ({char!r}) cannot go into a Slurm script: {text!r}")
    return text


def _require_word(field_name: str, value: str, pattern: re.Pattern[str], what: str) -> str:
    require_plain(field_name, value)
    if not pattern.fullmatch(value):
        raise InvalidValue(field_name, f"{value!r} is not {what}")
    return value


@dataclass(frozen=True)
class SlurmOptions:
    """The resources of each array task, validated: each becomes one ``#SBATCH`` line of the scripts.

    Raises `InvalidValue` (its ``field`` is the attribute's name) for a value ``sbatch`` would not read as
    one plain word, and for GPUs without their task count.
    """

    shards: int
    partition: str | None = None
    gpus_per_task: int = 0
    cpus_per_task: int = 1
    array_parallelism: int | None = None
    time_limit: str | None = None
    mem: str | None = None
    extra: tuple[str, ...] = ()  # further sbatch options, one per #SBATCH line ("--account=abc")

    def __post_init__(self) -> None:
        for name in ("shards", "gpus_per_task", "cpus_per_task", "array_parallelism"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise InvalidValue(name, f"{value!r} is not a count")
        if self.shards < 1 or self.cpus_per_task < 1 or self.array_parallelism == 0:
            raise InvalidValue("shards", "shards, CPUs per task and the array's parallelism are at least 1")
        if self.partition is not None:
            _require_word("partition", self.partition, _PARTITION,
                          "a partition name (letters, digits, '_', '.', '-'; several separated by ',')")
        if self.time_limit is not None:
            _require_word("time_limit", self.time_limit, _TIME,
                          "a Slurm time limit (minutes, [H:]M:S, D-H[:M[:S]] or UNLIMITED)")
        if self.mem is not None:
            _require_word("mem", self.mem, _MEM, "a Slurm memory size (a number with an optional K, M, G or T)")
        for option in self.extra:
            _require_word("extra", option, SBATCH_WORD,
                          "one sbatch option without spaces, quotes, backslashes or '#' (e.g. --account=abc)")
            if not option.startswith("-"):
                raise InvalidValue("extra", f"{option!r} is not an sbatch option (it starts with '-')")


@dataclass
class SlurmJob:
    """One submission's folder and its ``job.json``."""

    directory: Path
    results_dir: Path
    shards: int
    models: list[list[str]]  # the model names of each shard, shard 1 first
    date: str  # when it was made (UTC)
    command: str
    array_parallelism: int | None = None
    submissions: list[dict[str, object]] = field(default_factory=list)  # {"array", "merge", "shards", "date"}
    seeded: dict[str, int] = field(default_factory=dict)  # records copied in by --resume: path -> mtime_ns

    @property
    def name(self) -> str:
        return self.directory.name

    def shard_dir(self, index: int) -> Path:
        return self.directory / f"shard-{index}"

    def shard_log(self, index: int) -> Path:
        return self.directory / "logs" / f"shard-{index}.log"

    @property
    def merge_log(self) -> Path:
        return self.directory / "logs" / "merge.log"

    def shard_exit(self, index: int) -> Path:
        return self.directory / "state" / f"shard-{index}.exit"

    def merge_exit(self, merge_id: str) -> Path:
        return self.directory / "state" / f"merge-{merge_id}.exit"

    @property
    def array_id(self) -> str | None:
        return str(self.submissions[-1]["array"]) if self.submissions and self.submissions[-1]["array"] else None

    @property
    def merge_id(self) -> str | None:
        return str(self.submissions[-1]["merge"]) if self.submissions else None

    def save(self) -> None:
        data = {key: value for key, value in asdict(self).items() if key != "directory"}
        data["results_dir"] = str(self.results_dir)
        write_atomic(self.directory / JOB_FILE, json.dumps(data, indent=2) + "\n")


def check_plain(values: Iterable[tuple[str, str | os.PathLike[str]]]) -> None:
    """`require_plain` for each ``(field, value)``."""
    for field_name, value in values:
        require_plain(field_name, value)


def write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def list_jobs(results_dir: Path) -> list[Path]:
    """The job folders under ``<results>/.slurm/``, oldest first."""
    base = Path(results_dir) / SLURM_DIR
    return sorted(p for p in base.glob("*") if (p / JOB_FILE).is_file()) if base.is_dir() else []


def load_job(results_dir: Path, name: str | None = None) -> SlurmJob:
    """The job folder ``name`` under ``<results>/.slurm/`` (default: the newest)."""
    jobs = list_jobs(results_dir)
    if not jobs:
        raise SlurmError(f"no Slurm submission under {Path(results_dir) / SLURM_DIR} "
                         "(submit one with zoogen verify --slurm)")
    if name is None:
        directory = jobs[-1]
    else:
        matches = [p for p in jobs if p.name == name or p.name.startswith(name)]
        if len(matches) != 1:
            known = ", ".join(p.name for p in jobs[-5:])
            raise SlurmError(f"no single Slurm submission {name!r} under {Path(results_dir) / SLURM_DIR} "
                             f"(recent: {known})")
        directory = matches[0]
    path = directory / JOB_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SlurmJob(
            directory=directory, results_dir=Path(data["results_dir"]), shards=int(data["shards"]),
            models=[list(map(str, names)) for names in data["models"]], date=str(data["date"]),
            command=str(data["command"]), array_parallelism=data.get("array_parallelism"),
            submissions=list(data.get("submissions") or []),
            seeded={str(k): int(v) for k, v in (data.get("seeded") or {}).items()},
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SlurmError(f"{path}: not a zoogen Slurm job file ({exc})") from None
