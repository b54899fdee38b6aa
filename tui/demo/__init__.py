"""The built-in newsroom behind ``threadline --demo``.

A loopback HTTP server inside the app's own process serves a fictional paper's feeds
in real formats (WordPress RSS, Atom with threading, JSON Feed), its article pages and
its WordPress REST comments, and a publisher thread adds to them every ``tick``
seconds, so a newcomer with no network sees updates arrive through the real fetch path.

    with Newsroom(tick=6) as newsroom:
        for url, title, folder in newsroom.feeds():
            ...

Each publishing step rotates through: an UPDATE paragraph on a live article, a new
comment (often deep in a thread), a new article; early on, a second live article.
"""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

from tui.demo import content
from tui.demo.newsroom import NewsroomState
from tui.demo.server import Page, make_server, route

__all__ = ["Newsroom"]


class Newsroom:
    def __init__(self, tick: float = 6.0, seed: int = 7, start_time: float | None = None) -> None:
        self.tick = tick
        self.base_url = ""
        self._state = NewsroomState(seed=seed, start_time=start_time)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> str:
        """Bind 127.0.0.1 on a free port, serve and publish in daemon threads; the base URL."""
        if self._server is not None:
            raise RuntimeError("the newsroom is already running")
        server = self._server = make_server(self._render)
        host, port = str(server.server_address[0]), int(server.server_address[1])
        self.base_url = f"http://{host}:{port}"
        self._stopping.clear()
        # A short poll interval keeps stop() (and so every test teardown) quick.
        self._threads = [
            threading.Thread(
                target=server.serve_forever, args=(0.05,), name="demo-newsroom-http", daemon=True
            )
        ]
        if self.tick and self.tick > 0:
            self._threads.append(
                threading.Thread(target=self._publish_forever, name="demo-newsroom-publisher", daemon=True)
            )
        for t in self._threads:
            t.start()
        return self.base_url

    def stop(self) -> None:
        """Stop publishing and serving, and free the port. Safe to call twice."""
        self._stopping.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        for t in self._threads:
            t.join(timeout=5)
        self._threads = []

    def __enter__(self) -> Newsroom:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- content --------------------------------------------------------------------
    def feeds(self) -> list[tuple[str, str, str]]:
        """(url, title, folder) of each feed to subscribe to; needs ``start()`` first."""
        base = self.base_url
        return [
            (f"{base}/ledger/feed/", content.LEDGER_TITLE, "Local"),
            (f"{base}/wire/atom.xml", content.WIRE_TITLE, "Wire"),
            (f"{base}/weather/feed.json", content.WEATHER_TITLE, "Weather"),
        ]

    def publish(self) -> str:
        """Publish one step now; a one-line description of what appeared."""
        with self._lock:
            return self._state.publish()

    def _publish_forever(self) -> None:
        while not self._stopping.wait(self.tick):
            self.publish()

    def _render(self, target: str) -> Page:
        with self._lock:
            return route(self._state, self.base_url, target, self.feeds())
