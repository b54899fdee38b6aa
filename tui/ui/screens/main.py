"""The main screen: feed list on the left, timeline on the right, status below."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from tui.ui.keys import keyed
from tui.ui.widgets.feed_list import FeedList
from tui.ui.widgets.timeline import Timeline


class MainScreen(Screen):
    class SearchRequested(Message):
        """The reader searched (``query``) or closed the search (None); the app reloads."""

        def __init__(self, query: str | None) -> None:
            super().__init__()
            self.query = query

    BINDINGS = keyed(
        "main",
        [
            Binding("slash", "search", "Search"),
            Binding("escape", "clear_search", "Clear search", show=False),
        ],
    )

    def __init__(self, timeline: Timeline) -> None:
        super().__init__()
        self.timeline = timeline

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield FeedList(id="feeds")
            with Vertical(id="timeline-pane"):
                yield Input(placeholder="search titles and text — enter to search, esc to close", id="search")
                yield Static("", id="timeline-title", markup=False)
                yield self.timeline
        yield Static("", id="status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#search", Input).display = False
        self.timeline.focus()

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.display = True
        box.focus()

    def action_clear_search(self) -> None:
        box = self.query_one("#search", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.post_message(self.SearchRequested(None))
            self.timeline.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.SearchRequested(event.value.strip() or None))
        self.timeline.focus()

    def on_key(self, event) -> None:
        if event.key == "escape" and self.query_one("#search", Input).has_focus:
            event.stop()
            self.action_clear_search()
