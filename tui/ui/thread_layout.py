"""The comment tree's layout model: which comments are rows, how tall each is,
where each starts, and how folds, moves and merges change that. No Textual here.

Shape (circumflex's): the thread is the builder's flat pre-order list (depth,
parent, descendant count per node); folds are a set of comment ids; the visible
rows are node positions with folded subtrees skipped by ``Thread.end`` (built
from ranges, so the cost is the number of folds, not of rows); each visible row
has a height and a prefix sum of heights maps a line to its row by bisection.

Wrapping 50,000 bodies up front would take seconds (HTML parsing and Rich
wrapping cost ~0.2 ms a comment), so heights start as estimates from the HTML
length and become exact when ``measure`` is first asked about a comment (the
widget asks for what it is about to draw). Every pass that corrects heights
keeps one row pinned to its screen line (a ``Pin``), so corrections never move
what the reader is looking at. Scrolling itself is the caller's: methods take
the current top line (``scroll_y``) and the viewport ``height`` and answer with
a ``Pin``, which ``scroll_for`` turns into the top line to scroll to.

Untrusted text only ever goes through ``tui.text`` into Rich ``Text``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from io import StringIO
from itertools import accumulate

from rich.console import Console
from rich.text import Text

from tui.comments.tree import Thread
from tui.model import Comment
from tui.text.html import Rendered, html_to_plain, html_to_text
from tui.text.sanitize import clean_line
from tui.ui.thread_shape import (
    FOLDED_HEIGHT,
    MAX_INDENT,
    MIN_BODY_WIDTH,
    ThreadShape,
    estimate_heights,
    shape_of,
)

GUIDE = "│ "

WrapKey = tuple[str, int, str, int]  # id, hash of the html, link, body width


def comment_search_text(comment: Comment) -> str:
    """Author and body as casefolded plain text: what thread search looks in."""
    return f"{clean_line(comment.author)}\n{html_to_plain(comment.html)}".casefold()


def indent(depth: int) -> int:
    """Cells before a comment's text: the cursor mark and the guides."""
    return 1 + len(GUIDE) * min(depth, MAX_INDENT)


@dataclass(frozen=True, slots=True)
class Pin:
    """Keep visible row ``row`` starting at screen line ``line`` (None: where it
    is now); with ``show``, then scroll the least that shows all of it."""

    row: int
    line: int | None = None
    show: bool = False


class _Bodies:
    """A small LRU of rendered bodies (HTML parsing is the expensive part)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[tuple[str, int, str], Rendered] = OrderedDict()

    def get(self, c: Comment) -> Rendered:
        key = (c.id, hash(c.html), c.link)
        rendered = self._data.get(key)
        if rendered is None:
            rendered = self._data[key] = html_to_text(c.html, base_url=c.link)
            if len(self._data) > self._size:
                self._data.popitem(last=False)
        else:
            self._data.move_to_end(key)
        return rendered


# The line prefixes tui.text.html draws: quote bars, list markers, indents.
_LINE_PREFIX = re.compile(r"(?:▌ |• |\d{1,6}\. | )+")
_PREFIX_PART = re.compile(r"▌ |• |\d{1,6}\. | ")


def _wrap_hanging(line: Text, console: Console, width: int) -> list[Text]:
    """One rendered line wrapped to ``width``; its later lines keep the quote
    bars and list indents of the first (markers become spaces), so a wrapped
    quote is still a quote and a wrapped list item hangs under its text."""
    m = _LINE_PREFIX.match(line.plain)
    n = m.end() if m else 0
    if not n or len(line.plain) <= width or width - n < MIN_BODY_WIDTH // 2 or n == len(line.plain):
        return list(line.wrap(console, width, overflow="fold", no_wrap=False))
    head = line[:n]
    hang = Text(end="")
    for part in _PREFIX_PART.finditer(line.plain, 0, n):
        a, b = part.span()
        hang.append_text(line[a:b] if part.group() == "▌ " else Text(" " * (b - a)))
    wrapped = line[n:].wrap(console, width - n, overflow="fold", no_wrap=False)
    return [Text.assemble(head if i == 0 else hang, piece, end=piece.end) for i, piece in enumerate(wrapped)]


_plain_console: Console | None = None


def _console() -> Console:
    global _plain_console
    if _plain_console is None:
        _plain_console = Console(file=StringIO(), width=200, color_system=None, legacy_windows=False)
    return _plain_console


class ThreadLayout:
    """Folds, heights, offsets and the cursor of one thread, in plain Python.

    ``measure(pos)`` returns the number of body lines node ``pos`` wraps to at
    ``body_width(depth)``; by default the body is wrapped with a plain Rich
    console (``wrap_lines``). ``on_lines(total)`` is told whenever the offsets
    are rebuilt, so a scrolling view can follow the total height.
    """

    def __init__(
        self,
        measure: Callable[[int], int] | None = None,
        on_lines: Callable[[int], None] | None = None,
    ) -> None:
        self.measure: Callable[[int], int] = measure or self._measure_plain
        self.on_lines = on_lines
        self.thread: Thread = Thread()
        self.loaded = False
        self.folded: set[str] = set()  # ids of folded comments (with replies)
        self.new: set[str] = set()
        self.new_pos: list[int] = []
        self.tops: list[int] = []
        self.visible: list[int] = []  # node position of each visible row
        self.fold_rows: set[int] = set()  # node positions drawn folded
        self.rowh: list[int] = []  # height of each visible row
        self.off: list[int] = [0]  # first line of each visible row, then the total
        self.h: list[int] = []  # expanded height per node, at self.width
        self.known = bytearray()  # 1 where self.h is exact, not an estimate
        self._exact: dict[str, tuple[WrapKey, int]] = {}  # id -> (wrap key, height)
        self.width = 0
        self.cursor = -1  # node position, -1 when there is none
        self.arrived = 0  # comments merged in since the reader last jumped to new ones
        self.stubs = 0  # "more" stubs in the thread (they are not comments)
        self.hidden = 0  # the replies those stubs stand for
        self.version = 0  # bumped whenever the rows are rebuilt
        self._bodies = _Bodies(2048)

    # -- state -----------------------------------------------------------------

    def release(self) -> None:
        """Let go of the thread and all made from it (its screen has closed)."""
        self.thread, self.loaded, self.cursor = Thread(), False, -1
        self.h, self.known, self.visible, self.rowh, self.off, self.tops = [], bytearray(), [], [], [0], []
        self.new, self.new_pos, self.folded, self.fold_rows = set(), [], set(), set()
        self._exact.clear()
        self._bodies = _Bodies(2048)

    @property
    def cursor_id(self) -> str | None:
        if 0 <= self.cursor < len(self.thread.nodes):
            return self.thread.nodes[self.cursor].comment.id
        return None

    @property
    def visible_count(self) -> int:
        return len(self.visible)

    @property
    def total_lines(self) -> int:
        return self.off[-1]

    def row_of(self, pos: int) -> int | None:
        """The visible row showing node ``pos``, or None if it is hidden."""
        visible = self.visible
        row = bisect_left(visible, pos)
        if row < len(visible) and visible[row] == pos:
            return row
        return None

    def row_at(self, line: int) -> int:
        """The row covering ``line`` (clamped to the rows there are)."""
        row = bisect_right(self.off, line) - 1
        return max(0, min(row, len(self.visible) - 1))

    def at_line(self, line: int) -> tuple[int, int] | None:
        """(row, node position) drawn at ``line``, or None past the end."""
        if not self.visible or not 0 <= line < self.off[-1]:
            return None
        row = self.row_at(line)
        return row, self.visible[row]

    def row_span(self, comment_id: str) -> tuple[int, int] | None:
        """The (first, past-last) lines of a visible comment, or None."""
        pos = self.thread.index.get(comment_id)
        row = None if pos is None else self.row_of(pos)
        if row is None:
            return None
        return self.off[row], self.off[row + 1]

    def cursor_anchor(self, scroll_y: int) -> int | None:
        """The cursor comment's current screen line, to keep it still."""
        row = self.row_of(self.cursor) if self.cursor >= 0 else None
        return None if row is None else self.off[row] - scroll_y

    # -- bodies ------------------------------------------------------------------

    def body_width(self, depth: int) -> int:
        return max(MIN_BODY_WIDTH, self.width - indent(depth) - 1)

    def wrap_key(self, pos: int) -> WrapKey:
        """What a body's wrapping depends on (heights are cached under it)."""
        node = self.thread.nodes[pos]
        c = node.comment
        return (c.id, hash(c.html), c.link, self.body_width(node.depth))

    def rendered(self, pos: int) -> Rendered:
        return self._bodies.get(self.thread.nodes[pos].comment)

    def wrap_lines(self, pos: int, console: Console | None = None) -> list[Text]:
        """The body of node ``pos`` wrapped to its width (none for a stub)."""
        node = self.thread.nodes[pos]
        c = node.comment
        if not c.html or c.more:
            return []
        text = self.rendered(pos).text.copy()
        text.rstrip()
        while text.plain.startswith("\n"):
            text = text[1:]
        if not text.plain:
            return []
        console = console or _console()
        width = self.body_width(node.depth)
        lines: list[Text] = []
        for line in text.split("\n", allow_blank=True):
            lines.extend(_wrap_hanging(line, console, width))
        return lines

    def _measure_plain(self, pos: int) -> int:
        return len(self.wrap_lines(pos))

    def measured(self, pos: int, body_lines: int) -> None:
        """Record node ``pos``'s exact height at the current width."""
        height = body_lines + 2
        key = self.wrap_key(pos)
        self.h[pos] = height
        self.known[pos] = 1
        self._exact[key[0]] = (key, height)

    def links(self, pos: int) -> list[tuple[str, str]]:
        """(url, label) of node ``pos``'s links, http(s) only, each url once."""
        seen, links = set(), []
        for link in self.rendered(pos).links:
            if link.url.lower().startswith(("http://", "https://")) and link.url not in seen:
                seen.add(link.url)
                links.append((link.url, clean_line(link.text)))
        return links

    # -- heights and rows --------------------------------------------------------

    def _reset_heights(self, carry: bool, estimates: list[int] | None = None) -> None:
        """Estimate every height at the current width (``estimates``: already made,
        by ``shape_of``); keep exact ones that still hold."""
        nodes = self.thread.nodes
        width = self.width
        self.h = list(estimates) if estimates is not None else estimate_heights(nodes, width)
        self.known = bytearray(len(nodes))
        if not width:
            self._exact.clear()
            return
        if not carry:
            self._exact.clear()
            return
        index, kept = self.thread.index, {}
        for cid, (key, height) in self._exact.items():
            pos = index.get(cid)
            if pos is not None and self.wrap_key(pos) == key:
                self.h[pos] = height
                self.known[pos] = 1
                kept[cid] = (key, height)
        self._exact = kept

    def _rebuild_rows(self) -> None:
        nodes, index = self.thread.nodes, self.thread.index
        folds = sorted(p for i in self.folded if (p := index.get(i)) is not None and nodes[p].size)
        # Rows come in runs between folds: copying slices keeps this at C speed,
        # so a fold costs the number of folds, not the number of comments.
        h = self.h
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
        self.visible = visible
        self.fold_rows = fold_rows
        self.rowh = rowh
        self.version += 1
        self._rebuild_offsets()

    def _rebuild_offsets(self) -> None:
        self.off = list(accumulate(self.rowh, initial=0))
        if self.on_lines is not None:
            self.on_lines(self.off[-1])

    def settle(self, row: int, screen_line: int, height: int) -> int:
        """Make the rows that will be on a ``height``-line screen exact, with
        ``row`` starting at ``screen_line``; returns the top line that does that."""
        off, rowh, visible, known, fold_rows = self.off, self.rowh, self.visible, self.known, self.fold_rows
        measure, measured, h = self.measure, self.measured, self.h
        for _ in range(8):
            top = max(0, off[row] - screen_line)
            changed = False
            r = self.row_at(top)
            while r < len(visible) and off[r] < top + height:
                pos = visible[r]
                if not known[pos]:
                    measured(pos, measure(pos))
                    if pos not in fold_rows and rowh[r] != h[pos]:
                        rowh[r] = h[pos]
                        changed = True
                r += 1
            if not changed:
                break
            self._rebuild_offsets()
            off = self.off
        return max(0, off[row] - screen_line)

    def _make_exact(self, row: int) -> None:
        pos = self.visible[row]
        if not self.known[pos] and pos not in self.fold_rows:
            self.measured(pos, self.measure(pos))
            if self.rowh[row] != self.h[pos]:
                self.rowh[row] = self.h[pos]
                self._rebuild_offsets()

    def minimal_scroll(self, row: int, scroll_y: int, height: int) -> int:
        """The top line nearest ``scroll_y`` that shows all of ``row``."""
        # The comment's own height must be exact before deciding how far to
        # scroll, or a long comment reached from afar ends below the screen.
        self._make_exact(row)
        start, end = self.off[row], self.off[row + 1] - 1  # the blank line may hide
        if start < scroll_y:
            scroll_y = start
        elif end > scroll_y + height:
            scroll_y = min(start, end - height)
        scroll_y = max(0, min(scroll_y, self.off[-1] - height))
        return self.settle(row, start - scroll_y, height)

    def scroll_for(self, pin: Pin, scroll_y: int, height: int) -> int:
        """The top line that honours ``pin`` (heights on screen made exact)."""
        line = self.off[pin.row] - scroll_y if pin.line is None else pin.line
        target = self.settle(pin.row, line, height)
        return self.minimal_scroll(pin.row, target, height) if pin.show else target

    def _relayout(self, cursor_line: int | None) -> Pin | None:
        """Rows changed (a fold): rebuild them and keep the cursor where it was."""
        self._rebuild_rows()
        row = self.row_of(self.cursor)
        return None if row is None else Pin(row, cursor_line or 0, show=True)

    def set_width(self, width: int, scroll_y: int) -> Pin | None:
        """Lay out again at a new width, the cursor comment staying put."""
        anchor = self.cursor_anchor(scroll_y) if self.width else 0
        self.width = width
        self._reset_heights(carry=False)
        self._rebuild_rows()
        row = self.row_of(self.cursor) if self.cursor >= 0 else None
        return None if row is None else Pin(row, anchor or 0)

    # -- loading and merging -------------------------------------------------------

    def set_thread(
        self,
        thread: Thread,
        new_ids: Iterable[str] = (),
        scroll_y: int = 0,
        height: int = 1,
        requested: Iterable[str] = (),
        shape: ThreadShape | None = None,
    ) -> Pin | None:
        """Show ``thread``; on later calls merge it, keeping cursor, folds and place.

        Comments that were not in the previous thread are marked new and counted
        in ``arrived``; ``new_ids`` adds more (unseen on an earlier visit).
        ``requested`` are replies the reader asked for (a "more" stub): never new.
        Stubs are never new either: they are not comments. ``shape``: the
        thread's ``shape_of``, made in a thread; used when made at this width.
        """
        if shape is None or shape.thread is not thread or shape.width != self.width:
            shape = shape_of(thread, self.width)
        old = self.thread
        first = not self.loaded
        index = thread.index
        nodes = thread.nodes
        anchor = None if first else self._merge_anchor(old, scroll_y, height)
        asked = set(requested)
        if not first:
            added = {i for i in index.keys() - old.index.keys() - asked if not nodes[index[i]].comment.more}
            self.arrived += len(added)
            self.new |= added
        self.new |= {i for i in new_ids if i in index and i not in asked and not nodes[index[i]].comment.more}
        self.new &= index.keys()
        self.stubs = shape.stubs
        self.hidden = shape.hidden
        self.folded &= index.keys()

        cursor_id = self.cursor_id
        self.thread = thread
        self.loaded = True
        self.tops = shape.tops
        self.new_pos = sorted(index[i] for i in self.new)

        if cursor_id is not None and cursor_id in index:
            self.cursor = index[cursor_id]
        elif cursor_id is not None:
            self.cursor = self._survivor(old, old.index[cursor_id], thread)
        else:
            self.cursor = 0 if thread.nodes else -1
        if self.cursor >= 0:
            self.cursor = self._outermost_fold(self.cursor)

        self._reset_heights(carry=True, estimates=shape.heights)
        self._rebuild_rows()
        if anchor is not None and anchor[0] in index:
            row = self.row_of(self._outermost_fold(index[anchor[0]]))
            line: int | None = anchor[1]
            show = False
        else:
            row = self.row_of(self.cursor)
            line, show = (0, False) if first else (None, True)
        if row is None or not self.width:
            return None
        return Pin(row, line, show)

    def _merge_anchor(self, old: Thread, scroll_y: int, height: int) -> tuple[str, int] | None:
        """What to pin during a merge: the cursor comment's screen line if it is
        on screen, else the top visible comment's."""
        if not self.visible or not self.width:
            return None
        row = self.row_of(self.cursor) if self.cursor >= 0 else None
        if row is None or not (scroll_y - self.rowh[row] < self.off[row] < scroll_y + height):
            row = self.row_at(scroll_y)
        return old.nodes[self.visible[row]].comment.id, self.off[row] - scroll_y

    @staticmethod
    def _survivor(old: Thread, old_pos: int, new: Thread) -> int:
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
        nodes, folded, shown = self.thread.nodes, self.folded, pos
        if not folded:
            return pos
        p = nodes[pos].parent
        while p >= 0:
            if nodes[p].comment.id in folded:
                shown = p
            p = nodes[p].parent
        return shown

    # -- folding -------------------------------------------------------------------

    def fold(self, comment_id: str, folded: bool, scroll_y: int) -> Pin | None:
        """Fold or unfold one comment with replies; None when nothing changed."""
        pos = self.thread.index.get(comment_id)
        if pos is None or not self.thread.nodes[pos].size:
            return None
        if folded == (comment_id in self.folded):
            return None
        anchor = self.cursor_anchor(scroll_y)
        (self.folded.add if folded else self.folded.discard)(comment_id)
        if folded and pos < self.cursor < self.thread.end(pos):
            self.cursor = pos
            anchor = self.cursor_anchor(scroll_y)
        return self._relayout(anchor)

    def fold_all(self, scroll_y: int) -> Pin | None:
        """Fold every top-level comment; the cursor goes to its top-level comment,
        staying where it is on screen (or at the top if it was above it)."""
        if self.cursor < 0:
            return None
        nodes = self.thread.nodes
        return self.set_folds(
            self.folded | {nodes[t].comment.id for t in self.tops if nodes[t].size}, scroll_y
        )

    def set_folds(self, folded: set[str], scroll_y: int) -> Pin | None:
        """Replace the folds (tui.ui.thread_folds says which); a cursor they hide
        moves to the fold that hides it, on the cursor's screen line or the top."""
        if folded == self.folded:
            return None
        anchor = self.cursor_anchor(scroll_y)
        self.folded = set(folded)
        shown = self._outermost_fold(self.cursor) if self.cursor >= 0 else -1
        if shown != self.cursor:
            row = self.row_of(shown)  # the rows before the fold: the ancestor was on them
            if row is not None:
                anchor = max(0, self.off[row] - scroll_y)
            self.cursor = shown
        return self._relayout(anchor)

    def unfold_all(self, scroll_y: int) -> Pin | None:
        if not self.folded:
            return None
        anchor = self.cursor_anchor(scroll_y)
        self.folded.clear()
        return self._relayout(anchor)

    def reveal(self, pos: int, scroll_y: int) -> Pin | None:
        """Unfold whatever hides ``pos``, keeping the cursor still; None if nothing did."""
        nodes, folded = self.thread.nodes, self.folded
        hidden = False
        p = nodes[pos].parent
        while p >= 0:
            cid = nodes[p].comment.id
            if cid in folded:
                folded.discard(cid)
                hidden = True
            p = nodes[p].parent
        return self._relayout(self.cursor_anchor(scroll_y)) if hidden else None

    # -- moving ----------------------------------------------------------------------

    def move(self, pos: int | None) -> Pin | None:
        """Put the cursor on visible node ``pos``; None (and no move) if it is not."""
        if pos is None or pos < 0 or not self.visible:
            return None
        row = self.row_of(pos)
        if row is None:
            return None
        self.cursor = pos
        return Pin(row, None, show=True)

    def step(self, delta: int) -> int | None:
        """The node ``delta`` visible rows from the cursor (clamped)."""
        row = self.row_of(self.cursor)
        if row is None:
            return None
        return self.visible[max(0, min(len(self.visible) - 1, row + delta))]

    def next_sibling(self) -> int | None:
        return self.thread.next_sibling(self.cursor) if self.cursor >= 0 else None

    def previous_sibling(self) -> int | None:
        if self.cursor < 0:
            return None
        if self.thread.nodes[self.cursor].parent < 0:
            return self._top_before(self.cursor)
        return self.thread.prev_sibling(self.cursor)

    def parent(self) -> int | None:
        if self.cursor < 0:
            return None
        parent = self.thread.nodes[self.cursor].parent
        return parent if parent >= 0 else None

    def _top_before(self, pos: int) -> int | None:
        i = bisect_left(self.tops, pos)
        return self.tops[i - 1] if i > 0 else None

    def next_top(self) -> int | None:
        if self.cursor < 0:
            return None
        i = bisect_right(self.tops, self.cursor)
        return self.tops[i] if i < len(self.tops) else None

    def previous_top(self) -> int | None:
        """The cursor's top-level comment, or the one before if already on it."""
        if self.cursor < 0:
            return None
        top = self.tops[bisect_right(self.tops, self.cursor) - 1]
        return top if top != self.cursor else self._top_before(self.cursor)

    def first(self) -> int | None:
        return self.visible[0] if self.visible else None

    def last(self) -> int | None:
        return self.visible[-1] if self.visible else None

    @property
    def comment_count(self) -> int:
        """Comments loaded, stubs not counted."""
        return len(self.thread.nodes) - self.stubs

    def new_inside(self, pos: int) -> int:
        """How many new comments node ``pos``'s subtree holds below it."""
        new_pos = self.new_pos
        return bisect_left(new_pos, self.thread.end(pos)) - bisect_right(new_pos, pos)

    def next_new(self, forward: bool = True) -> int | None:
        """The next (or previous) new comment after the cursor, folded or not."""
        if self.cursor < 0:
            return None
        new_pos = self.new_pos
        if forward:
            i = bisect_right(new_pos, self.cursor)
            return new_pos[i] if i < len(new_pos) else None
        i = bisect_left(new_pos, self.cursor)
        return new_pos[i - 1] if i > 0 else None

    def page(self, pages: float, scroll_y: int, height: int) -> tuple[int, int] | None:
        """Paging by ``pages`` screens: (new top line, node for the cursor), so
        the cursor keeps its screen line; None without a cursor."""
        row = self.row_of(self.cursor)
        if row is None:
            return None
        step = max(1, int(height * abs(pages))) * (1 if pages > 0 else -1)
        new_scroll = max(0, min(scroll_y + step, self.off[-1] - height))
        line = self.off[row] + (new_scroll - scroll_y if new_scroll != scroll_y else step)
        target = self.row_at(max(0, line))
        if target == row:  # a comment taller than the step: still move on
            target = max(0, min(len(self.visible) - 1, row + (1 if pages > 0 else -1)))
        return new_scroll, self.visible[target]
