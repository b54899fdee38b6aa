"""The comment tree: a whole thread drawn with the line API, as fast at 50,000
comments as at 10.

Shape (circumflex's): the thread is the builder's flat pre-order list; folds are a
set of comment ids; the visible rows are node positions with folded subtrees
skipped by ``Thread.end`` (built from ranges, so the cost is the number of folds,
not of rows); each visible row has a height and a prefix sum of heights maps a
screen line to its row by bisection.

Wrapping 50,000 bodies before the first paint would take seconds (HTML parsing
and Rich wrapping cost ~0.2 ms a comment), so heights start as estimates from
the HTML length and become exact when a comment is first drawn. Every pass that
corrects heights keeps one row pinned to its screen line (the top row while
scrolling, the cursor comment when folds change or comments arrive), so
corrections never move what the reader is looking at.

Untrusted text (authors, bodies, links) only ever enters ``Text.append`` or the
HTML renderer in ``tui.text``; nothing here parses markup.
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
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
from tui.text.html import Link, Rendered, html_to_plain, html_to_text
from tui.text.sanitize import clean_line
from tui.text.timefmt import absolute, relative
from tui.ui.keys import keyed
from tui.ui.screens.links import LinkChooser

# Deeper replies still indent no further; the header shows the real depth, so a
# 10,000-deep chain stays readable instead of marching off the right edge.
MAX_INDENT = 12
GUIDE = "│ "
GUIDE_COLOURS = 6
MIN_BODY_WIDTH = 12
FOLDED_HEIGHT = 2  # header + blank line
# A rough characters-per-cell ratio for HTML (tags and entities take room that
# plain text does not); only needs to be close, drawing corrects it.
HTML_TEXT_RATIO = 0.85

_EMPTY_THREAD = Thread()


def comment_search_text(comment: Comment) -> str:
    """Author and body as casefolded plain text: what thread search looks in."""
    return f"{clean_line(comment.author)}\n{html_to_plain(comment.html)}".casefold()


class CommentTree(ScrollView, can_focus=True):
    """A collapsible comment thread that merges new comments in place."""

    ALLOW_SELECT = False

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "comment-tree--cursor",
        "comment-tree--cursor-mark",
        "comment-tree--author",
        "comment-tree--op",
        "comment-tree--meta",
        "comment-tree--new",
        "comment-tree--folded",
        "comment-tree--gone",
        "comment-tree--note",
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
    CommentTree > .comment-tree--meta { color: $text-muted; }
    CommentTree > .comment-tree--new { color: $text-success; text-style: bold; }
    CommentTree > .comment-tree--folded { color: $text-warning; text-style: bold; }
    CommentTree > .comment-tree--gone { color: $text-muted; text-style: italic; }
    CommentTree > .comment-tree--note { color: $text-warning; }
    CommentTree > .comment-tree--guide-0 { color: $primary; }
    CommentTree > .comment-tree--guide-1 { color: $secondary; }
    CommentTree > .comment-tree--guide-2 { color: $success; }
    CommentTree > .comment-tree--guide-3 { color: $warning; }
    CommentTree > .comment-tree--guide-4 { color: $accent; }
    CommentTree > .comment-tree--guide-5 { color: $error; }
    """

    BINDINGS: ClassVar[list[BindingType]] = keyed(
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
        total: int
        arrived: int  # arrived by merges since the reader last pressed ]

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
        self._thread: Thread = _EMPTY_THREAD
        self._loaded = False
        self._folded: set[str] = set()
        self._new: set[str] = set()
        self._new_pos: list[int] = []
        self._tops: list[int] = []
        self._visible: list[int] = []
        self._fold_rows: set[int] = set()  # node positions drawn folded
        self._rowh: list[int] = []
        self._off: list[int] = [0]
        self._h: list[int] = []  # expanded height per node, at self._width
        self._known = bytearray()  # 1 where self._h is exact, not an estimate
        self._exact: dict[str, tuple[tuple, int]] = {}  # id -> (wrap key, height)
        self._width = 0
        self._cursor = -1
        self._arrived = 0
        self._generation = 0
        self._epoch = 0
        self._bodies: LRUCache[tuple, Rendered] = LRUCache(2048)
        self._wrapped: LRUCache[tuple, list[Strip]] = LRUCache(2048)
        self._lines: LRUCache[tuple, Strip] = LRUCache(1024)
        self._styles: dict[str, Style] = {}

    def on_mount(self) -> None:
        super().on_mount()
        # Relative times ("3m") age while the reader sits still; redraw when they change.
        self.set_interval(30, self._tick)

    def _tick(self) -> None:
        if int(self._clock() // 30) != self._epoch:
            self.refresh()

    # -- public state --------------------------------------------------------

    @property
    def thread(self) -> Thread:
        return self._thread

    @property
    def cursor_id(self) -> str | None:
        if 0 <= self._cursor < len(self._thread.nodes):
            return self._thread.nodes[self._cursor].comment.id
        return None

    @property
    def folded(self) -> set[str]:
        """Ids of folded comments (a copy: fold through the actions)."""
        return set(self._folded)

    @property
    def new_ids(self) -> set[str]:
        return set(self._new)

    @property
    def arrived(self) -> int:
        return self._arrived

    @property
    def visible_count(self) -> int:
        return len(self._visible)

    @property
    def total_lines(self) -> int:
        return self._off[-1]

    def row_span(self, comment_id: str) -> tuple[int, int] | None:
        """The (first, past-last) virtual lines of a visible comment, or None."""
        pos = self._thread.index.get(comment_id)
        row = None if pos is None else self._row_of(pos)
        if row is None:
            return None
        return self._off[row], self._off[row + 1]

    def move_to(self, comment_id: str) -> bool:
        """Put the cursor on a comment, unfolding its ancestors if needed."""
        pos = self._thread.index.get(comment_id)
        if pos is None:
            return False
        self._reveal(pos)
        self._move(pos)
        return True

    def fold(self, comment_id: str, folded: bool = True) -> None:
        pos = self._thread.index.get(comment_id)
        if pos is None or not self._thread.nodes[pos].size:
            return
        if folded == (comment_id in self._folded):
            return
        anchor = self._cursor_anchor()
        (self._folded.add if folded else self._folded.discard)(comment_id)
        if folded and self._cursor > pos and self._cursor < self._thread.end(pos):
            self._cursor = pos
            anchor = self._cursor_anchor()
        self._relayout(anchor)

    # -- loading and merging -------------------------------------------------

    def set_thread(self, thread: Thread, new_ids: set[str] | frozenset[str] = frozenset()) -> None:
        """Show ``thread``; on later calls merge it, keeping cursor, folds and place.

        Comments that were not in the previous thread are marked new and counted
        in ``arrived``; ``new_ids`` adds more (unseen on an earlier visit).
        """
        old = self._thread
        first = not self._loaded
        index = thread.index
        anchor = None if first else self._merge_anchor(old)
        arrived = 0
        if not first:
            added = index.keys() - old.index.keys()
            arrived = len(added)
            self._new |= added
        self._new |= {i for i in new_ids if i in index}
        self._new &= index.keys()
        self._folded &= index.keys()
        self._arrived += arrived

        cursor_id = self.cursor_id
        self._thread = thread
        self._loaded = True
        self._generation += 1
        self._lines.clear()
        self._tops = thread.top_level()
        self._new_pos = sorted(index[i] for i in self._new)

        if cursor_id is not None and cursor_id in index:
            self._cursor = index[cursor_id]
        elif cursor_id is not None:
            self._cursor = self._survivor(old, old.index[cursor_id], thread)
        else:
            self._cursor = 0 if thread.nodes else -1
        if self._cursor >= 0:
            self._cursor = self._outermost_fold(self._cursor)

        self._reset_heights(carry=True)
        self._rebuild_rows()
        if anchor is not None and anchor[0] in index:
            row = self._row_of(self._outermost_fold(index[anchor[0]]))
            self._place(row, anchor[1])
        else:
            self._place(self._row_of(self._cursor), 0 if first else None)
        self.refresh()
        self._post_counts()
        if first or cursor_id != self.cursor_id:
            self.post_message(self.CursorMoved(self.cursor_id))

    def _merge_anchor(self, old: Thread) -> tuple[str, int] | None:
        """What to pin during a merge: the cursor comment's screen line if it is
        on screen, else the top visible comment's."""
        if not self._visible or not self._width:
            return None
        scroll_y = round(self.scroll_y)
        height = self._viewport_height()
        row = self._row_of(self._cursor) if self._cursor >= 0 else None
        if row is None or not (scroll_y - self._rowh[row] < self._off[row] < scroll_y + height):
            row = self._row_at(scroll_y)
        return old.nodes[self._visible[row]].comment.id, self._off[row] - scroll_y

    def _survivor(self, old: Thread, old_pos: int, new: Thread) -> int:
        """Where a vanished cursor goes: nearest surviving ancestor, else neighbour."""
        if not new.nodes:
            return -1
        for a in old.ancestors(old_pos):
            p = new.index.get(old.nodes[a].comment.id)
            if p is not None:
                return p
        for j in range(old_pos + 1, len(old.nodes)):
            p = new.index.get(old.nodes[j].comment.id)
            if p is not None:
                return p
        for j in range(old_pos - 1, -1, -1):
            p = new.index.get(old.nodes[j].comment.id)
            if p is not None:
                return p
        return 0

    def _outermost_fold(self, pos: int) -> int:
        """``pos``, or the outermost folded ancestor that hides it."""
        nodes, folded, shown = self._thread.nodes, self._folded, pos
        if not folded:
            return pos
        p = nodes[pos].parent
        while p >= 0:
            if nodes[p].comment.id in folded:
                shown = p
            p = nodes[p].parent
        return shown

    def _post_counts(self) -> None:
        self.post_message(
            self.Counts(new=len(self._new), total=len(self._thread.nodes), arrived=self._arrived)
        )

    # -- heights and rows ------------------------------------------------------

    def _viewport_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def _content_width(self) -> int:
        return self.scrollable_content_region.width

    def _indent(self, depth: int) -> int:
        return 1 + len(GUIDE) * min(depth, MAX_INDENT)

    def _body_width(self, depth: int) -> int:
        return max(MIN_BODY_WIDTH, self._width - self._indent(depth) - 1)

    def _reset_heights(self, carry: bool) -> None:
        """Estimate every height at the current width; keep exact ones that still hold."""
        nodes = self._thread.nodes
        width = self._width
        if not width:
            self._h = [FOLDED_HEIGHT] * len(nodes)
            self._known = bytearray(len(nodes))
            self._exact.clear()
            return
        avail = [max(MIN_BODY_WIDTH, width - 2 - 2 * d) for d in range(MAX_INDENT + 1)]
        cap = MAX_INDENT
        ratio = HTML_TEXT_RATIO
        self._h = [
            2 + (int(len(n.comment.html) * ratio) // avail[min(n.depth, cap)] + 1 if n.comment.html else 0)
            for n in nodes
        ]
        self._known = bytearray(len(nodes))
        if not carry:
            self._exact.clear()
            return
        index, kept = self._thread.index, {}
        for cid, (key, height) in self._exact.items():
            pos = index.get(cid)
            if pos is not None and self._wrap_key(pos) == key:
                self._h[pos] = height
                self._known[pos] = 1
                kept[cid] = (key, height)
        self._exact = kept

    def _rebuild_rows(self) -> None:
        thread, nodes = self._thread, self._thread.nodes
        index = thread.index
        folds = sorted(p for i in self._folded if (p := index.get(i)) is not None and nodes[p].size)
        # Rows come in runs between folds: copying slices keeps this at C speed,
        # so a fold costs the number of folds, not the number of comments.
        h = self._h
        visible: list[int] = []
        rowh: list[int] = []
        fold_rows: set[int] = set()
        cur = 0
        for f in folds:
            if f < cur:
                continue  # inside a subtree that is already folded
            visible.extend(range(cur, f + 1))
            rowh.extend(h[cur : f + 1])
            rowh[-1] = FOLDED_HEIGHT
            fold_rows.add(f)
            cur = f + 1 + nodes[f].size
        visible.extend(range(cur, len(nodes)))
        rowh.extend(h[cur:])
        self._visible = visible
        self._fold_rows = fold_rows
        self._rowh = rowh
        self._rebuild_offsets()

    def _rebuild_offsets(self) -> None:
        self._off = list(accumulate(self._rowh, initial=0))
        self.virtual_size = Size(self._width, self._off[-1])

    def _row_of(self, pos: int) -> int | None:
        visible = self._visible
        row = bisect_left(visible, pos)
        if row < len(visible) and visible[row] == pos:
            return row
        return None

    def _row_at(self, line: int) -> int:
        row = bisect_right(self._off, line) - 1
        return max(0, min(row, len(self._visible) - 1))

    def _settle(self, row: int, screen_line: int) -> int:
        """Make the rows that will be on screen exact, with ``row`` starting at
        ``screen_line``; returns the scroll offset that does that."""
        height = self._viewport_height()
        off, rowh, visible, known = self._off, self._rowh, self._visible, self._known
        fold_rows = self._fold_rows
        for _ in range(8):
            top = max(0, off[row] - screen_line)
            changed = False
            r = self._row_at(top)
            while r < len(visible) and off[r] < top + height:
                pos = visible[r]
                if not known[pos]:
                    self._body_lines(pos)
                    if pos not in fold_rows and rowh[r] != self._h[pos]:
                        rowh[r] = self._h[pos]
                        changed = True
                r += 1
            if not changed:
                break
            self._rebuild_offsets()
            off = self._off
        return max(0, off[row] - screen_line)

    def _place(self, row: int | None, screen_line: int | None) -> None:
        """Pin ``row`` to ``screen_line`` (None: scroll minimally to show it)."""
        if row is None or not self._width:
            return
        if screen_line is None:
            target = self._settle(row, self._off[row] - round(self.scroll_y))
            target = self._minimal_scroll(row, target)
        else:
            target = self._settle(row, screen_line)
        self._scroll_line(target)

    def _make_exact(self, row: int) -> None:
        pos = self._visible[row]
        if not self._known[pos] and pos not in self._fold_rows:
            self._body_lines(pos)
            if self._rowh[row] != self._h[pos]:
                self._rowh[row] = self._h[pos]
                self._rebuild_offsets()

    def _minimal_scroll(self, row: int, scroll_y: int) -> int:
        # The comment's own height must be exact before deciding how far to
        # scroll, or a long comment reached from afar ends below the screen.
        self._make_exact(row)
        height = self._viewport_height()
        start, end = self._off[row], self._off[row + 1] - 1  # the blank line may hide
        if start < scroll_y:
            scroll_y = start
        elif end > scroll_y + height:
            scroll_y = min(start, end - height)
        scroll_y = max(0, min(scroll_y, self._off[-1] - height))
        return self._settle(row, start - scroll_y)

    def _scroll_line(self, y: int) -> None:
        y = max(0, min(y, self._off[-1] - self._viewport_height()))
        if round(self.scroll_y) != y:
            self.scroll_to(y=y, animate=False, force=True)

    def _cursor_anchor(self) -> int | None:
        """The cursor comment's current screen line, to keep it still."""
        row = self._row_of(self._cursor) if self._cursor >= 0 else None
        return None if row is None else self._off[row] - round(self.scroll_y)

    def _relayout(self, cursor_line: int | None) -> None:
        """Rows changed (a fold): rebuild them and keep the cursor where it was."""
        self._rebuild_rows()
        row = self._row_of(self._cursor)
        if row is not None:
            target = self._settle(row, cursor_line if cursor_line is not None else 0)
            self._scroll_line(self._minimal_scroll(row, target))
        self._lines.clear()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        width = self._content_width()
        if width == self._width or width <= 0:
            return
        anchor = self._cursor_anchor() if self._width else 0
        self._width = width
        self._generation += 1
        self._lines.clear()
        self._reset_heights(carry=False)
        self._rebuild_rows()
        row = self._row_of(self._cursor) if self._cursor >= 0 else None
        if row is not None:
            self._scroll_line(self._settle(row, anchor or 0))
        self.refresh()

    # -- drawing -------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}
        if hasattr(self, "_lines"):
            self._lines.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(f"comment-tree--{name}", partial=True)
        return style

    def _wrap_key(self, pos: int) -> tuple:
        node = self._thread.nodes[pos]
        c = node.comment
        return (c.id, hash(c.html), c.link, self._body_width(node.depth))

    def _rendered(self, pos: int) -> Rendered:
        c = self._thread.nodes[pos].comment
        key = (c.id, hash(c.html), c.link)
        rendered = self._bodies.get(key)
        if rendered is None:
            rendered = html_to_text(c.html, base_url=c.link)
            self._bodies.set(key, rendered)
        return rendered

    def _body_lines(self, pos: int) -> list[Strip]:
        """The comment's body wrapped to its width; records its exact height."""
        key = self._wrap_key(pos)
        lines = self._wrapped.get(key)
        if lines is None:
            c = self._thread.nodes[pos].comment
            lines = []
            if c.html and not c.more:
                text = self._rendered(pos).text.copy()
                text.rstrip()
                while text.plain.startswith("\n"):
                    text = text[1:]
                if text.plain:
                    console = self.app.console
                    wrapped = text.wrap(console, key[-1], overflow="fold", no_wrap=False)
                    lines = [Strip(line.render(console), line.cell_len) for line in wrapped]
            self._wrapped.set(key, lines)
        height = len(lines) + 2
        self._h[pos] = height
        self._known[pos] = 1
        self._exact[key[0]] = (key, height)
        return lines

    def render_lines(self, crop: Region) -> list[Strip]:
        # Heights of what is about to be drawn become exact first, pinned at the
        # top row, so the lines below are laid out right in this very frame.
        if self._visible and self._width:
            scroll_y = round(self.scroll_y)
            row = self._row_at(scroll_y)
            self._settle(row, self._off[row] - scroll_y)
            epoch = int(self._clock() // 30)
            if epoch != self._epoch:  # relative times ("3m") move on
                self._epoch = epoch
                self._lines.clear()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        line = round(self.scroll_y) + y
        base = self.rich_style
        if not self._visible:
            if y == 0:
                note = Text(" loading…" if not self._loaded else " No comments yet.")
                note.stylize(self._style("meta"))
                return (
                    Strip(note.render(self.app.console))
                    .extend_cell_length(width, base)
                    .apply_style(base)
                    .crop(0, width)
                )
            return Strip.blank(width, base)
        if line >= self._off[-1]:
            return Strip.blank(width, base)
        row = self._row_at(line)
        pos = self._visible[row]
        k = line - self._off[row]
        key = (self._generation, pos, k, pos == self._cursor, width)
        strip = self._lines.get(key)
        if strip is None:
            strip = self._draw(pos, k, width, base)
            self._lines.set(key, strip)
        return strip

    def _draw(self, pos: int, k: int, width: int, base: Style) -> Strip:
        node = self._thread.nodes[pos]
        is_cursor = pos == self._cursor
        folded = pos in self._fold_rows
        body = [] if folded or k == 0 else self._body_lines(pos)
        closing = k > len(body)  # the blank line that ends a comment
        marked = is_cursor and not closing
        segments = [Segment("▌", base + self._style("cursor-mark")) if marked else Segment(" ", base)]
        for level in range(min(node.depth, MAX_INDENT)):
            segments.append(Segment(GUIDE, base + self._style(f"guide-{level % GUIDE_COLOURS}")))
        prefix = Strip(segments)
        room = max(0, width - prefix.cell_length)
        content_style = base + self._style("cursor") if is_cursor else base
        if k == 0:
            header = self._header(pos, is_cursor, folded, room)
            content = Strip(header.render(self.app.console), header.cell_len)
        elif closing:
            content, content_style = Strip([]), base
        else:
            content = body[k - 1]
        content = content.extend_cell_length(room).apply_style(content_style).crop(0, room)
        return Strip.join([prefix, content])

    def _header(self, pos: int, is_cursor: bool, folded: bool, room: int) -> Text:
        node = self._thread.nodes[pos]
        c = node.comment
        meta = self._style("meta")
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        if node.depth > MAX_INDENT:
            text.append(f"↳{node.depth} ", meta)
        if c.more:
            text.append(f"[{c.more} more replies not loaded]", self._style("folded"))
            return self._fit(text, room)
        if c.deleted:
            text.append("[deleted]", self._style("gone"))
        else:
            text.append(clean_line(c.author) or "anonymous", self._style("author"))
            if c.by_author:
                text.append(" ")
                text.append(" OP ", self._style("op"))
            if c.dead:
                text.append(" [dead]", self._style("gone"))
        text.append(" · ", meta)
        text.append(absolute(c.time) if is_cursor else relative(c.time, self._clock()), meta)
        if c.score is not None:
            text.append(f" · {c.score} points", meta)
        if c.id in self._new:
            text.append("  ● new", self._style("new"))
        if folded:
            n = node.size
            text.append(f"  [+{n} {'reply' if n == 1 else 'replies'}]", self._style("folded"))
        if node.cycle:
            text.append("  ↳ reply loop cut here", self._style("note"))
        elif node.orphan:
            text.append("  ↳ reply to a missing comment", self._style("note"))
        return self._fit(text, room)

    @staticmethod
    def _fit(text: Text, room: int) -> Text:
        if text.cell_len > room:
            text.truncate(room, overflow="ellipsis")
        return text

    # -- moving ----------------------------------------------------------------

    def _move(self, pos: int | None) -> None:
        if pos is None or pos < 0 or not self._visible:
            return
        row = self._row_of(pos)
        if row is None:
            return
        old = self._cursor
        self._cursor = pos
        target = self._settle(row, self._off[row] - round(self.scroll_y))
        self._scroll_line(self._minimal_scroll(row, target))
        self.refresh()
        if old != pos:
            self.post_message(self.CursorMoved(self.cursor_id))

    def _reveal(self, pos: int) -> None:
        """Unfold whatever hides ``pos``, keeping the cursor still."""
        nodes, folded = self._thread.nodes, self._folded
        hidden = False
        p = nodes[pos].parent
        while p >= 0:
            cid = nodes[p].comment.id
            if cid in folded:
                folded.discard(cid)
                hidden = True
            p = nodes[p].parent
        if hidden:
            self._relayout(self._cursor_anchor())

    def _row_step(self, delta: int) -> None:
        row = self._row_of(self._cursor)
        if row is None:
            return
        row = max(0, min(len(self._visible) - 1, row + delta))
        self._move(self._visible[row])

    def action_cursor_next(self) -> None:
        self._row_step(1)

    def action_cursor_previous(self) -> None:
        self._row_step(-1)

    def action_next_sibling(self) -> None:
        if self._cursor >= 0:
            self._move(self._thread.next_sibling(self._cursor))

    def action_previous_sibling(self) -> None:
        if self._cursor < 0:
            return
        if self._thread.nodes[self._cursor].parent < 0:
            self._move(self._top_before(self._cursor))
        else:
            self._move(self._thread.prev_sibling(self._cursor))

    def action_parent(self) -> None:
        if self._cursor >= 0:
            parent = self._thread.nodes[self._cursor].parent
            self._move(parent if parent >= 0 else None)

    def _top_before(self, pos: int) -> int | None:
        i = bisect_left(self._tops, pos)
        return self._tops[i - 1] if i > 0 else None

    def action_next_top(self) -> None:
        if self._cursor >= 0:
            i = bisect_right(self._tops, self._cursor)
            self._move(self._tops[i] if i < len(self._tops) else None)

    def action_previous_top(self) -> None:
        if self._cursor >= 0:
            i = bisect_right(self._tops, self._cursor) - 1
            top = self._tops[i]
            self._move(top if top != self._cursor else self._top_before(self._cursor))

    def action_first(self) -> None:
        if self._visible:
            self._move(self._visible[0])

    def action_last(self) -> None:
        if self._visible:
            self._move(self._visible[-1])

    def action_page(self, pages: float) -> None:
        """Scroll by a page and keep the cursor on the same screen line."""
        row = self._row_of(self._cursor)
        if row is None:
            return
        height = self._viewport_height()
        step = max(1, int(height * abs(pages))) * (1 if pages > 0 else -1)
        scroll_y = round(self.scroll_y)
        new_scroll = max(0, min(scroll_y + step, self._off[-1] - height))
        line = self._off[row] + (new_scroll - scroll_y if new_scroll != scroll_y else step)
        target = self._row_at(max(0, line))
        if target == row:  # a comment taller than the step: still move on
            target = max(0, min(len(self._visible) - 1, row + (1 if pages > 0 else -1)))
        if new_scroll != scroll_y:
            self._scroll_line(new_scroll)
        self._move(self._visible[target])

    # -- folding -----------------------------------------------------------------

    def action_toggle_fold(self) -> None:
        cid = self.cursor_id
        if cid is not None:
            self.fold(cid, cid not in self._folded)

    def action_expand(self) -> None:
        if not 0 <= self._cursor < len(self._thread.nodes):
            return
        comment = self._thread.nodes[self._cursor].comment
        if comment.more:
            self.post_message(self.Expand(comment))
        else:
            self.action_toggle_fold()

    def action_fold_or_parent(self) -> None:
        cid = self.cursor_id
        if cid is None:
            return
        if self._thread.nodes[self._cursor].size and cid not in self._folded:
            self.fold(cid)
        else:
            self.action_parent()

    def action_unfold(self) -> None:
        cid = self.cursor_id
        if cid is not None:
            self.fold(cid, False)

    def action_fold_all(self) -> None:
        if self._cursor < 0:
            return
        nodes = self._thread.nodes
        self._folded.update(nodes[t].comment.id for t in self._tops if nodes[t].size)
        top = self._thread.top_of(self._cursor)
        moved = top != self._cursor
        anchor = self._cursor_anchor()
        if moved:
            # The cursor's comment is about to vanish: its top-level comment takes
            # the cursor, staying where it is on screen (or at the top if above it).
            top_row = self._row_of(top)
            if top_row is not None:
                anchor = max(0, self._off[top_row] - round(self.scroll_y))
            self._cursor = top
        self._relayout(anchor)
        if moved:
            self.post_message(self.CursorMoved(self.cursor_id))

    def action_unfold_all(self) -> None:
        if not self._folded:
            return
        anchor = self._cursor_anchor()
        self._folded.clear()
        self._relayout(anchor)

    # -- new comments -------------------------------------------------------------

    def _jump_new(self, forward: bool) -> None:
        if self._cursor < 0:
            return
        new_pos = self._new_pos
        if forward:
            i = bisect_right(new_pos, self._cursor)
            target = new_pos[i] if i < len(new_pos) else None
        else:
            i = bisect_left(new_pos, self._cursor)
            target = new_pos[i - 1] if i > 0 else None
        if self._arrived:
            self._arrived = 0
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
        if self._cursor < 0:
            return []
        seen, links = set(), []
        for link in self._rendered(self._cursor).links:
            if link.url.lower().startswith(("http://", "https://")) and link.url not in seen:
                seen.add(link.url)
                links.append((link.url, clean_line(link.text)))
        return links

    def action_open_link(self) -> None:
        links = self.cursor_links()
        if not links:
            self.notify("This comment has no links.", severity="warning", timeout=3)
        elif len(links) == 1:
            self.post_message(self.OpenLink(links[0][0]))
        else:

            def chosen(url: str | None) -> None:
                if url:
                    self.post_message(self.OpenLink(url))

            numbered = [Link(n, url, label) for n, (url, label) in enumerate(links, 1)]
            self.app.push_screen(LinkChooser(numbered), chosen)

    # -- mouse -------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self._visible:
            return
        line = round(self.scroll_y) + offset.y
        if line >= self._off[-1]:
            return
        row = self._row_at(line)
        pos = self._visible[row]
        event.stop()
        self.focus()
        self._move(pos)
        if line == self._off[row] and self._thread.nodes[pos].size:
            self.action_toggle_fold()
