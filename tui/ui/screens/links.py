"""A small chooser for the numbered links of an article or a comment.

It has its own keys, footer and ``?`` help (a modal screen does not pass keys on
to the app). A link whose label and URL fit the width takes one line; else the
label takes the whole first line, cut at a word boundary with an ellipsis (never
mid-word), and the URL the second, cut at the end.
"""

from __future__ import annotations

from rich.cells import cell_len
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
from tui.ui.widgets.footer import LeadFooter


def word_cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, cut after a whole word with an ellipsis
    (mid-word only when a single word is longer than half the width)."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    head = text[: width - 1]
    space = head.rstrip().rfind(" ")
    if space >= (width - 1) // 2:
        head = head[:space]
    return head.rstrip(" ,.;:-–—") + "…"


class LinkChooser(ModalScreen[str | None]):
    """Pick a link by number (type its digits) or with the cursor; enter opens it."""

    BINDINGS = keyed(
        "links",
        [
            Binding("escape,q", "dismiss(None)", "Close"),
            Binding("question_mark", "help", "Help"),
            Binding("j", "move(1)", "Down", show=False, id="links.down"),
            Binding("k", "move(-1)", "Up", show=False, id="links.up"),
            Binding("enter", "open", "Open"),
        ],
    )
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
        self._width = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Open which link? Type its number, or move and press enter.", markup=False)
            yield OptionList(*self._options(self._inner_width()))
        yield LeadFooter()

    def _inner_width(self) -> int:
        """Cells an option's text has: the box's width less its border, padding and
        the option list's own padding and scrollbar."""
        box = min(int(self.app.size.width * 0.9), 110)
        return max(20, box - 2 - 2 - 2 - 2)

    def _options(self, width: int) -> list[Option]:
        self._width = width
        options = []
        for link in self.links:
            number = f"[{link.number}] "
            label = clean_line(link.text) or "(no text)"
            url = clean_line(link.url)
            prompt = Text(no_wrap=True, overflow="ellipsis")
            prompt.append(number, style="bold")
            if cell_len(number + label + "  " + url) <= width:
                prompt.append(label + "  ")
            else:  # the option list wraps a longer line: cut each to the width
                prompt.append(word_cut(label, width - len(number)) + "\n" + " " * len(number))
                end = Text(url)
                end.truncate(max(1, width - len(number)), overflow="ellipsis")
                url = end.plain
            prompt.append(url, style="dim")  # an attribute, not a colour: right in any theme
            options.append(Option(prompt, id=str(link.number)))
        return options

    def on_resize(self) -> None:
        if self._inner_width() != self._width:
            self._rebuild()

    def _rebuild(self) -> None:
        """Prompts for the current width; the highlight stays."""
        found = self.query(OptionList)
        if not found:
            return  # not composed yet: compose uses the current width
        option_list = found.first()
        highlighted = option_list.highlighted
        option_list.clear_options()
        option_list.add_options(self._options(self._inner_width()))
        option_list.highlighted = highlighted if highlighted is not None else 0

    def label_of(self, index: int) -> str:
        """The prompt of option ``index`` as plain text (what the reader sees)."""
        prompt = self.query_one(OptionList).get_option_at_index(index).prompt
        return prompt.plain if isinstance(prompt, Text) else str(prompt)

    def action_help(self) -> None:
        self.app.action_help()  # type: ignore[attr-defined]  # the keys of this chooser

    def action_move(self, delta: int) -> None:
        option_list = self.query_one(OptionList)
        option_list.action_cursor_down() if delta > 0 else option_list.action_cursor_up()

    def action_open(self) -> None:
        self.query_one(OptionList).action_select()

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
