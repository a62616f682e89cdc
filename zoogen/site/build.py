"""``zoogen build``: one Sphinx build per language, each written atomically into ``<out>/<language>``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from zoogen.errors import ZoogenError

CONF_DIR = Path(__file__).resolve().parents[2]


@dataclass
class BuildResult:
    language: str
    output: Path
    seconds: float


def sphinx_command(builder: str, source: Path, output: Path, zoo: Path, results: Path | None,
                   language: str, strict: bool) -> list[str]:
    command = [
        sys.executable, "-m", "sphinx", "-b", builder, "-q", "-E", "-W", "--keep-going",
        "-c", str(CONF_DIR), "-D", f"language={language}", "-D", f"zoogen_zoo={zoo}",
        "-D", f"zoogen_strict={int(strict)}",
        "-D", f"zoogen_results={results if results else ''}",
        str(source), str(output),
    ]
    return command


def run_sphinx(command: list[str]) -> None:
    """Run Sphinx; on failure raise with its own messages (they name file and line)."""
    completed = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    if completed.returncode != 0:
        output = (completed.stderr or completed.stdout).strip()
        raise ZoogenError(f"Sphinx failed:\n{output}")


def build_language(zoo: Path, out_dir: Path, language: str, *, results: Path | None, strict: bool) -> BuildResult:
    """Build one language into a staging folder next to ``out_dir/language``, then swap it in."""
    import time

    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / language
    with tempfile.TemporaryDirectory(prefix=f".zoogen-{language}-", dir=out_dir) as staging:
        staging_path = Path(staging)
        source = staging_path / "src"
        source.mkdir()
        html = staging_path / "html"
        run_sphinx(sphinx_command("html", source, html, zoo, results, language, strict))
        swap_into_place(html, final)
    return BuildResult(language, final, time.perf_counter() - started)


def swap_into_place(new: Path, final: Path) -> None:
    """Replace ``final`` by ``new``; the old tree is removed only once the new one is in place."""
    old = final.with_name(f".{final.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        os.replace(final, old)
    os.replace(new, final)
    if old.exists():
        shutil.rmtree(old)
