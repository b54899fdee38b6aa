"""A measuring hook for ``bench/bench_thread_open.py``: with the environment
variable ``THREADLINE_STAMP_FIRST_COMMENT`` naming a file, the moment the comment
tree first draws a comment row is written there (``time.monotonic()``, which is
CLOCK_MONOTONIC, one clock for every process on the machine), once.

Unset, opening a thread pays one environment lookup and nothing else; set, the
tree's ``render_lines`` is wrapped until the first comment is drawn, then the
wrapper removes itself.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from textual.geometry import Region
from textual.strip import Strip

from tui.ui.widgets.comment_tree import CommentTree

STAMP_ENV = "THREADLINE_STAMP_FIRST_COMMENT"


def stamp_first_comment(tree: CommentTree) -> None:
    """Write the monotonic time to $THREADLINE_STAMP_FIRST_COMMENT when ``tree``
    first draws a comment; nothing at all when the variable is unset."""
    target = os.environ.get(STAMP_ENV)
    if not target:
        return
    draw = tree.render_lines

    def render_lines(crop: Region) -> list[Strip]:
        strips = draw(crop)
        if tree.layout_model.visible:
            del tree.render_lines  # the class's own method again
            try:
                Path(target).write_text(f"{time.monotonic():.6f}\n", encoding="ascii")
            except OSError:
                pass  # a measurement that cannot be written costs the reader nothing
        return strips

    tree.render_lines = render_lines  # type: ignore[method-assign]
