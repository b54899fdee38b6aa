"""`?`: every key that works where the reader is, gathered from the live bindings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

# Shown even though they belong to other screens, so `?` anywhere tells the whole story.
OVERVIEW = [
    (
        "everywhere",
        "q quit · ? help · r refresh now · / search · tab/shift+tab next/previous pane · ctrl+p command palette",
    ),
    (
        "timeline",
        "j/k move · g/G top/bottom · enter open · c comments · o browser · m read/unread · f follow live",
    ),
    (
        "article",
        "j/k scroll · space/b page · o open link N · c comments · m read/unread · f follow · esc back",
    ),
    (
        "comments",
        "j/k next/prev · J/K sibling · p parent · n/N top-level · space fold · h/l fold/unfold · "
        "z fold all · Z unfold all · ]/[ new comments · o link · / search · esc back",
    ),
]


_KEY_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "space": "space",
}


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 120; height: 85%;
        border: round $accent; background: $panel; padding: 0 1;
    }
    """

    def __init__(self, bindings: list[tuple[str, Binding]]) -> None:
        super().__init__()
        self.bindings_here = bindings

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", expand=True)
        table.add_column("where", style="dim", no_wrap=True)
        table.add_column("key", style="bold cyan", no_wrap=True)
        table.add_column("does")
        table.add_column("rebind as", style="dim", no_wrap=True)
        # Textual lists a binding once per key: gather the keys of each action.
        rows: dict[tuple[str, str], list] = {}
        for where, binding in self.bindings_here:
            if not binding.description:
                continue
            entry = rows.setdefault((where, binding.action), [[], binding])
            for key in binding.key.split(","):
                name = _KEY_NAMES.get(key.strip(), key.strip())
                if name not in entry[0]:
                    entry[0].append(name)
        for (where, _), (keys, binding) in rows.items():
            table.add_row(where, "/".join(keys), binding.description, binding.id or "")
        overview = Text()
        for where, keys in OVERVIEW:
            overview.append(f"{where:>10}  ", style="bold")
            overview.append(keys + "\n")
        with VerticalScroll():
            yield Static(Text("Keys here (rebind them under [keys] in config.toml)", style="bold underline"))
            yield Static(table)
            yield Static(Text("\nAll screens", style="bold underline"))
            yield Static(overview)
