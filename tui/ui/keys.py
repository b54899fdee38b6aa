"""Binding ids, so every key can be rebound from config.toml.

Each binding gets the id "<scope>.<action>" (e.g. "timeline.comments"); the
config's [keys] table maps such ids to keys and Textual's keymap applies them.
"""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding, BindingType


def keyed(scope: str, bindings: list[Binding]) -> list[BindingType]:
    """``bindings`` with an id each; typed as Textual's BINDINGS class attribute."""
    return [
        b if b.id else replace(b, id=f"{scope}.{b.action.split('(')[0].removeprefix('app.')}")
        for b in bindings
    ]
