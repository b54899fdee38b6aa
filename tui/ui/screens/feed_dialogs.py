"""Small dialogs of the feed list: add a feed by URL, confirm a removal, rename or move."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tui.model import Feed
from tui.text.sanitize import clean_line, web_url_problem
from tui.ui.keys import keyed

_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 80%; max-width: 90; height: auto;
    border: round $accent; background: $panel; padding: 0 1;
}}
{name} .dialog-error {{ color: $text-error; }}
{name} .dialog-hint {{ color: $text-muted; }}
"""


class AddFeedDialog(ModalScreen[str | None]):
    """`a`: a feed's URL; refused here, in one line, when it cannot be a feed address."""

    BINDINGS = keyed("dialog", [Binding("escape", "dismiss(None)", "Cancel")])
    DEFAULT_CSS = _CSS.format(name="AddFeedDialog")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Add a feed: its URL (http or https)", markup=False)
            yield Input(placeholder="https://example.org/feed.xml", id="feed-url")
            yield Label("", id="feed-url-error", classes="dialog-error", markup=False)
            yield Label("enter adds · esc cancels", classes="dialog-hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        url = event.value.strip()
        problem = web_url_problem(url)
        if problem:
            self.query_one("#feed-url-error", Label).update(f"not added: {problem}")
            return
        self.dismiss(url)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question: y or enter says yes; n or esc says no."""

    BINDINGS = keyed(
        "dialog",
        [
            Binding("y,enter", "dismiss(True)", "Yes"),
            Binding("n,escape", "dismiss(False)", "No"),
        ],
    )
    DEFAULT_CSS = _CSS.format(name="ConfirmDialog")

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, markup=False)
            yield Label("y yes · n no", classes="dialog-hint", markup=False)


class EditFeedDialog(ModalScreen[tuple[str, str] | None]):
    """`e`: a feed's title and folder; enter in either box saves both."""

    BINDINGS = keyed("dialog", [Binding("escape", "dismiss(None)", "Cancel")])
    DEFAULT_CSS = _CSS.format(name="EditFeedDialog")

    def __init__(self, feed: Feed) -> None:
        super().__init__()
        self.feed = feed

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Rename " + clean_line(self.feed.url)[:70], markup=False)
            yield Input(
                clean_line(self.feed.title), placeholder="title (empty: the feed's own)", id="feed-title"
            )
            yield Label("Folder (empty: none)", markup=False)
            yield Input(clean_line(self.feed.folder), placeholder="folder", id="feed-folder")
            yield Label("enter saves · tab next box · esc cancels", classes="dialog-hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        title = clean_line(self.query_one("#feed-title", Input).value).strip()
        folder = clean_line(self.query_one("#feed-folder", Input).value).strip()
        self.dismiss((title[:300], folder[:100]))
