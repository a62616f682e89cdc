"""The same zoo renders the same pages in every process (string hashing differs per process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIGEST = """
import hashlib, sys
from pathlib import Path
from zoogen.meta import load_zoo
from zoogen.render import render_pages
pages = render_pages(load_zoo(Path(sys.argv[1])).zoo, {})
texts = sorted(pages.pages.items()) + sorted((language, sorted(p.pages.items()))
                                             for language, p in pages.localised.items())
print(hashlib.sha256(repr(texts).encode()).hexdigest())
"""


def _digest(seed: int) -> str:
    completed = subprocess.run([sys.executable, "-c", DIGEST, str(ROOT / "zoo_meta")], capture_output=True,
                               text=True, env={"PYTHONHASHSEED": str(seed), "PATH": "/usr/bin:/bin"}, check=True)
    return completed.stdout.strip()


def test_pages_do_not_depend_on_the_hash_seed():
    digests = {_digest(seed) for seed in (1, 2, 3)}
    assert len(digests) == 1
