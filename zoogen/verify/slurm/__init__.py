"""``zoogen verify`` as a Slurm job array: generated ``sbatch`` scripts, submission, progress read from disk.

One submission is a folder ``<results>/.slurm/<job id>/`` holding everything about it, readable by hand:

* ``shard.sbatch`` -- the array script: task ``I`` runs ``zoogen verify ... --shard I/N --resume`` into
  ``shard-I/`` (``#SBATCH --requeue``: a pre-empted task starts again and skips the models it finished);
* ``merge.sbatch`` -- the merge job (``--dependency=afterany`` on the array): once every shard finished it
  runs ``zoogen verify merge shard-1 ... shard-N --into <results>``; when one did not, it merges nothing
  and says which shards to resubmit;
* ``job.json`` -- what was submitted (the models of each shard, the Slurm job ids of each submission);
* ``state/shard-I.exit``, ``state/merge-<job>.exit`` -- the exit status of each finished task;
* ``logs/shard-I.log``, ``logs/merge.log`` -- the tasks' output (appended across attempts).

One job per module, imported in this order: `job` (the validated values and the folder), `scripts` (the
scripts' text, pure functions), `submission` (the folder written, ``sbatch``), `progress` (records counted,
``squeue``/``sacct``). Nothing here imports torch: submission runs on a login node.
"""

from zoogen.verify.slurm.job import (
    JOB_FILE,
    SLURM_DIR,
    InvalidValue,
    SlurmError,
    SlurmJob,
    SlurmOptions,
    control_character,
    list_jobs,
    load_job,
)
from zoogen.verify.slurm.progress import (
    TERMINAL_STATES,
    JobProgress,
    ShardProgress,
    job_progress,
    run_records,
    slurm_states,
)
from zoogen.verify.slurm.scripts import merge_script, shard_script
from zoogen.verify.slurm.submission import array_ranges, create_job, seed_shards, submit

__all__ = [
    "JOB_FILE", "SLURM_DIR", "TERMINAL_STATES", "InvalidValue", "JobProgress", "ShardProgress", "SlurmError",
    "SlurmJob", "SlurmOptions", "array_ranges", "control_character", "create_job", "job_progress", "list_jobs",
    "load_job", "merge_script", "run_records", "seed_shards", "shard_script", "slurm_states", "submit",
]
