"""The feed list: every subscription with its unread count; failing feeds say why."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.model import Feed
from tui.text.sanitize import clean_line
from tui.ui.keys import keyed

ALL_FEEDS = "all"


class FeedList(OptionList):
    BINDINGS = keyed(
        "feeds",
        [
            Binding("j", "cursor_down", "Down", show=False),
            Binding("k", "cursor_up", "Up", show=False),
            Binding("g", "first", "Top", show=False),
            Binding("G", "last", "Bottom", show=False),
        ],
    )

    @dataclass
    class Chosen(Message):
        feed_id: int | None  # None: every feed

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._feeds: list[Feed] = []
        self._shape: list[tuple] = []

    @staticmethod
    def _prompt(feed: Feed, indent: str = "", live: bool = False) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(indent)
        if feed.failing:
            text.append("! ", style="bold red")
        text.append(clean_line(feed.display_title), style="bold" if feed.unread else "")
        if feed.unread:
            text.append(f" {feed.unread}", style="bold cyan")
        if live:
            text.append(" LIVE", style="bold red")
        if feed.failing:
            reason = clean_line(feed.error) or feed.status
            text.append("\n" + indent + "  " + reason[:60], style="red")
        return text

    @staticmethod
    def _head(feeds: list[Feed]) -> Text:
        total_unread = sum(f.unread for f in feeds)
        failing = sum(1 for f in feeds if f.failing)
        head = Text("All feeds", style="bold")
        if total_unread:
            head.append(f" {total_unread}", style="bold cyan")
        if failing:
            head.append(f"  ({failing} failing)", style="red")
        return head

    def set_feeds(self, feeds: list[Feed], live: set[int] | None = None) -> None:
        """Replace the list, keeping the highlighted feed highlighted."""
        live = live or set()
        shape = [(f.id, f.unread, f.status, f.error, f.title, f.id in live) for f in feeds]
        if shape == self._shape:
            return
        same_rows = [(f.id, f.folder) for f in feeds] == [(f.id, f.folder) for f in self._feeds]
        old_shape, self._shape = self._shape, shape
        if same_rows and old_shape:
            # Only counts or statuses changed (the usual case while polling):
            # swap those prompts, keep every other row and the highlight as they are.
            self._feeds = feeds
            self.replace_option_prompt(ALL_FEEDS, self._head(feeds))
            for f, before, after in zip(feeds, old_shape, shape):
                if before != after:
                    self.replace_option_prompt(
                        str(f.id), self._prompt(f, "  " if f.folder else "", f.id in live)
                    )
            return
        current = self.highlighted_option.id if self.highlighted_option else ALL_FEEDS
        self._feeds = feeds
        options = [Option(self._head(feeds), id=ALL_FEEDS)]
        folder = None
        for f in feeds:  # the store sorts by folder, then title
            if f.folder and f.folder != folder:
                options.append(Option(Text(clean_line(f.folder), style="dim bold"), disabled=True))
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

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        oid = event.option.id
        self.post_message(self.Chosen(None if oid in (None, ALL_FEEDS) else int(oid)))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        oid = event.option.id
        self.post_message(self.Chosen(None if oid in (None, ALL_FEEDS) else int(oid)))
