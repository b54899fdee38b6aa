"""A small chooser for the numbered links of an article or a comment."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.text.html import Link
from tui.text.sanitize import clean_line
from tui.ui.keys import keyed


class LinkChooser(ModalScreen[str | None]):
    """Pick a link by number (type its digits) or with the cursor; enter opens it."""

    BINDINGS = keyed("links", [Binding("escape,q", "dismiss(None)", "Close")])
    DEFAULT_CSS = """
    LinkChooser { align: center middle; }
    LinkChooser > Vertical {
        width: 90%; max-width: 110; height: auto; max-height: 80%;
        border: round $accent; background: $panel; padding: 0 1;
    }
    LinkChooser OptionList { height: auto; max-height: 30; border: none; }
    """

    def __init__(self, links: list[Link]) -> None:
        super().__init__()
        self.links = links
        self._typed = ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Open which link? Type its number, or move and press enter.", markup=False)
            options = []
            for link in self.links:
                prompt = Text(no_wrap=True, overflow="ellipsis")
                prompt.append(f"[{link.number}] ", style="bold")
                prompt.append(clean_line(link.text)[:50] or "(no text)")
                prompt.append("  " + link.url, style="dim")
                options.append(Option(prompt, id=str(link.number)))
            yield OptionList(*options)

    def on_key(self, event) -> None:
        if event.character and event.character.isdigit():
            event.stop()
            self._typed += event.character
            number = int(self._typed)
            matches = [l for l in self.links if str(l.number).startswith(self._typed)]
            exact = [l for l in self.links if l.number == number]
            if exact and len(matches) == 1:
                self.dismiss(exact[0].url)
            elif exact:
                self.query_one(OptionList).highlighted = self.links.index(exact[0])
            elif not matches:
                self._typed = ""
                self.notify(f"no link {number}", severity="warning")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        number = int(event.option.id or 0)
        self.dismiss(next((l.url for l in self.links if l.number == number), None))
