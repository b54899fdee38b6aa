"""The first line of a comment in the tree: who, marks, when, score, what is folded.

Untrusted text (the author) enters only ``Text`` as plain text, cleaned; search
matches are highlighted in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import tzinfo

from rich.style import Style
from rich.text import Text

from tui.text.sanitize import clean_line
from tui.text.timefmt import absolute, relative
from tui.ui.thread_layout import ThreadLayout
from tui.ui.thread_shape import MAX_INDENT

__all__ = ["comment_header", "ROLE_MARKS"]

# A comment's role on its site (Comment.role) and the mark it gets, as reddit
# and Lobsters show theirs beside the name.
ROLE_MARKS = {"moderator": " MOD ", "admin": " ADMIN "}


def comment_header(
    layout: ThreadLayout,
    pos: int,
    *,
    is_cursor: bool,
    folded: bool,
    room: int,
    style: Callable[[str], Style],
    match: re.Pattern[str] | None,
    zone: tzinfo | None,
    now: float,
) -> Text:
    node = layout.thread.nodes[pos]
    c = node.comment
    meta = style("meta")
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    if node.depth > MAX_INDENT:
        text.append(f"↳{node.depth} ", meta)
    if c.more:
        text.append(f"[{c.more} more replies not loaded]", style("folded"))
        return _fit(text, room)
    if c.deleted:
        text.append("[deleted]", style("gone"))
    else:
        author = Text(clean_line(c.author) or "anonymous", style("author"))
        if match is not None:
            author.highlight_regex(match, style("match"))
        text.append_text(author)
        if c.by_author:
            text.append(" ")
            text.append(" OP ", style("op"))
        if c.role in ROLE_MARKS:
            text.append(" ")
            text.append(ROLE_MARKS[c.role], style("role"))
        if c.dead:
            text.append(" [dead]", style("gone"))
    text.append(" · ", meta)
    text.append(absolute(c.time, zone) if is_cursor else relative(c.time, now), meta)
    if c.score is not None:
        text.append(f" · {c.score} points", meta)
    if c.id in layout.new:
        text.append("  ● new", style("new"))
    if folded:
        n = node.size
        text.append(f"  [+{n} {'reply' if n == 1 else 'replies'}]", style("folded"))
        fresh = layout.new_inside(pos)
        if fresh:  # a folded subtree that received replies says so
            text.append(f" ● {fresh} new", style("new"))
    if node.cycle:
        text.append("  ↳ reply loop cut here", style("note"))
    elif node.orphan:
        text.append("  ↳ reply to a missing comment", style("note"))
    return _fit(text, room)


def _fit(text: Text, room: int) -> Text:
    if text.cell_len > room:
        text.truncate(room, overflow="ellipsis")
    return text
