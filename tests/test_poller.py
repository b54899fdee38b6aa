"""tui.polling (schedule and poller): the scheduling maths alone, then real polls (loopback + Store + parse_feed)."""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from loopback import Reply

from tui.model import (
    STATUS_ERROR,
    STATUS_GONE,
    STATUS_NEW,
    STATUS_NOT_MODIFIED,
    STATUS_OK,
    Feed,
)
from tui.net import Fetcher, FetchResult
from tui.polling.poller import Poller, PollResult
from tui.polling.schedule import (
    BACKOFF_CAP,
    DEFAULT_PERIOD,
    MAX_HINT,
    MAX_RETRY_AFTER,
    backoff,
    hint_floor,
    next_poll_time,
    poll_period,
)
from tui.store import Store


def rss(*items: tuple[str, str], title: str = "Wire", ttl: int | None = None) -> str:
    body = "".join(
        f"<item><guid isPermaLink='false'>{g}</guid><title>{t}</title>"
        f"<link>http://example.invalid/{g}</link>"
        "<pubDate>Tue, 14 Nov 2023 22:13:20 GMT</pubDate></item>"
        for g, t in items
    )
    ttl_el = f"<ttl>{ttl}</ttl>" if ttl else ""
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel>"
        f"<title>{title}</title><link>http://example.invalid/</link>{ttl_el}{body}"
        "</channel></rss>"
    )


FEED = rss(("a1", "First"), ("a2", "Second"))


# -- scheduling maths ----------------------------------------------------------


def test_interval_beats_everything_but_retry_after():
    feed = Feed(url="x", every=3600)
    assert poll_period(feed, interval=1, min_period=7200) == 1


def test_every_is_honoured_but_floored_by_server_hints():
    assert poll_period(Feed(url="x", every=60), interval=None, min_period=None) == 60
    assert poll_period(Feed(url="x", every=60), interval=None, min_period=600) == 600
    assert poll_period(Feed(url="x", every=7200), interval=None, min_period=600) == 7200


def test_default_period_unless_hints_are_longer():
    assert poll_period(Feed(url="x"), interval=None, min_period=None) == DEFAULT_PERIOD
    assert poll_period(Feed(url="x"), interval=None, min_period=60) == DEFAULT_PERIOD
    assert poll_period(Feed(url="x"), interval=None, min_period=3600) == 3600
    assert poll_period(Feed(url="x"), interval=None, min_period=None, default=300) == 300


def test_interval_zero_does_not_spin():
    assert poll_period(Feed(url="x"), interval=0, min_period=None) > 0


def test_hint_floor_takes_the_longest_and_caps_it():
    assert hint_floor(300, None, 3600) == 3600
    assert hint_floor(None, None) is None
    assert hint_floor(0, None) is None
    assert hint_floor(365 * 86400) == MAX_HINT


def test_backoff_doubles_with_jitter_and_caps():
    rng = random.Random(7)
    for n, nominal in [(1, 60), (2, 120), (3, 240), (4, 480)]:
        got = backoff(n, 60, rng)
        assert 0.8 * nominal <= got <= 1.2 * nominal
    assert backoff(50, 60, rng) <= BACKOFF_CAP
    assert backoff(10_000, 60, rng) <= BACKOFF_CAP


def test_backoff_jitter_spreads_retries():
    rng = random.Random(1)
    assert len({round(backoff(3, 60, rng), 3) for _ in range(20)}) > 10


@given(st.integers(min_value=-5, max_value=10_000), st.floats(min_value=0.01, max_value=1e7))
def test_backoff_is_always_positive_and_capped(n, base):
    got = backoff(n, base, random.Random(0))
    assert 0 < got <= BACKOFF_CAP


def test_retry_after_wins_even_over_interval():
    feed = Feed(url="x", error_count=1)
    res = FetchResult(url="x", status=429, retry_after=120, error="rate limited (429)")
    assert next_poll_time(1000, feed, res, interval=1) == 1120


def test_retry_after_shorter_than_the_period_keeps_the_period():
    feed = Feed(url="x", error_count=1)
    res = FetchResult(url="x", status=503, retry_after=5, error="unavailable (503)")
    assert next_poll_time(1000, feed, res, interval=None) == 1000 + DEFAULT_PERIOD


def test_absurd_retry_after_is_capped_at_a_week():
    res = FetchResult(url="x", status=503, retry_after=10 * 365 * 86400, error="x")
    assert next_poll_time(0, Feed(url="x"), res, interval=None) == MAX_RETRY_AFTER


def test_gone_is_never_polled_again():
    res = FetchResult(url="x", status=410, gone=True, error="gone (410)")
    assert next_poll_time(0, Feed(url="x"), res, interval=1) == math.inf


def test_errors_back_off_but_never_sooner_than_the_period():
    feed = Feed(url="x", error_count=1)
    res = FetchResult(url="x", status=500, error="HTTP 500")
    rng = random.Random(3)
    for _ in range(20):
        assert 100 + 10 <= next_poll_time(100, feed, res, interval=10, rng=rng) <= 100 + 12
    feed.error_count = 4  # 10 * 2**3 = 80, ±20%
    got = next_poll_time(100, feed, res, interval=10, rng=rng)
    assert 100 + 64 <= got <= 100 + 96


def test_success_uses_the_period_and_the_feeds_floor():
    feed = Feed(url="x", min_period=3600)
    ok = FetchResult(url="x", status=200, body=b"")
    assert next_poll_time(0, feed, ok, interval=None) == 3600
    assert next_poll_time(0, feed, ok, interval=2) == 2


# -- real polls ------------------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "threadline.db")
    yield s
    s.close()


@pytest.fixture
async def fetcher():
    async with Fetcher(timeout=5, connect_timeout=2) as f:
        yield f


def _poller(store, fetcher, **kw) -> Poller:
    kw.setdefault("rng", random.Random(0))
    return Poller(store, fetcher, **kw)


async def test_conditional_get_round_trip(server, store, fetcher):
    etag, lm = 'W/"abc 1"', "Tue, 14 Nov 2023 22:13:20 GMT"
    url = server.route("/feed", Reply(body=FEED, etag=etag, last_modified=lm))
    feed = store.add_feed(url)
    poller = _poller(store, fetcher)

    first = await poller.poll_feed(feed)
    assert first.outcome == "new" and first.parsed and first.status == 200
    assert len(first.new_ids) == 2 and not first.conditional
    assert feed.title == "Wire" and feed.status == STATUS_OK
    stored = store.feed_by_id(feed.id)
    assert stored.etag == etag and stored.last_modified == lm and stored.body_hash

    again = store.feed_by_id(feed.id)  # as the next run would see it
    second = await poller.poll_feed(again)
    assert second.outcome == "not-modified" and not second.parsed
    assert second.conditional and second.status == 304 and second.new_ids == []
    sent = server.hits("/feed")[1].headers
    assert sent["if-none-match"] == etag and sent["if-modified-since"] == lm
    assert len(store.articles(feed.id)) == 2
    stored = store.feed_by_id(feed.id)
    assert stored.status == STATUS_NOT_MODIFIED and stored.etag == etag
    assert stored.last_success is not None and stored.error_count == 0


async def test_same_body_without_validators_is_not_parsed_again(server, store, fetcher):
    body = {"now": FEED}
    server.route("/feed", lambda req: Reply(body=body["now"]))
    feed = store.add_feed(server.url("/feed"))
    poller = _poller(store, fetcher)
    assert (await poller.poll_feed(feed)).outcome == "new"
    second = await poller.poll_feed(feed)
    assert second.outcome == "unchanged" and not second.parsed and second.status == 200
    assert not second.conditional and second.new_ids == []

    body["now"] = rss(("a1", "First, corrected"), ("a2", "Second"), ("a3", "Third"))
    third = await poller.poll_feed(feed)
    assert third.outcome == "new" and third.parsed
    assert len(third.new_ids) == 1 and len(third.changed_ids) == 1
    assert len(store.articles(feed.id)) == 3


async def test_user_title_is_kept(server, store, fetcher):
    url = server.route("/feed", Reply(body=FEED))
    feed = store.add_feed(url, title="My wire")
    await _poller(store, fetcher).poll_feed(feed)
    assert store.feed_by_id(feed.id).title == "My wire"


async def test_server_hints_become_the_floor(server, store, fetcher):
    url = server.route("/feed", Reply(body=rss(("a", "A"), ttl=60), headers={"Cache-Control": "max-age=600"}))
    feed = store.add_feed(url)
    before = time.time()
    await _poller(store, fetcher).poll_feed(feed)
    stored = store.feed_by_id(feed.id)
    assert stored.min_period == 3600  # ttl 60 min beats max-age 10 min
    assert stored.next_poll >= before + 3600


@pytest.mark.parametrize(
    "status, retry_after",
    [
        (429, "120"),
        (503, "120"),
        (429, "date"),
        (503, "date"),
    ],
)
async def test_retry_after_is_obeyed_even_with_interval(server, store, fetcher, status, retry_after):
    if retry_after == "date":
        retry_after = email.utils.formatdate(time.time() + 600, usegmt=True)
        wait = 600
    else:
        wait = 120
    url = server.route("/feed", Reply(status=status, headers={"Retry-After": retry_after}))
    feed = store.add_feed(url)
    poller = _poller(store, fetcher, interval=1)
    before = time.time()
    res = await poller.poll_feed(feed)
    assert res.outcome == "error" and res.status == status and "retry in" in res.error
    stored = store.feed_by_id(feed.id)
    assert stored.status == STATUS_ERROR and stored.error_count == 1
    assert stored.next_poll >= before + wait - 2
    assert store.due_feeds(time.time() + 5) == []
    # Neither refresh_all nor a poke may override the server's request.
    again = await poller.refresh_all()
    assert [r.outcome for r in again] == ["deferred"]
    # ...nor the next headless `refresh`, a new process that only has the store.
    fresh = _poller(store, fetcher, interval=1)
    assert [r.outcome for r in await fresh.refresh_all()] == ["deferred"]
    assert len(server.hits("/feed")) == 1


async def test_permanent_redirects_move_the_feed(server, store, fetcher):
    server.route("/old", Reply(status=301, headers={"Location": "/older"}))
    server.route("/older", Reply(status=308, headers={"Location": "/new"}))
    server.route("/new", Reply(body=FEED))
    feed = store.add_feed(server.url("/old"))
    res = await _poller(store, fetcher).poll_feed(feed)
    assert res.outcome == "new" and res.moved_to == server.url("/new")
    assert store.feed_by_id(feed.id).url == server.url("/new")
    assert store.feed_by_url(server.url("/old")) is None


async def test_temporary_redirect_keeps_the_url(server, store, fetcher):
    server.route("/old", Reply(status=302, headers={"Location": "/new"}))
    server.route("/new", Reply(body=FEED))
    feed = store.add_feed(server.url("/old"))
    res = await _poller(store, fetcher).poll_feed(feed)
    assert res.outcome == "new" and res.moved_to is None
    assert store.feed_by_id(feed.id).url == server.url("/old")


async def test_redirect_loop_is_an_error(server, store, fetcher):
    server.route("/a", Reply(status=301, headers={"Location": "/b"}))
    server.route("/b", Reply(status=301, headers={"Location": "/a"}))
    feed = store.add_feed(server.url("/a"))
    res = await _poller(store, fetcher).poll_feed(feed)
    assert res.outcome == "error" and res.error == "redirect loop"
    stored = store.feed_by_id(feed.id)
    assert stored.url == server.url("/a") and stored.error == "redirect loop"


async def test_gone_stops_polling(server, store, fetcher):
    url = server.route("/feed", Reply(status=410))
    other = server.route("/other", Reply(body=FEED))
    feed = store.add_feed(url)
    store.add_feed(other)
    poller = _poller(store, fetcher, interval=1)
    res = await poller.poll_feed(feed)
    assert res.outcome == "gone" and res.status == 410 and "410" in res.error
    stored = store.feed_by_url(url)
    assert stored.status == STATUS_GONE and stored.next_poll > time.time() + 10 * 365 * 86400
    assert all(f.url != url for f in store.due_feeds(time.time() + 86400))
    results = await poller.refresh_all()
    assert [r.feed.url for r in results] == [other]
    assert len(server.hits("/feed")) == 1


async def test_server_error_backs_off_and_others_still_land(server, store, fetcher):
    server.route("/broken", Reply(status=500, body="oops"))
    good = [server.route(f"/good{i}", Reply(body=rss((f"g{i}", f"Good {i}")))) for i in range(2)]
    broken = store.add_feed(server.url("/broken"))
    for u in good:
        store.add_feed(u)
    poller = _poller(store, fetcher, interval=10)
    before = time.time()
    results = await poller.refresh_all()
    by_url = {r.feed.url: r for r in results}
    assert by_url[broken.url].outcome == "error" and by_url[broken.url].error == "HTTP 500"
    assert all(by_url[u].outcome == "new" and len(by_url[u].new_ids) == 1 for u in good)
    assert len(store.articles()) == 2
    stored = store.feed_by_id(broken.id)
    assert stored.status == STATUS_ERROR and stored.error == "HTTP 500" and stored.error_count == 1
    assert stored.next_poll >= before + 10

    second = await poller.poll_feed(stored)
    assert second.outcome == "error" and store.feed_by_id(broken.id).error_count == 2
    assert store.feed_by_id(broken.id).next_poll >= time.time() + 16 - 1  # 20 s ±20%

    server.route("/broken", Reply(body=FEED))
    healed = await poller.poll_feed(store.feed_by_id(broken.id))
    assert healed.outcome == "new"
    stored = store.feed_by_id(broken.id)
    assert stored.error_count == 0 and stored.error == "" and stored.status == STATUS_OK


async def test_gzip_feed_is_stored(server, store, fetcher):
    url = server.route("/feed", Reply(body=FEED, gzip=True))
    feed = store.add_feed(url)
    res = await _poller(store, fetcher).poll_feed(feed)
    assert res.outcome == "new" and len(res.new_ids) == 2
    assert res.bytes_received < len(FEED)


async def test_oversized_body_is_an_error(server, store):
    url = server.route("/feed", Reply(body=FEED * 50))
    feed = store.add_feed(url)
    async with Fetcher(max_bytes=1024) as f:
        res = await _poller(store, f).poll_feed(feed)
    assert res.outcome == "error" and res.error == "body over 1 KB"
    assert store.articles(feed.id) == []


async def test_html_page_among_good_feeds(server, store, fetcher):
    html = "<!doctype html><html><head><title>Home</title></head><body><p>hi</p></body></html>"
    server.route("/page", Reply(body=html, content_type="text/html; charset=utf-8", etag='"h1"'))
    urls = [server.route(f"/f{i}", Reply(body=rss((f"x{i}", f"X {i}")))) for i in range(3)]
    urls.insert(1, server.url("/page"))
    for u in urls:
        store.add_feed(u)
    feeds = [store.feed_by_url(u) for u in urls]
    poller = _poller(store, fetcher)
    results = await poller.refresh_all(feeds)
    assert [r.feed.url for r in results] == urls  # the feeds' order
    assert [r.outcome for r in results] == ["new", "error", "new", "new"]
    bad = store.feed_by_url(server.url("/page"))
    assert bad.status == STATUS_ERROR and bad.error and bad.error == results[1].error
    assert bad.etag is None and bad.body_hash is None  # so the next poll judges it afresh
    assert len(store.articles()) == 3
    assert poller.failing == 1

    again = await poller.poll_feed(bad)
    assert not again.conditional and again.status == 200 and again.outcome == "error"


async def test_an_exception_in_one_feed_does_not_stop_the_others(server, store, fetcher):
    urls = [server.route(f"/f{i}", Reply(body=rss((f"x{i}", f"X {i}")))) for i in range(3)]
    feeds = [store.add_feed(u) for u in urls]
    real_save = store.save_poll

    def flaky_save(feed, parsed):
        if feed.url == urls[1] and parsed is not None:
            raise RuntimeError("disk on fire")
        return real_save(feed, parsed)

    store.save_poll = flaky_save
    results = await _poller(store, fetcher).refresh_all(feeds)
    assert [r.outcome for r in results] == ["new", "error", "new"]
    assert "disk on fire" in results[1].error
    assert store.feed_by_url(urls[1]).status == STATUS_ERROR


async def test_on_result_sees_every_poll_and_may_fail(server, store, fetcher):
    urls = [server.route(f"/f{i}", Reply(body=FEED)) for i in range(3)]
    for u in urls:
        store.add_feed(u)
    seen: list[PollResult] = []

    def hook(r):
        seen.append(r)
        raise ValueError("a buggy listener")

    results = await _poller(store, fetcher, on_result=hook).refresh_all()
    assert len(results) == 3 and sorted(r.feed.url for r in seen) == sorted(urls)


async def test_busy_count_and_last_success(server, store, fetcher):
    server.route("/f", Reply(body=FEED, delay=0.3))
    store.add_feed(server.url("/f"))
    poller = _poller(store, fetcher)
    assert poller.last_success is None
    task = asyncio.create_task(poller.refresh_all())
    while poller.busy == 0:
        await asyncio.sleep(0.01)
    assert poller.busy == 1
    await task
    assert poller.busy == 0 and poller.last_success is not None


async def test_parse_in_a_process(server, store, fetcher):
    url = server.route("/feed", Reply(body=FEED))
    feed = store.add_feed(url)
    poller = _poller(store, fetcher, parse_in="process")
    try:
        res = await poller.poll_feed(feed)
        page = Reply(body="<html><body>nope</body></html>", content_type="text/html")
        server.route("/feed", page)
        bad = await poller.poll_feed(feed)
    finally:
        await poller.aclose()
    assert res.outcome == "new" and len(res.new_ids) == 2
    assert bad.outcome == "error" and bad.error


async def test_same_feed_polled_twice_at_once_makes_one_request(server, store, fetcher):
    url = server.route("/feed", Reply(body=FEED, delay=0.2))
    feed = store.add_feed(url)
    poller = _poller(store, fetcher)
    a, b = await asyncio.gather(poller.poll_feed(feed), poller.poll_feed(feed))
    assert a is b and len(server.hits("/feed")) == 1


async def test_run_polls_on_schedule_and_poke_wakes_it(server, store, fetcher):
    url = server.route("/feed", Reply(body=FEED, etag='"v1"'))
    store.add_feed(url)
    results: list[PollResult] = []
    poller = _poller(store, fetcher, on_result=results.append)  # default 15 min period
    task = asyncio.create_task(poller.run())
    try:
        for _ in range(200):
            if results:
                break
            await asyncio.sleep(0.01)
        assert [r.outcome for r in results] == ["new"]
        await asyncio.sleep(0.3)
        assert len(server.hits("/feed")) == 1  # nothing due for 15 minutes
        poller.poke()
        for _ in range(200):
            if len(results) == 2:
                break
            await asyncio.sleep(0.01)
        assert [r.outcome for r in results] == ["new", "not-modified"]
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert poller.busy == 0


async def test_poke_leaves_a_rate_limited_feed_alone(server, store, fetcher):
    limited = server.route("/limited", Reply(status=429, headers={"Retry-After": "60"}))
    fine = server.route("/fine", Reply(body=FEED))
    store.add_feed(limited)
    store.add_feed(fine)
    results: list[PollResult] = []
    poller = _poller(store, fetcher, on_result=results.append)
    task = asyncio.create_task(poller.run())
    try:
        for _ in range(200):
            if len(results) == 2:
                break
            await asyncio.sleep(0.01)
        poller.poke()
        for _ in range(200):
            if len(results) == 3:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert len(server.hits("/fine")) == 2 and len(server.hits("/limited")) == 1


async def test_run_keeps_to_a_short_interval_and_cancels_cleanly(server, store, fetcher):
    fast = server.route("/fast", Reply(body=FEED))
    slow = server.route("/slow", Reply(body=FEED, delay=3))
    store.add_feed(fast)
    store.add_feed(slow)
    poller = _poller(store, fetcher, interval=0.2)
    task = asyncio.create_task(poller.run())
    await asyncio.sleep(1.1)
    assert poller.busy == 1  # the slow one is still in flight...
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # ...and does not hold up the fast one, polled every 0.2 s meanwhile.
    assert 3 <= len(server.hits("/fast")) <= 8
    assert len(server.hits("/slow")) == 1
    assert poller.busy == 0
    assert store.feed_by_url(slow).status == STATUS_NEW  # the cancelled poll wrote nothing


def _crash(*args):
    import os

    os._exit(3)


async def test_a_crashing_parser_process_is_one_feeds_error(server, store, fetcher, monkeypatch):
    import tui.polling.poller

    url = server.route("/feed", Reply(body=FEED))
    feed = store.add_feed(url)
    poller = _poller(store, fetcher, parse_in="process")
    monkeypatch.setattr(tui.polling.poller, "parse_for_poll", _crash)
    try:
        bad = await poller.poll_feed(feed)
        monkeypatch.undo()
        good = await poller.poll_feed(feed)
    finally:
        await poller.aclose()
    assert bad.outcome == "error" and bad.error == "the parser crashed on this body"
    assert good.outcome == "new" and len(good.new_ids) == 2
