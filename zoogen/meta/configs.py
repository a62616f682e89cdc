"""Where a metafile's ``Config`` lives under a configs root: the one resolver `zoogen check` and
`zoogen verify` share, so they never disagree about a config.

Tried in order, each step saying how the file was found (``ResolvedConfig.via``):

1. ``exact``: the path as written, under the root with or without its leading ``configs/`` (so the root
   may be MMDetection's ``configs`` folder or the folder holding it), or an absolute path;
2. ``renamed (table)``: the MMDetection 2.x name rewritten by the rules of ``config_renames.yml``
   (explicit file renames, folder moves, text rewrites, the method part spelled with ``-``);
3. ``same words (table)``: the one file of the (renamed) folder whose name has the same words, in any
   order, once the table's word rules are applied (3.x moved words between the ``_`` fields, e.g.
   ``r50_fpn_dconv_c3-c5`` -> ``r50-dconv-c3-c5_fpn``). Several such files: no answer (ambiguous).

The table is data (`RenameTable`, loaded from the YAML file shipped in the package); a zoo of 2.x names
other than the bundled one resolves through it without code changes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePath, PurePosixPath
from typing import Any

import yaml

VIA_EXACT = "exact"
VIA_RENAMED = "renamed (table)"
VIA_WORDS = "same words (table)"

_WORD_SPLIT = re.compile(r"[_+-]+")


@dataclass(frozen=True)
class ResolvedConfig:
    """The config file a ``Config`` resolved to, and how."""

    path: Path  # the file found
    name: str  # as MMDetection's metafiles name it: ``configs/<folder>/<file>.py`` (absolute: as written)
    via: str  # VIA_EXACT | VIA_RENAMED | VIA_WORDS
    rule: str | None  # the table rule(s) used, None for an exact match
    inside_root: bool  # False: the file is outside the configs root (absolute, ``..``, a link out)

    def describe(self) -> str:
        """One line for a record or a message: ``configs/x/y.py (renamed (table): _mstrain_ -> _ms-)``."""
        return self.name if self.rule is None else f"{self.name} ({self.via}: {self.rule})"


@dataclass(frozen=True)
class Rewrite:
    """Replace ``old`` by ``new`` in a file stem (literal text)."""

    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.old} -> {self.new}"


@dataclass(frozen=True)
class RenameTable:
    """The data driving the 2.x -> 3.x fallback (see ``config_renames.yml`` for each part)."""

    files: dict[str, str]  # "folder/old.py" -> "folder/new.py"
    folders: dict[str, tuple[str, ...]]  # old folder -> folders to look in, in order
    methods: tuple[str, ...]  # stem prefixes that 3.x spells with "-" (longest first)
    rewrites: tuple[Rewrite, ...]  # applied in order to the stem
    words: dict[str, str]  # word -> word ("" drops it) before comparing words
    word_patterns: tuple[tuple[re.Pattern[str], str], ...]  # regex word rewrites
    optional_words: tuple[re.Pattern[str], ...]  # words one side may lack (batch sizes...)

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> RenameTable:
        """Build from the parsed YAML; raises ``ValueError`` naming the bad part."""
        if not isinstance(data, dict):
            raise ValueError("the rename table must be a mapping")
        try:
            folders = {str(k): tuple(str(f) for f in (v if isinstance(v, list) else [v]))
                       for k, v in (data.get("folders") or {}).items()}
            methods = tuple(sorted((str(m) for m in data.get("methods") or []), key=len, reverse=True))
            rewrites = tuple(Rewrite(str(r["from"]), str(r["to"])) for r in data.get("rewrites") or [])
            words = {str(k): "" if v is None else str(v) for k, v in (data.get("words") or {}).items()}
            patterns = tuple((re.compile(f"^(?:{p['pattern']})$"), str(p["to"]))
                             for p in data.get("word_patterns") or [])
            optional = tuple(re.compile(f"^(?:{p})$") for p in data.get("optional_words") or [])
            files = {str(k): str(v) for k, v in (data.get("files") or {}).items()}
        except (AttributeError, KeyError, TypeError, re.error) as exc:
            raise ValueError(f"malformed rename table: {exc}") from None
        return cls(files, folders, methods, rewrites, words, patterns, optional)

    def rewrite_stem(self, stem: str, folder: str = "") -> tuple[str, list[str]]:
        """The stem with the method part spelled with ``-`` and the text rewrites applied; rules used.

        The method part is the longest of the table's ``methods``, else the folder's name
        (`mmdet3_spelling`), that starts the stem.
        """
        used: list[str] = []
        for method in (*self.methods, folder):
            spelled = _spell_method(stem, method)
            if spelled != stem:
                stem = spelled
                used.append(f"{method}_ -> {method.replace('_', '-')}_")
                break
        for rule in self.rewrites:
            if rule.old in stem:
                stem = stem.replace(rule.old, rule.new)
                used.append(str(rule))
        return stem, used

    def words_of(self, stem: str) -> Counter[str]:
        """The comparison words of a stem (split on ``_``, ``-``, ``+``), table word rules applied."""
        found: Counter[str] = Counter()
        for word in _WORD_SPLIT.split(stem.lower()):
            word = self.words.get(word, word)
            for pattern, replacement in self.word_patterns:
                word = pattern.sub(replacement, word)
            if word:
                found[word] += 1
        return found

    def loosely_equal(self, first: Counter[str], second: Counter[str]) -> bool:
        """Same words but for optional ones, those of one name all found in the other."""
        optional = [self._optional(first), self._optional(second)]
        if first - optional[0] != second - optional[1]:
            return False
        return not optional[0] - optional[1] or not optional[1] - optional[0]

    def _optional(self, words: Counter[str]) -> Counter[str]:
        return Counter({w: n for w, n in words.items() if any(p.match(w) for p in self.optional_words)})


def mmdet3_spelling(relative: PurePath) -> PurePath:
    """The MMDetection 3 name of a 2.x config: the method part (the folder's words) joined with ``-``.

    ``faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py`` -> ``faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py``.
    """
    return relative.with_name(_spell_method(relative.name, relative.parent.name))


def _spell_method(name: str, method: str) -> str:
    """``name`` with its leading ``method`` (words joined by ``_``) joined by ``-`` instead."""
    if "_" in method and name.startswith(method + "_"):
        return method.replace("_", "-") + name[len(method):]
    return name


def load_rename_table(path: Path | None = None) -> RenameTable:
    """The table shipped in the package (``zoogen/meta/config_renames.yml``), or the one at ``path``."""
    if path is None:
        return _packaged_table()
    return RenameTable.from_mapping(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


@lru_cache(maxsize=1)
def _packaged_table() -> RenameTable:
    text = resources.files("zoogen.meta").joinpath("config_renames.yml").read_text(encoding="utf-8")
    return RenameTable.from_mapping(yaml.safe_load(text) or {})


def resolve_config(configs_root: Path | None, config: str | None, *,
                   table: RenameTable | None = None) -> ResolvedConfig | None:
    """The file under ``configs_root`` that a metafile ``Config`` names, or None when there is none.

    A result may lie outside the root (an absolute path, ``..``, a symbolic link):
    ``ResolvedConfig.inside_root`` says so, and callers that execute configs must refuse it.
    Without a root only an absolute ``Config`` can resolve.
    """
    if not config:
        return None
    written = PurePosixPath(config.replace("\\", "/"))
    if written.is_absolute():
        path = Path(written)
        if not path.is_file():
            return None
        inside = configs_root is not None and _is_inside(configs_root, path)
        return ResolvedConfig(path=path, name=str(written), via=VIA_EXACT, rule=None, inside_root=inside)
    if configs_root is None:
        return None
    relative = PurePosixPath(*written.parts[1:]) if written.parts[:1] == ("configs",) else written
    for candidate in dict.fromkeys([written, relative]):
        if (configs_root / candidate).is_file():
            return _found(configs_root, configs_root / candidate, None, VIA_EXACT, None)
    if ".." in relative.parts or not relative.parts:
        return None  # renames only ever apply to a plain folder/file name
    holder = written.parts[:1] == ("configs",) and (configs_root / "configs").is_dir()
    return _renamed(configs_root / "configs" if holder else configs_root, relative, table or load_rename_table())


def _renamed(root: Path, relative: PurePosixPath, table: RenameTable) -> ResolvedConfig | None:
    explicit = table.files.get(relative.as_posix())
    if explicit is not None and (root / explicit).is_file():
        return _found(root, root / explicit, None, VIA_RENAMED, f"file {relative.as_posix()} -> {explicit}")
    folder = relative.parent.as_posix()
    folders = [root / f for f in table.folders.get(folder, (folder,)) if (root / f).is_dir()]
    stem, used = table.rewrite_stem(relative.stem, relative.parent.name)
    for directory in folders:
        path = directory / (stem + relative.suffix)
        if path.is_file():
            return _found(root, path, None, VIA_RENAMED, "; ".join(used + _moved(root, folder, directory)))
    wanted = table.words_of(stem)
    exact_words: list[Path] = []
    loose_words: list[Path] = []
    for directory in folders:
        for path in sorted(directory.glob("*" + relative.suffix)):
            words = table.words_of(path.stem)
            if words == wanted:
                exact_words.append(path)
            elif table.loosely_equal(words, wanted):
                loose_words.append(path)
    for pool in (exact_words, loose_words):
        if len(pool) == 1:
            rules = used + ["same words" + (" less optional ones" if pool is loose_words else "")]
            return _found(root, pool[0], None, VIA_WORDS, "; ".join(rules + _moved(root, folder, pool[0].parent)))
        if len(pool) > 1:
            return None  # ambiguous: no guess
    return None


def _moved(root: Path, folder: str, directory: Path) -> list[str]:
    new = directory.relative_to(root).as_posix()
    return [] if new == folder else [f"folder {folder} -> {new}"]


def _found(root: Path, path: Path, name: str | None, via: str, rule: str | None) -> ResolvedConfig:
    inside = _is_inside(root, path)
    if name is None:
        if inside:
            relative = path.resolve().relative_to(root.resolve()).as_posix()
            name = relative if relative.startswith("configs/") else f"configs/{relative}"
        else:
            name = str(path)
    return ResolvedConfig(path=path, name=name, via=via, rule=rule, inside_root=inside)


def _is_inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    return True
