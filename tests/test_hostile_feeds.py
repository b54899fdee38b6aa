"""Hostile bodies and dates, served over loopback to the real poller with the
app's default limits, one hostile feed among good ones: unreadable bodies mark
the feed with a short reason, readable-but-odd ones are stored safely, the good
feeds update, nothing stored before is lost and the database stays sound.

Parser-level checks of several of these (billion laughs, XXE, 5 MB line, HTML
page, empty body, junk) live in tests/test_feeds.py; size caps and gzip bombs
at the fetcher level in tests/test_fetch.py.
"""

from __future__ import annotations

import calendar
import functools
import json
import time

import pytest
from hostile_corpus import BIG_BODIES, BODIES, DATES_JSON, DATES_RSS, gzip_bomb, rss
from loopback import Reply

from tui.cli import main
from tui.comments.base import parse_time
from tui.feeds.parse import parse_feed
from tui.model import Article, ParsedFeed
from tui.net import Fetcher
from tui.polling.poller import Poller
from tui.store import Store
from tui.text.timefmt import absolute, relative

OLD = [("old-1", "Stored before"), ("old-2", "Also stored before")]
MB = 1024 * 1024


@functools.cache
def big_reply(name: str) -> Reply:
    if name == "body-50mb":
        return Reply(body=b"<rss>" + b"a" * (50 * MB))
    if name == "body-50mb-no-length":
        return Reply(body=b"<rss>" + b"a" * (50 * MB), no_length=True)
    if name == "gzip-bomb":
        return Reply(body=gzip_bomb(), headers={"Content-Encoding": "gzip"})
    if name == "single-5mb-line":
        words = ("harbour " * (5 * MB // 8)).strip()
        return Reply(body=rss([("long", "One very long line")]).replace("Body of One very long line", words))
    raise AssertionError(name)


CASES = {
    name: (lambda b=b, ct=ct, h=h: Reply(body=b, content_type=ct, headers=h), exp)
    for name, (b, ct, h, exp) in BODIES.items()
}
CASES.update({name: (lambda name=name: big_reply(name), exp) for name, exp in BIG_BODIES.items()})


async def refresh_with_hostile(server, home, reply: Reply):
    """One refresh of two good feeds and one hostile one that had stored items."""
    good = [
        server.route(f"/good{i}", Reply(body=rss([(f"g{i}-1", "Good one"), (f"g{i}-2", "Good two")])))
        for i in range(2)
    ]
    url = server.route("/hostile", reply)
    store = Store.open(home)
    for u in good:
        store.add_feed(u)
    hostile = store.add_feed(url, title="Hostile desk")
    store.save_poll(hostile, ParsedFeed(entries=[Article(guid=g, title=t, published=1e9) for g, t in OLD]))
    async with Fetcher() as fetcher:  # the app's own limits: 20 MB, 20 s
        results = await Poller(store, fetcher).refresh_all()
    by_id = {r.feed.id: r for r in results}
    for r in results:
        if r.feed.id != hostile.id:
            assert r.outcome == "new" and len(r.new_ids) == 2, (r.outcome, r.error)
    return store, hostile, by_id[hostile.id]


@pytest.mark.parametrize("name", list(CASES))
async def test_hostile_body_among_good_feeds(name, server, home, capsys):
    make, expected = CASES[name]
    started = time.monotonic()
    store, hostile, got = await refresh_with_hostile(server, home, make())
    try:
        assert time.monotonic() - started < 20  # nothing expands or hangs
        after = store.feed_by_id(hostile.id)
        if expected == "ok":
            assert got.outcome == "new", got.error
            assert not after.failing
        else:
            assert got.outcome == "error"
            assert expected in after.error and len(after.error) <= 160
        articles = store.articles(feed_id=hostile.id)
        assert {g for g, _ in OLD} <= {a.guid for a in articles}
        assert store.integrity_check() == "ok"
        for a in articles:
            # No entity ever expanded: not the file, not the laughs.
            assert "root:" not in a.content and "root:" not in a.title
            assert "lollollol" not in a.content and "lollollol" not in a.title
        if name == "single-5mb-line":
            (long,) = [a for a in articles if a.guid.endswith("/long")]
            assert len(long.content) > 4 * MB
            assert store.search("harbour")  # indexed, searchable
    finally:
        store.close()
    if expected != "ok":
        capsys.readouterr()
        assert main(["--home", str(home), "list"]) == 0
        listing = capsys.readouterr().out
        assert expected in listing


@pytest.mark.parametrize(
    "name",
    [
        "wrong-encoding-latin1-as-utf8",
        "wrong-encoding-header-says-latin1",
        "missing-encoding-utf16",
        "missing-encoding-utf32",
    ],
)
def test_wrong_encodings_still_give_readable_titles(name):
    body, content_type, headers, _ = BODIES[name]
    parsed = parse_feed(body, {"content-type": content_type, **headers})
    (entry,) = parsed.entries
    assert any(word in entry.title for word in ("Caf", "Na", "UTF-16", "UTF-32"))
    if name.startswith("missing-encoding"):
        assert not parsed.bozo, parsed.bozo


# -- dates -----------------------------------------------------------------------------

NOW = time.time()
SANE_LOW = calendar.timegm((1990, 1, 1, 0, 0, 0))


def _rss_with_dates() -> bytes:
    items = "".join(
        f"<item><guid>{name}</guid><title>Date {name}</title>"
        + (f"<pubDate>{value}</pubDate>" if value is not None else "")
        + "</item>"
        for name, value in DATES_RSS.items()
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Dates</title>{items}</channel></rss>'.encode()


def _json_with_dates() -> bytes:
    items = []
    for name, value in DATES_JSON.items():
        item = {"id": name, "title": f"Date {name}"}
        if value is not None:
            item["date_published"] = value
        items.append(item)
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "Dates", "items": items}
    ).encode()


@pytest.mark.parametrize(
    "fmt,build,content_type,cases",
    [
        ("rss", _rss_with_dates, "application/rss+xml", DATES_RSS),
        ("json", _json_with_dates, "application/feed+json", DATES_JSON),
    ],
    ids=["rss", "json"],
)
async def test_hostile_dates_are_stored_sorted_and_shown(fmt, build, content_type, cases, server, home):
    store, hostile, got = await refresh_with_hostile(
        server, home, Reply(body=build(), content_type=content_type)
    )
    try:
        assert got.outcome == "new" and len(got.new_ids) == len(cases)
        # feedparser resolves an RSS guid against the feed's URL: key by its last part.
        by_guid = {a.guid.rsplit("/", 1)[-1]: a for a in store.articles(feed_id=hostile.id)}
        for name in cases:
            a = by_guid[name]
            for stamp in (a.published, a.updated):
                # A date is either plausible or absent: never year 1, 9999 or the far future.
                assert stamp is None or SANE_LOW <= stamp <= time.time() + 2 * 86400, (name, stamp)
            # JSON Feed dates are RFC 3339 strings; a bare number is not one.
            if name in (
                "missing",
                "invalid",
                "invalid-words",
                "invalid-numbers",
                "far-future",
                "year-1",
                "year-9999",
                "number",
            ):
                assert a.published is None, name
            else:
                assert a.published is not None, name
        rows = store.timeline()
        times = [r.time for r in rows]
        assert times == sorted(times, reverse=True)
        # Undated items sort as "first seen now", so junk dates cannot pin an
        # item above everything forever or bury it in year 1.
        assert all(r.time <= time.time() + 2 * 86400 for r in rows)
        for r in rows:
            assert relative(r.time, NOW) and absolute(r.time)
        assert store.integrity_check() == "ok"
    finally:
        store.close()


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "2999-01-01T00:00:00Z",
        "2024-05-01T10:00:00",
        "2024-05-01T10:00:00+05:30",
        "not a date",
        "",
        None,
        -1e300,
        1e300,
        float("inf"),
        float("nan"),
    ],
    ids=[
        "year-1",
        "year-9999",
        "far-future",
        "naive",
        "aware",
        "invalid",
        "empty",
        "missing",
        "huge-negative",
        "huge",
        "inf",
        "nan",
    ],
)
def test_comment_times_never_break_the_clock_text(value):
    """Comment adapters hand their times to the tree, which shows them with
    relative() and absolute(): whatever came in, those never raise."""
    t = parse_time(value)
    assert t is None or (t == t and abs(t) != float("inf"))
    assert isinstance(relative(t, NOW), str) and isinstance(absolute(t), str)
