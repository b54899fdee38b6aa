"""One worker thread for the big jobs a comment thread brings.

Decoding, converting, building, saving and reading back a 50,000-comment thread
are a second or two of pure Python each. Run with ``asyncio.to_thread`` they ran
side by side in two or three threads, and the event loop's thread, asking for
the interpreter lock, lost it to another worker again and again: a re-poll of
such a thread held the loop for up to 1.5 s. With one worker for all of them,
the lock goes back and forth between that worker and the loop every switch
interval (5 ms), and the jobs simply queue.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

__all__ = ["off_loop", "let_go", "empty_in_slices"]

P = ParamSpec("P")
R = TypeVar("R")

_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="threadline-work")


async def off_loop(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``fn(*args, **kwargs)`` in the one worker thread, awaited (like ``asyncio.to_thread``)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_worker, functools.partial(fn, *args, **kwargs))


def let_go(*lists: list) -> None:
    """Empty ``lists`` in the worker, a slice at a time, after the jobs queued before.

    Freeing the last references to a 50,000-comment thread is one cascade of C
    deallocations (40-50 ms on this machine) that never lets go of the
    interpreter lock; wherever it runs, the event loop waits. Deleted a slice at
    a time, the worker hands the lock over between slices. The lists must not be
    needed by anyone any more: they are emptied in place.
    """
    _worker.submit(empty_in_slices, *lists)


def empty_in_slices(*lists: list) -> None:
    """Empty ``lists`` a slice at a time (in a worker: see ``let_go``)."""
    for items in lists:
        while items:
            del items[-_SLICE:]


_SLICE = 2_000
