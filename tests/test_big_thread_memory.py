"""A big thread is built with the garbage collector held off and then frozen
(tui/collector.py). Frozen objects are never collected, so what a thread is made
of must be freed by reference counting alone when its screen closes: this checks
that it is, with a real ThreadScreen in a real (headless) app."""

from __future__ import annotations

import asyncio
import gc
import weakref

from textual.app import App

from tui.collector import BIG_THREAD
from tui.model import Comment
from tui.offload import off_loop
from tui.ui.screens.thread import ThreadScreen


class Loader:
    def __init__(self, n: int) -> None:
        self.n = n
        self.first: weakref.ref[Comment] | None = None

    async def __call__(self) -> list[Comment]:
        comments = [
            Comment(str(i), str(i - 1) if i % 4 else None, f"u{i}", 0.0, f"<p>body {i}</p>")
            for i in range(self.n)
        ]
        self.first = weakref.ref(comments[0])
        return comments


async def test_a_closed_big_thread_is_freed_though_the_collector_froze_it():
    loader = Loader(BIG_THREAD + 1_000)
    was_enabled = gc.isenabled()
    app = App()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = ThreadScreen("big", loader, poll_every=None)
        await app.push_screen(screen)
        for _ in range(200):
            await pilot.pause(0.02)
            if screen.comment_tree.visible_count and not screen._loading:
                break
        assert len(screen.comment_tree.thread) == BIG_THREAD + 1_000
        assert gc.get_freeze_count() > 0  # the thread was frozen out of the collector
        assert loader.first is not None and loader.first() is not None
        app.pop_screen()
        await pilot.pause(0.2)
        del screen
        await off_loop(lambda: None)  # the worker has emptied what let_go gave it
        await asyncio.sleep(0)
        assert loader.first() is None, "a frozen comment outlived its closed thread"
    assert gc.isenabled() == was_enabled
