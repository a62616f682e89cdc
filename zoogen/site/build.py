"""``zoogen build``: one Sphinx build per language into staging folders, swapped into ``<out>/<language>``
only when every language built: a failed build leaves the previous output untouched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from zoogen.errors import ZoogenError
from zoogen.export.files import EXPORTS_DIR
from zoogen.export.publish import stage_exports

REDIRECT = """<!DOCTYPE html>
<meta charset="utf-8"><title>Model Zoo</title>
<meta http-equiv="refresh" content="0; url={language}/index.html">
<a href="{language}/index.html">{language}</a>
"""


@dataclass
class BuildResult:
    language: str
    output: Path
    seconds: float


def sphinx_command(builder: str, source: Path, output: Path, zoo: Path, results: Path | None,
                   language: str, strict: bool) -> list[str]:
    """The ``python -m sphinx`` call shared by the site build and the catalog extraction."""
    return [
        sys.executable, "-m", "sphinx", "-b", builder, "-q", "-E", "-W", "--keep-going",
        "-c", str(standalone_conf_dir()), "-D", f"language={language}", "-D", f"zoogen_zoo={zoo}",
        "-D", f"zoogen_strict={int(strict)}", "-D", f"zoogen_results={results or ''}",
        str(source), str(output),
    ]


def standalone_conf_dir() -> Path:
    """The package's own Sphinx configuration folder (a real folder of the installed package)."""
    return Path(str(resources.files("zoogen.site.standalone")))


def run_sphinx(command: list[str]) -> None:
    """Run Sphinx; on failure raise with its own messages (they name file and line)."""
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        output = (completed.stderr or completed.stdout).strip()
        raise ZoogenError(f"Sphinx failed:\n{output}")


def build_site(zoo: Path, out_dir: Path, languages: Sequence[str], *, results: Path | None,
               strict: bool) -> list[BuildResult]:
    """Build every language into staging, then swap each into ``out_dir/<language>``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    built: list[BuildResult] = []
    with tempfile.TemporaryDirectory(prefix=".zoogen-staging-", dir=out_dir) as staging:
        for language in languages:
            started = time.perf_counter()
            source = Path(staging) / language / "src"
            source.mkdir(parents=True)
            html = Path(staging) / language / "html"
            run_sphinx(sphinx_command("html", source, html, zoo, results, language, strict))
            built.append(BuildResult(language, out_dir / language, time.perf_counter() - started))
        exports = stage_exports(zoo, results, strict, Path(staging))  # language-neutral, at the site's root
        for result in built:
            swap_into_place(Path(staging) / result.language / "html", result.output)
        swap_into_place(exports, out_dir / EXPORTS_DIR)
    (out_dir / "index.html").write_text(REDIRECT.format(language=languages[0]), encoding="utf-8")
    return built


def build_language(zoo: Path, out_dir: Path, language: str, *, results: Path | None, strict: bool) -> BuildResult:
    """Build one language (see `build_site`)."""
    return build_site(zoo, out_dir, [language], results=results, strict=strict)[0]


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
