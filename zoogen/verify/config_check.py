"""What a model's config pulls in, read without running it: safety checks and a content fingerprint.

An MMDetection config is Python that mmengine executes (``Config.fromfile``). `config_chain` follows its
``_base_`` files (``_base_ = [...]`` and the ``with read_base(): from .x import *`` style) by parsing them
with `ast`, so zoogen can refuse a config before anything of it runs:

* a config, or one of its ``_base_`` files, outside ``--configs-root`` (the installed mmdet's configs by
  default) -- a metafile's ``Config: ../../evil/x.py`` must not run;
* a config that sets ``custom_imports`` (it imports arbitrary modules when loaded);

unless ``--trust-configs`` is given. `config_fingerprint` hashes the whole chain, so ``zoogen verify plan``
sees a change in any ``_base_`` file.
"""

from __future__ import annotations

from pathlib import Path

from zoogen.meta.config_chain import ConfigChain, config_chain, config_fingerprint, inside

__all__ = ["ConfigRefused", "ConfigChain", "check_config", "config_chain", "config_fingerprint"]


class ConfigRefused(Exception):
    """A config that would run code zoogen has not been told to trust."""


def check_config(config_file: Path, configs_root: Path | None, *, trust: bool) -> ConfigChain:
    """Refuse (`ConfigRefused`) a config whose chain leaves ``configs_root`` or sets ``custom_imports``.

    With ``trust`` nothing is refused (the caller says so once per run).
    """
    chain = config_chain(config_file)
    if trust:
        return chain
    advice = ("A config is Python that mmengine executes; pass --trust-configs to run the zoo's own Python "
              "(at your risk).")
    outside = [p for p in chain.files if configs_root is None or not inside(configs_root, p)]
    if outside:
        where = f"--configs-root {configs_root}" if configs_root is not None else "a configs root"
        first = outside[0] if outside[0] != chain.files[0] else config_file
        what = "the config" if first == config_file else f"its _base_ file {first}"
        raise ConfigRefused(f"refused to run config {config_file.name}: {what} lies outside {where}. {advice}")
    if chain.custom_imports:
        raise ConfigRefused(
            f"refused to run config {config_file.name}: {chain.custom_imports[0].name} sets custom_imports, "
            f"which imports modules when the config is loaded. {advice}"
        )
    return chain
