"""The real Tiny Tiny RSS harness works: its API, its own feed fetching, stop and start."""

from __future__ import annotations

from xml.sax.saxutils import escape

import httpx
import pytest
from ttrss_server import TtrssServer

pytestmark = pytest.mark.slow


def rss(title: str, items: list[str]) -> str:
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>https://example.org/{i}</link>"
        f"<guid isPermaLink='false'>{escape(title)}-{i}</guid>"
        f"<description>Story {i}</description>"
        f"<pubDate>Tue, 0{i + 1} Jun 2025 10:00:00 GMT</pubDate></item>"
        for i, t in enumerate(items)
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{escape(title)}</title><link>https://example.org/</link>"
        f"<description>test</description>{entries}</channel></rss>"
    )


THREE = ["Harbour reopens", "Council votes on budget", "Late train, again"]


def headlines(ttrss: TtrssServer, feed_id: int, **params: object) -> list[dict]:
    return list(ttrss.content("getHeadlines", feed_id=feed_id, **params))


def test_login_gives_api_level_15_or_more(ttrss: TtrssServer) -> None:
    answer = ttrss.post({"op": "login", "user": ttrss.user, "password": ttrss.password})
    assert answer["status"] == 0
    assert answer["content"]["api_level"] >= 15
    assert answer["content"]["session_id"]


def test_bad_sid_is_not_logged_in(ttrss: TtrssServer) -> None:
    answer = ttrss.post({"op": "getFeeds", "sid": "no-such-session"})
    assert answer == {"seq": None, "status": 1, "content": {"error": "NOT_LOGGED_IN"}}


def test_feed_on_loopback_is_fetched_by_ttrss_itself(ttrss: TtrssServer) -> None:
    url = ttrss.serve_feed("/harbour.xml", rss("Harbour News", THREE))
    feed_id = ttrss.subscribe(url, category="Local")
    assert headlines(ttrss, feed_id) == []  # subscribing alone stores no articles

    ttrss.update_feeds()

    got = headlines(ttrss, feed_id, show_content=True)
    assert sorted(h["title"] for h in got) == sorted(THREE)
    assert all(h["unread"] and not h["marked"] for h in got)
    assert any("Story" in h["content"] for h in got)
    assert ttrss.feed_errors() == {}
    feeds = ttrss.content("getFeeds", cat_id=-3)
    assert [(f["id"], f["title"], f["feed_url"]) for f in feeds] == [(feed_id, "Harbour News", url)]
    cats = {c["title"]: c["id"] for c in ttrss.content("getCategories")}
    assert feeds[0]["cat_id"] == cats["Local"]
    # tt-rss went through the feed proxy, not to the (unresolvable) host itself.
    assert ttrss.feeds.hits("/harbour.xml")


def test_update_picks_up_new_items_at_once(ttrss: TtrssServer) -> None:
    feed_id = ttrss.subscribe(ttrss.serve_feed("/grow.xml", rss("Grow", THREE[:1])))
    ttrss.update_feeds()
    ttrss.serve_feed("/grow.xml", rss("Grow", THREE))
    ttrss.update_feeds()  # no 30 s cache, no update interval in the way
    assert len(headlines(ttrss, feed_id)) == 3


def test_feeds_added_in_bulk_are_fetched_on_update(ttrss: TtrssServer) -> None:
    urls = [ttrss.serve_feed(f"/bulk{i}.xml", rss(f"Bulk {i}", THREE[: i + 1])) for i in range(3)]
    ids = ttrss.add_feeds(urls, category="Bulk")
    ttrss.update_feeds()
    feeds = {f["id"]: f for f in ttrss.content("getFeeds", cat_id=-3)}
    assert [feeds[i]["title"] for i in ids] == ["Bulk 0", "Bulk 1", "Bulk 2"]
    assert [len(headlines(ttrss, i)) for i in ids] == [1, 2, 3]


def test_mark_read_and_star(ttrss: TtrssServer) -> None:
    feed_id = ttrss.subscribe(ttrss.serve_feed("/f.xml", rss("F", THREE)))
    ttrss.update_feeds()
    ids = sorted(h["id"] for h in headlines(ttrss, feed_id))

    done = ttrss.content("updateArticle", article_ids=str(ids[0]), field=2, mode=0)
    assert done == {"status": "OK", "updated": 1}
    ttrss.content("updateArticle", article_ids=f"{ids[1]}", field=0, mode=1)

    unread = headlines(ttrss, feed_id, view_mode="unread")
    assert sorted(h["id"] for h in unread) == ids[1:]
    assert [h["id"] for h in headlines(ttrss, -1)] == [ids[1]]  # -1: starred
    article = ttrss.content("getArticle", article_id=str(ids[0]))
    assert article[0]["unread"] is False


def test_since_id_and_paging(ttrss: TtrssServer) -> None:
    feed_id = ttrss.subscribe(ttrss.serve_feed("/p.xml", rss("P", THREE)))
    ttrss.update_feeds()
    ids = sorted(h["id"] for h in headlines(ttrss, feed_id))
    assert sorted(h["id"] for h in headlines(ttrss, -4, since_id=ids[0])) == ids[1:]
    pages = [headlines(ttrss, -4, limit=2, skip=skip) for skip in (0, 2)]
    assert [len(p) for p in pages] == [2, 1]
    assert sorted(h["id"] for p in pages for h in p) == ids


def test_fetch_failure_is_recorded_not_raised(ttrss: TtrssServer) -> None:
    feed_id = ttrss.subscribe(ttrss.serve_feed("/flaky.xml", rss("Flaky", THREE)))
    ttrss.update_feeds()
    ttrss.serve_feed("/flaky.xml", "down for maintenance", status=503, content_type="text/plain")
    ttrss.update_feeds()
    assert "503" in ttrss.feed_errors()[feed_id]
    assert len(headlines(ttrss, feed_id)) == 3  # the articles it had stay


def test_stop_makes_api_unreachable_and_start_keeps_data(ttrss: TtrssServer) -> None:
    feed_id = ttrss.subscribe(ttrss.serve_feed("/keep.xml", rss("Keep", THREE)))
    ttrss.update_feeds()
    ttrss.stop()
    with pytest.raises(httpx.ConnectError):
        ttrss.api("getFeeds", cat_id=-3)
    ttrss.start()
    assert [f["id"] for f in ttrss.content("getFeeds", cat_id=-3)] == [feed_id]
    assert len(headlines(ttrss, feed_id)) == 3


def test_reset_empties_everything(ttrss: TtrssServer) -> None:
    feed_id = ttrss.subscribe(ttrss.serve_feed("/gone.xml", rss("Gone", THREE)), category="Old")
    ttrss.update_feeds()
    first = headlines(ttrss, feed_id)[0]["id"]
    ttrss.content("updateArticle", article_ids=str(first), field=0, mode=1)
    # Unsubscribing keeps a starred article in tt-rss's archive; reset clears that too.
    ttrss.content("unsubscribeFeed", feed_id=feed_id)
    assert headlines(ttrss, -1)

    ttrss.reset()

    assert ttrss.content("getFeeds", cat_id=-3) == []
    assert headlines(ttrss, -4) == []
    assert headlines(ttrss, -1) == []
    assert [c["title"] for c in ttrss.content("getCategories", include_empty=True) if c["id"] > 0] == []
    assert ttrss.content("getLabels") == []
