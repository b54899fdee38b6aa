"""Component styles for widgets that draw with the line API."""

from __future__ import annotations

from rich.style import Style
from textual.widget import Widget


def text_style(widget: Widget, component: str) -> Style:
    """``component``'s text attributes as the theme resolves them, without its
    background (the row under it, a cursor or a highlight, keeps its own).

    ``get_component_rich_style(partial=True)`` is not that: it leaves relative
    colours such as ``$text-muted`` ("auto 60%") unresolved, which Rich then draws
    as white, unreadable in a light theme.
    """
    full = widget.get_component_rich_style(component)
    return Style(
        color=full.color,
        bold=full.bold,
        italic=full.italic,
        underline=full.underline,
        strike=full.strike,
        dim=full.dim,
        reverse=full.reverse,
    )
