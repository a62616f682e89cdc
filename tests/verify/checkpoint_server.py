"""A local HTTP server for the download tests: real HTTP on 127.0.0.1, with misbehaving paths.

Paths (``<name>`` is a file added with `CheckpointServer.add`):

* ``/files/<name>``      the file, honouring ``Range: bytes=N-`` (206 + ``Content-Range``);
* ``/cut-once/<name>``   the first request announces the full length, sends half and drops the
                         connection; later requests behave like ``/files``;
* ``/corrupt/<name>``    the file with one byte flipped;
* ``/truncated/<name>``  always announces the full length and sends only half;
* ``/no-range/<name>``   ignores ``Range`` (always 200 and the whole file);
* ``/flaky/<name>``      answers 503 once, then like ``/files``;
* ``/trickle/<name>``    announces the full length, then sends one byte every ``trickle_interval`` s;
* ``/gzip/<name>``       the file gzip-compressed, with ``Content-Encoding: gzip``;
* ``/gone/<name>``       always 404 (a primary host that lost the file, for mirror tests);
* anything else          404.

``/files`` answers with an ``ETag`` (sha1 of the body) and a ``Last-Modified`` date and honours
``If-None-Match`` with 304 Not Modified.

Every request is logged in ``server.requests`` as ``(path, Range header or None)``.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        owner = self.server.owner
        range_header = self.headers.get("Range")
        with owner.lock:
            owner.requests.append((self.path, range_header))
            count = owner.hits[self.path] = owner.hits.get(self.path, 0) + 1
        match = re.fullmatch(r"/([a-z-]+)/(.+)", self.path)
        body = owner.files.get(match.group(2)) if match else None
        if body is None:
            self._plain(404, b"not found")
            return
        mode = match.group(1)
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if mode == "gone":
            self._plain(404, b"not found")
            return
        if mode == "files" and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        if mode == "trickle":
            self._trickle(body, owner.trickle_interval)
            return
        if mode == "gzip":
            packed = gzip.compress(body)
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(packed)))
            self.end_headers()
            self.wfile.write(packed)
            return
        if mode == "flaky" and count == 1:
            self._plain(503, b"busy")
            return
        if mode == "corrupt":
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        if mode == "truncated" or (mode == "cut-once" and count == 1):
            self._cut(body, start=self._range_start(range_header) if mode == "truncated" else 0)
            return
        start = 0 if mode == "no-range" else self._range_start(range_header)
        if start >= len(body) and start:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(body)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if start:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Accept-Ranges", "bytes")
        if mode == "files":
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", "Wed, 01 Jan 2025 00:00:00 GMT")
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        self.wfile.write(body[start:])

    @staticmethod
    def _range_start(header: str | None) -> int:
        match = re.fullmatch(r"bytes=(\d+)-", header or "")
        return int(match.group(1)) if match else 0

    def _trickle(self, body: bytes, interval: float) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):
            for index in range(len(body)):
                self.wfile.write(body[index : index + 1])
                self.wfile.flush()
                if self.server.owner.closing.wait(interval):
                    return

    def _plain(self, status: int, text: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def _cut(self, body: bytes, start: int) -> None:
        """Announce the rest of ``body`` from ``start``, send half of it, drop the connection."""
        rest = body[start:]
        if start:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(rest)))
        self.end_headers()
        self.wfile.write(rest[: max(1, len(rest) // 2)])
        self.wfile.flush()
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: CheckpointServer


class CheckpointServer:
    """Serve in-memory files on 127.0.0.1 from a background thread (a context manager)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()
        self.trickle_interval = 0.2
        self.closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> CheckpointServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, name: str, body: bytes) -> None:
        self.files[name] = body

    def url(self, name: str, mode: str = "files") -> str:
        return f"{self.base}/{mode}/{name}"
