"""One value the database cannot hold costs that value only (issue 13, round two).

Each case is a real feed on a loopback server, polled by the real poller into a
real store: a lone surrogate from a JSON "\\ud800" escape, counts of 2**63 and
more. Before the fix the write raised, the feed's body hash was kept anyway, and
every later poll said "unchanged" while the feed's other items were never stored.
"""

from __future__ import annotations

import json
import subprocess
import sys

from loopback import Reply

from tui.net import Fetcher
from tui.polling.poller import Poller
from tui.store import Store

JSON_FEED = "application/feed+json"


def json_feed(items: list[dict], title: str = "Wire desk") -> bytes:
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": items}
    return json.dumps(doc).encode()  # ensure_ascii: a lone surrogate travels as "\ud800"


def rss_with_counts(counts: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Item {i}</title><guid>https://news.test/{i}</guid>"
        f"<link>https://news.test/{i}</link><slash:comments>{c}</slash:comments>"
        f'<thr:total xmlns:thr="http://purl.org/syndication/thread/1.0">{c}</thr:total></item>'
        for i, c in enumerate(counts)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">'
        f"<channel><title>Counts</title>{items}</channel></rss>"
    ).encode()


async def poll_twice(server, home, reply: Reply):
    url = server.route("/feed", reply)
    store = Store.open(home)
    feed = store.add_feed(url)
    async with Fetcher() as fetcher:
        poller = Poller(store, fetcher, interval=0.0)
        first = await poller.poll_feed(store.feed_by_id(feed.id))
        second = await poller.poll_feed(store.feed_by_id(feed.id))
    return store, feed, first, second


async def test_a_lone_surrogate_costs_that_character_only(server, home):
    items = [
        {"id": "a", "title": "Harbour opens", "content_html": "<p>fine</p>"},
        {"id": "b", "title": "Broken \ud800 title", "content_html": "<p>also \udfff here</p>"},
        {
            "id": "c",
            "title": "Ferries run",
            "content_html": "<p>fine too</p>",
            "authors": [{"name": "A\ud801"}],
        },
    ]
    store, feed, first, second = await poll_twice(
        server, home, Reply(body=json_feed(items), content_type=JSON_FEED)
    )
    try:
        assert first.outcome == "new", first.error
        titles = sorted(a.title for a in store.articles(feed_id=feed.id))
        assert titles == ["Broken \ufffd title", "Ferries run", "Harbour opens"]
        assert second.outcome == "unchanged"  # stored once, and really stored
        assert store.integrity_check() == "ok"
    finally:
        store.close()


async def test_counts_of_two_to_the_63_and_more_are_dropped_not_fatal(server, home):
    counts = ["3", str(2**63), str(2**64 + 5), "9" * 40]
    store, feed, first, _ = await poll_twice(server, home, Reply(body=rss_with_counts(counts)))
    try:
        assert first.outcome == "new", first.error
        by_guid = {a.guid: a.comment_count for a in store.articles(feed_id=feed.id)}
        assert len(by_guid) == 4
        assert by_guid["https://news.test/0"] == 3
        assert [by_guid[f"https://news.test/{i}"] for i in (1, 2, 3)] == [None, None, None]
    finally:
        store.close()


async def test_a_failed_write_keeps_the_body_for_the_next_poll(server, home):
    """If storing fails anyway, the body hash and validators are not kept: the next
    poll fetches the body again and stores it."""
    body = json_feed([{"id": "a", "title": "One"}, {"id": "b", "title": "Two"}])
    url = server.route("/feed", Reply(body=body, content_type=JSON_FEED, headers={"ETag": '"v1"'}))
    store = Store.open(home)
    feed = store.add_feed(url)
    real_save = store.save_poll
    calls = {"n": 0}

    def failing_once(f, parsed):
        calls["n"] += 1
        if calls["n"] == 1 and parsed is not None:
            raise RuntimeError("simulated write failure")  # stands in for any unforeseen value
        return real_save(f, parsed)

    store.save_poll = failing_once  # type: ignore[method-assign]
    try:
        async with Fetcher() as fetcher:
            poller = Poller(store, fetcher, interval=0.0)
            first = await poller.poll_feed(store.feed_by_id(feed.id))
            assert first.outcome == "error" and "simulated write failure" in first.error
            stored = store.feed_by_id(feed.id)
            assert stored.body_hash is None and stored.etag is None
            second = await poller.poll_feed(stored)
        assert second.outcome == "new"
        assert sorted(a.title for a in store.articles(feed_id=feed.id)) == ["One", "Two"]
        requests = [r for r in server.requests if r.path == "/feed"]
        assert "if-none-match" not in {k.lower() for k in requests[-1].headers}
    finally:
        store.close()


def test_refresh_survives_a_surrogate_in_the_feed_title(server, tmp_path):
    url = server.route(
        "/feed",
        Reply(body=json_feed([{"id": "a", "title": "ok"}], title="Desk \ud800"), content_type=JSON_FEED),
    )
    home = tmp_path / "home"

    def run(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "tui", "--home", str(home), *argv],
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert run("add", url).returncode == 0
    done = run("refresh")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "Desk" in done.stdout
    assert "Desk" in run("list").stdout


async def test_a_dead_host_never_delays_the_others(server, home):
    """40 feeds on a host that accepts and never answers, one good feed elsewhere:
    the good one is fetched at once (it waited 100 s when the dead host's feeds
    took every poll slot)."""
    import asyncio
    import time

    from loopback import LoopbackServer

    store = Store.open(home)
    with LoopbackServer() as dead:
        for i in range(40):
            store.add_feed(dead.route(f"/f{i}", Reply(hang=True)))
        good = store.add_feed(server.route("/good", Reply(body=rss_with_counts(["1"]))))
        async with Fetcher(per_host=2, total=32) as fetcher:
            poller = Poller(store, fetcher)
            started = time.monotonic()
            task = asyncio.create_task(poller.refresh_all())
            try:
                while not server.requests and time.monotonic() - started < 30:
                    await asyncio.sleep(0.02)
                waited = time.monotonic() - started
                while not store.articles(feed_id=good.id) and time.monotonic() - started < 30:
                    await asyncio.sleep(0.02)
                stored = time.monotonic() - started
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await poller.aclose()
        assert waited <= 5, f"the good feed was first requested after {waited:.1f} s"
        assert stored <= 5 and store.articles(feed_id=good.id)
        assert len(dead.requests) <= 2  # the dead host never had more than its two slots
    store.close()


async def test_many_subscriptions_make_a_bounded_number_of_tasks(home):
    """3,000 feeds, all refused: the refresh keeps a queue of feeds, not 3,000
    waiting tasks (100,001 such feeds grew the app from 412 MB to 974 MB)."""
    import asyncio

    store = Store.open(home)
    with store._tx() as db:
        db.executemany(
            "INSERT INTO feeds (url, title, folder, every, added) VALUES (?,?,?,?,?)",
            [(f"http://127.0.0.{1 + i % 50}:9/f{i}", "", "", None, 0.0) for i in range(3000)],
        )
    peak = 0
    async with Fetcher(per_host=2, total=16, connect_timeout=2) as fetcher:
        poller = Poller(store, fetcher)
        task = asyncio.create_task(poller.refresh_all())
        while not task.done():
            peak = max(peak, len(asyncio.all_tasks()))
            await asyncio.sleep(0.005)
        results = task.result()
        await poller.aclose()
    assert len(results) == 3000 and all(r.outcome == "error" for r in results)
    assert peak <= 2 * (4 * 16) + 20, peak  # a poll is two tasks (its own, and poll_feed's shared one)
    store.close()
