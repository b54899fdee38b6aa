"""The app's Fetcher runs every request on a network thread of its own (issue #10):
the screen's event loop only waits, the per-host slots stay one for every caller,
cancelling a caller cancels its request, and closing ends the thread."""

from __future__ import annotations

import asyncio
import threading
import time

from loopback import LoopbackServer, Reply

from tui.net import Fetcher

RSS = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"


def _network_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "threadline-network" and t.is_alive()]


async def test_requests_run_off_the_callers_loop_and_give_the_same_results() -> None:
    seen_threads: list[str] = []
    with LoopbackServer() as srv:

        def answer(req):
            return Reply(body=RSS, headers={"ETag": '"v1"', "Content-Type": "application/rss+xml"})

        srv.route("/feed", answer)
        fetcher = Fetcher(own_thread=True)
        inline = Fetcher()
        original = Fetcher._follow

        async def spy(self, *args, **kwargs):
            seen_threads.append(threading.current_thread().name)
            return await original(self, *args, **kwargs)

        Fetcher._follow = spy  # type: ignore[method-assign]
        try:
            async with fetcher, inline:
                threaded = await fetcher.fetch(srv.url("/feed"))
                direct = await inline.fetch(srv.url("/feed"))
                again = await fetcher.fetch(srv.url("/feed"), etag='"v1"')
        finally:
            Fetcher._follow = original  # type: ignore[method-assign]
    assert seen_threads[0] == "threadline-network"
    assert seen_threads[1] == threading.current_thread().name
    assert (threaded.status, threaded.body, threaded.headers.get("etag")) == (
        direct.status,
        direct.body,
        direct.headers.get("etag"),
    )
    assert threaded.ok and threaded.body == RSS
    assert again.conditional


async def test_one_host_slot_for_feeds_and_threads_across_loops() -> None:
    """per_host=1: a feed fetch from one loop and a comment fetch from another
    thread's loop never overlap at the server."""
    in_flight = 0
    most = 0
    lock = threading.Lock()
    with LoopbackServer() as srv:

        def slow(req):
            nonlocal in_flight, most
            with lock:
                in_flight += 1
                most = max(most, in_flight)
            time.sleep(0.15)
            with lock:
                in_flight -= 1
            return Reply(body=b"{}", headers={"Content-Type": "application/json"})

        srv.route("/a", slow)
        fetcher = Fetcher(per_host=1, own_thread=True)

        def other_loop() -> None:
            asyncio.run(fetcher.get(srv.url("/a")))

        async with fetcher:
            side = threading.Thread(target=other_loop)
            side.start()
            results = await asyncio.gather(fetcher.fetch(srv.url("/a")), fetcher.get(srv.url("/a")))
            await asyncio.to_thread(side.join)
    assert all(r.ok for r in results), [r.error for r in results]
    assert most == 1


async def test_cancelling_the_caller_cancels_the_request_and_close_ends_the_thread() -> None:
    release = threading.Event()
    with LoopbackServer() as srv:

        def hang(req):
            release.wait(5)
            return Reply(body=b"late")

        srv.route("/hang", hang)
        srv.route("/ok", Reply(body=b"fine"))
        fetcher = Fetcher(per_host=1, own_thread=True)
        async with fetcher:
            task = asyncio.create_task(fetcher.get(srv.url("/hang")))
            await asyncio.sleep(0.2)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
            assert task.cancelled()
            # The one slot of that host was given back: the next request runs now.
            started = time.monotonic()
            ok = await asyncio.wait_for(fetcher.get(srv.url("/ok")), 3)
            assert ok.body == b"fine" and time.monotonic() - started < 3
            assert _network_threads()
        release.set()
    for _ in range(50):
        if not _network_threads():
            break
        await asyncio.sleep(0.05)
    assert not _network_threads(), "closing the fetcher ends its network thread"
