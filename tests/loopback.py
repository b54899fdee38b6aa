"""A real HTTP server on 127.0.0.1 for tests that fetch.

Each test registers routes: a path maps to a ``Reply`` (fixed) or to a callable
``(LoggedRequest) -> Reply`` (dynamic). Every request is logged with its headers,
so tests can assert on conditional GETs, hit counts and User-Agent.

    with LoopbackServer() as srv:
        srv.route("/feed", Reply(body=rss, headers={"ETag": '"v1"'}))
        url = srv.url("/feed")
"""

from __future__ import annotations

import gzip as gzip_module
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from tui.demo.server import QuietHTTPServer  # hang-ups are normal in fault tests


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/rss+xml; charset=utf-8"
    delay: float = 0.0  # seconds to wait before answering
    gzip: bool = False  # compress the body and say so
    etag: str | None = None  # if set: ETag header, and 304 when If-None-Match matches
    last_modified: str | None = None  # likewise with If-Modified-Since (exact match)
    trickle: float = 0.0  # if set: send the body in `chunk`-byte pieces, pausing this long between
    chunk: int = 1
    reset_after: int | None = None  # if set: send this many body bytes, then reset the connection
    close_after: int | None = None  # if set: send this many body bytes, then close it cleanly (FIN)
    hang: bool = False  # read the request, then never answer (until the server stops)
    no_length: bool = False  # no Content-Length: the body runs until the connection closes

    def body_bytes(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


@dataclass
class LoggedRequest:
    method: str
    path: str  # path with query string
    headers: dict[str, str]  # lower-case keys
    time: float

    @property
    def bare_path(self) -> str:
        return urlsplit(self.path).path

    @property
    def query(self) -> str:
        return urlsplit(self.path).query


Handler = Callable[[LoggedRequest], Reply]


class LoopbackServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Reply | Handler] = {}
        self.requests: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out as two writes; with Nagle on, the body waits
            # for the client's delayed ACK (~40 ms a response on Linux).
            disable_nagle_algorithm = True

            def log_message(self, *args) -> None:  # keep pytest output clean
                pass

            def do_GET(self) -> None:
                server._handle(self, head=False)

            def do_HEAD(self) -> None:
                server._handle(self, head=True)

        self._httpd = QuietHTTPServer((host, 0), _Handler)
        self._httpd.daemon_threads = True
        self.host = host
        self.port = self._httpd.server_address[1]
        # A short poll interval: shutdown() waits up to one interval, once per test.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- set-up -----------------------------------------------------------
    def route(self, path: str, reply: Reply | Handler) -> str:
        """Serve ``reply`` at ``path`` (query strings match exactly if given)."""
        self.routes[path] = reply
        return self.url(path)

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases handlers hanging on a ``hang`` reply
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- inspection -------------------------------------------------------
    def hits(self, path: str) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path or r.bare_path == path]

    # -- serving ----------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler, head: bool) -> None:
        req = LoggedRequest(
            method=h.command,
            path=h.path,
            headers={k.lower(): v for k, v in h.headers.items()},
            time=time.time(),
        )
        with self._lock:
            self.requests.append(req)
        target = self.routes.get(req.path) or self.routes.get(req.bare_path)
        if target is None:
            reply = Reply(status=404, body=b"not found", content_type="text/plain")
        elif callable(target):
            reply = target(req)
        else:
            reply = target
        if reply.hang:
            self._stopping.wait()
            h.close_connection = True
            return
        if reply.delay:
            time.sleep(reply.delay)
        status = reply.status
        body = reply.body_bytes()
        headers = dict(reply.headers)
        if reply.etag is not None:
            headers["ETag"] = reply.etag
            if req.headers.get("if-none-match") == reply.etag:
                status, body = 304, b""
        if reply.last_modified is not None:
            headers["Last-Modified"] = reply.last_modified
            if req.headers.get("if-modified-since") == reply.last_modified and reply.etag is None:
                status, body = 304, b""
        if reply.gzip and body:
            body = gzip_module.compress(body)
            headers["Content-Encoding"] = "gzip"
        try:
            h.send_response(status)
            if status != 304:
                h.send_header("Content-Type", reply.content_type)
            for k, v in headers.items():
                h.send_header(k, v)
            if reply.no_length:
                h.send_header("Connection", "close")
                h.close_connection = True
            else:
                h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if not head and status != 304:
                if reply.reset_after is not None:
                    h.wfile.write(body[: reply.reset_after])
                    h.wfile.flush()
                    # SO_LINGER 0 makes close() send RST instead of FIN: a real reset.
                    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    h.connection.close()
                    h.close_connection = True
                elif reply.close_after is not None:
                    h.wfile.write(body[: reply.close_after])
                    h.wfile.flush()
                    h.close_connection = True
                    h.connection.shutdown(socket.SHUT_WR)
                elif reply.trickle:
                    for i in range(0, len(body), max(1, reply.chunk)):
                        h.wfile.write(body[i : i + max(1, reply.chunk)])
                        h.wfile.flush()
                        time.sleep(reply.trickle)
                else:
                    h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass


class Blackhole:
    """A listening socket whose accept queue is full and never drained: a
    connection attempt to it hangs until the client's connect timeout, as with
    a host that drops SYNs. Loopback only, nothing leaves the machine.

        with Blackhole() as hole:
            url = hole.url("/feed")
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._listener = socket.socket()
        self._listener.bind((host, 0))
        self._listener.listen(0)
        self.port = self._listener.getsockname()[1]
        self._fillers: list[socket.socket] = []
        # listen(0) still queues one connection (Linux queues backlog + 1): fill it.
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            try:
                filler.connect((host, self.port))
            except (BlockingIOError, InterruptedError):
                pass
            self._fillers.append(filler)
        time.sleep(0.05)  # let the handshakes settle into the queue

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def close(self) -> None:
        for s in (*self._fillers, self._listener):
            s.close()

    def __enter__(self) -> Blackhole:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
