"""The timeline: articles and live updates, newest first, one line each.

A line-API ScrollView: only the visible rows are drawn, from a bounded cache.
Rows that arrive while the reader is elsewhere never move the cursor: the
cursor is held by row key, and rows inserted above it shift the scroll offset
by as many lines, so what the reader looks at stays where it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.model import TimelineRow
from tui.text.sanitize import clean_line
from tui.text.timefmt import absolute, relative
from tui.ui.keys import keyed
from tui.ui.styles import text_style

RowKey = tuple[int, int | None]
UNDATED_MARK = "n.d."  # the time column of a row whose feed gave no date


class Timeline(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    Timeline {
        background: $surface;
    }
    Timeline > .timeline--cursor {
        background: $accent 40%;
    }
    Timeline:focus > .timeline--cursor {
        background: $accent;
        color: $text;
    }
    Timeline > .timeline--unread { text-style: bold; }
    Timeline > .timeline--read { color: $text-muted; }
    Timeline > .timeline--feed { color: $secondary; }
    Timeline > .timeline--live { color: $error; text-style: bold; }
    Timeline > .timeline--update { color: $warning; }
    Timeline > .timeline--time { color: $text-muted; }
    Timeline > .timeline--saved { color: $accent; }
    """
    COMPONENT_CLASSES = {
        "timeline--cursor",
        "timeline--unread",
        "timeline--read",
        "timeline--feed",
        "timeline--live",
        "timeline--update",
        "timeline--time",
        "timeline--saved",
    }
    BINDINGS = keyed(
        "timeline",
        [
            Binding("j,down", "cursor_down", "Down", show=False),
            Binding("k,up", "cursor_up", "Up", show=False),
            Binding("g,home", "first", "Top", show=False),
            Binding("G,end", "last", "Bottom", show=False),
            Binding("pagedown,ctrl+d", "page_down", "Page down", show=False),
            Binding("pageup,ctrl+u", "page_up", "Page up", show=False),
            Binding("enter", "open", "Open"),
            Binding("c", "comments", "Comments"),
            Binding("o", "browser", "Browser"),
            Binding("m", "toggle_read", "Read/unread"),
            Binding("f", "follow", "Follow live"),
            Binding("s", "save", "Save"),
        ],
    )

    # watch_cursor repaints just the rows that changed, not the whole pane
    cursor: reactive[int] = reactive(0, always_update=True, init=False, repaint=False)

    @dataclass
    class Selected(Message):
        """Enter: open the row's article."""

        row: TimelineRow

    @dataclass
    class Action(Message):
        """A row action the screen carries out: comments, browser, toggle_read, follow."""

        action: str
        row: TimelineRow

    @dataclass
    class ViewAction(Message):
        """An action on the whole view, row or no row: unread_only, next_unread,
        previous_unread, mark_view_read, undo_read."""

        action: str

    @dataclass
    class CursorMoved(Message):
        row: TimelineRow | None

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        zone: tzinfo | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.rows: list[TimelineRow] = []
        self._keys: dict[RowKey, int] = {}
        self._clock = clock
        self._zone = zone
        self._line_cache: LRUCache[tuple, Strip] = LRUCache(1024)
        self.arrived = 0  # rows that arrived since the reader last looked at the top
        self.empty_message = "Nothing here yet: waiting for the first poll."
        self._longest_feed = 0  # the widest source name among the rows

    # -- data ---------------------------------------------------------------
    @property
    def current(self) -> TimelineRow | None:
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor]
        return None

    def set_rows(self, rows: list[TimelineRow], *, reset: bool = False) -> int:
        """Show ``rows``. Returns how many rows are new since the previous call.

        The cursor stays on the row it was on (by key); rows inserted above the
        viewport push the scroll offset down so nothing on screen moves.
        """
        old_keys = self._keys
        old_current = self.current
        old_cursor_screen = self.cursor - int(self.scroll_y)
        self.rows = rows
        self._keys = {r.key: i for i, r in enumerate(rows)}
        self._longest_feed = max((len(clean_line(r.feed_title)) for r in rows[:2000]), default=0)
        # The line cache stays: its keys hold everything a row's look depends on.
        new = 0 if reset or not old_keys else sum(1 for k in self._keys if k not in old_keys)
        self.virtual_size = Size(self.size.width, len(rows))
        if reset or old_current is None:
            self.cursor = 0 if reset or not rows else min(self.cursor, len(rows) - 1)
            if reset:
                self.scroll_to(y=0, animate=False, immediate=True)
            self.arrived = 0
        else:
            index = self._keys.get(old_current.key)
            if index is None:
                index = min(self.cursor, max(0, len(rows) - 1))
            self.set_reactive(Timeline.cursor, index)
            self.scroll_to(y=max(0, index - old_cursor_screen), animate=False, immediate=True)
            if index > 0 or self.scroll_y > 0:
                self.arrived += new
            else:
                self.arrived = 0
        self.refresh()
        return new

    # -- drawing --------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = int(self.scroll_y) + y
        if not self.rows:
            if y == 1:
                text = Text("  " + self.empty_message, style="italic")
                return Strip(list(text.render(self.app.console)), text.cell_len).adjust_cell_length(width)
            return Strip.blank(width, self.rich_style)
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        row = self.rows[index]
        is_cursor = index == self.cursor
        focused = self.has_focus
        minute = int(self._clock() // 60)
        key = (
            row.key,
            row.read,
            row.followed,
            row.title,
            row.headline,
            row.feed_title,
            row.comment_count,
            row.saved,
            row.undated,
            self._longest_feed,
            is_cursor,
            focused,
            width,
            minute,
            self.app.theme,
        )
        cached = self._line_cache.get(key)
        if cached is not None:
            return cached
        strip = self._render_row(row, is_cursor, width)
        self._line_cache[key] = strip
        return strip

    def _render_row(self, row: TimelineRow, is_cursor: bool, width: int) -> Strip:
        def style(name: str) -> Style:
            return text_style(self, name)

        base = style("timeline--unread" if not row.read else "timeline--read")
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append("●" if not row.read else " ", style=style("timeline--live") if row.update_id else base)
        text.append(" ")
        # The same columns on every row, the cursor's too: its exact time is in the
        # status line (the app shows it), never swapped in here.
        # An undated row says so where the time goes; its place is when it was first seen.
        when = UNDATED_MARK if row.undated else relative(row.time, self._clock())
        text.append(f"{when:>4} ", style=style("timeline--time"))
        column = self.feed_column(width)
        if column:
            feed = clean_line(row.feed_title)
            feed = feed if len(feed) <= column else feed[: column - 1] + "…"
            text.append(f"{feed:<{column}} ", style=style("timeline--feed"))
        if row.saved:
            text.append("★ ", style=style("timeline--saved"))
        if row.followed:
            text.append("LIVE ", style=style("timeline--live"))
        if row.update_id is not None:
            # On the highlight the arrow takes the row's colour: orange on orange vanishes.
            text.append("↳ ", style=base if is_cursor else style("timeline--update"))
            text.append(clean_line(row.headline) or "update", style=base)
            text.append("  · ", style=style("timeline--time"))
            text.append(clean_line(row.title), style=style("timeline--time"))
        else:
            text.append(clean_line(row.title) or "(untitled)", style=base)
            if row.comment_count:
                noun = "comment" if row.comment_count == 1 else "comments"
                text.append(f"  · {row.comment_count} {noun}", style=style("timeline--time"))
        text.truncate(width, overflow="ellipsis", pad=True)
        segments = list(text.render(self.app.console))
        strip = Strip(segments, width)
        row_style = self.rich_style
        if is_cursor:
            row_style = row_style + style("timeline--cursor")
        return strip.apply_style(row_style).adjust_cell_length(width, row_style)

    def feed_column(self, width: int) -> int:
        """How wide the source column is: as wide as the longest source shown, up to
        a share of the width, and never so wide that a headline gets under 40 cells
        (under 6 it is left out)."""
        cap = 18 if width < 120 else 30
        column = min(self._longest_feed, cap, width - 7 - 1 - 40)
        return column if column >= 6 else 0

    def exact_time(self, row: TimelineRow) -> str:
        """The row's time in full, with its zone: what the status line says of the cursor."""
        if row.undated:
            return "undated: the feed gives no date (placed by when first seen)"
        return absolute(row.time, self._zone) if row.time else "no date"

    # -- cursor -----------------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        # Cached lines are keyed by whether they hold the cursor: only the two
        # rows that changed are drawn again, and when the view did not scroll only
        # those two rows are handed to the compositor (a whole-pane refresh costs
        # every visible line's styling again, about 4 ms a key).
        top = self.scroll_offset.y
        self._scroll_cursor_into_view()
        if self.scroll_offset.y == top and 0 <= old < len(self.rows):
            self.refresh_line(old)
            self.refresh_line(new)
        else:
            self.refresh()
        if new == 0:
            self.arrived = 0  # the reader is back at the top and has seen them
        self.post_message(self.CursorMoved(self.current))

    def _scroll_cursor_into_view(self) -> None:
        height = self.scrollable_content_region.height or 1
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def _move(self, delta: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_first(self) -> None:
        self.arrived = 0
        self._move(-len(self.rows))

    def action_last(self) -> None:
        self._move(len(self.rows))

    def action_page_down(self) -> None:
        self._move(max(1, self.scrollable_content_region.height - 1))

    def action_page_up(self) -> None:
        self._move(-max(1, self.scrollable_content_region.height - 1))

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Selected(self.current))

    def _act(self, action: str) -> None:
        if self.current is not None:
            self.post_message(self.Action(action, self.current))

    def action_comments(self) -> None:
        self._act("comments")

    def action_browser(self) -> None:
        self._act("browser")

    def action_toggle_read(self) -> None:
        self._act("toggle_read")

    def action_follow(self) -> None:
        self._act("follow")

    def action_save(self) -> None:
        self._act("save")

    def on_click(self, event) -> None:
        index = int(self.scroll_y) + event.y
        if 0 <= index < len(self.rows):
            if index == self.cursor and event.chain >= 2:
                self.action_open()
            self.cursor = index

    def on_mount(self) -> None:
        # Cached lines hold the colours of the theme they were drawn in.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._redraw())

    def _redraw(self) -> None:
        self._line_cache.clear()
        self.refresh()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows))
        self._line_cache.clear()
