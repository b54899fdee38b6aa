"""The comment tree: a whole thread drawn with the line API, as fast at 50,000 comments as at 10.

The layout (folds, heights, offsets, the cursor, merging, where each key goes)
is ``tui.ui.thread_layout.ThreadLayout``, plain Python; this widget draws its
rows with the line API, binds the keys, scrolls, and posts messages. It never
opens a screen: links to choose from go up as ``LinksRequested``.

Untrusted text (authors, bodies, links) only ever enters ``Text.append`` or the
HTML renderer in ``tui.text``; nothing here parses markup.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.comments.tree import Thread
from tui.model import Comment
from tui.offload import let_go
from tui.text.html import Link
from tui.text.sanitize import clean_line
from tui.text.timefmt import reader_zone
from tui.ui.keys import keyed
from tui.ui.styles import text_style
from tui.ui.thread_folds import (
    LEVEL_BINDINGS,
    level_folds,
    one_level_less,
    one_level_more,
    opening_folds,
    opening_rule,
)
from tui.ui.thread_layout import GUIDE, Pin, ThreadLayout
from tui.ui.thread_layout import comment_search_text as comment_search_text  # re-exported
from tui.ui.thread_shape import MAX_INDENT, ThreadShape
from tui.ui.widgets.comment_header import comment_header

GUIDE_COLOURS = 6
# Not "▌": that is the quote bar (tui.text.html), and a cursor on a quote read "▌▌".
CURSOR_MARK = "┃"


class CommentTree(ScrollView, can_focus=True):
    """A collapsible comment thread that merges new comments in place."""

    ALLOW_SELECT = False

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "comment-tree--cursor",
        "comment-tree--cursor-mark",
        "comment-tree--author",
        "comment-tree--op",
        "comment-tree--role",
        "comment-tree--meta",
        "comment-tree--new",
        "comment-tree--folded",
        "comment-tree--gone",
        "comment-tree--note",
        "comment-tree--match",
        *(f"comment-tree--guide-{i}" for i in range(GUIDE_COLOURS)),
    }

    DEFAULT_CSS = """
    CommentTree {
        overflow-y: scroll;
        overflow-x: hidden;
        background: $surface;
        color: $foreground;
    }
    CommentTree > .comment-tree--cursor { background: $boost; }
    CommentTree:focus > .comment-tree--cursor { background: $primary 18%; }
    CommentTree > .comment-tree--cursor-mark { color: $accent; text-style: bold; }
    CommentTree > .comment-tree--author { text-style: bold; }
    CommentTree > .comment-tree--op { color: $text-accent; text-style: bold reverse; }
    CommentTree > .comment-tree--role { color: $text-success; text-style: bold reverse; }
    CommentTree > .comment-tree--meta { color: $text-muted; }
    CommentTree > .comment-tree--new { color: $text-success; text-style: bold; }
    CommentTree > .comment-tree--folded { color: $text-warning; text-style: bold; }
    CommentTree > .comment-tree--gone { color: $text-muted; text-style: italic; }
    CommentTree > .comment-tree--note { color: $text-warning; }
    CommentTree > .comment-tree--match { color: $text-warning; text-style: bold reverse; }
    CommentTree > .comment-tree--guide-0 { color: $primary; }
    CommentTree > .comment-tree--guide-1 { color: $secondary; }
    CommentTree > .comment-tree--guide-2 { color: $success; }
    CommentTree > .comment-tree--guide-3 { color: $warning; }
    CommentTree > .comment-tree--guide-4 { color: $accent; }
    CommentTree > .comment-tree--guide-5 { color: $error; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *keyed(
            "comments",
            [
                Binding("j,down", "cursor_next", "Next", show=True),
                Binding("k,up", "cursor_previous", "Previous", show=True),
                Binding("J", "next_sibling", "Next sibling", show=False),
                Binding("K", "previous_sibling", "Previous sibling", show=False),
                Binding("p", "parent", "Parent", show=False),
                Binding("n", "next_top", "Next top-level", show=False),
                Binding("N", "previous_top", "Previous top-level", show=False),
                Binding("space", "toggle_fold", "Fold", show=True),
                Binding("h", "fold_or_parent", "Fold / parent", show=False),
                Binding("l", "unfold", "Unfold", show=False),
                Binding("z", "fold_all", "Fold all", show=True),
                Binding("Z", "unfold_all", "Unfold all", show=False),
                *LEVEL_BINDINGS,
                Binding("right_square_bracket", "next_new", "Next new", show=True, key_display="]"),
                Binding("left_square_bracket", "previous_new", "Previous new", show=False, key_display="["),
                Binding("g,home", "first", "First", show=False),
                Binding("G,end", "last", "Last", show=False),
                Binding("pagedown", "page(1)", "Page down", show=False),
                Binding("pageup", "page(-1)", "Page up", show=False),
                Binding("ctrl+d", "page(0.5)", "Half page down", show=False),
                Binding("ctrl+u", "page(-0.5)", "Half page up", show=False),
                Binding("o", "open_link", "Open link", show=True),
                Binding("enter", "expand", "Load more / fold", show=False),
            ],
        )
    ]

    @dataclass
    class CursorMoved(Message):
        comment_id: str | None

    @dataclass
    class OpenLink(Message):
        url: str  # always http(s): it passed text.safe_url

    @dataclass
    class Expand(Message):
        """Enter on a "N more replies" stub: the screen fetches them."""

        stub: Comment

    @dataclass
    class Counts(Message):
        new: int  # comments marked new (not seen on an earlier visit, or arrived since)
        total: int  # comments loaded ("more" stubs are not comments)
        arrived: int  # arrived by merges since the reader last pressed ]
        hidden: int = 0  # replies the thread's "more" stubs stand for, not loaded

    @dataclass
    class LinksRequested(Message):
        """``o`` on a comment with several links: the screen offers the choice
        and answers by posting ``OpenLink`` from the tree."""

        links: list[Link]  # numbered from 1, http(s) only

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._clock = clock
        self._layout = ThreadLayout(measure=self._measure, on_lines=self._lines_changed)
        self._zone: tzinfo | None = None  # set from the app's config on mount; None is UTC
        self._epoch = 0
        self._wrapped: LRUCache[tuple, list[Strip]] = LRUCache(2048)
        self._lines: LRUCache[tuple, Strip] = LRUCache(1024)
        self._styles: dict[str, Style] = {}
        self._note = ""  # what an empty tree says instead of "loading…"
        self._match: re.Pattern[str] | None = None  # thread search: what to highlight
        self._open_folds = (0, 0)  # (fold_below_depth, fold_over_replies) for a thread's first load

    def on_mount(self) -> None:
        super().on_mount()
        name = getattr(getattr(self.app, "config", None), "timezone", None)
        self._zone = reader_zone(name) if isinstance(name, str) else None  # as the timeline's
        self._open_folds = opening_rule(getattr(self.app, "config", None))  # [threads] in config.toml
        self._lines.clear()
        # Relative times ("3m") age while the reader sits still; redraw when they change.
        self.set_interval(30, self._tick)

    def on_unmount(self) -> None:  # a frozen widget (tui.collector) is never collected: let go
        let_go(self._layout.thread.nodes)
        self._layout.release()
        self._wrapped.clear()
        self._lines.clear()

    def _tick(self) -> None:
        if int(self._clock() // 30) != self._epoch:
            self.refresh()

    # -- public state --------------------------------------------------------

    @property
    def layout_model(self) -> ThreadLayout:
        """The plain-Python layout behind the widget (read it; change it through the widget)."""
        return self._layout

    @property
    def thread(self) -> Thread:
        return self._layout.thread

    @property
    def cursor_id(self) -> str | None:
        return self._layout.cursor_id

    @property
    def folded(self) -> set[str]:
        """Ids of folded comments (a copy: fold through the actions)."""
        return set(self._layout.folded)

    @property
    def new_ids(self) -> set[str]:
        return set(self._layout.new)

    @property
    def arrived(self) -> int:
        return self._layout.arrived

    @property
    def visible_count(self) -> int:
        return self._layout.visible_count

    @property
    def total_lines(self) -> int:
        return self._layout.total_lines

    def row_span(self, comment_id: str) -> tuple[int, int] | None:
        """The (first, past-last) virtual lines of a visible comment, or None."""
        return self._layout.row_span(comment_id)

    def move_to(self, comment_id: str) -> bool:
        """Put the cursor on a comment, unfolding its ancestors if needed."""
        pos = self._layout.thread.index.get(comment_id)
        if pos is None:
            return False
        self._reveal(pos)
        self._move(pos)
        return True

    def highlight(self, query: str) -> None:
        """Highlight ``query`` (any case) in authors and bodies; "" for none."""
        pattern = re.compile(re.escape(query), re.IGNORECASE) if query else None
        if (pattern and pattern.pattern) != (self._match and self._match.pattern):
            self._match = pattern
            self._lines.clear()
            self.refresh()

    def show_note(self, note: str) -> None:
        """What the tree says while it has no thread (the load failed: why)."""
        self._note = clean_line(note)
        self.refresh()

    def fold(self, comment_id: str, folded: bool = True) -> None:
        self._apply(self._layout.fold(comment_id, folded, self._top()))

    # -- loading and merging -------------------------------------------------

    def set_thread(
        self,
        thread: Thread,
        new_ids: set[str] | frozenset[str] = frozenset(),
        requested: set[str] | frozenset[str] = frozenset(),
        shape: ThreadShape | None = None,
    ) -> None:
        """Show ``thread``; on later calls merge it, keeping cursor, folds and place.

        Comments not in the previous thread are new (counted in ``arrived``); ``new_ids``
        adds more, unseen on an earlier visit; ``requested`` (replies a stub was expanded
        into) are never new; ``shape``: from ``build_shaped``."""
        layout = self._layout
        first = not layout.loaded
        cursor_id = layout.cursor_id
        if not layout.thread.nodes and any(self._open_folds):  # a big thread opens folded
            layout.folded = opening_folds(thread, *self._open_folds)
        self._lines.clear()
        old = layout.thread.nodes
        pin = layout.set_thread(thread, new_ids, self._top(), self._viewport_height(), requested, shape)
        self._apply(pin)
        let_go(old)  # the replaced copy, freed off the loop
        self._post_counts()
        if first or cursor_id != layout.cursor_id:
            self.post_message(self.CursorMoved(layout.cursor_id))

    def _post_counts(self) -> None:
        layout = self._layout
        self.post_message(
            self.Counts(
                new=len(layout.new), total=layout.comment_count, arrived=layout.arrived, hidden=layout.hidden
            )
        )

    # -- scrolling -------------------------------------------------------------

    def _top(self) -> int:
        return round(self.scroll_y)

    def _viewport_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def _lines_changed(self, total: int) -> None:
        self.virtual_size = Size(self._layout.width, total)

    def _apply(self, pin: Pin | None) -> None:
        """Scroll as ``pin`` says (heights on screen made exact), then redraw."""
        if pin is not None:
            self._scroll_line(self._layout.scroll_for(pin, self._top(), self._viewport_height()))
        self.refresh()

    def _scroll_line(self, y: int) -> None:
        y = max(0, min(y, self._layout.total_lines - self._viewport_height()))
        if round(self.scroll_y) != y:
            self.scroll_to(y=y, animate=False, force=True)

    def on_resize(self, event: events.Resize) -> None:
        width = self.scrollable_content_region.width
        if width == self._layout.width or width <= 0:
            return
        self._lines.clear()
        self._apply(self._layout.set_width(width, self._top()))

    # -- drawing -------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}
        if hasattr(self, "_lines"):
            self._lines.clear()
            if self._match is not None:  # highlights carry the theme's colours
                self._wrapped.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = text_style(self, f"comment-tree--{name}")
        return style

    def _body_lines(self, pos: int) -> list[Strip]:
        """The comment's body wrapped to its width, as strips (cached)."""
        match = self._match
        key = (self._layout.wrap_key(pos), match.pattern if match else "")
        lines = self._wrapped.get(key)
        if lines is None:
            console = self.app.console
            wrapped = self._layout.wrap_lines(pos, console)
            if match is not None:
                style = self._style("match")
                for line in wrapped:
                    line.highlight_regex(match, style)
            lines = [Strip(line.render(console), line.cell_len) for line in wrapped]
            self._wrapped.set(key, lines)
        return lines

    def _measure(self, pos: int) -> int:
        return len(self._body_lines(pos))

    def render_lines(self, crop: Region) -> list[Strip]:
        # Heights of what is about to be drawn become exact first, pinned at the
        # top row, so the lines below are laid out right in this very frame.
        layout = self._layout
        if layout.visible and layout.width:
            scroll_y = self._top()
            row = layout.row_at(scroll_y)
            layout.settle(row, layout.off[row] - scroll_y, self._viewport_height())
            epoch = int(self._clock() // 30)
            if epoch != self._epoch:  # relative times ("3m") move on
                self._epoch = epoch
                self._lines.clear()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        line = round(self.scroll_y) + y
        base = self.rich_style
        layout = self._layout
        if not layout.visible:
            if y == 0:
                if layout.loaded:
                    note = Text(" No comments yet.")
                else:
                    note = Text(f" {self._note}" if self._note else " loading…")
                note.stylize(self._style("meta"))
                return (
                    Strip(note.render(self.app.console))
                    .extend_cell_length(width, base)
                    .apply_style(base)
                    .crop(0, width)
                )
            return Strip.blank(width, base)
        off = layout.off
        if line >= off[-1]:
            return Strip.blank(width, base)
        row = layout.row_at(line)
        pos = layout.visible[row]
        k = line - off[row]
        key = (layout.version, pos, k, pos == layout.cursor, width)
        strip = self._lines.get(key)
        if strip is None:
            strip = self._draw(pos, k, width, base)
            self._lines.set(key, strip)
        return strip

    def _draw(self, pos: int, k: int, width: int, base: Style) -> Strip:
        layout = self._layout
        node = layout.thread.nodes[pos]
        is_cursor = pos == layout.cursor
        folded = pos in layout.fold_rows
        body = [] if folded or k == 0 else self._body_lines(pos)
        if k and not folded:
            layout.measured(pos, len(body))  # drawn, so exact from now on
        closing = k > len(body)  # the blank line that ends a comment
        marked = is_cursor and not closing
        segments = [Segment(CURSOR_MARK, base + self._style("cursor-mark")) if marked else Segment(" ", base)]
        for level in range(min(node.depth, MAX_INDENT)):
            segments.append(Segment(GUIDE, base + self._style(f"guide-{level % GUIDE_COLOURS}")))
        prefix = Strip(segments)
        room = max(0, width - prefix.cell_length)
        content_style = base + self._style("cursor") if is_cursor else base
        if k == 0:
            header = comment_header(
                layout,
                pos,
                is_cursor=is_cursor,
                folded=folded,
                room=room,
                style=self._style,
                match=self._match,
                zone=self._zone,
                now=self._clock(),
            )
            content = Strip(header.render(self.app.console), header.cell_len)
        elif closing:
            content, content_style = Strip([]), base
        else:
            content = body[k - 1]
        content = content.extend_cell_length(room).apply_style(content_style).crop(0, room)
        return Strip.join([prefix, content])

    # -- moving ----------------------------------------------------------------

    def _move(self, pos: int | None, nothing: str = "") -> None:
        layout = self._layout
        old = layout.cursor
        pin = layout.move(pos)
        if pin is None:
            if nothing and pos is None:  # the key had nowhere to go: say so
                self.notify(nothing, timeout=2)
            return
        self._apply(pin)
        if old != layout.cursor:
            self.post_message(self.CursorMoved(layout.cursor_id))

    def _reveal(self, pos: int) -> None:
        """Unfold whatever hides ``pos``, keeping the cursor still."""
        pin = self._layout.reveal(pos, self._top())
        if pin is not None:
            self._lines.clear()
            self._apply(pin)

    def action_cursor_next(self) -> None:
        self._move(self._layout.step(1))

    def action_cursor_previous(self) -> None:
        self._move(self._layout.step(-1))

    def action_next_sibling(self) -> None:
        self._move(self._layout.next_sibling(), "No next reply at this level.")

    def action_previous_sibling(self) -> None:
        self._move(self._layout.previous_sibling(), "No earlier reply at this level.")

    def action_parent(self) -> None:
        self._move(self._layout.parent(), "Already at the top level.")

    def action_next_top(self) -> None:
        self._move(self._layout.next_top())

    def action_previous_top(self) -> None:
        self._move(self._layout.previous_top())

    def action_first(self) -> None:
        self._move(self._layout.first())

    def action_last(self) -> None:
        self._move(self._layout.last())

    def action_page(self, pages: float) -> None:
        """Scroll by a page and keep the cursor on the same screen line."""
        scroll_y = self._top()
        paged = self._layout.page(pages, scroll_y, self._viewport_height())
        if paged is None:
            return
        new_scroll, pos = paged
        if new_scroll != scroll_y:
            self._scroll_line(new_scroll)
        self._move(pos)

    # -- folding -----------------------------------------------------------------

    def action_toggle_fold(self) -> None:
        cid = self.cursor_id
        if cid is not None:
            self.fold(cid, cid not in self._layout.folded)

    def action_expand(self) -> None:
        layout = self._layout
        if not 0 <= layout.cursor < len(layout.thread.nodes):
            return
        comment = layout.thread.nodes[layout.cursor].comment
        if comment.more:
            self.post_message(self.Expand(comment))
        else:
            self.action_toggle_fold()

    def action_fold_or_parent(self) -> None:
        layout = self._layout
        cid = layout.cursor_id
        if cid is None:
            return
        if layout.thread.nodes[layout.cursor].size and cid not in layout.folded:
            self.fold(cid)
        else:
            self.action_parent()

    def action_unfold(self) -> None:
        cid = self.cursor_id
        if cid is not None:
            self.fold(cid, False)

    def action_fold_all(self) -> None:
        layout = self._layout
        if layout.cursor < 0:
            return
        old = layout.cursor
        self._apply(layout.fold_all(self._top()))
        if layout.cursor != old:
            self.post_message(self.CursorMoved(layout.cursor_id))

    def action_unfold_all(self) -> None:
        self._apply(self._layout.unfold_all(self._top()))

    def _set_folds(self, folded: set[str]) -> None:
        old = self._layout.cursor
        self._apply(self._layout.set_folds(folded, self._top()))
        if self._layout.cursor != old:
            self.post_message(self.CursorMoved(self._layout.cursor_id))

    def action_fold_deeper(self) -> None:
        self._set_folds(one_level_less(self.thread, self._layout.cursor, self._layout.folded))

    def action_unfold_level(self) -> None:
        self._set_folds(one_level_more(self.thread, self._layout.folded))

    def action_fold_to_level(self, level: int) -> None:
        self._set_folds(level_folds(self.thread, level, self._layout.folded))

    # -- new comments -------------------------------------------------------------

    def _jump_new(self, forward: bool) -> None:
        layout = self._layout
        if layout.cursor < 0:
            return
        target = layout.next_new(forward)
        if layout.arrived:
            layout.arrived = 0
            self._post_counts()
        if target is not None:
            self._reveal(target)
            self._move(target)

    def action_next_new(self) -> None:
        self._jump_new(True)

    def action_previous_new(self) -> None:
        self._jump_new(False)

    # -- links -------------------------------------------------------------------

    def cursor_links(self) -> list[tuple[str, str]]:
        """(url, label) of the cursor comment's links; only http(s) ever appear."""
        cursor = self._layout.cursor
        return [] if cursor < 0 else self._layout.links(cursor)

    def action_open_link(self) -> None:
        links = self.cursor_links()
        if not links:
            self.notify("This comment has no links.", severity="warning", timeout=3)
        elif len(links) == 1:
            self.post_message(self.OpenLink(links[0][0]))
        else:
            numbered = [Link(n, url, label) for n, (url, label) in enumerate(links, 1)]
            self.post_message(self.LinksRequested(numbered))

    # -- mouse -------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        line = round(self.scroll_y) + offset.y
        hit = self._layout.at_line(line)
        if hit is None:
            return
        row, pos = hit
        event.stop()
        self.focus()
        self._move(pos)
        if line == self._layout.off[row] and self._layout.thread.nodes[pos].size:
            self.action_toggle_fold()
