"""Synced feeds and the durable queue of marks to send (issue #15).

A feed is local (``sync_account = ''``, polled by Threadline) or synced (read
from an aggregator account, never polled here). A synced article keeps the
server's id in ``remote_id``. The reader's own marks on a synced article (read,
unread, saved, unsaved) go into ``sync_queue`` in the same transaction as the
mark itself (``_queue_marks``, called from db.py's write paths), so a mark made
offline, or just before a crash, is never lost; the engine sends the queue and
deletes each row only once the server has taken it.

Conflict rule, applied here when the server's state arrives: a field with a
change still queued keeps the reader's value; every other field takes the
server's.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from tui.model import STATUS_OK, Article
from tui.store.connection import Database

# queue actions, by the article column they carry
_ACTIONS = {"read": ("read", "unread"), "saved": ("star", "unstar")}
UNSUBSCRIBE = "unsubscribe"
_SYNCED = "f.sync_account != '' AND a.remote_id != ''"


@dataclass
class RemoteSubscription:
    """What the store needs of a feed on the server (tui.sync fills it)."""

    remote_id: str
    url: str
    title: str = ""
    folder: str = ""
    site_url: str = ""


@dataclass
class SubscriptionChanges:
    added: list[str] = field(default_factory=list)  # titles
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # renamed or moved
    feed_ids: dict[str, int] = field(default_factory=dict)  # remote id -> local feed id


@dataclass
class QueuedChange:
    id: int
    action: str  # read, unread, star, unstar, unsubscribe
    remote_id: str
    attempts: int


@dataclass
class StateChanges:
    read: int = 0
    unread: int = 0
    starred: int = 0
    unstarred: int = 0


class SyncStore(Database):
    # -- hooks for db.py's write paths -------------------------------------------
    @staticmethod
    def _queue_marks(
        db: sqlite3.Connection, column: str, value: bool, where: str, params: tuple = ()
    ) -> None:
        """Queue ``column = value`` for every synced article matching ``where``
        (over ``articles a``) whose mark is about to change. Call it in the
        write's transaction, before the write. A newer change of the same mark
        replaces an older one still queued."""
        on, off = _ACTIONS[column]
        action = on if value else off
        match = f"""SELECT f.sync_account AS account, a.remote_id FROM articles a JOIN feeds f ON f.id = a.feed_id
                    WHERE {_SYNCED} AND a.{column} != ? AND ({where})"""
        args = (int(value), *params)
        db.execute(
            f"DELETE FROM sync_queue WHERE action IN (?, ?) AND (account, remote_id) IN ({match})",
            (on, off, *args),
        )
        db.execute(
            f"""INSERT INTO sync_queue (account, action, remote_id, created)
                SELECT account, ?, remote_id, ? FROM ({match})""",
            (action, time.time(), *args),
        )

    @staticmethod
    def _queue_unsubscribe(db: sqlite3.Connection, feed_id: int) -> None:
        """Removing a synced feed here unsubscribes it on the server too."""
        db.execute(
            "INSERT INTO sync_queue (account, action, remote_id, created) "
            "SELECT sync_account, ?, remote_id, ? FROM feeds WHERE id=? AND sync_account != ''",
            (UNSUBSCRIBE, time.time(), feed_id),
        )

    def _upsert_articles(self, db: sqlite3.Connection, feed_id: int, entries: list[Article], result) -> None:
        raise NotImplementedError  # the poller's article write path, in db.py's Store

    # -- subscriptions -------------------------------------------------------------
    def is_synced_feed(self, feed_id: int) -> bool:
        rows = self._rows("SELECT sync_account FROM feeds WHERE id=?", (feed_id,))
        return bool(rows and rows[0][0])

    def synced_feed_urls(self, account: str) -> dict[str, str]:
        """remote id -> URL of the account's synced feeds."""
        rows = self._rows("SELECT remote_id, url FROM feeds WHERE sync_account=?", (account,))
        return {r[0]: r[1] for r in rows}

    def synced_feed_count(self, account: str) -> int:
        return self._rows("SELECT COUNT(*) FROM feeds WHERE sync_account=?", (account,))[0][0]

    def apply_subscriptions(self, account: str, remote: list[RemoteSubscription]) -> SubscriptionChanges:
        """Make the account's synced feeds what the server lists: new ones added
        (a local feed of the same URL becomes synced), titles and folders
        followed, the ones gone from the server removed with their articles."""
        changes = SubscriptionChanges()
        now = time.time()
        with self._tx() as db:
            existing = {
                r["remote_id"]: r
                for r in db.execute(
                    "SELECT id, remote_id, url, title, folder, site_url FROM feeds WHERE sync_account=?",
                    (account,),
                )
            }
            for sub in remote:
                row = existing.pop(sub.remote_id, None)
                if row is not None:
                    changes.feed_ids[sub.remote_id] = row["id"]
                    if (row["title"], row["folder"]) != (sub.title, sub.folder):
                        changes.changed.append(sub.title or row["url"])
                        db.execute(
                            "UPDATE feeds SET title=?, folder=? WHERE id=?",
                            (sub.title, sub.folder, row["id"]),
                        )
                    if sub.url != row["url"]:
                        try:
                            db.execute("UPDATE feeds SET url=? WHERE id=?", (sub.url, row["id"]))
                        except sqlite3.IntegrityError:
                            pass  # another subscription has that URL: keep ours
                    continue
                same = db.execute("SELECT id FROM feeds WHERE url=?", (sub.url,)).fetchone()
                if same is not None:
                    db.execute(
                        "UPDATE feeds SET sync_account=?, remote_id=?, title=?, folder=?, next_poll=1e18 "
                        "WHERE id=?",
                        (account, sub.remote_id, sub.title, sub.folder, same[0]),
                    )
                    feed_id = same[0]
                else:
                    cur = db.execute(
                        """INSERT INTO feeds (url, title, folder, site_url, added, next_poll, status,
                               sync_account, remote_id) VALUES (?,?,?,?,?,1e18,?,?,?)""",
                        (
                            sub.url,
                            sub.title,
                            sub.folder,
                            sub.site_url,
                            now,
                            STATUS_OK,
                            account,
                            sub.remote_id,
                        ),
                    )
                    feed_id = cur.lastrowid
                assert feed_id is not None
                changes.feed_ids[sub.remote_id] = feed_id
                changes.added.append(sub.title or sub.url)
            for row in existing.values():
                ids = [r[0] for r in db.execute("SELECT id FROM articles WHERE feed_id=?", (row["id"],))]
                db.executemany("DELETE FROM articles_fts WHERE rowid=?", [(i,) for i in ids])
                db.execute("DELETE FROM feeds WHERE id=?", (row["id"],))
                changes.removed.append(row["title"] or row["url"])
            db.execute(
                "UPDATE feeds SET status=?, error='', error_count=0, last_success=?, last_polled=? "
                "WHERE sync_account=?",
                (STATUS_OK, now, now, account),
            )
        return changes

    # -- items ----------------------------------------------------------------------
    def remote_digests(self, remote_ids: list[str]) -> dict[str, str]:
        """remote id -> content digest of the synced articles already stored."""
        found: dict[str, str] = {}
        for i in range(0, len(remote_ids), 500):
            chunk = remote_ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for r in self._rows(
                f"SELECT remote_id, content_hash FROM articles WHERE remote_id IN ({marks})", tuple(chunk)
            ):
                found[r[0]] = r[1]
        return found

    def save_synced_items(
        self, account: str, groups: dict[int, list[Article]], marks: dict[str, tuple[bool, bool]], result
    ) -> None:
        """Store a page of synced items through the poller's article write path (so
        live articles are split, indexed and followed the same way) in one
        transaction, with each item's server id and the server's read and starred
        marks (``marks``: remote id -> (read, starred)) where no change of the
        reader's is queued. Each article's guid is ``sync:<remote id>``; ``result``
        is a fresh ``SaveResult`` that collects what the write path reports."""
        with self._tx() as db:
            for feed_id, articles in groups.items():
                self._upsert_articles(db, feed_id, articles, result)
                for a in articles:
                    rid = a.guid.removeprefix("sync:")
                    db.execute("UPDATE articles SET remote_id=? WHERE id=?", (rid, a.id))
                    read, starred = marks.get(rid, (False, False))
                    self._take_mark(db, account, "read", a.id, rid, read)
                    self._take_mark(db, account, "saved", a.id, rid, starred)

    @staticmethod
    def _take_mark(
        db: sqlite3.Connection, account: str, column: str, article_id, rid: str, value: bool
    ) -> bool:
        on, off = _ACTIONS[column]
        if db.execute(
            "SELECT 1 FROM sync_queue WHERE account=? AND remote_id=? AND action IN (?, ?)",
            (account, rid, on, off),
        ).fetchone():
            return False  # the reader's queued change wins
        changed = db.execute(
            f"UPDATE articles SET {column}=? WHERE id=? AND {column} != ?",
            (int(value), article_id, int(value)),
        ).rowcount
        if changed and column == "read":
            db.execute("UPDATE updates SET read=? WHERE article_id=?", (int(value), article_id))
        return bool(changed)

    def followed_remote_ids(self, account: str) -> list[str]:
        rows = self._rows(
            "SELECT a.remote_id FROM articles a JOIN feeds f ON f.id = a.feed_id "
            "WHERE f.sync_account=? AND a.remote_id != '' AND a.followed=1",
            (account,),
        )
        return [r[0] for r in rows]

    def local_unread_counts(self, account: str) -> dict[str, int]:
        """remote feed id -> unread synced articles held here."""
        rows = self._rows(
            "SELECT f.remote_id, COUNT(a.id) FROM feeds f LEFT JOIN articles a "
            "ON a.feed_id = f.id AND a.read = 0 AND a.remote_id != '' "
            "WHERE f.sync_account=? GROUP BY f.id",
            (account,),
        )
        return {r[0]: r[1] for r in rows}

    def apply_remote_state(
        self,
        account: str,
        unread: set[str] | None,
        starred: set[str] | None,
        feeds: list[str] | None = None,
    ) -> StateChanges:
        """Take the server's read marks (``unread``: the unread ids, in ``feeds``
        or in every synced feed when None) and starred marks for the synced
        articles held here, except where a change of the reader's is queued."""
        changes = StateChanges()
        with self._tx() as db:
            if unread is not None:
                scope, args = "f.sync_account=?", [account]
                if feeds is not None:
                    scope += f" AND f.remote_id IN ({','.join('?' * len(feeds))})"
                    args.extend(feeds)
                changes.read, changes.unread = self._take_set(db, account, "read", unread, scope, args, True)
            if starred is not None:
                changes.unstarred, changes.starred = self._take_set(
                    db, account, "saved", starred, "f.sync_account=?", [account], False
                )
        return changes

    def take_read(self, account: str, ids: set[str]) -> int:
        """Mark read the synced articles the server says were read lately (unless a
        change of the reader's is queued); returns how many changed."""
        if not ids:
            return 0
        with self._tx() as db:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS sync_ids (remote_id TEXT PRIMARY KEY) WITHOUT ROWID")
            db.execute("DELETE FROM temp.sync_ids")
            db.executemany("INSERT OR IGNORE INTO temp.sync_ids VALUES (?)", [(i,) for i in ids])
            rows = db.execute(
                """SELECT a.id FROM articles a JOIN feeds f ON f.id = a.feed_id
                   WHERE f.sync_account=? AND a.read = 0 AND a.remote_id IN (SELECT remote_id FROM temp.sync_ids)
                     AND NOT EXISTS (SELECT 1 FROM sync_queue q WHERE q.account=? AND
                                     q.remote_id = a.remote_id AND q.action IN ('read', 'unread'))""",
                (account, account),
            ).fetchall()
            changed = [r[0] for r in rows]
            for i in range(0, len(changed), 500):
                chunk = changed[i : i + 500]
                marks = ",".join("?" * len(chunk))
                db.execute(f"UPDATE articles SET read=1 WHERE id IN ({marks})", tuple(chunk))
                db.execute(f"UPDATE updates SET read=1 WHERE article_id IN ({marks})", tuple(chunk))
            db.execute("DELETE FROM temp.sync_ids")
        return len(changed)

    @staticmethod
    def _take_set(
        db: sqlite3.Connection,
        account: str,
        column: str,
        ids: set[str],
        scope: str,
        args: list,
        inverted: bool,
    ) -> tuple[int, int]:
        """Set ``column`` from membership in ``ids``: a member gets 1 (0 when
        ``inverted``), the others the opposite. Returns how many articles took
        the non-members' value and how many the members'."""
        db.execute("CREATE TEMP TABLE IF NOT EXISTS sync_ids (remote_id TEXT PRIMARY KEY) WITHOUT ROWID")
        db.execute("DELETE FROM temp.sync_ids")
        db.executemany("INSERT OR IGNORE INTO temp.sync_ids VALUES (?)", [(i,) for i in ids])
        on, off = _ACTIONS[column]
        member_value = 0 if inverted else 1
        counts = []
        for value in (1 - member_value, member_value):
            test = "NOT IN" if value != member_value else "IN"
            rows = db.execute(
                f"""SELECT a.id FROM articles a JOIN feeds f ON f.id = a.feed_id
                    WHERE {scope} AND a.remote_id != '' AND a.{column} != ?
                      AND a.remote_id {test} (SELECT remote_id FROM temp.sync_ids)
                      AND NOT EXISTS (SELECT 1 FROM sync_queue q WHERE q.account=? AND
                                      q.remote_id = a.remote_id AND q.action IN (?, ?))""",
                (*args, value, account, on, off),
            ).fetchall()
            changed = [r[0] for r in rows]
            for i in range(0, len(changed), 500):
                chunk = changed[i : i + 500]
                marks = ",".join("?" * len(chunk))
                db.execute(f"UPDATE articles SET {column}=? WHERE id IN ({marks})", (value, *chunk))
                if column == "read":
                    db.execute(f"UPDATE updates SET read=? WHERE article_id IN ({marks})", (value, *chunk))
            counts.append(len(changed))
        db.execute("DELETE FROM temp.sync_ids")
        return counts[0], counts[1]

    # -- the queue ----------------------------------------------------------------------
    def queued_changes(self, account: str) -> list[QueuedChange]:
        rows = self._rows(
            "SELECT id, action, remote_id, attempts FROM sync_queue WHERE account=? ORDER BY id", (account,)
        )
        return [QueuedChange(r[0], r[1], r[2], r[3]) for r in rows]

    def queue_count(self, account: str | None = None) -> int:
        if account is None:
            return self._rows("SELECT COUNT(*) FROM sync_queue")[0][0]
        return self._rows("SELECT COUNT(*) FROM sync_queue WHERE account=?", (account,))[0][0]

    def queue_done(self, ids: Iterable[int]) -> None:
        with self._tx() as db:
            db.executemany("DELETE FROM sync_queue WHERE id=?", [(i,) for i in ids])

    def queue_failed(self, ids: Iterable[int], error: str, give_up_after: int) -> list[QueuedChange]:
        """Count a failed attempt; changes that failed ``give_up_after`` times are
        dropped and returned (the server refuses them for good)."""
        ids = list(ids)
        with self._tx() as db:
            db.executemany(
                "UPDATE sync_queue SET attempts = attempts + 1, error=? WHERE id=?",
                [(error[:200], i) for i in ids],
            )
            dropped = []
            for i in ids:
                r = db.execute(
                    "SELECT id, action, remote_id, attempts FROM sync_queue WHERE id=? AND attempts >= ?",
                    (i, give_up_after),
                ).fetchone()
                if r is not None:
                    dropped.append(QueuedChange(r[0], r[1], r[2], r[3]))
                    db.execute("DELETE FROM sync_queue WHERE id=?", (i,))
        return dropped

    # -- the sync's own state (in settings) -------------------------------------------------
    def sync_value(self, account: str, name: str, default: str = "") -> str:
        rows = self._rows("SELECT value FROM settings WHERE key=?", (f"sync.{account}.{name}",))
        return rows[0][0] if rows else default

    def set_sync_values(self, account: str, **values: str) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?,?)",
                [(f"sync.{account}.{k}", v) for k, v in values.items()],
            )
