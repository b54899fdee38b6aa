"""HTTP faults, one hostile feed among good ones, through the real poller and a
real store on disk: the bad feed is marked with a short reason (in the store and
in ``threadline list``), the good feeds still update in the same refresh, what
the bad feed had stored before stays, and the database stays sound.

Fetcher-level checks of most of these faults live in tests/test_fetch.py; the
scheduling maths of Retry-After and 410 in tests/test_poller.py.
"""

from __future__ import annotations

import email.utils
import time

import pytest
from hostile_corpus import HTTP_FAULTS, rss
from loopback import Blackhole, Reply

from tui.cli import main
from tui.model import STATUS_GONE, Article, ParsedFeed
from tui.net import Fetcher
from tui.polling.poller import Poller
from tui.store import Store

TIMEOUT = 1.0
OLD = [("old-1", "Stored before the fault"), ("old-2", "Also stored before")]


def _good_rss(path: str) -> str:
    return rss([(f"{path}-1", f"Fresh {path} one"), (f"{path}-2", f"Fresh {path} two")], title=f"Good {path}")


def serve_fault(name: str, server, hole: Blackhole) -> str:
    """Route the fault ``name`` on the loopback server; return the hostile feed's URL."""
    good = _good_rss("hostile")
    date = email.utils.formatdate(time.time() + 300, usegmt=True)
    simple = {
        "read-timeout": Reply(hang=True),
        "trickle-1-byte-per-second": Reply(body=good, trickle=1.0),
        "connection-reset": Reply(body=good, reset_after=40),
        "http-500": Reply(status=500, body="Internal Server Error", content_type="text/plain"),
        "429-retry-after-seconds": Reply(status=429, headers={"Retry-After": "120"}),
        "429-retry-after-date": Reply(status=429, headers={"Retry-After": date}),
        "503-retry-after-seconds": Reply(status=503, headers={"Retry-After": "120"}),
        "503-retry-after-date": Reply(status=503, headers={"Retry-After": date}),
        "410": Reply(status=410, body="gone", content_type="text/plain"),
        "redirect-to-file-url": Reply(status=302, headers={"Location": "file:///etc/passwd"}),
        "wrong-content-type-text-plain": Reply(body=good, content_type="text/plain"),
        "wrong-content-type-octet-stream": Reply(body=good, content_type="application/octet-stream"),
        "wrong-content-type-text-html": Reply(body=good, content_type="text/html; charset=utf-8"),
        "wrong-content-type-json-for-xml": Reply(body=good, content_type="application/json"),
    }
    if name == "connect-timeout":
        return hole.url("/feed")
    if name in simple:
        return server.route("/hostile", simple[name])
    if name == "redirect-loop":
        server.route("/loop-b", Reply(status=302, headers={"Location": "/hostile"}))
        return server.route("/hostile", Reply(status=302, headers={"Location": "/loop-b"}))
    if name == "too-many-redirects":
        for i in range(12):
            server.route(f"/hop{i}", Reply(status=307, headers={"Location": f"/hop{i + 1}"}))
        return server.route("/hostile", Reply(status=307, headers={"Location": "/hop0"}))
    if name in ("301", "302", "307", "308"):
        server.route("/moved-here", Reply(body=good))
        return server.route("/hostile", Reply(status=int(name), headers={"Location": "/moved-here"}))
    raise AssertionError(name)


@pytest.fixture
def hole():
    with Blackhole() as h:
        yield h


@pytest.mark.parametrize("name", list(HTTP_FAULTS))
async def test_one_faulty_feed_among_good_ones(name, server, hole, home, capsys):
    outcome, reason = HTTP_FAULTS[name]
    good_urls = [server.route(f"/good{i}", Reply(body=_good_rss(f"good{i}"))) for i in range(2)]
    hostile_url = serve_fault(name, server, hole)

    store = Store.open(home)
    try:
        for url in good_urls:
            store.add_feed(url)
        hostile = store.add_feed(hostile_url, title="Hostile desk")
        # What the feed brought before it turned bad.
        store.save_poll(
            hostile, ParsedFeed(entries=[Article(guid=g, title=t, published=1e9) for g, t in OLD])
        )

        async with Fetcher(timeout=TIMEOUT, connect_timeout=TIMEOUT / 2) as fetcher:
            poller = Poller(store, fetcher)
            started = time.monotonic()
            results = await poller.refresh_all()
            elapsed = time.monotonic() - started
        by_url = {r.feed.url: r for r in results}
        # Generous: only proves a stuck server was abandoned, not waited out.
        assert elapsed < 10 * TIMEOUT

        # The good feeds updated in the same refresh.
        for url in good_urls:
            assert by_url[url].outcome == "new" and len(by_url[url].new_ids) == 2

        got = [r for r in results if r.feed.id == hostile.id][0]
        assert got.outcome == outcome, (got.outcome, got.error)
        assert reason in got.error
        after = store.feed_by_id(hostile.id)
        if outcome == "new":
            assert not after.failing and after.error == ""
            assert after.total == len(OLD) + 2
            if name in ("301", "308"):
                assert after.url == server.url("/moved-here")  # the subscription moved
            elif name in ("302", "307"):
                assert after.url == hostile_url  # a temporary move does not
        else:
            assert after.failing and reason in after.error
            assert len(after.error) <= 120  # short enough for the feed list
            if name.startswith(("429", "503")):
                assert after.next_poll >= time.time() + 100  # Retry-After is obeyed
            if name == "410":
                assert after.status == STATUS_GONE and after.next_poll > time.time() + 100 * 365 * 86400

        # Nothing stored before is lost; the database is sound.
        guids = {a.guid for a in store.articles(feed_id=hostile.id)}
        assert {g for g, _ in OLD} <= guids
        assert store.integrity_check() == "ok"
        assert store.article_count() == len(OLD) + 4 + (2 if outcome == "new" else 0)

        if name == "410":
            # Gone means gone: the next refresh does not ask again.
            hits = len(server.hits("/hostile"))
            async with Fetcher(timeout=TIMEOUT) as fetcher:
                again = await Poller(store, fetcher).refresh_all()
            assert hostile.id not in {r.feed.id for r in again}
            assert len(server.hits("/hostile")) == hits
    finally:
        store.close()

    # The reason is what `threadline list` shows for the feed.
    capsys.readouterr()
    assert main(["--home", str(home), "list"]) == 0
    listing = capsys.readouterr().out
    block = listing[listing.index("Hostile desk") :]
    if outcome == "new":
        assert "[ok;" in block.split("\n")[1]
    else:
        assert reason in block.split("\n")[1]
        assert listing.split("\n")[
            [i for i, l in enumerate(listing.split("\n")) if "Hostile desk" in l][0]
        ].startswith(("!", "x"))


async def test_a_trickling_server_is_abandoned_long_before_it_would_finish(server):
    """1 byte a second for a 4 KB feed would take over an hour; the deadline cuts it."""
    body = rss([(f"t{i}", f"Trickled item {i}") for i in range(60)])
    assert len(body) > 4000
    url = server.route("/trickle", Reply(body=body, trickle=1.0))
    async with Fetcher(timeout=TIMEOUT) as fetcher:
        started = time.monotonic()
        res = await fetcher.fetch(url)
    assert res.error == f"timed out after {TIMEOUT:g} s" and res.body is None
    assert res.bytes_received < 10  # it really was trickling
    assert time.monotonic() - started < 5


async def test_a_body_without_length_that_never_ends_is_capped(server):
    """No Content-Length, the body runs to the connection's end: the cap is
    enforced while reading, not from the header."""
    url = server.route("/endless", Reply(body=b"<rss>" + b"x" * (3 * 1024 * 1024), no_length=True))
    async with Fetcher(max_bytes=1024 * 1024) as fetcher:
        res = await fetcher.fetch(url)
    assert res.error == "body over 1 MB" and res.body is None
    assert res.bytes_received <= 1024 * 1024 + 256 * 1024
