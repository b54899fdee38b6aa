"""Comment threads end to end: the app finds a thread from a feed entry or a URL,
loads it from a WordPress-shaped loopback server (the built-in newsroom), keeps
it for offline reading, and merges new replies in while the reader sits still."""

from __future__ import annotations

import threading
import time

import pytest

from tui.comments.discover import discover
from tui.comments.session import source_config
from tui.config import Config
from tui.demo import Newsroom
from tui.net import Fetcher
from tui.polling.poller import Poller
from tui.store import Store
from tui.ui.app import ThreadlineApp
from tui.ui.screens.thread import ThreadScreen

START = 1_795_000_000.0


async def wait_for(pilot, predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


@pytest.fixture
def newsroom():
    with Newsroom(tick=0, start_time=START) as room:
        yield room


async def polled_store(room: Newsroom, cls: type[Store] = Store) -> Store:
    store = cls.memory()
    for url, title, folder in room.feeds():
        store.add_feed(url, title=title, folder=folder)
    async with Fetcher() as fetcher:
        await Poller(store, fetcher).refresh_all()
    return store


def publish_comment_on(room: Newsroom, title: str) -> str:
    """Publish until the newsroom's rotation puts a comment under ``title``."""
    for _ in range(30):
        said = room.publish()
        if said.startswith("comment") and title in said:
            return said
    raise AssertionError("the newsroom never commented on " + title)


def tree_of(app):
    screen = app.screen
    # ThreadScreen.tree is being renamed comment_tree (it shadowed DOMNode.tree).
    return getattr(screen, "comment_tree", None) or screen.tree


async def test_c_opens_the_thread_of_a_feed_entry_and_merges_new_replies(newsroom):
    store = await polled_store(newsroom)
    app = ThreadlineApp(store, Config(timezone="UTC"), poll=False, interval=0.3, opener=lambda u: None)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        live = next(
            i
            for i, r in enumerate(app.timeline.rows)
            if r.update_id is None and r.title.startswith("LIVE: Dockworkers")
        )
        app.timeline.cursor = live
        expected = app.timeline.rows[live].comment_count
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        await wait_for(pilot, lambda: len(tree_of(app).thread) == expected)
        tree = tree_of(app)
        assert max(n.depth for n in tree.thread.nodes) >= 6  # seven levels, like the seed
        await pilot.press("z")  # fold everything to the top level
        await pilot.press("j")
        cursor = tree.cursor_id
        folded = tree.folded
        assert folded
        before_rows = tree.row_span(cursor)

        publish_comment_on(newsroom, "LIVE: Dockworkers")
        await wait_for(pilot, lambda: len(tree.thread) == expected + 1)
        assert tree.cursor_id == cursor
        assert tree.folded >= folded
        assert tree.row_span(cursor) == before_rows
        assert tree.arrived == 1
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ThreadScreen))
    # The thread was cached for offline reading and its comments remembered as seen.
    article = store.article(app.timeline.rows[live].article_id)
    key = discover(article, source_config(app.config.sources)).key
    comments, _ = store.load_thread(key)
    assert len(comments) == expected + 1
    assert len(store.seen_comments(key)) == expected + 1


async def test_thread_url_opens_a_wordpress_page_directly_and_works_offline_after(newsroom, tmp_path):
    store = Store.open(tmp_path)
    page = next(a.link for a in (await polled_store(newsroom)).articles() if a.title.startswith("LIVE: Dock"))
    app = ThreadlineApp(store, Config(timezone="UTC"), poll=False, thread_url=page)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        await wait_for(pilot, lambda: len(tree_of(app).thread) >= 10)
        count = len(tree_of(app).thread)
        # The offline copy is written once the thread is drawn, not before.
        await wait_for(pilot, lambda: bool(store._rows("SELECT key FROM threads")))
    store.close()

    # Offline: the server is gone, the cached thread still opens, and on this
    # second visit the comments published meanwhile would be marked new.
    newsroom.stop()
    store = Store.open(tmp_path)
    app = ThreadlineApp(store, Config(timezone="UTC"), poll=False, thread_url=page)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        await wait_for(pilot, lambda: len(tree_of(app).thread) == count)
        await pilot.pause(0.5)
        assert len(tree_of(app).thread) == count
        # The status says what is shown: the offline copy, with why it is not newer.
        await wait_for(pilot, lambda: "offline copy" in str(app.screen.query_one("#thread-status").render()))
        assert "not loaded" not in str(app.screen.query_one("#thread-status").render())
    store.close()


async def test_new_since_last_visit_marks(newsroom, tmp_path):
    store = Store.open(tmp_path)
    page = next(a.link for a in (await polled_store(newsroom)).articles() if a.title.startswith("LIVE: Dock"))
    app = ThreadlineApp(store, Config(timezone="UTC"), poll=False, thread_url=page)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen) and len(tree_of(app).thread) >= 10)
        assert tree_of(app).new_ids == set()  # first visit: nothing is "new"
        await pilot.press("escape")
        await pilot.pause(0.2)
    publish_comment_on(newsroom, "LIVE: Dockworkers")
    app = ThreadlineApp(store, Config(timezone="UTC"), poll=False, thread_url=page)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen) and len(tree_of(app).new_ids) == 1)
        new_id = next(iter(tree_of(app).new_ids))
        await pilot.press("g", "]")
        assert tree_of(app).cursor_id == new_id
    store.close()


async def test_enter_on_a_reddit_more_stub_loads_the_replies_in_place(server):
    from pathlib import Path

    from loopback import Reply

    fixtures = Path(__file__).parent / "fixtures" / "comments"
    server.route(
        "/comments/1q2w3e.json",
        Reply(body=(fixtures / "reddit-thread.json").read_bytes(), content_type="application/json"),
    )
    server.route(
        "/api/morechildren.json",
        Reply(body=(fixtures / "reddit-morechildren.json").read_bytes(), content_type="application/json"),
    )
    config = Config(
        timezone="UTC",
        sources={"reddit": server.url("").rstrip("/"), "reddit_hosts": f"127.0.0.1:{server.port}"},
    )
    app = ThreadlineApp(
        Store.memory(), config, poll=False, thread_url=server.url("/r/harbourtown/comments/1q2w3e/the_quay/")
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen) and len(tree_of(app).thread) > 5)
        tree = tree_of(app)
        assert "more:m01x" in tree.thread.index
        before = len(tree.thread)
        tree.move_to("more:m01x")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "m01x" in tree.thread.index)
        assert "more:m01x" not in tree.thread.index
        assert len(tree.thread) == before - 1 + 3
        assert len(server.hits("/api/morechildren.json")) == 1


async def test_opening_a_thread_keeps_the_store_off_the_event_loop(newsroom):
    from test_comments_session import RecordingStore

    from tui.ui.thread_opener import thread_fetcher

    store = await polled_store(newsroom, RecordingStore)
    article = next(a for a in store.articles() if a.title.startswith("LIVE: Dock"))
    app = ThreadlineApp(store, Config(timezone="UTC"), poll=False, opener=lambda u: None)
    loop_thread = threading.current_thread()
    async with app.run_test(size=(120, 40)) as pilot:
        assert not hasattr(app, "comments_client")
        assert thread_fetcher(app) is app.fetcher  # no poller: the app's own Fetcher
        for visit in range(2):  # the second visit reads the cached copy and the seen marks
            store.calls = []
            app.open_comments(article)
            await wait_for(
                pilot, lambda: isinstance(app.screen, ThreadScreen) and len(tree_of(app).thread) >= 10
            )
            # Leave once the live load is done (the cached copy shows first): closing
            # the screen mid-load is a ThreadScreen race of its own, not this test's.
            await wait_for(pilot, lambda s=app.screen: s._updated_at is not None and not s._loading)
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, ThreadScreen))
            await pilot.pause(0.2)
            names = {name for name, _ in store.calls}
            assert {"feed_by_id", "load_thread", "seen_comments", "save_thread"} <= names, names
            assert visit == 0 or "mark_comments_seen" not in names  # nothing new to mark
            assert all(thread is not loop_thread for _, thread in store.calls), store.calls
    assert store.seen_comments(discover(article, source_config({})).key)
