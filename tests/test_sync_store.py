"""The store's side of sync: the migration, synced feeds, and the durable queue."""

from __future__ import annotations

import sqlite3

import pytest

from tui.config import ConfigError, sync_config
from tui.model import Article
from tui.store import SCHEMA_VERSION, SaveResult, Store, StoreError
from tui.store.schema import MIGRATIONS
from tui.store.sync import RemoteSubscription
from tui.sync.account import read_password
from tui.sync.base import SyncError

ACCOUNT = "ttrss:me@https://rss.example"


@pytest.fixture
def store():
    s = Store.memory()
    yield s
    s.close()


def synced(store: Store, *titles: str) -> dict[str, int]:
    """One synced feed holding an article per title (remote ids 1, 2, ...); a title -> article id map."""
    changes = store.apply_subscriptions(
        ACCOUNT, [RemoteSubscription("7", "https://a.example/feed", "Alpha", "Tech")]
    )
    feed_id = changes.feed_ids["7"]
    articles = [Article(guid=f"sync:{n}", title=t, content="<p>x</p>") for n, t in enumerate(titles, 1)]
    store.save_synced_items(ACCOUNT, {feed_id: articles}, {}, SaveResult())
    return {a.title: a.id for a in articles if a.id is not None}


def queue(store: Store) -> list[tuple[str, str]]:
    return [(c.action, c.remote_id) for c in store.queued_changes(ACCOUNT)]


def test_migration_adds_the_sync_columns_to_an_existing_database(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    for script in MIGRATIONS[:-1]:  # a database made by the Threadline before sync
        for statement in (s for s in script.split(";") if s.strip()):
            db.execute(statement)
    db.execute("DROP TABLE IF EXISTS temp.titles_to_clean")
    db.execute("INSERT INTO feeds (url, title, added) VALUES ('https://old.example/feed', 'Old', 0)")
    db.execute(f"PRAGMA user_version={len(MIGRATIONS) - 1}")
    db.commit()
    db.close()
    with Store.open(path) as st:
        assert st.schema_version == SCHEMA_VERSION
        assert [f.title for f in st.polled_feeds()] == ["Old"]  # old feeds are local
        assert st.queue_count() == 0


def test_marks_on_synced_articles_are_queued_and_local_ones_are_not(store):
    ids = synced(store, "one", "two", "three")
    local = store.add_feed("https://local.example/feed")
    result = store.save_poll(local, None)
    assert result.new_ids == []
    store.set_read(ids["one"])
    store.set_saved(ids["two"])
    store.mark_rows_read([ids["three"]], [])
    assert sorted(queue(store)) == [("read", "1"), ("read", "3"), ("star", "2")]
    # marking what is already so queues nothing; a newer change replaces an older one
    store.set_read(ids["one"])
    store.set_read(ids["one"], False)
    store.set_saved(ids["two"], False)
    assert sorted(queue(store)) == [("read", "3"), ("unread", "1"), ("unstar", "2")]


def test_mark_all_read_queues_only_synced_unread_articles(store):
    ids = synced(store, "one", "two")
    store.set_read(ids["one"])
    store.queue_done(c.id for c in store.queued_changes(ACCOUNT))
    assert store.mark_all_read() == 1
    assert queue(store) == [("read", "2")]


def test_a_failed_mark_leaves_no_queued_change(store):
    ids = synced(store, "one")
    store._db.execute(
        "CREATE TRIGGER no_saving BEFORE UPDATE OF saved ON articles BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
    )
    with pytest.raises((StoreError, sqlite3.DatabaseError)):
        store.set_saved(ids["one"])
    assert queue(store) == []  # the mark and its queue row land together or not at all


def test_the_queue_survives_closing_the_store(tmp_path):
    with Store.open(tmp_path) as st:
        ids = synced(st, "one")
        st.set_read(ids["one"])
    with Store.open(tmp_path) as st:
        assert [(c.action, c.remote_id) for c in st.queued_changes(ACCOUNT)] == [("read", "1")]


def test_synced_feeds_are_never_due_for_polling(store):
    synced(store, "one")
    local = store.add_feed("https://local.example/feed")
    store.make_all_due(0)
    assert [f.url for f in store.due_feeds(now=1e17)] == [local.url]
    assert [f.url for f in store.polled_feeds()] == [local.url]
    assert {f.url for f in store.feeds()} == {local.url, "https://a.example/feed"}
    assert store.next_due() == 0


def test_a_local_feed_of_the_same_url_becomes_synced(store):
    local = store.add_feed("https://a.example/feed", title="Mine")
    changes = store.apply_subscriptions(
        ACCOUNT, [RemoteSubscription("7", "https://a.example/feed", "Alpha", "")]
    )
    assert changes.feed_ids == {"7": local.id}
    assert store.polled_feeds() == []


def test_server_state_wins_unless_a_change_is_queued(store):
    ids = synced(store, "one", "two", "three")
    store.set_read(ids["three"])  # queued: the reader's
    changes = store.apply_remote_state(ACCOUNT, unread={"2", "3"}, starred={"1"})
    assert (changes.read, changes.unread, changes.starred, changes.unstarred) == (1, 0, 1, 0)
    assert store.article(ids["one"]).read and store.is_saved(ids["one"])
    assert not store.article(ids["two"]).read
    assert store.article(ids["three"]).read  # server says unread, the queued read wins


def test_give_up_after_repeated_refusals(store):
    ids = synced(store, "one")
    store.set_read(ids["one"])
    [change] = store.queued_changes(ACCOUNT)
    for _ in range(2):
        assert store.queue_failed([change.id], "INCORRECT_USAGE", give_up_after=3) == []
    dropped = store.queue_failed([change.id], "INCORRECT_USAGE", give_up_after=3)
    assert [d.remote_id for d in dropped] == ["1"]
    assert store.queue_count() == 0


def test_removing_a_synced_feed_queues_its_unsubscription(store):
    synced(store, "one")
    assert store.remove_feed("https://a.example/feed")
    assert queue(store) == [("unsubscribe", "7")]


# -- [sync] in config.toml ----------------------------------------------------------------

GOOD = {"kind": "ttrss", "url": "https://rss.example/tt-rss", "user": "me", "password_env": "PW"}


@pytest.mark.parametrize(
    "change, says",
    [
        ({"kind": "newsblur"}, "sync.kind must be one of ttrss, greader"),
        ({"url": "ftp://rss.example"}, "must be an http:// or https:// URL"),
        ({"url": "https://me:hunter2@rss.example"}, "must not hold a user or password"),
        ({"url": "https://rss.example/\x1b[2J"}, "printable"),
        ({"password_command": "pass show rss"}, "exactly one of password_env or password_command"),
        ({"password_env": ""}, "exactly one of password_env or password_command"),
        ({"password_env": "NOT A NAME"}, "name of an environment variable"),
        ({"password": "hunter2"}, "unknown setting sync.password"),
        ({"user": 5}, "sync.user must be a string"),
        ({"user": ""}, "sync.user is missing"),
    ],
)
def test_hostile_sync_settings_are_refused_in_one_line(change, says):
    table = {**GOOD, **change}
    with pytest.raises(ConfigError) as info:
        sync_config(table, "config.toml")
    message = str(info.value)
    assert says in message and "\n" not in message
    assert "hunter2" not in message


def test_password_from_the_environment_or_a_command(tmp_path):
    cfg = sync_config(GOOD)
    assert read_password(cfg, {"PW": "from-env"}) == "from-env"
    with pytest.raises(SyncError, match=r"PW .* is not set"):
        read_password(cfg, {})
    script = tmp_path / "pw.sh"
    script.write_text("#!/bin/sh\necho 'from-command'\necho 'second line'\n")
    script.chmod(0o755)
    cmd = sync_config({**GOOD, "password_env": "", "password_command": str(script)})
    assert read_password(cmd) == "from-command"
    failing = tmp_path / "fail.sh"
    failing.write_text("#!/bin/sh\necho 'leaked-secret'\nexit 3\n")
    failing.chmod(0o755)
    with pytest.raises(SyncError) as info:
        read_password(sync_config({**GOOD, "password_env": "", "password_command": str(failing)}))
    assert str(info.value) == "sync.password_command failed (exit status 3)"
