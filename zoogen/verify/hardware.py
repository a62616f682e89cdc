"""Does a metafile's ``hardware`` name the GPU a measurement ran on?

Names match by whole tokens, never as substrings: ``V100`` names ``Tesla V100-SXM2-32GB`` but ``A10``
does not name ``NVIDIA A100-SXM4-40GB``, ``L4`` not ``NVIDIA L40S``, ``T4`` not ``NVIDIA T400``, ``V100``
not ``Tesla V100S-PCIE-32GB``. The rules:

* words that name no model (``NVIDIA``, ``Tesla``, ``GeForce``, ``GPU(s)``), a count (``8x``, ``x8``) and
  parenthesised notes are dropped;
* a memory size (``32G``, ``80GB``) is a condition: when both names give one they must agree
  (``A100-80G`` is not ``A100-SXM4-40GB``); when one side omits it, it is not compared;
* the remaining tokens of ``hardware`` must appear in a row in the device name (``RTX2080Ti`` and
  ``RTX 2080 Ti`` are alike: letters and digits run together match them apart), starting and ending on
  whole words of the device name, and not followed by a variant word (``Ti``, ``Super``, ``Ada``...) the
  hardware does not have (``GTX 1660`` is not ``GTX 1660 Ti``).
"""

from __future__ import annotations

import re

__all__ = ["hardware_matches", "hardware_tokens"]

_NOISE = frozenset({"nvidia", "tesla", "geforce", "gpu", "gpus", "card", "cards", "graphics"})
#: Words after a model number that make another product (GTX 1660 Ti, RTX 4080 Super, RTX 6000 Ada).
_VARIANTS = frozenset({"ti", "super", "s", "ada", "d", "xt", "max", "mobile", "laptop"})
_MEMORY = re.compile(r"(?<![a-z0-9])(\d+)\s*g(?:i?b)?(?![a-z0-9])")
_COUNT = re.compile(r"(?<![a-z0-9])(?:\d+\s*[x×]\s*(?=[a-z])|[x×]\s*\d+(?![a-z0-9]))")
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_WORD = re.compile(r"[a-z0-9]+")
_PIECE = re.compile(r"[a-z]+|\d+")


def _memory_gb(text: str) -> int | None:
    match = _MEMORY.search(text)
    return int(match.group(1)) if match else None


def hardware_tokens(name: str) -> tuple[list[list[str]], int | None]:
    """``name`` as words (each split into letter and digit pieces) without noise, and its memory in GB.

    ``"Tesla V100 (32G)"`` -> ``([["v", "100"]], 32)``.
    """
    text = name.casefold()
    memory = _memory_gb(text)
    text = _MEMORY.sub(" ", _PARENS.sub(" ", text))
    text = _COUNT.sub(" ", text)
    words = [w for w in _WORD.findall(text) if w not in _NOISE]
    return [_PIECE.findall(w) for w in words], memory


def _boundaries(words: list[list[str]]) -> tuple[list[str], set[int]]:
    """The pieces in a row and the piece indices at which a word starts (plus the end)."""
    pieces: list[str] = []
    starts = set()
    for word in words:
        starts.add(len(pieces))
        pieces.extend(word)
    starts.add(len(pieces))
    return pieces, starts


def hardware_matches(hardware: str | None, device_name: str | None) -> bool:
    """True when the metafile's ``hardware`` names the GPU ``device_name`` (module doc for the rules)."""
    if not hardware or not device_name:
        return False
    wanted_words, wanted_memory = hardware_tokens(hardware)
    device_words, device_memory = hardware_tokens(device_name)
    if wanted_memory is not None and device_memory is not None and wanted_memory != device_memory:
        return False
    wanted, _ = _boundaries(wanted_words)
    pieces, starts = _boundaries(device_words)
    if not wanted:
        return False
    for begin in range(len(pieces) - len(wanted) + 1):
        end = begin + len(wanted)
        if begin not in starts or end not in starts or pieces[begin:end] != wanted:
            continue
        if end < len(pieces) and pieces[end] in _VARIANTS:
            continue
        return True
    return False
