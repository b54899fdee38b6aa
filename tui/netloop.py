"""Where requests wait and run: per-host slots, and the event loop in a thread of
its own that the app's Fetcher runs every request on. No HTTP here (tui/net.py)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from urllib.parse import urlsplit


def host_of(url: str) -> str:
    """The key requests are counted by: scheme-less host and port, lower-cased."""
    return urlsplit(url).netloc.lower()


class HostSlots:
    """``limit`` slots per host, made on first use (one semaphore a host)."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._slots: dict[str, asyncio.Semaphore] = {}

    def __call__(self, url: str) -> asyncio.Semaphore:
        host = host_of(url)
        slot = self._slots.get(host)
        if slot is None:
            slot = self._slots[host] = asyncio.Semaphore(self.limit)
        return slot


class NetworkThread:
    """An event loop of its own, in a daemon thread, where a Fetcher's requests run.

    The app's event loop draws the screen and answers keys; httpx's own work per
    request (about 3 ms of Python: the connection pool, h11, headers) ran there
    too and, 32 requests at a time, made keys wait during a refresh. Callers on any
    loop await ``run``; cancelling them cancels the request on this loop.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="threadline-network", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            self.loop.close()

    async def run(self, coro: Any) -> Any:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def stop(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
