"""`?`: every key that works where the reader is, gathered from the live bindings."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.ui.keys import keyed
from tui.ui.styles import theme_style

# Shown even though they belong to other screens, so `?` anywhere tells the whole story.
OVERVIEW = [
    (
        "everywhere",
        "q back one level (quits from the main screen) · Q quit from anywhere · ? help · "
        "r refresh now · ctrl+p command palette",
    ),
    (
        "main",
        "/ search (esc returns) · u unread only · n/N next/previous unread (on across feeds) · "
        "A mark all here read · U undo that · a add feed · \\ feeds pane · tab/shift+tab next/previous pane",
    ),
    (
        "timeline",
        "j/k move · g/G top/bottom · enter open · c comments · o browser · m read/unread · "
        "f follow live · s save",
    ),
    ("feed list", "j/k move · enter show · d remove feed · e rename/move to a folder · ★ Saved: what s kept"),
    (
        "article",
        "j/k scroll · space/b page · ]/[ older/newer update · o open link N · c comments · "
        "m read/unread · f follow · s save · R full text of the page (reader mode) · q/esc back",
    ),
    (
        "links",
        "type a link's number (it opens when no other starts so) · j/k move · enter open · q/esc close",
    ),
    (
        "comments",
        "j/k next/prev · J/K sibling · p parent · n/N top-level · space fold · h/l fold/unfold · "
        "z fold all · Z unfold all · - fold deeper levels · + a level more · 1-9 show N levels · "
        "]/[ new comments · o link · S story link · C comment's page · t fold the post · / search · q/esc back",
    ),
]

# Where a binding acts, by the scope of its id ("<scope>.<action>", tui/ui/keys.py).
SCOPE_NAMES = {
    "app": "everywhere",
    "main": "main screen",
    "timeline": "timeline",
    "feeds": "feed list",
    "article": "article",
    "thread": "comments",
    "comments": "comments",
    "links": "link chooser",
    "help": "help",
    "dialog": "dialog",
}


_KEY_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "backslash": "\\",
    "space": "space",
    "minus": "-",
    "plus": "+",
}


class HelpScreen(ModalScreen[None]):
    BINDINGS = keyed("help", [Binding("escape,q,question_mark", "dismiss", "Close")])
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 120; height: 85%;
        border: round $accent; background: $panel; padding: 0 1;
    }
    """

    def __init__(self, bindings: Sequence[tuple[object, Binding]]) -> None:
        super().__init__()
        self.bindings_here = bindings

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", expand=True)
        table.add_column("where", style="dim", no_wrap=True)
        table.add_column("key", style=theme_style(self.app, "text-accent", bold=True), no_wrap=True)
        table.add_column("does")
        table.add_column("rebind as", style="dim", no_wrap=True)
        # Textual lists a binding once per key: gather the keys of each action.
        rows: dict[tuple[str, str], list] = {}
        for _node, binding in self.bindings_here:
            # Only Threadline's own bindings (they have ids): Textual's built-in ones
            # (scroll left/right, copy selected text) do nothing a reader needs here.
            if not binding.description or not binding.id:
                continue
            where = SCOPE_NAMES.get(binding.id.split(".")[0], binding.id.split(".")[0])
            entry = rows.setdefault((where, binding.id), [[], binding])
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
