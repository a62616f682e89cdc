"""``zoogen serve``: the site on 127.0.0.1, rebuilt on every change of its inputs."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import click

from zoogen.cli.build import _fail, _load, zoo_option
from zoogen.errors import ZoogenError
from zoogen.site.languages import LANGUAGES

DEFAULT_WORKDIR = Path("build/.zoogen-cache/serve")


def _stop_on_terminate(signum: int, frame: object) -> None:
    """SIGTERM ends the server as Ctrl-C does: the language processes are stopped, not left behind."""
    raise KeyboardInterrupt


@click.command("serve")
@zoo_option
@click.option("--lang", type=click.Choice([*LANGUAGES, "all"]), default="all", show_default=True,
              help="The language(s) to build and serve.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--results", type=click.Path(path_type=Path, file_okay=False), default=Path("results"),
              show_default=True, help="Verification records to show in the tables (if the folder exists).")
@click.option("--workdir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_WORKDIR,
              show_default=True, help="Where the served build and its state are kept.")
def serve_command(zoo: Path, lang: str, port: int, results: Path, workdir: Path) -> None:
    """Build the site, serve it on 127.0.0.1, rebuild on changes and reload the browser."""
    from zoogen.site.serve import LiveSite, describe, make_server, watch_and_rebuild

    _load(zoo, strict=False)
    languages = LANGUAGES if lang == "all" else (lang,)
    site = LiveSite(zoo, workdir.resolve(), languages, results=results.resolve() if results.is_dir() else None,
                    strict=False)
    try:
        server = make_server(site, port)  # the port first: a busy one fails before any build
    except OSError as error:
        _fail(ZoogenError(f"cannot serve on 127.0.0.1:{port}: {error.strerror or error}"))
    started = time.perf_counter()
    try:
        click.echo(describe(site.start(), time.perf_counter() - started))
    except ZoogenError as error:
        site.stop()
        server.server_close()
        _fail(error)
    stop = threading.Event()
    watcher = threading.Thread(target=watch_and_rebuild, args=(site, stop, click.echo), daemon=True)
    watcher.start()
    host, bound = server.server_address[:2]
    host = host.decode() if isinstance(host, bytes) else host  # a str for an IPv4/IPv6 socket
    click.echo(f"serving http://{host}:{bound}/{languages[0]}/index.html  (Ctrl-C stops)")
    signal.signal(signal.SIGTERM, _stop_on_terminate)  # `kill` stops the language processes too
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
        watcher.join(timeout=5)
        site.stop()
