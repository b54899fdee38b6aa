"""Checking the reader's [keys] table before the app starts.

Every binding has an id "<where>.<action>" (keys.py). A keymap entry whose id
matches no binding is ignored by Textual without a word; a keymap that gives the
quit key to something else on the main screen leaves no way out. The first is
warned about, the second refused, both in one line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from textual.binding import Binding, BindingType

QUIT_ID = "app.quit"


@dataclass
class KeymapCheck:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _keys(text: str) -> list[str]:
    return [k.strip() for k in text.split(",") if k.strip()]


def _bindings(classes: Iterable[type]) -> list[Binding]:
    found: list[Binding] = []
    for cls in classes:
        items: list[BindingType] = list(getattr(cls, "BINDINGS", []))
        found.extend(b for b in items if isinstance(b, Binding))
    return found


def all_scopes() -> tuple[list[type], list[type]]:
    """(every class with bindings, the ones active on the main screen)."""
    from tui.ui.app import ThreadlineApp
    from tui.ui.screens.article import ArticleScreen
    from tui.ui.screens.links import LinkChooser
    from tui.ui.screens.main import MainScreen
    from tui.ui.screens.thread import ThreadScreen
    from tui.ui.widgets.comment_tree import CommentTree
    from tui.ui.widgets.feed_list import FeedList
    from tui.ui.widgets.timeline import Timeline

    main: list[type] = [MainScreen, Timeline, FeedList]
    return [ThreadlineApp, *main, ArticleScreen, LinkChooser, ThreadScreen, CommentTree], main


def check_keymap(
    keymap: dict[str, str], everywhere: Iterable[type], main_screen: Iterable[type]
) -> KeymapCheck:
    check = KeymapCheck()
    every = _bindings(everywhere)
    known = {b.id for b in every if b.id}
    for binding_id in keymap:
        if binding_id not in known:
            check.warnings.append(
                f"keys: no key binding has the id {binding_id[:60]!r}; ignored (see ? in the app)"
            )

    def effective(b: Binding) -> list[str]:
        return _keys(keymap[b.id]) if b.id in keymap else _keys(b.key)

    quit_keys = [k for b in every if b.id == QUIT_ID for k in effective(b)]
    taken: dict[str, str] = {}
    for b in _bindings(main_screen):
        if b.id and b.id != QUIT_ID:
            for k in effective(b):
                taken.setdefault(k, b.id)
    free = [k for k in quit_keys if k not in taken]
    if not free:
        if quit_keys:
            clash = ", ".join(f"{k!r} is also {taken[k]}" for k in quit_keys)
            check.errors.append(f"keys: no key is left to quit Threadline ({clash})")
        else:
            check.errors.append("keys: no key is left to quit Threadline (app.quit has no key)")
    return check
