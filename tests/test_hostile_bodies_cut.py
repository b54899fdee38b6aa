"""A body is complete or it is an error (issue 13 #9): a gzip stream cut short, a
body shorter than its Content-Length, a document cut mid-item on a response only
the closing connection delimits, and a 304 to a request that asked for none. Each
through a loopback server, the real Fetcher, Poller and Store: nothing partial is
stored, and the next good poll stores everything."""

from __future__ import annotations

import gzip

import pytest
from loopback import Reply

from tui.net import Fetcher
from tui.polling.poller import Poller
from tui.store import Store


def rss(n: int) -> bytes:
    items = "".join(
        f"<item><title>Item {i}</title><guid>g{i}</guid><description>Body {i} {'x' * 400}</description></item>"
        for i in range(n)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title>{items}</channel></rss>'.encode()


FULL = rss(3)
CASES = {
    "gzip cut short": (
        Reply(body=gzip.compress(FULL)[:-60], headers={"Content-Encoding": "gzip"}),
        "ended early",
    ),
    "shorter than its Content-Length": (Reply(body=FULL, close_after=len(FULL) // 2), ""),
    "cut mid-item, no length": (
        Reply(body=FULL[: FULL.index(b"<item><title>Item 2") + 14], no_length=True),
        "ended early",
    ),
    "304 without validators": (Reply(status=304), "304 to a request without validators"),
}


@pytest.mark.parametrize("name", list(CASES))
async def test_a_cut_body_is_an_error_and_stores_nothing(name, server, home):
    reply, reason = CASES[name]
    url = server.route("/feed", reply)
    store = Store.open(home)
    feed = store.add_feed(url)
    async with Fetcher() as fetcher:
        poller = Poller(store, fetcher, interval=0.0)
        bad = await poller.poll_feed(store.feed_by_id(feed.id))
        assert bad.outcome == "error", (bad.outcome, bad.error)
        assert reason in bad.error
        assert store.articles(feed_id=feed.id) == []
        after = store.feed_by_id(feed.id)
        assert after.failing and after.body_hash is None
        server.route("/feed", Reply(body=FULL))
        good = await poller.poll_feed(store.feed_by_id(feed.id))
    assert good.outcome == "new"
    assert sorted(a.title for a in store.articles(feed_id=feed.id)) == ["Item 0", "Item 1", "Item 2"]
    store.close()


async def test_a_whole_body_without_a_length_still_reads(server, home):
    url = server.route("/feed", Reply(body=FULL, no_length=True))
    store = Store.open(home)
    feed = store.add_feed(url)
    async with Fetcher() as fetcher:
        result = await Poller(store, fetcher).poll_feed(store.feed_by_id(feed.id))
    assert result.outcome == "new" and len(result.new_ids) == 3
    store.close()
