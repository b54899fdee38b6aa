"""The parts of a thread's layout that grow with its size, computed in a thread.

At 50,000 comments, estimating every comment's height, finding the top-level
comments and counting the "more" stubs take 50-100 ms of pure Python: on the
event loop that is a visible stall, in the thread that builds the tree it costs
the reader nothing. ``shape_of`` is called there; ``ThreadLayout.set_thread``
takes the result when it was made at the layout's current width.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.collector import BIG_THREAD, collector_paused
from tui.comments.tree import Node, Thread, build_thread
from tui.model import Comment

__all__ = [
    "ThreadShape",
    "build_shaped",
    "estimate_heights",
    "shape_of",
    "MAX_INDENT",
    "MIN_BODY_WIDTH",
    "FOLDED_HEIGHT",
]

# Deeper replies still indent no further; the header shows the real depth, so a
# 10,000-deep chain stays readable instead of marching off the right edge.
MAX_INDENT = 12
MIN_BODY_WIDTH = 12
FOLDED_HEIGHT = 2  # header + blank line
# A rough characters-per-cell ratio for HTML (tags and entities take room that
# plain text does not); only needs to be close, measuring corrects it.
HTML_TEXT_RATIO = 0.85


@dataclass(frozen=True, slots=True)
class ThreadShape:
    thread: Thread
    width: int
    heights: list[int]  # each node's estimated height, replies shown, at ``width``
    tops: list[int]  # positions of the top-level comments
    stubs: int  # "more" stubs (they are not comments)
    hidden: int  # the replies those stubs stand for


def estimate_heights(nodes: list[Node], width: int) -> list[int]:
    """Header, body lines guessed from the HTML's length, and a blank line."""
    if not width:
        return [FOLDED_HEIGHT] * len(nodes)
    avail = [max(MIN_BODY_WIDTH, width - 2 - 2 * d) for d in range(MAX_INDENT + 1)]
    cap, ratio = MAX_INDENT, HTML_TEXT_RATIO
    return [
        2 + (int(len(n.comment.html) * ratio) // avail[min(n.depth, cap)] + 1 if n.comment.html else 0)
        for n in nodes
    ]


def shape_of(thread: Thread, width: int) -> ThreadShape:
    nodes = thread.nodes
    stubs = [n.comment.more for n in nodes if n.comment.more]
    return ThreadShape(
        thread=thread,
        width=width,
        heights=estimate_heights(nodes, width),
        tops=thread.top_level(),
        stubs=len(stubs),
        hidden=sum(m for m in stubs if m > 0),
    )


def build_shaped(comments: list[Comment], width: int) -> tuple[Thread, ThreadShape]:
    """The thread of ``comments`` and its shape at ``width``: all the work of
    showing a new copy of a thread that can run off the event loop."""
    with collector_paused(len(comments) > BIG_THREAD):
        thread = build_thread(comments)
        return thread, shape_of(thread, width)
