"""The one bridge from core to UI: core callables become messages, and the app
makes no store call on the event loop."""

from __future__ import annotations

import asyncio
import threading

from test_app import NOW, make_app, seeded_store, select, wait_for

from tui.live.follow import Follower
from tui.store import Store
from tui.ui.messages import FollowFailed
from tui.ui.screens.article import ArticleScreen


class RecordingStore(Store):
    """A real store that notes the thread of every public call made while armed."""

    armed = False
    calls_on: list[tuple[str, str]]

    def __getattribute__(self, name: str):
        value = object.__getattribute__(self, name)
        if name.startswith("_") or not callable(value) or not object.__getattribute__(self, "armed"):
            return value

        def call(*args, **kwargs):
            object.__getattribute__(self, "calls_on").append((name, threading.current_thread().name))
            return value(*args, **kwargs)

        return call


def recording_store() -> RecordingStore:
    seeded = seeded_store()
    store = RecordingStore(seeded._db, None)
    store.calls_on = []
    return store


async def test_no_store_call_runs_on_the_event_loop():
    store = recording_store()
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        loop_thread = threading.current_thread().name
        store.armed = True
        select(app, "Ferry timetable change 3")
        row = app.timeline.current
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen))
        await pilot.press("m", "f")  # from the article screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ArticleScreen))
        select(app, "Ferry timetable change 5")
        await pilot.press("m", "m", "f", "o")
        await pilot.press("s", "u", "u", "A", "U", "n", "N")  # issue 14's reading tools
        app.call_later(app._mark_all_read)
        await pilot.press("ctrl+p", "escape")  # the palette lists feeds from the last reload
        await wait_for(pilot, lambda: any("marked" in n.message for n in app._notifications))
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        store.armed = False
    names = [n for n, _ in store.calls_on]
    assert "article" in names and "set_read" in names and "set_followed" in names
    assert {"set_saved", "set_setting", "mark_rows_read", "saved_count"} <= set(names)
    on_loop = [n for n, t in store.calls_on if t == loop_thread]
    assert on_loop == []
    assert store.article(row.article_id).read  # what the keys asked for did happen


async def test_m_twice_toggles_twice():
    store = seeded_store()
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        select(app, "Ferry timetable change 6")
        row = app.timeline.current
        app.toggle_read(row.article_id)
        app.toggle_read(row.article_id)
        await app.workers.wait_for_complete()
        assert store.article(row.article_id).read is False  # read, then unread again


class _BrokenStore:
    """Stands in for a store whose database went away: every read fails."""

    def __init__(self) -> None:
        self.fail = True

    def followed_articles(self):
        if self.fail:
            raise OSError("database is gone")
        return []


async def test_a_failed_follow_round_is_reported_and_cleared():
    # A stand-in store: making a real SQLite store fail on demand and then recover
    # needs a fault the file system cannot give on cue.
    store = _BrokenStore()
    errors: list[str] = []
    follower = Follower(store, poller=None, fetcher=None, interval=0.01, on_error=errors.append)
    task = asyncio.create_task(follower.run(tick=0.01))
    try:
        for _ in range(200):
            if errors:
                break
            await asyncio.sleep(0.01)
        assert errors and "database is gone" in errors[0]
        assert follower.last_error == errors[0]
        store.fail = False
        for _ in range(200):
            if errors[-1] == "":
                break
            await asyncio.sleep(0.01)
        assert errors[-1] == "" and len(errors) == 2  # said once, cleared once
    finally:
        task.cancel()


async def test_the_status_line_shows_a_failed_follow_round():
    app = make_app(seeded_store(), clock=lambda: NOW)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        app.post_message(FollowFailed("OSError: database is gone"))
        status = app.screen.query_one("#status")
        await wait_for(pilot, lambda: "following failed: OSError: database is gone" in str(status.render()))
        app.post_message(FollowFailed(""))
        await wait_for(pilot, lambda: "following failed" not in str(status.render()))


async def test_the_app_stays_responsive_while_another_process_holds_the_write_lock(tmp_path):
    """`m` while another Threadline holds the write lock: the key waits in a worker,
    the cursor keeps moving, and the reader is told the store is busy (it froze the
    event loop for the whole busy timeout)."""
    import sqlite3
    import time

    seeded = seeded_store()
    home = tmp_path / "home"
    store = Store.open(home)
    for feed in seeded.feeds():
        store.add_feed(feed.url, title=feed.title)
    from tui.model import Article, ParsedFeed

    feed = store.feeds()[0]
    store.save_poll(
        feed,
        ParsedFeed(entries=[Article(guid=f"g{i}", title=f"Item {i}", published=NOW - i) for i in range(20)]),
    )
    store._db.execute("PRAGMA busy_timeout=2000")  # the real 10 s, shortened for the test
    app = make_app(store)
    other = sqlite3.connect(home / "threadline.db", isolation_level=None)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: len(app.timeline.rows) > 5)
            app.timeline.cursor = 0
            other.execute("BEGIN IMMEDIATE")  # the lock a second Threadline would hold
            started = time.monotonic()
            await pilot.press("m")
            await pilot.press("j", "j")
            moved = time.monotonic() - started
            assert app.timeline.cursor == 2
            assert moved < 1.0, f"keys waited {moved:.2f} s behind the lock"
            await wait_for(pilot, lambda: any("busy" in n.message for n in app._notifications), timeout=10)
            other.execute("ROLLBACK")
    finally:
        other.close()
        store.close()
