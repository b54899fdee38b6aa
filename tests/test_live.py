"""Live articles end to end: a loopback server republishes a live article with
one more timestamped update, and the update becomes its own timeline row."""

from __future__ import annotations

import json
import time

from loopback import Reply

from tui.config import Config
from tui.live.follow import Follower, merge_jsonld, record_live_updates
from tui.model import Update
from tui.net import Fetcher
from tui.polling.poller import Poller
from tui.store import Store
from tui.ui.app import ThreadlineApp

STORY = "<p>The harbour master closed the outer basin at dawn as the swell rose.</p>"


def live_feed(
    updates: list[tuple[str, str]], extra_items: int = 30, link: str = "http://news.test/live"
) -> str:
    """A feed with one live article (updates newest first) and filler items."""
    body = "".join(f"<p><strong>UPDATE {hhmm} GMT:</strong> {text}</p>" for hhmm, text in updates) + STORY
    esc = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    filler = "".join(
        f"<item><title>Notice {i}</title><guid>n{i}</guid>"
        f"<pubDate>Thu, 26 Nov 2026 0{i // 60}:{i % 60:02d}:00 GMT</pubDate></item>"
        for i in range(extra_items)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Bay Desk</title>'
        f"<item><title>LIVE: Swell closes the outer basin</title><guid>live</guid><link>{link}</link>"
        f"<pubDate>Thu, 26 Nov 2026 08:00:00 GMT</pubDate><description>{esc}</description></item>"
        f"{filler}</channel></rss>"
    )


def update_rows(app):
    return [r for r in app.timeline.rows if r.update_id is not None]


async def wait_for(pilot, predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


async def test_a_new_update_arrives_as_its_own_row_without_a_keypress(server):
    updates = [("1130", "Pilots suspend boardings."), ("0945", "Ferry sailings delayed.")]
    state = {"updates": updates}
    server.route(
        "/feed", lambda req: Reply(body=live_feed(state["updates"]), etag=f'"{len(state["updates"])}"')
    )
    store = Store.memory()
    store.add_feed(server.url("/feed"))
    app = ThreadlineApp(store, Config(timezone="UTC"), interval=0.3, opener=lambda url: None)
    async with app.run_test(size=(120, 20)) as pilot:
        await wait_for(pilot, lambda: len(update_rows(app)) == 2)
        # Sit on a filler row far from the top.
        app.timeline.cursor = 10
        await pilot.pause(0.1)
        before = app.timeline.current
        screen_row = app.timeline.cursor - int(app.timeline.scroll_y)
        # The first polls may already count as arrivals (rows that landed above
        # the cursor between two reloads): what matters is that this one adds one.
        arrived = app.timeline.arrived
        state["updates"] = [("1240", "The basin reopens to small craft.")] + updates
        await wait_for(pilot, lambda: len(update_rows(app)) == 3)
        headlines = [r.headline for r in update_rows(app)]
        assert headlines == [
            "The basin reopens to small craft.",
            "Pilots suspend boardings.",
            "Ferry sailings delayed.",
        ]
        assert app.timeline.current.key == before.key
        assert app.timeline.cursor - int(app.timeline.scroll_y) == screen_row
        assert app.timeline.arrived == arrived + 1
        # Later polls of the unchanged feed add nothing: no update shows twice.
        polls = len(server.hits("/feed"))
        await wait_for(pilot, lambda: len(server.hits("/feed")) >= polls + 2)
        assert len(update_rows(app)) == 3
        assert len(store.updates(app.timeline.rows[0].article_id)) == 4  # story + 3 updates


async def test_an_edited_update_is_an_edit_not_a_duplicate(server):
    state = {"text": "Ferry sailings delayed."}
    server.route("/feed", lambda req: Reply(body=live_feed([("0945", state["text"])], extra_items=0)))
    store = Store.memory()
    store.add_feed(server.url("/feed"))
    async with Fetcher() as fetcher:
        poller = Poller(store, fetcher)
        first = await poller.refresh_all()
        record_live_updates(store, first[0].new_ids)
        state["text"] = "Ferry sailings delayed by two hours."
        second = await poller.refresh_all()
        assert second[0].changed_ids
        record_live_updates(store, second[0].changed_ids)
    updates = store.updates(first[0].new_ids[0])
    assert [u.position for u in updates] == [0, 1]
    assert updates[1].edited and "two hours" in updates[1].html
    store.close()


def jsonld_page(items: list[tuple[str, str]]) -> str:
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "LiveBlogPosting",
                "headline": "Swell closes the outer basin",
                "liveBlogUpdate": [
                    {
                        "@type": "BlogPosting",
                        "@id": f"u-{iso}",
                        "datePublished": iso,
                        "headline": h,
                        "articleBody": h,
                    }
                    for iso, h in items
                ],
            }
        ],
    }
    return f'<html><head><script type="application/ld+json">{json.dumps(data)}</script></head><body></body></html>'


async def test_follower_polls_a_followed_article_faster_and_reads_its_page(server):
    page = {"items": [("2026-11-26T09:45:00Z", "Ferry sailings delayed.")]}
    server.route(
        "/feed",
        Reply(
            body=live_feed([("0945", "Ferry sailings delayed.")], extra_items=0, link=server.url("/live")),
            headers={"Cache-Control": "max-age=1"},
            etag='"f1"',
        ),
    )
    server.route(
        "/live",
        lambda req: Reply(
            body=jsonld_page(page["items"]), content_type="text/html", etag=f'"p{len(page["items"])}"'
        ),
    )
    store = Store.memory()
    store.add_feed(server.url("/feed"))
    clock = {"now": time.time()}
    async with Fetcher() as fetcher:
        poller = Poller(store, fetcher, clock=lambda: clock["now"])
        res = await poller.refresh_all()
        record_live_updates(store, res[0].new_ids)
        article = store.articles()[0]
        store.set_followed(article.id, True, clock["now"] + 3600)
        follower = Follower(store, poller, fetcher, period=15, quiet=3600, clock=lambda: clock["now"])

        clock["now"] += 20  # past the follow period, far before the feed's 15-minute default
        reports = await follower.check()
        assert len(reports) == 1 and not reports[0].stopped
        feed_hits = server.hits("/feed")
        assert len(feed_hits) == 2 and feed_hits[-1].headers.get("if-none-match") == '"f1"'
        # The page's JSON-LD update is the one already known from the marker: not added twice.
        assert [u.position for u in store.updates(article.id)] == [0, 1]

        await follower.check()  # same instant: not due again
        assert len(server.hits("/feed")) == 2

        page["items"].append(("2026-11-26T12:40:00Z", "The basin reopens to small craft."))
        clock["now"] += 20
        await follower.check()
        ups = store.updates(article.id)
        assert [u.headline for u in ups if u.position > 0] == [
            "Ferry sailings delayed.",
            "The basin reopens to small craft.",
        ]
        assert server.hits("/live")[-1].headers.get("if-none-match") == '"p1"'
        assert store.follow_until(article.id) >= clock["now"] + 3600 - 1

        clock["now"] += 20
        await follower.check()  # the page is unchanged: a 304, nothing added
        assert len(store.updates(article.id)) == 3

        clock["now"] += 7200  # quiet for longer than the quiet period
        reports = await follower.check()
        assert reports[0].stopped and store.article(article.id).followed is False


def test_merge_jsonld_skips_updates_already_known_by_their_minute():
    existing = [
        Update(key="story", time=0.0, headline="", html="", position=0),
        Update(key="m1", time=600.0, headline="a", html="", position=1),
        Update(key="j2", time=1200.0, headline="b", html="", position=2),
    ]
    page = [
        Update(key="j1", time=630.0, headline="a", html=""),
        Update(key="j2", time=1200.0, headline="b", html=""),
        Update(key="j3", time=1800.0, headline="c", html=""),
    ]
    fresh = merge_jsonld(existing, page)
    assert [(u.key, u.position) for u in fresh] == [("j2", 2), ("j3", 3)]


async def test_following_persists_across_restarts(tmp_path):
    store = Store.open(tmp_path)
    feed = store.add_feed("http://x.test/feed")
    from tui.model import Article, ParsedFeed

    store.save_poll(feed, ParsedFeed(entries=[Article(guid="1", title="LIVE: x", published=1.0)]))
    aid = store.articles()[0].id
    store.set_followed(aid, True, 10.0)
    store.close()
    again = Store.open(tmp_path)
    assert [a.id for a in again.followed_articles()] == [aid]
    assert again.followed_feed_ids() == {feed.id}
    again.close()
