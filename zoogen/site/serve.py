"""``zoogen serve``: build, serve on 127.0.0.1, rebuild on change, reload the browser.

One long-lived Sphinx application per language, each in a process of its own (Sphinx's translations are
process-wide), keeps its environment between builds: a rebuild re-renders the zoo once in this process,
writes only the pages whose text changed, and each application re-reads and writes only what that touched.
Catalogs and the Sphinx templates and static files are read once per application (Python's gettext caches
catalogs), so a change there restarts the applications.

A rebuild after an edit runs in two passes when it changed the pages of methods the zoo had: first only those
pages are rendered, written and built, in the languages a browser is watching (all when none is), while this
process renders the rest; then every changed page (the all-models page, the overview) in every language.

Each served page carries a small script that asks ``/_zoogen/version`` whether that page changed (a request the
server holds until it did, or for `LONG_POLL_SECONDS`) and reloads it when it did: a page reloads as soon as the
pass that wrote it ends.

A build that failed (the zoo does not load, or a language's Sphinx run failed) shows in the browser: every
HTML page served, in every language, carries a banner with the error (escaped) until a build succeeds, and
``/_zoogen/version`` says it too (``error``). The pages are those of the last good build.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import multiprocessing
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from zoogen.errors import ZoogenError
from zoogen.export.files import EXPORTS_DIR
from zoogen.export.publish import write_exports
from zoogen.render.pages import PageSet, render_pages
from zoogen.site.build import (
    REDIRECT,
    confoverrides,
    fewer_collections,
    new_sphinx,
    remove_build_state,
    standalone_conf_dir,
)
from zoogen.site.source import RenderedZoo, ZooInputs, load_inputs, render_inputs

HOST = "127.0.0.1"
PARENT_CHECK_SECONDS = 1.0
VERSION_PATH = "/_zoogen/version"
LONG_POLL_SECONDS = 20.0  # how long a page's question "did I change?" is held open when nothing changes
# A hidden tab asks without waiting, once a second: a browser opens six connections per host, and a tab's held
# question takes one
HIDDEN_POLL_MILLISECONDS = 1000
WATCHED_SECONDS = 30.0  # a language whose page asked this recently is being watched
# Sphinx names the static files a page loads with a checksum of their content (``theme.css?v=9edc463e``): a
# changed file has another URL, so the browser may keep one without asking again
CHECKSUMMED = re.compile(r"(?:^|&)v=[0-9a-f]{8,}(?:&|$)")
CACHE_SECONDS = 3600
# ``TOKEN`` and ``PAGE`` are filled in per page (`reload_script`)
RELOAD_SCRIPT = """<script>(function () {
  var page = PAGE, token = TOKEN, asking = null, timer = null;
  function ask() {
    clearTimeout(timer);
    if (asking) { asking.abort(); }
    var wait = document.hidden ? "0" : "1", mine = asking = new AbortController();
    fetch("VERSION_PATH?page=" + encodeURIComponent(page) + "&token=" + encodeURIComponent(token) + "&wait=" + wait,
          {cache: "no-store", signal: mine.signal}).then(function (r) { return r.json(); }).then(function (d) {
      if (d.token !== token) { location.reload(); return; }
      if (asking !== mine) { return; }
      asking = null;
      if (wait === "1") { ask(); } else { timer = setTimeout(ask, HIDDEN_MS); }
    }).catch(function () {
      if (asking === mine) { asking = null; timer = setTimeout(ask, 1000); }
    });
  }
  document.addEventListener("visibilitychange", ask);
  ask();
})();</script>""".replace("VERSION_PATH", VERSION_PATH).replace("HIDDEN_MS", str(HIDDEN_POLL_MILLISECONDS))
FAILURE_BANNER_ID = "zoogen-build-failed"
FAILURE_HEADINGS = {
    "en": "zoogen serve: the last build failed. This page is from the last good build.",
    "zh_CN": "zoogen serve：最近一次构建失败。此页面来自上一次成功的构建。",
}
FAILURE_BANNER = (
    '<div id="{id}" role="alert" lang="{lang}" style="position:sticky;top:0;z-index:2147483647;margin:0;'
    'padding:.75em 1em;background:#b00020;color:#fff;font:14px/1.45 system-ui,sans-serif;max-height:45vh;'
    'overflow:auto;box-shadow:0 2px 6px rgba(0,0,0,.4)"><strong>{heading}</strong>'
    '<pre style="margin:.5em 0 0;white-space:pre-wrap;color:inherit;background:none;border:0;padding:0;'
    'font:13px/1.4 ui-monospace,monospace">{error}</pre></div>')
MAX_FAILURE_CHARS = 20_000
SITE_PACKAGE_DIR = Path(__file__).resolve().parent  # Sphinx templates and static files (restart on change)
PAGE_TEMPLATES_DIR = SITE_PACKAGE_DIR.parent / "templates"  # Jinja templates of the pages (re-render)


@dataclass
class BuildReport:
    language: str
    seconds: float
    ok: bool
    messages: str
    pages: tuple[str, ...] = ()  # the HTML files written, relative to the language's folder
    preview: bool = False  # a first pass: the edited pages only


@dataclass(frozen=True)
class BuildRequest:
    """What a language's process builds next: the zoo as rendered after an edit; ``preview``: the first pass
    (the edited pages only)."""

    rendered: RenderedZoo
    preview: bool = False


def _language_worker(conn: Connection, source: Path, html_dir: Path, doctrees: Path,
                     overrides: dict[str, object], rendered: RenderedZoo) -> None:
    """Child process: one Sphinx application, built once from ``rendered``, then rebuilt on each request (a
    `BuildRequest`) until told to stop."""
    from sphinx.errors import SphinxError
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    from zoogen.site.extension import renew_context

    language = str(overrides["language"])
    warnings = io.StringIO()
    written: list[str] = []

    def report(started: float, app: object | None, error: BaseException | None = None, *,
               preview: bool = False) -> BuildReport:
        ok = error is None and app is not None and getattr(app, "statuscode", 1) == 0
        text = "\n".join(filter(None, (warnings.getvalue().strip(), str(error or ""))))
        warnings.seek(0)
        warnings.truncate()
        pages = tuple(dict.fromkeys(written))
        written.clear()
        return BuildReport(language, time.perf_counter() - started, ok, text, pages, preview)

    def note_page(app: object, pagename: str, templatename: str, context: dict, doctree: object) -> None:
        written.append(app.builder.get_target_uri(pagename))  # type: ignore[attr-defined]

    with patch_docutils(standalone_conf_dir()), docutils_namespace(), fewer_collections():
        started = time.perf_counter()
        try:
            app = new_sphinx(source, html_dir, doctrees, overrides, rendered, fresh=True, warnings=warnings)
            app.connect("html-page-context", note_page)
            app.build()
        except SphinxError as error:
            conn.send(report(started, None, error))
            return
        remove_build_state(html_dir)
        conn.send(report(started, app))
        parent = os.getppid()
        while True:
            while not conn.poll(PARENT_CHECK_SECONDS):  # a parent killed outright leaves no one to stop us
                if os.getppid() != parent:
                    return
            request = conn.recv()
            if request is None:
                return
            started = time.perf_counter()
            try:
                renew_context(app, request.rendered, preview=request.preview)  # as the parent rendered it
                app._warncount = 0  # a new build: count its own warnings only
                app.statuscode = 0
                # Sphinx caches unpickled doctrees for a single build; pages re-read since must be read anew
                app.env._pickled_doctree_cache.clear()
                app.env.__dict__.pop("master_doctree", None)
                with _edited_pages_only(app) if request.preview else contextlib.nullcontext():
                    app.build()
            except SphinxError as error:
                conn.send(report(started, app, error, preview=request.preview))
                continue
            remove_build_state(html_dir)
            conn.send(report(started, app, preview=request.preview))


# What the HTML builder redoes on every build that a first pass leaves to the second: copying the static files
# (unchanged since the application started) and writing the search page
FIRST_PASS_SKIPS = ("copy_assets", "gen_additional_pages")


@contextlib.contextmanager
def _edited_pages_only(app: object) -> Iterator[None]:
    """A first pass writes the pages it re-reads and no other: not the pages whose table of contents lists them
    (Sphinx's ``files_to_rebuild``: the overview), which the second pass writes (the environment keeps them),
    nor what `FIRST_PASS_SKIPS` names."""
    env, builder = app.env, app.builder  # type: ignore[attr-defined]
    kept = env.files_to_rebuild

    def forget(app: object, builder: object) -> None:  # after the environment was pickled, before the writing
        env.files_to_rebuild = {}

    listener = app.connect("write-started", forget)  # type: ignore[attr-defined]
    for name in FIRST_PASS_SKIPS:
        setattr(builder, name, _nothing)
    try:
        yield
    finally:
        for name in FIRST_PASS_SKIPS:
            delattr(builder, name)  # the builder's own method again
        app.disconnect(listener)  # type: ignore[attr-defined]
        env.files_to_rebuild = kept


def _nothing() -> None:
    pass


@dataclass
class _Published:
    """What the pages' script asks about: the last version of each served page, and the failure shown."""

    version: int = 0  # moves on every finished pass (and failure)
    pages: dict[str, int] = field(default_factory=dict)  # "<language>/<file>.html" -> version it was written at
    failures: dict[str, str] = field(default_factory=dict)  # language (or "zoo") -> error
    failure_version: int = 0  # moves whenever the failure shown changed
    pending: bool = False  # a first pass is published, its second is still building

    @property
    def failure(self) -> str | None:
        return "\n\n".join(self.failures.values()) or None

    def token(self, page: str) -> str:
        """Changes whenever ``page`` was written again or the failure shown changed."""
        return f"{self.pages.get(page, 0)}.{self.failure_version}"


class LiveSite:
    """The zoo's site in ``workdir/html/<language>``, kept up to date by long-lived Sphinx applications."""

    def __init__(self, zoo: Path, workdir: Path, languages: Sequence[str], *, results: Path | None,
                 strict: bool) -> None:
        self.zoo, self.results, self.strict = zoo.resolve(), results, strict
        self.workdir, self.languages = workdir, tuple(languages)
        self.source, self.html = workdir / "src", workdir / "html"
        self.locale_dir: Path | None = None
        self._settings: object = None
        self._rendered: RenderedZoo | None = None  # the rendering the applications last built
        self._workers: dict[str, tuple[multiprocessing.process.BaseProcess, Connection]] = {}
        self._published = _Published()
        self._changed = threading.Condition()  # notified when something is published
        self._watching: dict[str, float] = {}  # language -> when a page of it last asked (monotonic)

    @property
    def version(self) -> int:
        return self._published.version

    @property
    def failure(self) -> str | None:
        """The last build's error (None: it succeeded), shown on every page."""
        return self._published.failure

    @property
    def pending(self) -> bool:
        """Whether the pages shown are a first pass, the second still building."""
        return self._published.pending

    def start(self, rendered: RenderedZoo | None = None) -> list[BuildReport]:
        """Render the zoo and start (and wait for) one application per language: a full build."""
        rendered = rendered or render_inputs(self._load())
        self._write_pages(rendered)
        self._rendered, self._settings = rendered, _settings_signature(rendered)
        context = (multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods()
                   else multiprocessing.get_context("spawn"))
        for language in self.languages:
            parent, child = context.Pipe()
            process = context.Process(
                target=_language_worker, daemon=True,
                args=(child, self.source, self.html / language, self.workdir / "state" / language,
                      {**confoverrides(self.zoo, self.results, language, self.strict, self.languages),
                       "zoogen_exports_url": f"../{EXPORTS_DIR}/"}, rendered))
            process.start()
            self._workers[language] = (process, parent)
        self._write_exports(rendered)  # once for all languages, while they build
        reports = self._collect(self.languages)
        self.html.mkdir(parents=True, exist_ok=True)
        (self.html / "index.html").write_text(REDIRECT.format(language=self.languages[0]), encoding="utf-8")
        return reports

    def rebuild(self) -> list[BuildReport]:
        """Reload the zoo, write the changed pages and rebuild every language incrementally. When the pages of
        methods the zoo had changed, those are written and built first, in the languages a browser watches
        (while this process renders the rest), then everything."""
        inputs = self._load()
        first: Sequence[str] = ()
        if self._rendered is not None and set(self._workers) == set(self.languages):
            preview = self._preview(self._rendered, inputs)
            if preview is not None:
                first = self._send(BuildRequest(preview, preview=True), self.watched_languages())
        rendered = render_inputs(inputs)  # meanwhile
        reports = self._collect(first, pending=True) if first else []
        if _settings_signature(rendered) != self._settings or set(self._workers) != set(self.languages):
            # read once per application, or an application is gone (a failed start): start anew
            self.stop()
            return [*reports, *self.start(rendered)]
        self._write_pages(rendered)
        self._rendered = rendered
        reports += self._collect(self._send(BuildRequest(rendered), self.languages))
        self._write_exports(rendered)  # then the downloads (about 0.3 s on MMPose): no CPU taken from the builds
        return reports

    def _preview(self, previous: RenderedZoo, inputs: ZooInputs) -> RenderedZoo | None:
        """What a first pass builds: the pages of the edited methods, rendered and written, the other pages as
        ``previous`` had them. None when no page of a method the zoo had before changed (a new method's page
        waits for the overview that lists it)."""
        before = {method.id: method for method in previous.zoo.methods}
        edited = [method.id for method in inputs.zoo.methods if method != before.get(method.id, method)]
        if not edited:
            return None
        pages = render_pages(inputs.zoo, inputs.records, methods=edited)
        changed = {docname: text for docname, text in pages.pages.items() if self._differs(docname, text)}
        if not changed:
            return None
        PageSet(pages=changed).write(self.source)
        merged = PageSet(pages={**previous.pages.pages, **pages.pages}, links={**previous.pages.links, **pages.links})
        return RenderedZoo(merged, previous.title, previous.locale_dir, inputs.zoo, inputs.records, inputs.warnings)

    def restart(self) -> list[BuildReport]:
        """New applications (catalogs, Sphinx templates or static files changed): a full build."""
        self.stop()
        return self.start()

    def stop(self) -> None:
        for process, conn in self._workers.values():
            with contextlib.suppress(OSError):  # the process may be gone already
                conn.send(None)
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
        self._workers.clear()

    def watched_languages(self) -> tuple[str, ...]:
        """The languages a page open in a browser asked about lately (all of them when none did)."""
        now = time.monotonic()
        watched = tuple(language for language in self.languages
                        if now - self._watching.get(language, -WATCHED_SECONDS) < WATCHED_SECONDS)
        return watched or self.languages

    def state(self, page: str | None = None) -> dict[str, object]:
        """What ``/_zoogen/version`` answers (with ``page``'s token when one is named)."""
        with self._changed:
            return self._state(page)

    def wait_for_change(self, page: str, token: str, timeout: float) -> dict[str, object]:
        """``state(page)`` once ``page``'s token is no longer ``token`` (or after ``timeout`` seconds)."""
        language = page.split("/", 1)[0]
        with self._changed:
            self._watching[language] = time.monotonic()
            self._changed.wait_for(lambda: self._published.token(page) != token, timeout)
            self._watching[language] = time.monotonic()
            return self._state(page)

    def _state(self, page: str | None) -> dict[str, object]:
        published = self._published
        state: dict[str, object] = {"version": published.version, "error": published.failure,
                                    "pending": published.pending}
        if page is not None:
            state["token"] = published.token(page)
        return state

    def token(self, page: str) -> str:
        with self._changed:
            return self._published.token(page)

    def _load(self) -> ZooInputs:
        """The zoo and its records, loaded again (`ZoogenError` when the zoo has errors)."""
        inputs = load_inputs(self.zoo, self.results, self.strict)
        locale_dir = inputs.zoo.info.locale_dir
        self.locale_dir = locale_dir.resolve() if locale_dir else None
        return inputs

    def _differs(self, docname: str, text: str) -> bool:
        """Whether page ``docname`` of the source folder has another text than ``text``."""
        path = self.source / f"{docname}.md"
        return not (path.is_file() and path.read_text(encoding="utf-8") == text)

    def _write_pages(self, rendered: RenderedZoo) -> None:
        """Write the changed pages; pages that left the zoo go."""
        rendered.pages.write(self.source)
        wanted = {self.source / f"{docname}.md" for docname in rendered.pages.pages}
        for page in self.source.rglob("*.md"):
            if page not in wanted:
                page.unlink()

    def _write_exports(self, rendered: RenderedZoo) -> None:
        """The language-neutral exports, written once beside the languages (as `zoogen build` publishes them)."""
        write_exports(rendered.zoo, self.html / EXPORTS_DIR, rendered.records)

    def _send(self, request: BuildRequest, languages: Sequence[str]) -> list[str]:
        """Ask each of ``languages`` to build ``request``; the languages asked (one may have ended)."""
        languages = [language for language in languages if language in self._workers]
        for language in languages:
            self._workers[language][1].send(request)
        return languages

    def failed(self, error: str) -> None:
        """A build that ended before Sphinx ran (the zoo does not load): the pages say so."""
        with self._changed:
            self._set_failure("zoo", error)
            self._published.version += 1
            self._published.pending = False
            self._changed.notify_all()

    def _collect(self, languages: Sequence[str], *, pending: bool = False) -> list[BuildReport]:
        """Each language's report; then the pages they wrote are published (their open pages reload)."""
        reports = []
        for language in languages:
            process, conn = self._workers[language]
            try:
                reports.append(conn.recv())
            except EOFError:
                reports.append(BuildReport(language, 0.0, False, "the Sphinx process ended"))
                process.join()
                del self._workers[language]
        with self._changed:
            published = self._published
            published.version += 1
            published.pending = pending
            self._set_failure("zoo", None)  # it loaded: a pass was built
            for report in reports:
                self._set_failure(report.language, None if report.ok else report.messages or "failed")
                for page in report.pages:
                    published.pages[f"{report.language}/{page}"] = published.version
            self._changed.notify_all()
        return reports

    def _set_failure(self, where: str, error: str | None) -> None:
        """Record (or clear) one failure; the failure shown moves on when it changed. Hold ``_changed``."""
        published = self._published
        before = published.failure
        if error is None:
            published.failures.pop(where, None)
        else:
            published.failures[where] = f"{where}: {error}" if where != "zoo" else error
        if published.failure != before:
            published.failure_version += 1
            self._changed.notify_all()


def _settings_signature(rendered: RenderedZoo) -> object:
    """What the applications take from the rendering only when they start: the site's name, its catalogs
    and the built-in catalog of zoogen's own words (which a changed number leaves as it is)."""
    from zoogen.site.builtin import builtin_catalog

    localised = getattr(rendered.pages, "localised", {}) or {}
    builtin = {language: builtin_catalog(rendered.pages, pages) for language, pages in localised.items()}
    return (rendered.title, rendered.locale_dir, getattr(rendered.pages, "footer", None), builtin)


class ReloadingHandler(SimpleHTTPRequestHandler):
    """Static files of the site; HTML pages get the reload script; nothing hidden is served."""

    site: LiveSite

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        path = url.path
        if path == VERSION_PATH:
            self._send_state(parse_qs(url.query))
            return
        if any(part.startswith(".") for part in path.split("/")):
            self.send_error(404)
            return
        target = Path(self.translate_path(path))
        if target.is_dir():
            target = target / "index.html"
        if target.suffix == ".html" and target.is_file():
            page = self._page_of(target)
            token = self.site.token(page)  # before the file is read: a page written meanwhile reloads once more
            text = target.read_text(encoding="utf-8")
            failure = self.site.failure
            if failure is not None:
                text = with_failure_banner(text, failure, path.lstrip("/").split("/", 1)[0])
            at = text.rfind("</body>")
            script = reload_script(page, token)
            text = text[:at] + script + text[at:] if at >= 0 else text + script
            self._send(200, "text/html; charset=utf-8", text.encode("utf-8"))
            return
        self._cacheable = CHECKSUMMED.search(url.query) is not None
        super().do_GET()

    def end_headers(self) -> None:
        if getattr(self, "_cacheable", False):  # a reloading page takes it from the cache, unasked
            self.send_header("Cache-Control", f"max-age={CACHE_SECONDS}")
        super().end_headers()

    def _page_of(self, target: Path) -> str:
        """The served page's name as the builds report it (``en/methods/x.html``)."""
        try:
            return target.resolve().relative_to(self.site.html.resolve()).as_posix()
        except ValueError:
            return ""

    def _send_state(self, query: dict[str, list[str]]) -> None:
        """The site's state; with ``page`` and ``token``, held until that page changed (unless ``wait=0``)."""
        page, token = (query.get(name, [None])[0] for name in ("page", "token"))
        if page is not None:
            page = self._page_of(Path(self.translate_path(page)) / ("index.html" if page.endswith("/") else ""))
        if page is not None and token is not None and query.get("wait", ["1"])[0] != "0":
            state = self.site.wait_for_change(page, token, LONG_POLL_SECONDS)
        else:
            state = self.site.state(page)
        self._send(200, "application/json", json.dumps(state, ensure_ascii=False).encode())

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the page went away (reloaded, closed, hidden)
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # quiet: the terminal shows builds, not requests


def reload_script(page: str, token: str) -> str:
    """The script a served page gets: it asks whether ``page`` changed since ``token`` and reloads when it did."""
    values = {"PAGE": _script_string(f"/{page}"), "TOKEN": _script_string(token)}
    return re.sub(r"\b(PAGE|TOKEN)\b", lambda found: values[found[1]], RELOAD_SCRIPT)  # one pass


def _script_string(text: str) -> str:
    """``text`` as a JavaScript string literal that cannot end the ``<script>`` element."""
    return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def with_failure_banner(page: str, failure: str, language: str) -> str:
    """``page`` with the failed build's error (escaped) at the top of its body, headed in ``language``."""
    if len(failure) > MAX_FAILURE_CHARS:
        failure = failure[:MAX_FAILURE_CHARS] + "\n..."
    lang = language if language in FAILURE_HEADINGS else "en"
    banner = FAILURE_BANNER.format(id=FAILURE_BANNER_ID, lang=lang.replace("_", "-"),
                                   heading=html.escape(FAILURE_HEADINGS[lang]), error=html.escape(failure))
    body = page.find("<body")
    start = page.find(">", body) + 1 if body >= 0 else 0
    return page[:start] + banner + page[start:]


def make_server(site: LiveSite, port: int) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1 (``port`` 0: any free port) for ``site``."""
    handler = type("Handler", (ReloadingHandler,), {"site": site})
    return ThreadingHTTPServer((HOST, port), partial(handler, directory=str(site.html)))


def watched_paths(site: LiveSite, locale_dir: Path | None) -> list[Path]:
    """The zoo's folder, the page templates, the Sphinx templates and static files, catalogs, records."""
    paths = [site.zoo if site.zoo.is_dir() else site.zoo.parent, PAGE_TEMPLATES_DIR, SITE_PACKAGE_DIR]
    if locale_dir and locale_dir.is_dir():
        paths.append(locale_dir)
    if site.results and site.results.is_dir():
        paths.append(site.results)
    return [path for path in dict.fromkeys(p.resolve() for p in paths) if not _inside_any(path, paths)]


def _inside_any(path: Path, others: Iterable[Path]) -> bool:
    return any(path != other.resolve() and path.is_relative_to(other.resolve()) for other in others)


def change_kind(path: Path, locale_dir: Path | None) -> str | None:
    """``"restart"``, ``"rebuild"`` or None (not an input of the site) for a changed file."""
    if path.suffix in (".mo", ".pyc", ".tmp") or "__pycache__" in path.parts:
        return None
    if locale_dir and path.is_relative_to(locale_dir):
        return "restart" if path.suffix == ".po" else None
    if path.is_relative_to(PAGE_TEMPLATES_DIR):
        return "rebuild"
    if path.is_relative_to(SITE_PACKAGE_DIR):
        return "restart" if path.suffix in (".html", ".css", ".js") else None
    return "rebuild" if path.suffix in (".yml", ".yaml", ".json") else None


def watch_and_rebuild(site: LiveSite, stop: threading.Event, echo: Callable[[str], None]) -> None:
    """Rebuild (or restart) the site on every batch of changes to its inputs, until ``stop`` is set."""
    from watchfiles import watch

    locale_dir = site.locale_dir
    # step: the quiet time that ends a batch of changes (an editor's save is a burst of events within a few ms)
    for changes in watch(*watched_paths(site, locale_dir), stop_event=stop, debounce=200, step=20,
                         rust_timeout=500, yield_on_timeout=False):
        kinds = {change_kind(Path(path), locale_dir) for _, path in changes
                 if not Path(path).is_relative_to(site.workdir)} - {None}  # not what the builds write
        if not kinds:
            continue
        started = time.perf_counter()
        try:
            reports = site.restart() if "restart" in kinds else site.rebuild()
        except ZoogenError as error:
            echo(f"zoogen: {error}")
            site.failed(str(error))
            continue
        echo(describe(reports, time.perf_counter() - started))


def describe(reports: Sequence[BuildReport], seconds: float) -> str:
    """What the terminal says about a build: its languages and time, a first pass's, failures and warnings."""
    full = [report.language for report in reports if not report.preview]
    lines = [f"built {', '.join(full)} in {seconds:.1f} s"]
    if first := [report for report in reports if report.preview]:
        lines[0] += " (the edited pages first: " + ", ".join(f"{r.language} in {r.seconds:.1f} s" for r in first) + ")"
    said = set()
    for report in reports:
        if (not report.ok or report.messages) and (report.language, report.messages) not in said:
            said.add((report.language, report.messages))
            lines.append(f"{report.language}: {'failed' if not report.ok else 'warnings'}:\n{report.messages}")
    return "\n".join(lines)
