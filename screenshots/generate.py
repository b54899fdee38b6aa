"""Regenerate the SVG screenshots in this folder from the running app.

    python screenshots/generate.py

It starts the built-in newsroom on a fixed clock, polls it once through the real
fetch path into a temporary home, then drives the app with Textual's Pilot and
saves what it shows: the timeline, a live article, and its comment thread.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tui.config import Config  # noqa: E402
from tui.demo import Newsroom  # noqa: E402
from tui.polling.refresh import refresh_feeds  # noqa: E402
from tui.store import Store  # noqa: E402
from tui.ui.app import ThreadlineApp  # noqa: E402

START = 1_795_000_000.0  # a fixed newsroom clock: the same pictures every run
SIZE = (120, 34)


async def main() -> None:
    with Newsroom(tick=0, start_time=START) as newsroom, tempfile.TemporaryDirectory() as home:
        for _ in range(4):
            newsroom.publish()
        store = Store.open(Path(home))
        for url, title, folder in newsroom.feeds():
            store.add_feed(url, title=title, folder=folder)
        await refresh_feeds(store, parse_in="thread")
        now = START + 4 * 180
        app = ThreadlineApp(store, Config(timezone="UTC"), poll=False, clock=lambda: now)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.5)
            app.save_screenshot(str(HERE / "timeline.svg"))
            live = next(
                i
                for i, r in enumerate(app.timeline.rows)
                if r.update_id is not None and "Dockworkers" in r.title
            )
            app.timeline.cursor = live
            await pilot.press("enter")
            await pilot.pause(0.5)
            app.save_screenshot(str(HERE / "article.svg"))
            await pilot.press("c")
            for _ in range(100):
                await pilot.pause(0.1)
                tree = app.screen.query("CommentTree")
                if tree and len(tree.first().thread or []) > 3:
                    break
            await pilot.press("j", "j")
            await pilot.pause(0.3)
            app.save_screenshot(str(HERE / "comments.svg"))
            await pilot.press("g", "n", "space")  # fold the second thread under its first comment
            await pilot.pause(0.3)
            app.save_screenshot(str(HERE / "comments-folded.svg"))
        store.close()
    for name in ("timeline", "article", "comments", "comments-folded"):
        print(HERE / f"{name}.svg")


if __name__ == "__main__":
    asyncio.run(main())
