"""The text of a submission's scripts: pure functions of its validated values, nothing written or run.

Each value lands in one of three places, and is written for that place only:

* an ``#SBATCH`` line: a validated plain word (`sbatch_line`), never quoted, since sbatch splits these
  lines by its own rules, not the shell's;
* a shell assignment at the top of the script body: one ``shlex.quote``-d word (`assign`, `assign_array`);
  the commands below only expand the variables (``"$job_dir"``, ``"${verify[@]}"``), so no value is ever
  inside a double-quoted string or parsed as shell;
* a comment: the command line that wrote the script, one line (`comment`).

Paths may hold spaces, quotes, ``$(...)`` or backticks; no value may hold a control character
(`InvalidValue`). The tasks' log files are not named in the scripts: sbatch gets them as ``--output`` on its
command line (`output_option`), where a path needs no quoting.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from pathlib import Path

from zoogen.verify.slurm.job import SBATCH_WORD, InvalidValue, SlurmJob, SlurmOptions, require_plain

SHARD_SCRIPT = "shard.sbatch"
MERGE_SCRIPT = "merge.sbatch"


def shell_word(field_name: str, value: str | os.PathLike[str]) -> str:
    """``value`` as one shell word (`shlex.quote`)."""
    return shlex.quote(require_plain(field_name, value))


def assign(name: str, value: str | os.PathLike[str] | int) -> str:
    """``name=<value as one shell word>``."""
    return f"{name}={value}" if isinstance(value, int) else f"{name}={shell_word(name, value)}"


def assign_array(name: str, words: Sequence[str | os.PathLike[str]]) -> str:
    """``name=(<word> <word> ...)``, a bash array of quoted words."""
    return f"{name}=({' '.join(shell_word(name, word) for word in words)})"


def comment(text: str) -> str:
    """``# text``, one line."""
    return f"# {require_plain('comment', text)}"


def sbatch_line(option: str, value: str | int | None = None) -> str:
    """``#SBATCH --option[=value]``; `InvalidValue` unless each part is one word sbatch reads literally."""
    text = option if value is None else f"{option}={value}"
    if not text.startswith("-") or not SBATCH_WORD.fullmatch(require_plain(option, text)):
        raise InvalidValue(option.lstrip("-"), f"{text!r} cannot be an #SBATCH line")
    return f"#SBATCH {text}"


def output_option(directory: Path, file_pattern: str) -> str:
    """sbatch's ``--output=<directory>/<file_pattern>`` for its command line: ``%`` in ``directory`` doubled
    (sbatch expands ``%a``, ``%j``... in the pattern); a backslash (which turns the expansion off) refused."""
    path = require_plain("results_dir", directory)
    if "\\" in path:
        raise InvalidValue("results_dir", f"a backslash cannot be in a Slurm log path: {path!r}")
    return f"--output={path.replace('%', '%%')}/{file_pattern}"


def _task_lines(options: SlurmOptions, *, shard: bool) -> list[str]:
    lines = [sbatch_line("--ntasks", 1), sbatch_line("--cpus-per-task", options.cpus_per_task if shard else 1)]
    if shard and options.gpus_per_task:
        lines.append(sbatch_line("--gpus-per-task", options.gpus_per_task))  # Slurm >= 23.11 wants --ntasks
    if options.partition:
        lines.append(sbatch_line("--partition", options.partition))
    if shard:
        if options.time_limit:
            lines.append(sbatch_line("--time", options.time_limit))
        if options.mem:
            lines.append(sbatch_line("--mem", options.mem))
        lines.append(sbatch_line("--requeue"))
        lines.extend(sbatch_line(option) for option in options.extra)
    return lines


def shard_script(job: SlurmJob, options: SlurmOptions, *, python: str, cwd: Path, verify_args: Sequence[str]) -> str:
    """The array script: task ``I`` runs ``zoogen verify <verify_args> --results <job>/shard-I --shard I/N
    --resume`` in ``cwd`` with ``python``, then writes its exit status to ``state/shard-I.exit``."""
    array = f"1-{job.shards}" + (f"%{options.array_parallelism}" if options.array_parallelism else "")
    return "\n".join([
        "#!/bin/bash",
        f"# zoogen verify: the array of {job.shards} shard(s), task I verifying shard I; written by",
        comment(job.command),
        "# Log: logs/shard-I.log of this folder (sbatch --output, given on sbatch's command line).",
        sbatch_line("--job-name", "zoogen-verify"),
        sbatch_line("--array", array),
        sbatch_line("--open-mode", "append"),
        *_task_lines(options, shard=True),
        "set -u",
        "# The values, each one quoted shell word; the commands below only expand them.",
        assign("workdir", cwd),
        assign("job_dir", job.directory),
        assign("shards", job.shards),
        assign_array("verify", [python, "-m", "zoogen.cli", "verify", *verify_args]),
        'cd "$workdir" || exit 2',
        'export OMP_NUM_THREADS="${SLURM_CPUS_PER_TASK:-1}"',
        'i="$SLURM_ARRAY_TASK_ID"',
        'echo "zoogen: shard $i/$shards, attempt $((${SLURM_RESTART_COUNT:-0} + 1)), job ${SLURM_JOB_ID}'
        ' on $(hostname) at $(date -u +%FT%TZ)"',
        'rm -f "$job_dir/state/shard-$i.exit"',
        '"${verify[@]}" --results "$job_dir/shard-$i" --shard "$i/$shards" --resume',
        "rc=$?",
        'echo "$rc" > "$job_dir/state/.shard-$i.exit.tmp"'
        ' && mv "$job_dir/state/.shard-$i.exit.tmp" "$job_dir/state/shard-$i.exit"',
        'echo "zoogen: shard $i finished with exit status $rc at $(date -u +%FT%TZ)"',
        "# 0: every model verified; 1: some record is an error or drift (the records say which): the shard is done",
        '[ "$rc" -le 1 ] && exit 0 || exit "$rc"',
        "",
    ])


def merge_script(job: SlurmJob, options: SlurmOptions, *, python: str, cwd: Path) -> str:
    """The merge job: when every shard's exit file says it finished, ``zoogen verify merge shard-1 ...
    --into <results>``; otherwise nothing merged and the command that resubmits them printed."""
    resubmit = shlex.join(["zoogen", "verify", "resubmit", "--results", require_plain("results_dir", job.results_dir),
                           "--job", job.name])
    return "\n".join([
        "#!/bin/bash",
        f"# zoogen verify: merge the {job.shards} shard(s) into the results folder; written by",
        comment(job.command),
        "# Log: logs/merge.log of this folder (sbatch --output, given on sbatch's command line).",
        sbatch_line("--job-name", "zoogen-verify-merge"),
        sbatch_line("--open-mode", "append"),
        *_task_lines(options, shard=False),
        "set -u",
        "# The values, each one quoted shell word; the commands below only expand them.",
        assign("workdir", cwd),
        assign("job_dir", job.directory),
        assign("results", job.results_dir),
        assign("shards", job.shards),
        assign_array("merge", [python, "-m", "zoogen.cli", "verify", "merge"]),
        assign("resubmit", resubmit),
        'cd "$workdir" || exit 2',
        'echo "zoogen: merge, job ${SLURM_JOB_ID} at $(date -u +%FT%TZ)"',
        "unfinished=()",
        "shard_dirs=()",
        'for i in $(seq 1 "$shards"); do',
        '  shard_dirs+=("$job_dir/shard-$i")',
        '  rc=$(cat "$job_dir/state/shard-$i.exit" 2>/dev/null || true)',
        '  if [ -z "$rc" ] || [ "$rc" -gt 1 ]; then unfinished+=("$i"); fi',
        "done",
        'if [ "${#unfinished[@]}" -gt 0 ]; then',
        '  echo "zoogen: shard(s) ${unfinished[*]} of $shards did not finish: nothing merged;'
        ' resubmit them with: $resubmit" >&2',
        "  rc=3",
        "else",
        '  "${merge[@]}" "${shard_dirs[@]}" --into "$results"',
        "  rc=$?",
        "fi",
        'echo "$rc" > "$job_dir/state/.merge.exit.tmp"'
        ' && mv "$job_dir/state/.merge.exit.tmp" "$job_dir/state/merge-$SLURM_JOB_ID.exit"',
        'exit "$rc"',
        "",
    ])
