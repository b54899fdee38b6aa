"""The main screen: feed list on the left, timeline on the right, status below."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from tui.ui.keys import keyed
from tui.ui.widgets.feed_list import FeedList
from tui.ui.widgets.footer import LeadFooter
from tui.ui.widgets.timeline import Timeline


class MainScreen(Screen):
    class SearchRequested(Message):
        """The reader searched (``query``) or closed the search (None); the app reloads."""

        def __init__(self, query: str | None) -> None:
            super().__init__()
            self.query = query

    class AddFeed(Message):
        """`a`: the reader wants to add a feed; the app asks for its URL."""

    BINDINGS = keyed(
        "main",
        [
            Binding("slash", "search", "Search"),
            Binding("escape", "clear_search", "Clear search", show=False),
            Binding("u", "unread_only", "Unread only"),
            Binding("n", "next_unread", "Next unread"),
            Binding("N", "previous_unread", "Previous unread", show=False),
            Binding("A", "mark_view_read", "Mark all here read", show=False),
            Binding("U", "undo_read", "Undo marking", show=False),
            Binding("a", "add_feed", "Add feed"),
            Binding("backslash", "toggle_sidebar", "Feeds pane", key_display="\\"),
        ],
    )

    NARROW = 100  # below this many columns the feed list starts folded away

    def __init__(self, timeline: Timeline) -> None:
        super().__init__()
        self.timeline = timeline
        self.sidebar_choice: bool | None = None  # None: by width; else what the reader chose

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield FeedList(id="feeds")
            with Vertical(id="timeline-pane"):
                yield Input(placeholder="search titles and text — enter to search, esc to close", id="search")
                yield Static("", id="timeline-title", markup=False)
                yield self.timeline
        yield Static("", id="status", markup=False)
        yield LeadFooter()

    def on_mount(self) -> None:
        self.query_one("#search", Input).display = False
        self.timeline.focus()
        self._fit_sidebar()

    def on_resize(self) -> None:
        self._fit_sidebar()

    def _fit_sidebar(self) -> None:
        feeds = self.query_one(FeedList)
        show = self.sidebar_choice if self.sidebar_choice is not None else self.size.width >= self.NARROW
        feeds.display = show
        if not show and feeds.has_focus:
            self.timeline.focus()

    def action_toggle_sidebar(self) -> None:
        feeds = self.query_one(FeedList)
        self.sidebar_choice = not feeds.display
        self._fit_sidebar()
        if self.sidebar_choice:
            feeds.focus()

    # The view's tools work from the feed list as from the timeline; the app acts.
    def action_unread_only(self) -> None:
        self.post_message(Timeline.ViewAction("unread_only"))

    def action_next_unread(self) -> None:
        self.post_message(Timeline.ViewAction("next_unread"))

    def action_previous_unread(self) -> None:
        self.post_message(Timeline.ViewAction("previous_unread"))

    def action_mark_view_read(self) -> None:
        self.post_message(Timeline.ViewAction("mark_view_read"))

    def action_undo_read(self) -> None:
        self.post_message(Timeline.ViewAction("undo_read"))

    def action_add_feed(self) -> None:
        self.post_message(self.AddFeed())

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
