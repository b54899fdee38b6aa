"""Shared by the benches that watch the event loop: what a slow callback was running."""

from __future__ import annotations

import asyncio


def callback_name(handle: asyncio.events.Handle) -> str:
    """What a loop callback ran: a task's coroutine (where it stopped), or the callback."""
    callback = handle._callback  # type: ignore[attr-defined]
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        coro = task.get_coro()
        frame = getattr(coro, "cr_frame", None)
        where = f" at {frame.f_code.co_filename.rsplit('/', 2)[-1]}:{frame.f_lineno}" if frame else ""
        return f"task {getattr(coro, '__qualname__', coro)}{where}"
    return getattr(callback, "__qualname__", repr(callback))
