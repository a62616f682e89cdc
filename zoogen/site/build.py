"""``zoogen build``: the zoo rendered once, one Sphinx build per language (in parallel where there are cores),
each language swapped into ``<out>/<language>`` only when every language built: a failed build leaves the
previous output untouched.

The published folder holds only what a web server serves; Sphinx's build state (doctrees, ``.buildinfo``)
and the rendered source pages live in the cache folder beside it (`cache_dir`).
"""

from __future__ import annotations

import gc
import io
import multiprocessing
import os
import shutil
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as connection_wait
from pathlib import Path
from typing import cast

from zoogen.errors import ZoogenError
from zoogen.export.files import EXPORTS_DIR
from zoogen.export.publish import stage_exports
from zoogen.permissions import make_public
from zoogen.site.languages import LANGUAGES
from zoogen.site.output import (
    LEGACY_STAGING,
    finish_interrupted_swaps,
    output_lock,
    staging_folder,
    swap_into_place,
    terminate_as_interrupt,
    write_failure,
    write_text_atomic,
)
from zoogen.site.source import RENDERED_SETTING, RenderedZoo, render_zoo

REDIRECT = """<!DOCTYPE html>
<meta charset="utf-8"><title>Model Zoo</title>
<meta http-equiv="refresh" content="0; url={language}/index.html">
<a href="{language}/index.html">{language}</a>
"""
BUILD_STATE = (".buildinfo", ".doctrees")  # what Sphinx leaves in its output folder for itself


@dataclass
class BuildResult:
    language: str
    output: Path
    seconds: float


def sphinx_command(builder: str, source: Path, output: Path, zoo: Path, results: Path | None,
                   language: str, strict: bool) -> list[str]:
    """A ``python -m sphinx`` call with the package's configuration (used by the catalog extraction)."""
    return [
        sys.executable, "-m", "sphinx", "-b", builder, "-q", "-E", "-W", "--keep-going",
        "-c", str(standalone_conf_dir()), "-D", f"language={language}", "-D", f"zoogen_zoo={zoo}",
        "-D", f"zoogen_strict={int(strict)}", "-D", f"zoogen_results={results or ''}",
        "-D", "zoogen_report_warnings=0",  # the zoogen command that runs it reports the zoo's warnings
        "-d", str(output.parent / f".{output.name}-doctrees"),
        str(source), str(output),
    ]


def standalone_conf_dir() -> Path:
    """The package's own Sphinx configuration folder (a real folder of the installed package)."""
    return Path(str(resources.files("zoogen.site.standalone")))


def run_sphinx(command: list[str]) -> None:
    """Run Sphinx in a new process; on failure raise with its own messages (they name file and line)."""
    import subprocess

    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        output = (completed.stderr or completed.stdout).strip()
        raise ZoogenError(f"Sphinx failed:\n{output}")


def cache_dir(out_dir: Path) -> Path:
    """Build state of ``out_dir``, kept beside it (``build/html`` -> ``build/.zoogen-cache/html``)."""
    out_dir = out_dir.resolve()
    return out_dir.parent / ".zoogen-cache" / out_dir.name


def confoverrides(zoo: Path, results: Path | None, language: str, strict: bool,
                  languages: Sequence[str] = (), links_report: Path | None = None) -> dict[str, object]:
    """Sphinx settings of one language's build; ``languages``: all those built (the switch links to them)."""
    return {"language": language, "zoogen_zoo": str(zoo), "zoogen_results": str(results or ""),
            "zoogen_links": str(links_report or ""), "zoogen_strict": strict,
            "zoogen_languages": list(languages or [language])}


def new_sphinx(source: Path, html: Path, doctrees: Path, overrides: dict[str, object], rendered: RenderedZoo, *,
               fresh: bool, warnings: io.StringIO):
    """A Sphinx application with the package's configuration, building ``rendered`` (the zoo as the calling
    command rendered it, handed over as a setting); warnings are errors, reported at the end."""
    from sphinx.application import Sphinx

    return Sphinx(source, standalone_conf_dir(), html, doctrees, "html",
                  confoverrides={**overrides, RENDERED_SETTING: rendered},
                  status=None, warning=warnings, freshenv=fresh, warningiserror=True, keep_going=True)


def sphinx_failure(warnings: io.StringIO, error: BaseException | None = None) -> ZoogenError:
    text = "\n".join(filter(None, (warnings.getvalue().strip(), str(error) if error else "")))
    return ZoogenError(f"Sphinx failed:\n{text}")


# A Sphinx build allocates millions of small objects (doctree nodes) and frees few: with Python's default
# thresholds the collector walks the whole heap again and again (about 8% of a build of the bundled zoo).
SPHINX_GC_THRESHOLDS = (50_000, 20, 100)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Within the block, the cyclic garbage collector runs less often (thresholds restored afterwards)."""
    before = gc.get_threshold()
    gc.set_threshold(*SPHINX_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def build_one(source: Path, html: Path, doctrees: Path, overrides: dict[str, object], rendered: RenderedZoo) -> float:
    """A fresh build of one language from ``rendered``; returns its wall time. Raises `ZoogenError` with
    Sphinx's messages."""
    from sphinx.errors import SphinxError
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    started = time.perf_counter()
    warnings = io.StringIO()
    try:  # as sphinx-build does: docutils' registries restored afterwards
        with patch_docutils(standalone_conf_dir()), docutils_namespace(), fewer_collections():
            app = new_sphinx(source, html, doctrees, overrides, rendered, fresh=True, warnings=warnings)
            app.build()
    except SphinxError as error:
        raise sphinx_failure(warnings, error) from None
    if app.statuscode != 0:
        raise sphinx_failure(warnings)
    remove_build_state(html)
    return time.perf_counter() - started


def remove_build_state(html: Path) -> None:
    """What Sphinx leaves in its output for itself (``.buildinfo``, an empty ``_sources``) is not published."""
    for name in BUILD_STATE:
        target = html / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    sources = html / "_sources"
    if sources.is_dir() and not any(sources.iterdir()):
        sources.rmdir()


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def build_site(zoo: Path, out_dir: Path, languages: Sequence[str], *, results: Path | None,
               strict: bool, links_report: Path | None = None, jobs: int | None = None, wait: bool = True,
               on_wait: Callable[[str], None] | None = None) -> list[BuildResult]:
    """Render the zoo once, build every language into staging, then swap each into ``out_dir/<language>``.

    With more than one core (``jobs``, default: the cores this process may use), each language builds in a
    process of its own, started before the rendering and sent it (`EarlyBuilds`); with one, here, in turn.
    One build at a time writes to ``out_dir`` (another one: wait, saying so through ``on_wait``, or fail
    when not ``wait``); a failure of any kind, SIGTERM included, leaves the last good site and no staging
    (`zoogen.site.output`). ``links_report``: the link-health report whose dead links the tables mark
    (default: zoo.yml's).
    """
    zoo = zoo.resolve()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        cache = cache_dir(out_dir)
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise write_failure(error, out_dir) from None
    parallel = (jobs or available_cores()) > 1 and "fork" in multiprocessing.get_all_start_methods()
    with output_lock(out_dir, wait=wait, on_wait=on_wait), terminate_as_interrupt(), \
            staging_folder(out_dir, leftovers=cache.glob(LEGACY_STAGING)) as staging:
        finish_interrupted_swaps(out_dir, (*LANGUAGES, *languages, EXPORTS_DIR))
        early = EarlyBuilds(languages) if parallel else None
        finished = False
        try:
            built = _build(zoo, out_dir, cache, staging, languages, results, strict, links_report, early)
            finished = True
            return built
        except OSError as error:
            raise write_failure(error, out_dir) from None
        finally:
            if early is not None:
                early.stop(abort=not finished)  # before the staging folder goes: nothing writes there after


def _build(zoo: Path, out_dir: Path, cache: Path, staging: Path, languages: Sequence[str], results: Path | None,
           strict: bool, links_report: Path | None, early: EarlyBuilds | None) -> list[BuildResult]:
    rendered = render_zoo(zoo, results, strict, links_report)
    source = cache / "src"
    rendered.pages.write(source)  # unchanged pages keep their files (and times)
    _remove_stale_pages(source, rendered.pages.pages)
    jobs_args = {language: (source, staging / language / "html", staging / language / "doctrees",
                            {**confoverrides(zoo, results, language, strict, languages, links_report),
                             "zoogen_exports_url": f"../{EXPORTS_DIR}/"}) for language in languages}
    exports: list[Path] = []

    def stage_language_neutral() -> None:  # the exports, at the site's root: while the languages build
        try:
            exports.append(stage_exports(rendered.zoo, rendered.records, staging))
        except ZoogenError as error:
            if isinstance(error.__cause__, OSError):  # a full disk: said once, for the whole site
                raise error.__cause__ from None
            raise

    if early is not None:
        seconds = early.build(rendered, jobs_args, meanwhile=stage_language_neutral)
    else:
        seconds = {language: build_one(*args, rendered) for language, args in jobs_args.items()}
        stage_language_neutral()
    built = [BuildResult(language, out_dir / language, seconds[language]) for language in languages]
    for result in built:
        make_public(staging / result.language / "html")
        swap_into_place(staging / result.language / "html", result.output)
    make_public(exports[0])
    swap_into_place(exports[0], out_dir / EXPORTS_DIR)
    write_text_atomic(out_dir / "index.html", REDIRECT.format(language=languages[0]))
    make_public(out_dir / "index.html")
    return built


class EarlyBuilds:
    """One forked process per language, started before the zoo is rendered: a Chinese one loads the word
    segmenter's dictionary (jieba, about 0.6 s) while this process renders, then each gets the rendering.
    With a single language, this process writes the exports meanwhile."""

    def __init__(self, languages: Sequence[str]) -> None:
        import myst_parser.parsers.sphinx_  # noqa: F401  imported once, before the fork, for every child
        import sphinx.builders.html  # noqa: F401

        context = multiprocessing.get_context("fork")
        self.processes: dict[str, tuple[multiprocessing.process.BaseProcess, Connection]] = {}
        for language in languages:
            parent, child = context.Pipe()
            process = context.Process(target=_early_language, args=(child, language), daemon=True)
            process.start()
            child.close()
            self.processes[language] = (process, parent)

    def build(self, rendered: RenderedZoo, jobs: dict[str, tuple[Path, Path, Path, dict[str, object]]],
              meanwhile: Callable[[], None]) -> dict[str, float]:
        """Send each process the rendering of the zoo and its build; ``meanwhile`` runs here once a core is free
        (the first language to finish leaves one to the last)."""
        for language, (_, conn) in self.processes.items():
            conn.send((rendered, jobs[language]))
        outcomes: dict[str, tuple[str, object]] = {}
        waiting = {conn: language for language, (_, conn) in self.processes.items()}
        while waiting and not outcomes and len(waiting) >= available_cores():  # every core busy: wait for one
            for ready in connection_wait(list(waiting)):
                finished = cast(Connection, ready)  # one of `waiting`
                outcomes[waiting.pop(finished)] = _receive(finished)
        meanwhile()
        for conn, language in waiting.items():
            outcomes[language] = _receive(conn)
        for kind, value in outcomes.values():
            if kind != "ok":
                raise value  # type: ignore[misc]
        return {language: float(value) for language, (_, value) in outcomes.items()}  # type: ignore[arg-type]

    def stop(self, abort: bool = False) -> None:
        """End the processes: they have finished (or will, having nothing to build), or, when ``abort``,
        are terminated at once (the build failed or was interrupted; their staging goes next)."""
        for process, conn in self.processes.values():
            conn.close()
            if abort:
                process.terminate()
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()


def _receive(conn: Connection) -> tuple[str, object]:
    try:
        return conn.recv()
    except EOFError:
        return "error", ZoogenError("a language's Sphinx process ended without a result")


def _early_language(conn: Connection, language: str) -> None:
    """Child: warm up what this language needs, then build the rendering it is sent."""
    from zoogen.site.languages import normalise_language
    from zoogen.site.segmenter import load_segmenter

    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler: a SIGTERM here ends this process
    if normalise_language(language).startswith("zh"):
        load_segmenter()
    try:
        rendered, (source, html, doctrees, overrides) = conn.recv()
    except EOFError:  # the parent gave up (bad zoo): nothing to build
        return
    try:
        conn.send(("ok", build_one(source, html, doctrees, overrides, rendered)))
    except (ZoogenError, OSError) as error:  # OSError: a full disk, named by the parent
        conn.send(("error", error))
    except BaseException:  # noqa: BLE001 - a bug: its traceback, in the parent
        conn.send(("error", RuntimeError(f"the {language} build failed:\n{traceback.format_exc()}")))


def _remove_stale_pages(source: Path, docnames: Sequence[str] | dict[str, str]) -> None:
    """Pages of methods that left the zoo leave the shared source folder."""
    wanted = {source / f"{docname}.md" for docname in docnames}
    for page in source.rglob("*.md"):
        if page not in wanted:
            page.unlink()
