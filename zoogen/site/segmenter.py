"""jieba, the word segmenter of Sphinx's Chinese search, imported quietly and loaded on demand."""

from __future__ import annotations

import logging
import warnings
from types import ModuleType


def quiet_jieba() -> ModuleType | None:
    """jieba, logging only its warnings (it logs its dictionary loading on stderr); None when not installed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jieba 0.42 imports the deprecated pkg_resources
        try:
            import jieba
        except ImportError:
            return None
    jieba.setLogLevel(logging.WARNING)
    return jieba


def load_segmenter() -> None:
    """Load jieba's dictionary now (about 0.6 s), as a language process does before it has work."""
    jieba = quiet_jieba()
    if jieba is not None:
        jieba.initialize()
