"""A local HTTP server for the link tests and benchmark: real HTTP on 127.0.0.1, one path per behaviour.

Paths:

* ``/ok``, ``/ok/<anything>``  200 (HEAD and GET);
* ``/ranged``                 HEAD refused (405); GET with ``Range: bytes=0-0`` answers 206 of a 100 kB file;
* ``/head-403``               HEAD 403 without a body (as a signed-URL host does), GET 206: alive;
* ``/big.pth``                200, a 200 kB checkpoint (HEAD has its Content-Length);
* ``/tiny.pth``               200, 300 bytes of HTML where a checkpoint is expected;
* ``/r301``, ``/r302``        a redirect to ``/ok``; ``/loop-a`` <-> ``/loop-b`` redirect to each other;
* ``/to-file``                a redirect to ``file:///etc/passwd``;
* ``/chain/<n>``              ``n`` redirects in a row, then ``/ok``;
* ``/401``, ``/404``, ``/410``  those codes;
* ``/s3-403``                 403; the GET body is an S3 ``AccessDenied`` error document;
* ``/s3-bucket``              404 with an OSS ``NoSuchBucket`` document;
* ``/429``                    always 429 (``Retry-After: 0``);
* ``/500-once``               500 to the first request, then 200;
* ``/503``                    always 503;
* ``/slow``                   answers after ``slow_seconds``;
* ``/drop``                   closes the connection without answering;
* ``/hold/<anything>``        200 after 0.1 s; ``max_in_flight`` counts the requests answered at once.

A query string (``/ranged?7``) changes nothing. ``requests`` logs ``(method, path, Range header)`` of every request.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

S3_ACCESS_DENIED = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                    b"<Message>Access Denied</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>")
OSS_NO_SUCH_BUCKET = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>NoSuchBucket</Code>\n'
                      b"  <Message>The specified bucket does not exist.</Message>\n</Error>")
BIG = 200_000
RANGED = 100_000


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms delayed-ACK stalls)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        pass

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's name
        self._answer(head=True)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        owner = self.server.owner
        path = self.path
        with owner.lock:
            owner.requests.append((self.command, path, self.headers.get("Range")))
            count = owner.hits[path] = owner.hits.get(path, 0) + 1
        ranged = self.headers.get("Range") == "bytes=0-0"
        path = path.split("?", 1)[0]  # a query makes a distinct URL with the same behaviour
        if path == "/ok" or path.startswith("/ok/"):
            self._send(200, b"fine", head)
        elif path == "/ranged":
            if head:
                self._send(405, b"", head)
            else:
                self._file(RANGED, ranged, head)
        elif path == "/head-403":
            if head:
                self._send(403, b"", head)
            else:
                self._file(RANGED, ranged, head)
        elif path == "/big.pth":
            self._file(BIG, ranged, head)
        elif path == "/tiny.pth":
            self._send(200, b"<html>" + b"x" * 287 + b"</html>", head, content_type="text/html")
        elif path in ("/r301", "/r302"):
            self._redirect(int(path[2:]), "/ok")
        elif path in ("/loop-a", "/loop-b"):
            self._redirect(302, "/loop-b" if path == "/loop-a" else "/loop-a")
        elif path == "/to-file":
            self._redirect(302, "file:///etc/passwd")
        elif path.startswith("/chain/"):
            left = int(path.rsplit("/", 1)[1])
            self._redirect(302, f"/chain/{left - 1}" if left > 1 else "/ok")
        elif path in ("/401", "/404", "/410"):
            self._send(int(path[1:]), b"no", head)
        elif path == "/s3-403":
            self._send(403, S3_ACCESS_DENIED, head, content_type="application/xml")
        elif path == "/s3-bucket":
            self._send(404, OSS_NO_SUCH_BUCKET, head, content_type="application/xml")
        elif path == "/429":
            self._send(429, b"slow down", head, extra={"Retry-After": "0"})
        elif path == "/500-once":
            self._send(500 if count == 1 else 200, b"oops" if count == 1 else b"fine", head)
        elif path == "/503":
            self._send(503, b"busy", head)
        elif path == "/slow":
            owner.closing.wait(owner.slow_seconds)
            self._send(200, b"late", head)
        elif path.startswith("/hold/"):
            with owner.lock:
                owner.in_flight += 1
                owner.max_in_flight = max(owner.max_in_flight, owner.in_flight)
            time.sleep(0.1)
            with owner.lock:
                owner.in_flight -= 1
            self._send(200, b"held", head)
        elif path == "/drop":
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        else:
            self._send(404, b"not found", head)

    def _send(self, status: int, body: bytes, head: bool, content_type: str = "text/plain",
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _file(self, size: int, ranged: bool, head: bool) -> None:
        if ranged and not head:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes 0-0/{size}")
            self.send_header("Content-Length", "1")
            self.end_headers()
            self.wfile.write(b"P")
            return
        self.send_response(200)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if not head:
            self.wfile.write(b"P" * size)

    def _redirect(self, status: int, location: str) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # a test may serve on a port it has just found closed
    request_queue_size = 256
    owner: LinkServer


class LinkServer:
    """Serve in a thread on 127.0.0.1; use as a context manager."""

    def __init__(self, slow_seconds: float = 5.0, port: int = 0) -> None:
        self.slow_seconds = slow_seconds
        self.requests: list[tuple[str, str, str | None]] = []
        self.hits: dict[str, int] = {}
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> LinkServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()
