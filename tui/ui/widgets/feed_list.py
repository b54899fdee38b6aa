"""The feed list: every subscription with its unread count; failing feeds say why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from rich.text import Text
from textual.binding import Binding
from textual.css.styles import RulesMap
from textual.geometry import Size
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.model import Feed
from tui.text.sanitize import clean_line
from tui.ui.keys import keyed

ALL_FEEDS = "all"
SAVED = "saved"


class FeedList(OptionList):
    BINDINGS = keyed(
        "feeds",
        [
            Binding("j", "cursor_down", "Down", show=False),
            Binding("k", "cursor_up", "Up", show=False),
            Binding("g", "first", "Top", show=False),
            Binding("G", "last", "Bottom", show=False),
            Binding("d", "manage('remove')", "Remove feed"),
            Binding("e", "manage('edit')", "Rename/move"),
        ],
    )

    @dataclass
    class Chosen(Message):
        feed_id: int | None  # None: every feed
        saved: bool = False  # the Saved view

    @dataclass
    class Manage(Message):
        """``d`` or ``e`` on a feed: the app asks, then removes or edits it."""

        action: str  # "remove" or "edit"
        feed: Feed | None  # None: the highlighted row is not a feed

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._feeds: list[Feed] = []
        self._shape: list[tuple] = []
        self._order_held = False  # set_feeds(hold_order=True) kept rows in their old order
        self._styles_for: tuple[str, tuple[str, str, str]] = ("", ("", "", ""))
        self._width_for: tuple[object, int] = (None, 30)
        self._live: set[int] = set()
        self._saved = 0

    def on_mount(self) -> None:
        # Colours come from the theme: a new theme draws the prompts again.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._redraw())
        self._drawn_width = 0

    def on_resize(self) -> None:
        if self._line_width() != getattr(self, "_drawn_width", 0) and self._feeds:
            self._redraw()
        self._drawn_width = self._line_width()

    def _redraw(self) -> None:
        feeds, self._feeds, self._shape = self._feeds, [], []
        self.set_feeds(feeds, self._live, self._saved)

    def _styles(self) -> tuple[str, str, str]:
        """(count, error, live) styles from the current theme's colours (kept per theme:
        a rebuild asks once a feed)."""
        name = self.app.theme
        if self._styles_for[0] != name:
            theme = self.app.current_theme
            accent = theme.accent or theme.primary
            error = theme.error or "red"
            self._styles_for = (name, (f"bold {accent}", f"{error}", f"bold {error}"))
        return self._styles_for[1]

    def _line_width(self) -> int:
        """Cells a prompt line has (OptionList wraps a longer one, so lines are cut to
        it), kept per widget size."""
        shape = (self.size, self.show_vertical_scrollbar)  # a scrollbar takes columns too
        if self._width_for[0] != shape:
            width = self.scrollable_content_region.width
            self._width_for = (shape, width if width > 0 else 30)
        return self._width_for[1]

    @staticmethod
    def _cut(text: str, width: int) -> Text:
        line = Text(text)
        line.truncate(max(1, width), overflow="ellipsis")
        return line

    def _prompt(self, feed: Feed, indent: str = "", live: bool = False) -> Text:
        """One line for the feed, cut with an ellipsis to fit (the ``!`` of a failing
        feed and its counts stay on it), and under it why it fails."""
        count, error, live_style = self._styles()
        width = self._line_width()
        mark = "! " if feed.failing else ""
        tail = (f" {feed.unread}" if feed.unread else "") + (" LIVE" if live else "")
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(indent)
        if mark:
            text.append(mark, style="bold " + error)
        title = self._cut(clean_line(feed.display_title), width - len(indent) - len(mark) - len(tail))
        if feed.unread:
            title.stylize("bold")
        text.append_text(title)
        if feed.unread:
            text.append(f" {feed.unread}", style=count)
        if live:
            text.append(" LIVE", style=live_style)
        if feed.failing:
            reason = clean_line(feed.error) or feed.status
            # The reason may take two lines: cut, it would lose what the reader needs.
            text.append("\n" + indent + "  " + reason[:60], style=error)
        return text

    def _head(self, feeds: list[Feed]) -> Text:
        count, error, _ = self._styles()
        total_unread = sum(f.unread for f in feeds)
        failing = sum(1 for f in feeds if f.failing)
        head = Text("All feeds", style="bold", no_wrap=True, overflow="ellipsis")
        if total_unread:
            head.append(f" {total_unread}", style=count)
        if failing:
            head.append(f"  ({failing} failing)", style=error)
        return head

    def _saved_prompt(self) -> Text:
        text = Text("★ Saved", style="bold" if self._saved else "", no_wrap=True, overflow="ellipsis")
        if self._saved:
            text.append(f" {self._saved}", style=self._styles()[0])
        return text

    @property
    def highlighted_feed(self) -> Feed | None:
        option = self.highlighted_option
        if option is None or option.id in (None, ALL_FEEDS, SAVED):
            return None
        return next((f for f in self._feeds if str(f.id) == option.id), None)

    def show_feed(self, feed_id: int | None) -> None:
        """Highlight ``feed_id`` (None: All feeds) as if the reader had moved there."""
        try:
            self.highlighted = self.get_option_index(ALL_FEEDS if feed_id is None else str(feed_id))
        except Exception:
            pass

    def action_manage(self, action: str) -> None:
        self.post_message(self.Manage(action, self.highlighted_feed))

    def _swap_prompt(self, option_id: str, prompt: Text) -> None:
        """Give one option a new prompt, drawing only that option again.

        OptionList.replace_option_prompt forgets every option's rendering and
        height, so the next frame measures the whole list again: with 500 feeds
        that was a stall of 100 ms or more at each reload of a refresh. A new
        Option object is a miss in the render cache (keyed by the option) for this
        row only; the line map stays valid while the prompt keeps its height.
        (Textual is pinned exactly; tests/test_feed_list_speed.py checks this.)
        """
        index = self.get_option_index(option_id)
        old = self._options[index]
        new = Option(prompt, id=option_id, disabled=old.disabled)
        self._options[index] = new
        self._id_to_option[option_id] = new
        self._option_to_index.pop(old, None)
        self._option_to_index[new] = index
        width = self._prompt_width()
        if width is None or self._height(old, width) != self._height(new, width):
            self._line_cache.clear()  # the row grew or shrank: lines below it move
        self.refresh()

    def _height(self, option: Option, width: int) -> int:
        """Lines ``option`` takes at ``width``: 1 for a one-line prompt that fits (every
        feed's title line is cut to fit), else measured the way Textual measures."""
        prompt = option.prompt
        if isinstance(prompt, Text) and not option._divider and "\n" not in prompt.plain:
            if prompt.cell_len <= width:
                return 1
        rules = cast(RulesMap, self.styles)  # as OptionList passes them
        return self._get_visual(option).get_height(rules, width) + option._divider

    def _prompt_width(self) -> int | None:
        """The cells a prompt has, as OptionList measures it (None before layout)."""
        region = self.scrollable_content_region
        if not region:
            return None
        padding = self.get_component_styles("option-list--option").padding
        return region.width - self._get_left_gutter_width() - padding.width

    def _update_lines(self) -> None:
        """OptionList's map of rows to lines, with one-line rows counted, not measured.

        Textual renders every prompt to learn its height: about 0.2 ms a feed, 100 ms
        a rebuild at 500 feeds and again at each layout pass, each a stall while a
        refresh runs. Only a failing feed's reason (a second line that may wrap) is
        still measured.
        """
        region = self.scrollable_content_region
        cache = self._line_cache
        start = cache.lines[-1][0] + 1 if cache.lines else 0
        if not region or start >= len(self.options):
            return super()._update_lines()
        width = self._prompt_width()
        assert width is not None
        for index, option in enumerate(self.options[start:], start):
            height = self._height(option, width)
            cache.index_to_line[index] = len(cache.lines)
            cache.heights[index] = height
            cache.lines.extend((index, line) for line in range(height))
        size = Size(region.width - self._get_left_gutter_width(), len(cache.lines))
        if size != self.virtual_size:
            self.virtual_size = size
            self._scroll_update(size)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # The list is as tall as its lines (height: auto), counted as above instead of
        # Textual rendering every prompt again on each layout pass.
        padding = self.get_component_styles("option-list--option").padding.width
        return sum(self._height(option, width - padding) for option in self.options)

    def set_feeds(
        self, feeds: list[Feed], live: set[int] | None = None, saved: int = 0, hold_order: bool = False
    ) -> None:
        """Replace the list, keeping the highlighted feed highlighted.

        ``hold_order`` (while a refresh pours in titles): the same feeds in a new
        order keep their old places and only their prompts change; the list is
        sorted again at the first call without it.
        """
        live = live or set()
        self._live = live
        if saved != self._saved:
            self._saved = saved
            if self._shape:
                self._swap_prompt(SAVED, self._saved_prompt())
        old_rows = [(f.id, f.folder) for f in self._feeds]
        if hold_order and self._shape and len(feeds) == len(old_rows):
            by_id = {(f.id, f.folder): f for f in feeds}
            if set(by_id) == set(old_rows) and [(f.id, f.folder) for f in feeds] != old_rows:
                feeds = [by_id[key] for key in old_rows]
                self._order_held = True
        elif self._order_held:
            self._order_held = False
            self._shape = []  # sort now: rebuild below
            old_rows = []
        shape = [(f.id, f.unread, f.status, f.error, f.title, f.folder, f.id in live) for f in feeds]
        if shape == self._shape:
            return
        same_rows = [(f.id, f.folder) for f in feeds] == old_rows
        old_shape, self._shape = self._shape, shape
        if same_rows and old_shape:
            # Only counts or statuses changed (the usual case while polling):
            # swap those prompts, keep every other row and the highlight as they are.
            self._feeds = feeds
            self._swap_prompt(ALL_FEEDS, self._head(feeds))
            for f, before, after in zip(feeds, old_shape, shape):
                if before != after:
                    self._swap_prompt(str(f.id), self._prompt(f, "  " if f.folder else "", f.id in live))
            return
        current = self.highlighted_option.id if self.highlighted_option else ALL_FEEDS
        self._feeds = feeds
        options = [Option(self._head(feeds), id=ALL_FEEDS), Option(self._saved_prompt(), id=SAVED)]
        folder = None
        for f in feeds:  # the store sorts by folder, then title
            if f.folder and f.folder != folder:
                name = Text(clean_line(f.folder), style="dim bold", no_wrap=True, overflow="ellipsis")
                options.append(Option(name, disabled=True))
            folder = f.folder
            options.append(Option(self._prompt(f, "  " if f.folder else "", f.id in live), id=str(f.id)))
        self.set_options(options)
        try:
            self.highlighted = self.get_option_index(current or ALL_FEEDS)
        except Exception:
            self.highlighted = 0

    def action_first(self) -> None:
        self.highlighted = 0

    def action_last(self) -> None:
        self.highlighted = max(0, self.option_count - 1)

    def _chosen(self, oid: str | None) -> Message:
        if oid == SAVED:
            return self.Chosen(None, saved=True)
        return self.Chosen(None if oid in (None, ALL_FEEDS) else int(oid))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.post_message(self._chosen(event.option.id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self._chosen(event.option.id))
