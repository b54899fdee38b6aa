"""The palette's "Screenshot": an SVG of the screen saved in the data folder
(``<home>/screenshots``, made when missing), the saved path or the one-line
reason it failed said in the status line and a notification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand

from tui.config import resolve_paths

FOLDER = "screenshots"


def screenshot_folder(database: Path | None, demo: bool = False) -> Path:
    """``screenshots`` beside the database (the --home folder); the platform's data
    folder when the database is in memory or is the demo's throwaway one."""
    if database is not None and not (demo and database.parent.name.startswith("threadline-demo-")):
        return database.parent / FOLDER
    return resolve_paths().data / FOLDER


def save_screenshot(app: App, folder: Path) -> tuple[str, bool]:
    """Save the screen into ``folder``; (what to tell the reader, whether it worked)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        saved = app.save_screenshot(path=str(folder))
    except OSError as exc:
        return f"screenshot not saved: {folder}: {exc.strerror or exc}", False
    return f"screenshot saved: {saved}", True


def folder_of(app: Any) -> Path:
    return screenshot_folder(app.store.path, app.demo)


def screenshot_command(app: Any) -> SystemCommand:
    """The palette's entry, in place of Textual's (which saves into the working directory)."""
    return SystemCommand(
        "Screenshot",
        f"Save an SVG of this screen in {folder_of(app)}",
        lambda: app.set_timer(0.1, app.action_screenshot),
    )


def take_screenshot(app: Any) -> str:
    """Save the screen and say so (or why not) in a notification; returns the words."""
    said, ok = save_screenshot(app, folder_of(app))
    app.notify(said, severity="information" if ok else "error", markup=False)
    return said
