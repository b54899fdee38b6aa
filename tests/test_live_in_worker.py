"""Live articles are split where they are parsed (issue 10 #3): the parser process
returns each new or changed live entry's updates with the entries, the poll stores
articles and updates in one transaction, and an unchanged article is never split
again."""

from __future__ import annotations

import sqlite3

import pytest
from loopback import Reply

import tui.polling.workers as workers
import tui.store.db as store_db
from tui.model import article_digest
from tui.net import Fetcher
from tui.polling.poller import Poller
from tui.store import Store


def live_item(guid: str, stamps: list[str], title: str = "Storm over the bay: live") -> str:
    paragraphs = "".join(f"<p><strong>UPDATE {s} GMT:</strong> Paragraph at {s}.</p>" for s in stamps)
    body = paragraphs + "<p>The storm arrived at dawn.</p>"
    return (
        f"<item><title>{title}</title><guid>{guid}</guid><link>https://news.test/{guid}</link>"
        f"<pubDate>Tue, 01 Dec 2026 08:00:00 GMT</pubDate><description><![CDATA[{body}]]></description></item>"
    )


def plain_item(guid: str) -> str:
    return f"<item><title>Ferry timetable {guid}</title><guid>{guid}</guid><description>Plain.</description></item>"


def rss(*items: str) -> bytes:
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title>{"".join(items)}</channel></rss>'.encode()


HEADERS = {"content-type": "application/rss+xml"}


def live_only(updates):
    return [u for u in updates if u.position > 0]  # the story itself is position 0


def test_the_parser_returns_updates_with_the_entries():
    parsed = workers.parse_for_poll(
        rss(live_item("a", ["1700", "1600"]), plain_item("b")), HEADERS, "https://news.test/f"
    )
    live, plain = parsed.entries
    assert [u.position for u in live.updates] == [0, 1, 2]
    assert plain.updates is None
    again = workers.parse_for_poll(
        rss(live_item("a", ["1700", "1600"])),
        HEADERS,
        "https://news.test/f",
        {live.guid: article_digest(live)},
    )
    assert again.entries[0].updates is None  # unchanged: not split again


@pytest.fixture
def counting_split(monkeypatch):
    calls: list[str] = []
    real = workers.split_updates

    def counted(html, published, *args, **kwargs):
        calls.append(html[:40])
        return real(html, published, *args, **kwargs)

    monkeypatch.setattr(workers, "split_updates", counted)
    return calls


async def test_an_unchanged_live_article_is_never_split_again(server, home, counting_split):
    url = server.route("/feed", Reply(body=rss(live_item("a", ["1700", "1600"]))))
    store = Store.open(home)
    feed = store.add_feed(url)
    async with Fetcher() as fetcher:
        poller = Poller(store, fetcher, interval=0.0, parse_in="thread")
        first = await poller.poll_feed(store.feed_by_id(feed.id))
        assert len(live_only(first.updates)) == 2 and len(counting_split) == 1
        # The body changes (a new plain item), the live article does not.
        server.route("/feed", Reply(body=rss(plain_item("b"), live_item("a", ["1700", "1600"]))))
        second = await poller.poll_feed(store.feed_by_id(feed.id))
        assert second.outcome == "new" and len(counting_split) == 1
        # Now the live article grows: split once more, one update added.
        server.route("/feed", Reply(body=rss(plain_item("b"), live_item("a", ["1800", "1700", "1600"]))))
        third = await poller.poll_feed(store.feed_by_id(feed.id))
        assert len(counting_split) == 2
        assert [u.headline for u in live_only(third.updates)] == ["Paragraph at 1800."]
    store.close()


async def test_articles_and_their_updates_land_in_one_transaction(server, home, monkeypatch):
    """A failure while storing the updates leaves neither the articles nor the
    feed's new body hash: the next poll stores all of it."""
    url = server.route("/feed", Reply(body=rss(plain_item("b"), live_item("a", ["1700", "1600"]))))
    store = Store.open(home)
    feed = store.add_feed(url)

    def full_disk(db, article_id, updates):
        raise sqlite3.OperationalError("database or disk is full")  # the fault a full disk gives

    monkeypatch.setattr(store_db, "merge_updates", full_disk)
    async with Fetcher() as fetcher:
        poller = Poller(store, fetcher, interval=0.0, parse_in="thread")
        failed = await poller.poll_feed(store.feed_by_id(feed.id))
        assert failed.outcome == "error" and "full" in failed.error
        assert store.articles(feed_id=feed.id) == []
        assert store.feed_by_id(feed.id).body_hash is None
        monkeypatch.undo()
        healed = await poller.poll_feed(store.feed_by_id(feed.id))
    assert healed.outcome == "new" and len(live_only(healed.updates)) == 2
    assert len(store.articles(feed_id=feed.id)) == 2
    store.close()
