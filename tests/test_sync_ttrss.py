"""Sync against a real Tiny Tiny RSS (``tests/ttrss_server.py``; ``.ci/ttrss-setup``).

tt-rss fetches the test feeds itself (its own update script, through the
harness's proxy), and Threadline syncs with its JSON API on loopback: both
directions, a server that goes away and comes back, and a local feed beside the
synced ones.
"""

from __future__ import annotations

import email.utils
import json
import subprocess

import pytest
from cli_run import run_cli
from loopback import LoopbackServer, Reply
from ttrss_server import TtrssServer  # the `ttrss` fixture comes from conftest.py

from tui.config import SyncConfig
from tui.net import Fetcher
from tui.polling.poller import Poller
from tui.store import Store
from tui.sync.base import Http
from tui.sync.engine import sync_once
from tui.sync.ttrss import TtrssBackend

pytestmark = pytest.mark.slow

BASE_TIME = 1_764_000_000


def rss(title: str, items: list[tuple[str, str, str]]) -> str:
    """An RSS document; items are (guid, title, html), newest last."""
    parts = []
    for n, (guid, item_title, html) in enumerate(items):
        date = email.utils.formatdate(BASE_TIME + n * 60, usegmt=True)
        parts.append(
            f"<item><guid isPermaLink='false'>{guid}</guid><title>{item_title}</title>"
            f"<link>https://news.example/{guid}</link><pubDate>{date}</pubDate>"
            f"<description><![CDATA[{html}]]></description></item>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{title}</title><link>https://news.example/</link>{''.join(parts)}</channel></rss>"
    )


def config_for(server: TtrssServer) -> SyncConfig:
    return SyncConfig(kind="ttrss", url=server.base_url, user=server.user, password_env="TL_TTRSS_PW")


def sync(store: Store, server: TtrssServer, **kw):
    return sync_once(store, config_for(server), password=server.password, **kw)


def setup_two_feeds(server: TtrssServer) -> tuple[int, int]:
    a = server.subscribe(
        server.serve_feed(
            "/a.xml", rss("Feed A", [(f"a{n}", f"A {n}", f"<p>Body A{n}</p>") for n in range(3)])
        ),
        category="Tech",
    )
    b = server.subscribe(server.serve_feed("/b.xml", rss("Feed B", [("b0", "B 0", "<p>Body B0</p>")])))
    server.update_feeds()
    return a, b


def headlines(server: TtrssServer, **params) -> dict[str, dict]:
    rows = server.content("getHeadlines", feed_id=-4, limit=200, **params)
    return {r["title"]: r for r in rows}


def sync_home(tmp_path, ttrss: TtrssServer) -> tuple:
    """A new home whose [sync] names the real server, and the CLI run from it
    (the password in the environment variable the config names)."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(
        f'[sync]\nkind = "ttrss"\nurl = "{ttrss.base_url}"\nuser = "{ttrss.user}"\npassword_env = "TL_TTRSS_PW"\n'
    )

    def cli(*args: str) -> subprocess.CompletedProcess:
        return run_cli(home, *args, env_extra={"TL_TTRSS_PW": ttrss.password})

    return home, cli


@pytest.fixture
def store():
    s = Store.memory()
    yield s
    s.close()


def test_first_sync_brings_feeds_folders_articles_and_marks(ttrss, store):
    a, _ = setup_two_feeds(ttrss)
    ids = {t: r["id"] for t, r in headlines(ttrss).items()}
    ttrss.content("updateArticle", article_ids=str(ids["A 0"]), field=2, mode=0)  # read
    ttrss.content("updateArticle", article_ids=str(ids["A 1"]), field=0, mode=1)  # starred
    report = sync(store, ttrss)
    assert report.ok, report.error
    assert sorted(report.feeds_added) == ["Feed A", "Feed B"]
    assert report.items_new == 4
    folders = {f.title: f.folder for f in store.feeds()}
    assert folders == {"Feed A": "Tech", "Feed B": ""}
    rows = {r.title: r for r in store.timeline()}
    assert rows["A 0"].read and not rows["A 0"].saved
    assert rows["A 1"].saved and not rows["A 1"].read
    assert not rows["B 0"].read
    assert "Body A2" in (store.article(rows["A 2"].article_id).content)
    assert store.search("Body")  # indexed like any article


def test_local_marks_reach_the_server(ttrss, store):
    setup_two_feeds(ttrss)
    sync(store, ttrss)
    rows = {r.title: r for r in store.timeline()}
    store.set_read(rows["A 0"].article_id)
    store.set_saved(rows["B 0"].article_id)
    store.mark_rows_read([rows["A 1"].article_id], [])
    report = sync(store, ttrss)
    assert report.ok, report.error
    assert report.sent == {"read": 2, "star": 1}
    server = headlines(ttrss)
    assert server["A 0"]["unread"] is False and server["A 1"]["unread"] is False
    assert server["B 0"]["marked"] is True
    assert server["A 2"]["unread"] is True
    assert store.queue_count() == 0
    # and back: unread and unsave
    store.set_read(rows["A 0"].article_id, False)
    store.set_saved(rows["B 0"].article_id, False)
    sync(store, ttrss)
    server = headlines(ttrss)
    assert server["A 0"]["unread"] is True and server["B 0"]["marked"] is False


def test_server_marks_reach_the_store(ttrss, store):
    setup_two_feeds(ttrss)
    sync(store, ttrss)
    ids = {t: r["id"] for t, r in headlines(ttrss).items()}
    # One read and another unread in the same feed: its unread count does not move.
    ttrss.content("updateArticle", article_ids=str(ids["A 0"]), field=2, mode=0)
    sync(store, ttrss)
    ttrss.content("updateArticle", article_ids=str(ids["A 0"]), field=2, mode=1)
    ttrss.content("updateArticle", article_ids=str(ids["A 1"]), field=2, mode=0)
    ttrss.content("updateArticle", article_ids=f"{ids['B 0']}", field=0, mode=1)
    report = sync(store, ttrss)
    assert report.ok, report.error
    rows = {r.title: r for r in store.timeline()}
    assert not rows["A 0"].read
    assert rows["A 1"].read
    assert rows["B 0"].saved
    assert report.received.starred == 1


def test_subscriptions_follow_the_server_and_unsubscribe_goes_back(ttrss, store):
    a, b = setup_two_feeds(ttrss)
    sync(store, ttrss)
    c = ttrss.subscribe(
        ttrss.serve_feed("/c.xml", rss("Feed C", [("c0", "C 0", "<p>C</p>")])), category="News"
    )
    ttrss.update_feeds()
    ttrss.content("unsubscribeFeed", feed_id=b)
    report = sync(store, ttrss)
    assert report.feeds_added == ["Feed C"] and report.feeds_removed == ["Feed B"]
    assert {f.title: f.folder for f in store.feeds()} == {"Feed A": "Tech", "Feed C": "News"}
    assert "C 0" in {r.title for r in store.timeline()}
    # Removing a synced feed here unsubscribes it there.
    store.remove_feed(ttrss.feed_url("/c.xml"))
    report = sync(store, ttrss)
    assert report.sent == {"unsubscribe": 1}
    remaining = [f["id"] for f in ttrss.content("getFeeds", cat_id=-3)]
    assert remaining == [a]
    assert c not in remaining


def test_new_articles_arrive_on_the_next_sync(ttrss, store):
    setup_two_feeds(ttrss)
    sync(store, ttrss)
    ttrss.serve_feed("/a.xml", rss("Feed A", [(f"a{n}", f"A {n}", f"<p>Body A{n}</p>") for n in range(5)]))
    ttrss.update_feeds()
    report = sync(store, ttrss)
    assert report.ok, report.error
    assert report.items_new == 2
    assert {"A 3", "A 4"} <= {r.title for r in store.timeline()}
    again = sync(store, ttrss)
    assert again.items_new == 0 and not again.changed
    # login, categories, feeds, headlines since the cursor, recently read, starred
    assert again.requests == 6


def test_a_change_made_while_the_server_is_down_arrives_after_it_returns(ttrss, tmp_path):
    setup_two_feeds(ttrss)
    home = tmp_path / "home"
    with Store.open(home) as st:
        sync(st, ttrss)
        rows = {r.title: r for r in st.timeline()}
        ttrss.stop()
        st.set_read(rows["A 2"].article_id)
        st.set_saved(rows["A 2"].article_id)
        down = sync(st, ttrss)
        assert down.error.startswith("server unreachable")
        assert down.queued_left == 2
    with Store.open(home) as st:  # the queue survives closing the store
        assert st.queue_count() == 2
        ttrss.start()
        up = sync(st, ttrss)
        assert up.ok, up.error
        assert up.sent == {"read": 1, "star": 1} and up.queued_left == 0
    server = headlines(ttrss)
    assert server["A 2"]["unread"] is False and server["A 2"]["marked"] is True


def test_a_session_the_server_forgot_is_renewed(ttrss):
    setup_two_feeds(ttrss)
    backend = TtrssBackend(ttrss.base_url, ttrss.user, ttrss.password, Http())
    backend.login()
    backend._sid = "forgotten0000000000000000"
    assert len(backend.subscriptions()) == 2  # NOT_LOGGED_IN, a new login, the same call
    backend.close()


def test_subscriptions_from_the_tree_or_from_getfeeds_agree(ttrss):
    setup_two_feeds(ttrss)
    backend = TtrssBackend(ttrss.base_url, ttrss.user, ttrss.password, Http())
    from_tree = backend.subscriptions()
    call = backend._call
    backend._call = lambda op, **kw: [] if op == "getFeedTree" else call(op, **kw)  # an older tt-rss
    listed = backend.subscriptions()
    backend.close()

    def shape(feeds):
        return sorted((f.id, f.url, f.title, f.folder, f.unread) for f in feeds)

    assert shape(from_tree) == shape(listed)
    assert {(f.title, f.folder, f.unread) for f in listed} == {("Feed A", "Tech", 3), ("Feed B", "", 1)}


def test_subscribe_through_the_backend_into_a_category(ttrss):
    url = ttrss.serve_feed("/new.xml", rss("New", [("n0", "N 0", "<p>n</p>")]))
    ttrss.category_id("Tech")
    backend = TtrssBackend(ttrss.base_url, ttrss.user, ttrss.password, Http())
    backend.subscribe(url, "Tech")
    [feed] = backend.subscriptions()
    assert (feed.url, feed.folder) == (url, "Tech")
    backend.unsubscribe(feed.id)
    assert backend.subscriptions() == []
    backend.close()


def test_wrong_password_is_one_line(ttrss, store):
    report = sync_once(store, config_for(ttrss), password="not-the-password")
    assert report.error == "login refused (wrong user or password)"


LIVE = (
    "<p>Storm reaches the coast.</p>"
    "<p>UPDATE 1700 GMT: Ferries are cancelled for the evening.</p>"
    "<p>UPDATE 1800 GMT: The harbour wall holds.</p>"
)


def test_live_splitting_on_a_synced_article(ttrss, store):
    ttrss.subscribe(ttrss.serve_feed("/live.xml", rss("Live desk", [("s1", "Storm live", LIVE)])))
    ttrss.update_feeds()
    report = sync(store, ttrss)
    assert report.ok, report.error
    article = next(a for a in store.articles() if a.title == "Storm live")
    updates = store.updates(article.id)
    assert len(updates) >= 3
    assert any("Ferries are cancelled" in u.html for u in updates)
    assert report.updates  # reported like a poll's
    # A followed live article is fetched again by id: its new update arrives.
    store.set_followed(article.id, True)
    more = LIVE + "<p>UPDATE 1900 GMT: Ferries will run again at dawn.</p>"
    ttrss.serve_feed("/live.xml", rss("Live desk", [("s1", "Storm live", more)]))
    ttrss.update_feeds()
    again = sync(store, ttrss)
    assert again.ok, again.error
    assert any("run again at dawn" in u.html for u in store.updates(article.id))


async def test_a_local_feed_beside_synced_ones_keeps_being_polled(ttrss, store):
    setup_two_feeds(ttrss)
    sync(store, ttrss)
    with LoopbackServer() as srv:
        srv.route("/local.xml", Reply(body=rss("Local", [("l1", "Local one", "<p>here</p>")])))
        store.add_feed(srv.url("/local.xml"))
        async with Fetcher() as fetcher:
            results = await Poller(store, fetcher).refresh_all()
        assert [r.feed.url for r in results] == [srv.url("/local.xml")]
    assert {"Local one", "A 0", "B 0"} <= {r.title for r in store.timeline()}
    again = sync(store, ttrss)
    assert again.ok and "Local" not in again.feeds_removed  # the local feed stays local


def test_cli_sync_against_the_real_server_never_prints_the_password(ttrss, tmp_path):
    setup_two_feeds(ttrss)
    home, run = sync_home(tmp_path, ttrss)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return run("sync", *args)

    done = cli()
    assert done.returncode == 0, done.stderr
    assert "2 feeds added" in done.stdout and "4 new items" in done.stdout
    js = cli("--json")
    assert json.loads(js.stdout)["error"] == ""
    for out in (done, js):
        assert ttrss.password not in out.stdout + out.stderr
    ttrss.stop()
    down = cli()
    assert down.returncode == 1
    assert down.stderr.strip().splitlines()[-1].startswith("threadline: sync: server unreachable")
    assert ttrss.password not in down.stdout + down.stderr


def test_hostile_headlines_cost_only_themselves():
    good = {"id": 3, "feed_id": 1, "title": "A 3", "unread": True, "marked": "t", "updated": 1749463200}
    rows = [
        good,
        {"id": "3; DROP", "feed_id": 1},
        {"id": None, "feed_id": 1},
        {"id": 4},  # no feed
        ["not", "a", "dict"],
        {"id": 5, "feed_id": 2, "title": {"x": 1}, "updated": "1e400", "comments_count": -3},
    ]
    items = [TtrssBackend._item(r) for r in rows]
    assert [i.id if i else None for i in items] == ["3", None, None, None, None, "5"]
    first, last = items[0], items[-1]
    assert first is not None and not first.read and first.starred and first.published == 1749463200
    assert last is not None and last.title == "" and last.published is None and last.comment_count is None


async def test_read_and_star_in_the_app_then_see_it_on_the_server(ttrss, monkeypatch):
    from test_app import select, wait_for

    from tui.config import Config
    from tui.ui.app import ThreadlineApp

    setup_two_feeds(ttrss)
    monkeypatch.setenv("TL_TTRSS_PW", ttrss.password)
    store = Store.memory()
    app = ThreadlineApp(
        store, Config(timezone="UTC", sync=config_for(ttrss)), poll=True, opener=lambda u: None
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: {"A 0", "B 0"} <= {r.title for r in app.timeline.rows}, timeout=30)
        select(app, "B 0")
        await pilot.press("m", "s")  # read and save (starred on the server)
        await wait_for(pilot, lambda: store.queue_count() == 2)
        ids = {t: r["id"] for t, r in headlines(ttrss).items()}
        ttrss.content("updateArticle", article_ids=str(ids["A 2"]), field=0, mode=1)  # starred there
        await pilot.press("r")
        await wait_for(pilot, lambda: store.queue_count() == 0, timeout=30)
        await wait_for(
            pilot, lambda: any(r.title == "A 2" and r.saved for r in app.timeline.rows), timeout=30
        )
    server = headlines(ttrss)
    assert server["B 0"]["unread"] is False and server["B 0"]["marked"] is True
    store.close()


def test_add_with_sync_subscribes_on_the_server_and_brings_the_feed_here(ttrss, tmp_path):
    """`threadline add URL --sync --folder F`: the server subscribes (into F), its own
    update fetches the feed, and the next sync has its articles here as a synced feed;
    a URL the server refuses is one line, exit 1, and nothing stored."""
    url = ttrss.serve_feed("/added.xml", rss("Added desk", [("d0", "D 0", "<p>d</p>")]))
    ttrss.category_id("Harbour")
    home, cli = sync_home(tmp_path, ttrss)

    done = cli("add", url, "--sync", "--folder", "Harbour")
    assert done.returncode == 0, done.stderr
    assert "subscribed on the server" in done.stdout and "1 feeds added" in done.stdout
    feeds = ttrss.content("getFeeds", cat_id=-3)
    assert [f["feed_url"] for f in feeds] == [url]
    ttrss.update_feeds()
    again = cli("sync")
    assert again.returncode == 0 and "1 new items" in again.stdout, again.stdout
    store = Store.open(home)
    try:
        [feed] = store.feeds()
        assert (feed.url, feed.folder) == (url, "Harbour")
        assert store.feed_by_url(url) is not None and not store.polled_feeds()
    finally:
        store.close()
    refused = cli("add", "http://127.0.0.1:1/nothing.xml", "--sync")
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1 and "did not subscribe" in refused.stderr
    assert ttrss.password not in done.stdout + done.stderr + refused.stderr
