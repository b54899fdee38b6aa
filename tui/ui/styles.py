"""Theme colours as Rich styles, for widgets that draw Rich text themselves."""

from __future__ import annotations

from rich.style import Style
from textual.app import App
from textual.color import Color, ColorParseError
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


def theme_style(app: App, variable: str, *, bold: bool = False) -> Style:
    """A Rich style in the colour of the theme's ``variable`` (e.g. "text-error"),
    for text built before a widget is on screen (in a thread, or for a screen's
    first frame). Textual's ``$text-*`` variables are already resolved against
    the theme's background, so they read in light and dark themes alike."""
    value = app.get_css_variables().get(variable, "")
    try:
        color = Color.parse(value).rich_color if value and not value.startswith("auto") else None
    except ColorParseError:
        color = None
    return Style(color=color, bold=bold)
