"""Key spelling: the variants the ``modelindex`` library accepts map to one canonical key.

``In Collection``, ``in_collection`` and ``IN COLLECTION`` are the same key: comparison ignores case,
treats ``_`` as a space and folds runs of white space.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

MODEL_INDEX_KEYS = ("Import", "Collections", "Models")
# "License", "Framework(s)" and "Training log" are MMSegmentation's: known, so that its metafiles load without
# warnings; a training log is the model's Log.
COLLECTION_KEYS = ("Name", "Metadata", "Paper", "Code", "README", "Image", "Models", "License", "Frameworks")
MODEL_KEYS = (
    "Name", "In Collection", "Config", "Metadata", "Results", "Weights", "Paper", "Code", "README",
    "Alias", "Converted From", "Image", "Log", "Tolerance", "Zoo", "Verify", "Training log", "Framework",
)
RESULT_KEYS = ("Task", "Dataset", "Metrics")
PAPER_KEYS = ("URL", "Title")
CODE_KEYS = ("URL", "Version")
CONVERTED_FROM_KEYS = ("Weights", "Code")


@lru_cache(maxsize=8192)
def fold(key: str) -> str:
    """The comparison form of a key (cached: the renderers and plots fold the same few keys again and again)."""
    return " ".join(key.replace("_", " ").split()).casefold()


def canonical_keys(mapping: Mapping[Any, Any], known: Iterable[str]) -> tuple[dict[str, Any], list[str]]:
    """Rename the keys of ``mapping`` to their canonical spelling.

    Returns the renamed mapping and the original keys that match nothing in ``known`` (kept as they are).
    """
    by_fold = {fold(name): name for name in known}
    renamed: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in mapping.items():
        name = by_fold.get(fold(str(key)))
        if name is None:
            unknown.append(str(key))
            name = str(key)
        renamed[name] = value
    return renamed, unknown


def original_key(mapping: Mapping[Any, Any], canonical: str) -> Any:
    """The key as spelled in ``mapping`` that folds to ``canonical`` (for line look-ups)."""
    target = fold(canonical)
    for key in mapping:
        if fold(str(key)) == target:
            return key
    return canonical
