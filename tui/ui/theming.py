"""The theme: `[display] theme` from config.toml at start, and the one the reader
picks in the command palette saved back there (only that line; see
config.save_theme)."""

from __future__ import annotations

import asyncio

from textual.app import App
from textual.theme import Theme

from tui.config import Config, save_theme


def apply_theme(app: App, config: Config) -> None:
    """Start in the configured theme, then save each one the reader picks."""
    wanted = config.theme
    if wanted and wanted in app.available_themes:
        app.theme = wanted
    elif wanted:
        names = ", ".join(sorted(app.available_themes)[:8])
        app.notify(f"display.theme: no theme {wanted[:40]!r} (some there are: {names})", severity="warning")

    def changed(theme: Theme) -> None:
        if config.path is None or theme.name == config.theme:
            return
        config.theme = theme.name
        app.run_worker(_save(app, config, theme.name), group="config", exit_on_error=False)

    app.theme_changed_signal.subscribe(app, changed)


async def _save(app: App, config: Config, name: str) -> None:
    assert config.path is not None
    problem = await asyncio.to_thread(save_theme, config.path, name)
    if problem:
        app.notify(problem, severity="warning", markup=False)
    else:
        app.notify(f"theme {name} saved in {config.path.name}", markup=False)
