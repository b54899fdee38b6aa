"""Folding a thread by level, as circumflex and hackernews-TUI readers expect:
which comments to fold so that only the first N levels show, one level more or
less, and the folds a big thread opens with (``[threads]`` in config.toml).

Levels count from 1: level 1 is the top-level comments, level 2 their replies.
Showing N levels folds every comment at depth N - 1 (0-based) that has replies;
folds deeper than that are kept (they are hidden anyway, and come back as the
reader left them when a level is unfolded again), folds shallower are dropped.

Plain Python over ``tui.comments.tree.Thread``; ``ThreadLayout.set_folds`` applies
the result, keeping the cursor (or the fold that now hides it) on its screen line.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding

from tui.comments.tree import Thread

__all__ = [
    "LEVEL_BINDINGS",
    "deepest_shown",
    "level_folds",
    "one_level_less",
    "one_level_more",
    "opening_folds",
    "opening_rule",
]


# The comment tree's level keys (ids "comments.<action>", "comments.levels_N"). Not
# in the footer: at 100 columns it has no room left without dropping / Search.
LEVEL_BINDINGS = [
    Binding("minus", "fold_deeper", "Fold deeper levels", show=False, key_display="-"),
    Binding("plus", "unfold_level", "Unfold a level", show=False, key_display="+"),
    *(
        Binding(
            f"{n}", f"fold_to_level({n})", f"Show {n} level{'s' * (n > 1)}", False, id=f"comments.levels_{n}"
        )
        for n in range(1, 10)
    ),
]


def level_folds(thread: Thread, level: int, keep: Iterable[str] = ()) -> set[str]:
    """The folds that show ``level`` levels (1 = top level only), keeping the
    folds in ``keep`` that sit deeper than that."""
    depth = max(1, level) - 1
    nodes, index = thread.nodes, thread.index
    folds = {cid for cid in keep if (p := index.get(cid)) is not None and nodes[p].depth > depth}
    folds.update(n.comment.id for n in nodes if n.depth == depth and n.size)
    return folds


def deepest_shown(thread: Thread, folded: Iterable[str]) -> int | None:
    """How many levels show everywhere: the shallowest fold's depth plus one
    (None when nothing is folded)."""
    nodes, index = thread.nodes, thread.index
    depths = [nodes[p].depth for cid in folded if (p := index.get(cid)) is not None and nodes[p].size]
    return min(depths) + 1 if depths else None


def one_level_less(thread: Thread, cursor: int, folded: Iterable[str]) -> set[str]:
    """Fold everything deeper than the cursor's comment: its level is the last
    that shows, in the whole thread."""
    depth = thread.nodes[cursor].depth if 0 <= cursor < len(thread.nodes) else 0
    return level_folds(thread, depth + 1, folded)


def one_level_more(thread: Thread, folded: Iterable[str]) -> set[str]:
    """Unfold the shallowest folded level (the folds below it stay)."""
    folded = set(folded)
    shown = deepest_shown(thread, folded)
    if shown is None:
        return folded
    nodes, index = thread.nodes, thread.index
    return {cid for cid in folded if (p := index.get(cid)) is not None and nodes[p].depth >= shown}


def opening_folds(thread: Thread, below_depth: int, over_replies: int) -> set[str]:
    """The folds a thread opens with: every comment at level ``below_depth``
    (replies deeper than it are hidden) and every comment with more than
    ``over_replies`` replies under it. 0 turns either rule off."""
    folds: set[str] = set()
    if below_depth > 0:
        folds = level_folds(thread, below_depth)
    if over_replies > 0:
        folds.update(n.comment.id for n in thread.nodes if n.size > over_replies)
    return folds


def opening_rule(config: object) -> tuple[int, int]:
    """(fold_below_depth, fold_over_replies) from the app's config; (0, 0) without one.
    The config refused anything but whole numbers in range when it was read."""
    rule = []
    for name in ("fold_below_depth", "fold_over_replies"):
        value = getattr(config, name, 0)
        rule.append(value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0)
    return rule[0], rule[1]
