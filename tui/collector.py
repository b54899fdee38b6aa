"""Python's cyclic garbage collector, held off while a big thread is built.

Building a 50,000-comment thread allocates some 300,000 container objects. The
collector runs a full pass each time the long-lived objects grow by a quarter,
and a full pass visits every one of them while holding the interpreter: in the
app that was a stall of the event loop of 150-360 ms, several times per open and
again at each re-poll, whichever thread did the building.

``collector_paused(big)`` turns automatic collection off while the work inside
it runs, then freezes what exists (``gc.freeze``: moved out of every future
pass; ``gc.freeze`` itself is constant time) and turns it back on. What a thread
is made of (comments, nodes, lists of them) holds no reference cycles, so it is
still freed by reference counting when the reader closes the thread; only
cyclic garbage made during the work, if any, is never collected. Small work
(``big`` false) does none of this.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused", "BIG_THREAD"]

BIG_THREAD = 5_000  # comments: a thread this big pauses the collector while it is built

_lock = threading.Lock()
_holders = 0
_was_enabled = True


@contextmanager
def collector_paused(big: bool = True) -> Iterator[None]:
    """Automatic collection off inside, what exists frozen at the end; nests and
    may be entered from several threads at once (the last one out restores it)."""
    global _holders, _was_enabled
    if not big:
        yield
        return
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                gc.freeze()
                if _was_enabled:
                    gc.enable()
