"""Items with no date (issue 14 point 7): ordered by when they were first seen and
marked as undated; a feed's first poll does not throw its undated backlog above
the whole timeline; within a feed they keep the feed's document order. Through
real polls: a loopback server, the Poller and the Store."""

from __future__ import annotations

import email.utils
import random
import time

import pytest
from loopback import Reply
from test_app import wait_for

from tui.config import Config
from tui.model import Article
from tui.net import Fetcher
from tui.polling.poller import Poller
from tui.store import Store
from tui.store.db import undated_sort_times
from tui.ui.app import ThreadlineApp
from tui.ui.screens.article import ArticleScreen
from tui.ui.widgets.timeline import UNDATED_MARK


def rss(items: list[tuple[str, float | None]], title: str) -> str:
    body = ""
    for guid, when in items:
        date = f"<pubDate>{email.utils.formatdate(when, usegmt=True)}</pubDate>" if when else ""
        body += (
            f"<item><guid isPermaLink='false'>{guid}</guid><title>{guid}</title>"
            f"<link>http://example.invalid/{guid}</link>{date}</item>"
        )
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>{title}</title>{body}</channel></rss>"


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "threadline.db")
    yield s
    s.close()


@pytest.fixture
async def fetcher():
    async with Fetcher(timeout=5, connect_timeout=2) as f:
        yield f


def titles(store: Store) -> list[str]:
    return [r.title for r in store.timeline()]


async def poll(poller: Poller, store: Store, url: str) -> None:
    feed = store.feed_by_url(url)
    assert feed is not None
    result = await poller.poll_feed(feed)
    assert result.outcome == "new", result


async def test_an_undated_feeds_first_poll_stays_below_the_dated_timeline(server, store, fetcher):
    hour_ago = time.time() - 3600
    server.route("/dated", Reply(body=rss([("dated-1", hour_ago), ("dated-2", hour_ago - 60)], "Dated")))
    undated = {"items": [("old-a", None), ("old-b", None), ("old-c", None)]}
    server.route("/undated", lambda req: Reply(body=rss(undated["items"], "Undated")))
    poller = Poller(store, fetcher, rng=random.Random(0))
    for path in ("/dated", "/undated"):
        store.add_feed(server.url(path))
        await poll(poller, store, server.url(path))
    # The backlog: below every dated article, in the feed's own order, each marked.
    assert titles(store) == ["dated-1", "dated-2", "old-a", "old-b", "old-c"]
    rows = store.timeline()
    assert [r.undated for r in rows] == [False, False, True, True, True]

    # Later polls: what appears new and undated is news, first seen now: on top,
    # in document order, above the dated articles of an hour ago.
    undated["items"] = [("new-1", None), ("new-2", None), *undated["items"]]
    await poll(poller, store, server.url("/undated"))
    assert titles(store) == ["new-1", "new-2", "dated-1", "dated-2", "old-a", "old-b", "old-c"]
    feed = store.feed_by_url(server.url("/undated"))
    assert [r.title for r in store.timeline(feed_id=feed.id)] == ["new-1", "new-2", "old-a", "old-b", "old-c"]


async def test_on_a_first_poll_undated_items_sit_between_their_dated_neighbours(server, store, fetcher):
    now = time.time()
    items = [("d1", now - 100), ("u1", None), ("u2", None), ("d2", now - 5000), ("u3", None)]
    server.route("/mixed", Reply(body=rss(items, "Mixed")))
    server.route("/other", Reply(body=rss([("elsewhere", now - 2000)], "Other")))
    poller = Poller(store, fetcher, rng=random.Random(0))
    for path in ("/other", "/mixed"):
        store.add_feed(server.url(path))
        await poll(poller, store, server.url(path))
    assert titles(store) == ["d1", "u1", "u2", "elsewhere", "d2", "u3"]


def test_the_rule_alone():
    dated = Article(guid="d", published=1000.0)
    undated = Article(guid="u")
    # a later poll: first seen now, document order kept
    assert undated_sort_times([undated, undated, dated], [True, True, True], 5000.0, False) == [
        5000.0 - 0.001,
        5000.0 - 0.002,
        1000.0,
    ]
    # a first poll: an undated entry above every dated one takes the one below it
    assert undated_sort_times([undated, dated], [True, True], 5000.0, True) == [1000.0 + 0.001, 1000.0]
    # a first poll with no dates at all: a backlog below every date
    assert undated_sort_times([undated, undated], [True, True], 5000.0, True) == [-0.001, -0.002]


async def test_the_timeline_and_the_article_say_undated(server, tmp_path):
    hour_ago = time.time() - 3600
    server.route("/feed", Reply(body=rss([("dated", hour_ago), ("no date here", None)], "Mixed")))
    store = Store.open(tmp_path)
    store.add_feed(server.url("/feed"))
    app = ThreadlineApp(store, Config(timezone="UTC"), interval=3600, opener=lambda url: None)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) == 2, timeout=20)
        row = app.timeline.rows[1]
        assert row.title == "no date here" and row.undated
        app.timeline.cursor = 1
        await pilot.pause(0.1)
        line = app.timeline.render_line(1).text
        assert UNDATED_MARK in line and "no date here" in line
        assert "undated" in str(app.screen.query_one("#status").render())
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen))
        assert "undated (the feed gives no date)" in app.screen.view.head.plain
    store.close()
