import sqlite3

import pytest

from tui.model import STATUS_GONE, STATUS_OK, Article, Comment, ParsedFeed, Update
from tui.store import SCHEMA_VERSION, Store, StoreError
from tui.store.connection import _split_sql
from tui.store.schema import MIGRATIONS


def _entries(*specs):
    return [
        Article(guid=g, title=t, link=f"https://example.test/{g}", content=f"<p>{c}</p>", published=p)
        for g, t, c, p in specs
    ]


@pytest.fixture
def store(home):
    s = Store.open(home)
    yield s
    s.close()


def test_open_creates_wal_database_at_latest_schema(home):
    s = Store.open(home)
    assert s.schema_version == SCHEMA_VERSION
    assert s.path.name == "threadline.db"
    mode = s._rows("PRAGMA journal_mode")[0][0]
    assert mode == "wal"
    s.close()


def test_old_database_migrates_and_keeps_its_rows(home):
    path = home / "threadline.db"
    conn = sqlite3.connect(path)
    for stmt in _split_sql(MIGRATIONS[0]):
        conn.execute(stmt)
    conn.execute("PRAGMA user_version=1")
    conn.execute("INSERT INTO feeds (url, title, added) VALUES ('http://a.test/feed', 'A', 0)")
    conn.execute(
        "INSERT INTO articles (feed_id, guid, title, first_seen, sort_time) VALUES (1, 'g1', 'Old', 0, 5)"
    )
    conn.commit()
    conn.close()

    s = Store.open(home)
    assert s.schema_version == SCHEMA_VERSION
    assert [f.title for f in s.feeds()] == ["A"]
    art = s.articles()[0]
    assert art.title == "Old" and art.followed is False
    s.save_updates(art.id, [Update(key="k", time=10.0, headline="h", html="<p>x</p>", position=1)])
    assert len(s.updates(art.id)) == 1
    s.close()


def test_newer_schema_is_refused(home):
    path = home / "threadline.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store.open(home)


def test_save_poll_dedups_by_guid_and_updates_in_place(store):
    feed = store.add_feed("http://a.test/feed")
    feed.status = STATUS_OK
    first = store.save_poll(
        feed,
        ParsedFeed(
            title="A",
            entries=_entries(("g1", "One", "first body", 100.0), ("g2", "Two", "second body", 200.0)),
        ),
    )
    assert len(first.new_ids) == 2 and first.changed_ids == []

    again = store.save_poll(
        feed,
        ParsedFeed(
            entries=_entries(
                ("g1", "One", "first body", 100.0), ("g2", "Two (corrected)", "second body", 200.0)
            )
        ),
    )
    assert again.new_ids == []
    assert len(again.changed_ids) == 1
    titles = sorted(a.title for a in store.articles())
    assert titles == ["One", "Two (corrected)"]
    assert store.feed_by_url("http://a.test/feed").title == "A"


def test_comment_count_changes_quietly(store):
    feed = store.add_feed("http://a.test/feed")
    e = _entries(("g1", "One", "body", 1.0))
    e[0].comment_count = 3
    store.save_poll(feed, ParsedFeed(entries=e))
    e = _entries(("g1", "One", "body", 1.0))
    e[0].comment_count = 7
    res = store.save_poll(feed, ParsedFeed(entries=e))
    assert res.changed_ids == [] and res.new_ids == []
    assert store.articles()[0].comment_count == 7


def test_feed_state_round_trips_and_gone_feeds_are_never_due(store):
    feed = store.add_feed("http://a.test/feed", title="Mine", folder="News", every=600)
    feed.etag, feed.last_modified, feed.next_poll = '"x"', "Tue, 01 Jan 2030 00:00:00 GMT", 50.0
    store.save_poll(feed, None)
    back = store.feed_by_url("http://a.test/feed")
    assert (back.etag, back.last_modified, back.every, back.folder) == (
        '"x"',
        "Tue, 01 Jan 2030 00:00:00 GMT",
        600,
        "News",
    )
    assert [f.url for f in store.due_feeds(60.0)] == ["http://a.test/feed"]
    assert store.due_feeds(40.0) == []
    back.status = STATUS_GONE
    store.save_poll(back, None)
    assert store.due_feeds(1e12) == []


def test_timeline_interleaves_articles_and_live_updates_newest_first(store):
    feed = store.add_feed("http://a.test/feed", title="Feed A")
    store.save_poll(
        feed,
        ParsedFeed(
            entries=_entries(
                ("g1", "Old story", "x", 100.0), ("g2", "Live: storm", "y", 200.0), ("g3", "New", "z", 400.0)
            )
        ),
    )
    live = [a for a in store.articles() if a.guid == "g2"][0]
    store.save_updates(
        live.id,
        [
            Update(key="story", time=200.0, headline="story", html="<p>y</p>", position=0),
            Update(key="u1", time=300.0, headline="Winds rise", html="<p>w</p>", position=1),
            Update(key="u2", time=500.0, headline="Power out", html="<p>p</p>", position=2),
        ],
    )
    rows = store.timeline()
    assert [(r.title, r.headline) for r in rows] == [
        ("Live: storm", "Power out"),
        ("New", ""),
        ("Live: storm", "Winds rise"),
        ("Live: storm", ""),
        ("Old story", ""),
    ]
    assert rows[0].feed_title == "Feed A" and rows[0].update_id is not None


def test_save_updates_adds_new_keys_and_marks_edits(store):
    feed = store.add_feed("http://a.test/feed")
    store.save_poll(feed, ParsedFeed(entries=_entries(("g", "Live", "b", 1.0))))
    aid = store.articles()[0].id
    base = [
        Update(key="story", time=1.0, headline="s", html="<p>s</p>", position=0),
        Update(key="a", time=2.0, headline="a", html="<p>a</p>", position=1),
    ]
    assert len(store.save_updates(aid, base).added) == 2
    again = [
        Update(key="story", time=1.0, headline="s", html="<p>s</p>", position=0),
        Update(key="a", time=2.0, headline="a", html="<p>a, corrected</p>", position=1),
        Update(key="b", time=3.0, headline="b", html="<p>b</p>", position=2),
    ]
    saved = store.save_updates(aid, again)
    assert [u.key for u in saved.added] == ["b"]
    assert [u.key for u in saved.edited] == ["a"]
    assert len(store.updates(aid)) == 3
    assert store.article(aid).last_update == 3.0


def test_read_state_and_unread_counts(store):
    feed = store.add_feed("http://a.test/feed")
    store.save_poll(feed, ParsedFeed(entries=_entries(("g1", "A", "a", 1.0), ("g2", "B", "b", 2.0))))
    assert store.feeds()[0].unread == 2
    store.set_read(store.articles()[0].id)
    assert store.feeds()[0].unread == 1
    assert store.mark_all_read() == 1
    assert store.feeds()[0].unread == 0


def test_search_matches_titles_and_bodies_and_survives_odd_queries(store):
    feed = store.add_feed("http://a.test/feed")
    store.save_poll(
        feed,
        ParsedFeed(
            entries=_entries(
                ("g1", "Harbour strike ends", "dockers vote", 1.0),
                ("g2", "Council budget", "the <b>ferry</b> subsidy", 2.0),
            )
        ),
    )
    assert [r.title for r in store.search("harb")] == ["Harbour strike ends"]
    assert [r.title for r in store.search("ferry")] == ["Council budget"]
    assert store.search('" OR NEAR( *') == []
    assert store.search("") == []


def test_remove_feed_removes_its_articles_and_index(store):
    feed = store.add_feed("http://a.test/feed")
    store.save_poll(feed, ParsedFeed(entries=_entries(("g1", "Alpha", "a", 1.0))))
    assert store.remove_feed("http://a.test/feed") is True
    assert store.articles() == [] and store.search("alpha") == []
    assert store.remove_feed("http://a.test/feed") is False


def test_thread_cache_and_seen_comments(store):
    comments = [
        Comment(id="1", author="ann", html="<p>hi</p>"),
        Comment(id="2", parent_id="1", author="bo", html="<p>yo</p>", time=5.0),
    ]
    store.save_thread("wp:http://x/?p=1", "wordpress", comments)
    loaded, fetched = store.load_thread("wp:http://x/?p=1")
    assert loaded == comments and fetched > 0
    assert store.load_thread("nope") is None
    store.mark_comments_seen("t", ["1", "2"])
    store.mark_comments_seen("t", {"2", "3"})
    assert store.seen_comments("t") == {"1", "2", "3"}


def test_a_big_cached_thread_is_read_back_in_slices(store, monkeypatch):
    """The copy is written a comment a line and read back 1,000 lines per C call;
    a copy in the older one-line form is read a comment at a time (deepjson);
    a bad entry still drops the copy."""
    import json

    from tui.store import threads
    from tui.text import deepjson

    comments = [
        Comment(id=str(i), parent_id=str(i - 1) if i % 3 else None, html="<p>w\nx</p>", more_ids=["a"])
        for i in range(60)
    ]
    comments[5].role = "moderator"
    comments.append(Comment(id="s\ud800x", author="\udfff"))  # lone surrogates: stored cleaned
    store.save_thread("t", "hackernews", comments)
    decoded: list[int] = []
    real_loads = json.loads
    monkeypatch.setattr(threads, "_LINES_A_SLICE", 25)
    monkeypatch.setattr(
        threads.json, "loads", lambda text: decoded.append(len(real_loads(text))) or real_loads(text)
    )
    loaded, _ = store.load_thread("t")
    assert loaded[:60] == comments[:60] and loaded[60].id == "s\ufffdx" and loaded[60].author == "\ufffd"
    assert decoded == [25, 25, 11]
    monkeypatch.setattr(threads.json, "loads", real_loads)

    old_form = real_loads(store._rows("SELECT comments FROM threads WHERE key='t'", ())[0]["comments"])
    real_scan, spans = deepjson._SCAN, []

    def scan(s, i):
        value, end = real_scan(s, i)
        spans.append(end - i)
        return value, end

    monkeypatch.setattr(deepjson, "_SCAN", scan)
    monkeypatch.setattr(deepjson, "SLICE_OVER", 0)
    with store._tx() as db:
        db.execute("UPDATE threads SET comments=? WHERE key='t'", (json.dumps(old_form),))
    assert store.load_thread("t")[0] == loaded
    assert len(spans) == 61
    with store._tx() as db:
        db.execute("UPDATE threads SET comments=? WHERE key='t'", ('[\n{"id": "1"},\n{"id": 2}\n]',))
    assert store.load_thread("t") is None


def test_readonly_home_gives_a_clear_error(tmp_path):
    import os

    if os.geteuid() == 0:
        # root ignores permission bits; use a path below a regular file instead
        blocker = tmp_path / "file"
        blocker.write_text("x")
        with pytest.raises(StoreError, match="cannot open"):
            Store.open(blocker / "home" / "threadline.db")
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        with pytest.raises(StoreError):
            Store.open(ro)


def test_a_home_that_does_not_exist_yet_becomes_a_folder(tmp_path):
    """`--home DIR` for a new folder: DIR is made and holds the database; it never
    becomes the database file itself (which broke every later command)."""
    home = tmp_path / "new" / "home"
    with Store.open(home) as store:
        store.add_feed("http://127.0.0.1/feed")
    assert home.is_dir()
    assert (home / "threadline.db").is_file()
    with Store.open(home) as again:
        assert [f.url for f in again.feeds()] == ["http://127.0.0.1/feed"]


def test_an_explicit_database_file_is_still_taken_as_a_file(tmp_path):
    target = tmp_path / "elsewhere.db"
    Store.open(target).close()
    assert target.is_file()
