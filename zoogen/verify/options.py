"""What ``zoogen verify`` was asked to do, and the error of a run that cannot start."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from zoogen.verify.fetch import MinimumRate

__all__ = ["SPEED_IMAGES", "RunError", "VerifyOptions"]

SPEED_IMAGES = 2000


class RunError(Exception):
    """Something wrong with the run as a whole (data, configs, results or cache folder): no model starts."""


@dataclass
class VerifyOptions:
    """What ``zoogen verify`` was asked to do (the CLI's options)."""

    results_dir: Path = Path("results")
    data_root: Path = Path("data/coco")
    configs_root: Path | None = None  # None: the configs shipped by the zoo's installed library
    cache_dir: Path | None = None  # None: zoogen.verify.fetch.default_cache_dir()
    zoo_dir: Path | None = None  # for the zoo's git commit in the records
    max_images: int | None = None
    speed_images: int = SPEED_IMAGES
    resume: bool = False
    trust_checkpoints: bool = False
    trust_configs: bool = False  # run configs from outside configs_root / with custom_imports
    fuse_conv_bn: bool = False
    command: str | None = None
    rate: MinimumRate = field(default_factory=MinimumRate)  # slowest download tolerated
    mirrors: list[tuple[str, str]] = field(default_factory=list)  # (primary prefix, mirror prefix)
