"""The SQLite store: the only module that speaks SQL.

One connection per process, shared by the poller's threads and the UI behind a
lock. WAL mode with synchronous=NORMAL: a killed process loses at most the
transaction it was in, never what was committed before, and readers never block
the poller. Every write that belongs together happens in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

from tui.model import (
    STATUS_GONE,
    Article,
    Comment,
    Feed,
    ParsedFeed,
    TimelineRow,
    Update,
)
from tui.text import search_text

DB_NAME = "threadline.db"

# Each entry moves the schema from version i to i+1. Never edit a shipped entry:
# add a new one, so that every existing database walks the same path.
MIGRATIONS: list[str] = [
    # 1: feeds, articles, full-text search
    """
    CREATE TABLE feeds (
        id            INTEGER PRIMARY KEY,
        url           TEXT NOT NULL UNIQUE,
        title         TEXT NOT NULL DEFAULT '',
        folder        TEXT NOT NULL DEFAULT '',
        site_url      TEXT NOT NULL DEFAULT '',
        every         REAL,
        etag          TEXT,
        last_modified TEXT,
        body_hash     TEXT,
        next_poll     REAL NOT NULL DEFAULT 0,
        min_period    REAL,
        status        TEXT NOT NULL DEFAULT 'new',
        error         TEXT NOT NULL DEFAULT '',
        error_count   INTEGER NOT NULL DEFAULT 0,
        last_success  REAL,
        last_polled   REAL,
        added         REAL NOT NULL
    );
    CREATE TABLE articles (
        id            INTEGER PRIMARY KEY,
        feed_id       INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        guid          TEXT NOT NULL,
        title         TEXT NOT NULL DEFAULT '',
        link          TEXT NOT NULL DEFAULT '',
        author        TEXT NOT NULL DEFAULT '',
        published     REAL,
        updated       REAL,
        content       TEXT NOT NULL DEFAULT '',
        summary       TEXT NOT NULL DEFAULT '',
        comments_url  TEXT NOT NULL DEFAULT '',
        comment_feed  TEXT NOT NULL DEFAULT '',
        comment_count INTEGER,
        content_hash  TEXT NOT NULL DEFAULT '',
        first_seen    REAL NOT NULL,
        sort_time     REAL NOT NULL,
        read          INTEGER NOT NULL DEFAULT 0,
        UNIQUE (feed_id, guid)
    );
    CREATE INDEX articles_by_time ON articles (sort_time DESC);
    CREATE INDEX articles_by_feed ON articles (feed_id, read);
    CREATE VIRTUAL TABLE articles_fts USING fts5 (title, body, tokenize = 'unicode61 remove_diacritics 2');
    """,
    # 2: live articles: their timestamped updates and the follow flag
    """
    ALTER TABLE articles ADD COLUMN followed INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE articles ADD COLUMN follow_until REAL;
    ALTER TABLE articles ADD COLUMN last_update REAL;
    CREATE TABLE updates (
        id          INTEGER PRIMARY KEY,
        article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        key         TEXT NOT NULL,
        time        REAL,
        headline    TEXT NOT NULL DEFAULT '',
        html        TEXT NOT NULL DEFAULT '',
        html_hash   TEXT NOT NULL DEFAULT '',
        position    INTEGER NOT NULL DEFAULT 0,
        first_seen  REAL NOT NULL,
        edited      INTEGER NOT NULL DEFAULT 0,
        read        INTEGER NOT NULL DEFAULT 0,
        UNIQUE (article_id, key)
    );
    CREATE INDEX updates_by_time ON updates (time DESC);
    """,
    # 3: comment threads cached for offline reading, and which comments were seen
    """
    CREATE TABLE threads (
        key       TEXT PRIMARY KEY,
        source    TEXT NOT NULL DEFAULT '',
        fetched   REAL NOT NULL,
        comments  TEXT NOT NULL
    );
    CREATE TABLE comments_seen (
        thread     TEXT NOT NULL,
        comment_id TEXT NOT NULL,
        PRIMARY KEY (thread, comment_id)
    ) WITHOUT ROWID;
    """,
    # 4: a live article's own page (fetched conditionally for its JSON-LD updates)
    #    and where its updates come from: '' none yet, 'markers' or 'jsonld'
    """
    ALTER TABLE articles ADD COLUMN page_etag TEXT;
    ALTER TABLE articles ADD COLUMN page_modified TEXT;
    ALTER TABLE articles ADD COLUMN updates_source TEXT NOT NULL DEFAULT '';
    CREATE INDEX articles_followed ON articles (followed) WHERE followed = 1;
    CREATE INDEX articles_by_feed_time ON articles (feed_id, sort_time DESC);
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)

_FEED_POLL_FIELDS = (
    "url", "title", "site_url", "etag", "last_modified", "body_hash", "next_poll",
    "min_period", "status", "error", "error_count", "last_success", "last_polled",
)


class StoreError(Exception):
    """A store problem the user can act on (unreadable file, read-only home, full disk)."""


@dataclass
class SaveResult:
    new_ids: list[int] = field(default_factory=list)
    changed_ids: list[int] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)  # filled by the poller (tui/live.py)


@dataclass
class UpdatesSaved:
    added: list[Update] = field(default_factory=list)
    edited: list[Update] = field(default_factory=list)


def _article_hash(a: Article) -> str:
    h = hashlib.sha1()
    for part in (a.title, a.link, a.content, a.summary):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def _fts_query(text: str) -> str:
    """Turn what the reader typed into a safe FTS5 query: every word a quoted prefix."""
    words = re.findall(r"\w+", text, flags=re.UNICODE)
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words)


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self._db = conn
        self.path = path
        self._lock = threading.RLock()

    # -- opening ------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str) -> "Store":
        """Open (creating and migrating) the database at ``path``.

        ``path`` may be a directory (the Threadline home) or the database file.
        """
        path = Path(path)
        if path.is_dir():
            path = path / DB_NAME
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                path, timeout=10.0, check_same_thread=False, isolation_level=None
            )
            store = cls(conn, path)
            store._configure()
            store._migrate()
        except sqlite3.DatabaseError as exc:
            # SQLite says "disk I/O error" when it cannot create its -shm file
            # on a full disk; the reader can act on "full", not on "I/O".
            reason = "the disk is full" if _no_space_left(path.parent) else str(exc)
            raise StoreError(f"cannot open the database {path}: {reason}") from exc
        except OSError as exc:
            raise StoreError(f"cannot open the database {path}: {exc.strerror or exc}") from exc
        return store

    @classmethod
    def memory(cls) -> "Store":
        conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        store = cls(conn, None)
        store._configure()
        store._migrate()
        return store

    def _configure(self) -> None:
        db = self._db
        db.row_factory = sqlite3.Row
        if self.path is not None:
            mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StoreError(f"the database {self.path} cannot use WAL mode ({mode})")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=10000")

    def _migrate(self) -> None:
        with self._lock:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"the database is from a newer Threadline (schema {version} > {SCHEMA_VERSION})"
                )
            for target in range(version + 1, SCHEMA_VERSION + 1):
                with self._tx():
                    for statement in _split_sql(MIGRATIONS[target - 1]):
                        self._db.execute(statement)
                    self._db.execute(f"PRAGMA user_version={target}")

    @property
    def schema_version(self) -> int:
        with self._lock:
            return self._db.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            try:
                self._db.execute("PRAGMA optimize")
            except sqlite3.DatabaseError:
                pass
            self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: all of it lands, or none of it."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(_explain(exc)) from exc
            try:
                yield self._db
            except sqlite3.OperationalError as exc:
                # A full disk or an I/O error mid-write: the reader needs one
                # clear line (StoreError), not the driver's exception.
                self._rollback()
                raise StoreError(_explain(exc)) from exc
            except BaseException:
                self._rollback()
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._rollback()
                raise StoreError(_explain(exc)) from exc

    def _rollback(self) -> None:
        # SQLite has already rolled back after some errors (SQLITE_FULL among
        # them); a second ROLLBACK would raise and hide the real error.
        if self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.OperationalError:
                pass

    def _rows(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def integrity_check(self) -> str:
        return self._rows("PRAGMA integrity_check")[0][0]

    # -- feeds --------------------------------------------------------------
    def add_feed(
        self, url: str, title: str = "", folder: str = "", every: float | None = None
    ) -> Feed:
        """Subscribe to ``url``; an existing subscription keeps its state but takes new
        title/folder/every when given."""
        with self._tx() as db:
            row = db.execute("SELECT id FROM feeds WHERE url=?", (url,)).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO feeds (url, title, folder, every, added) VALUES (?,?,?,?,?)",
                    (url, title, folder, every, time.time()),
                )
            else:
                if title:
                    db.execute("UPDATE feeds SET title=? WHERE id=?", (title, row["id"]))
                if folder:
                    db.execute("UPDATE feeds SET folder=? WHERE id=?", (folder, row["id"]))
                if every is not None:
                    db.execute("UPDATE feeds SET every=? WHERE id=?", (every, row["id"]))
        feed = self.feed_by_url(url)
        assert feed is not None
        return feed

    def remove_feed(self, url: str) -> bool:
        with self._tx() as db:
            row = db.execute("SELECT id FROM feeds WHERE url=?", (url,)).fetchone()
            if row is None:
                return False
            ids = [r[0] for r in db.execute("SELECT id FROM articles WHERE feed_id=?", (row[0],))]
            db.executemany("DELETE FROM articles_fts WHERE rowid=?", [(i,) for i in ids])
            db.execute("DELETE FROM feeds WHERE id=?", (row[0],))
            return True

    _FEED_SELECT = """
        SELECT f.*,
               (SELECT COUNT(*) FROM articles a WHERE a.feed_id=f.id AND a.read=0) AS unread,
               (SELECT COUNT(*) FROM articles a WHERE a.feed_id=f.id) AS total
        FROM feeds f
    """

    @staticmethod
    def _feed(row: sqlite3.Row) -> Feed:
        keys = row.keys()
        return Feed(
            id=row["id"],
            url=row["url"],
            title=row["title"],
            folder=row["folder"],
            site_url=row["site_url"],
            every=row["every"],
            etag=row["etag"],
            last_modified=row["last_modified"],
            body_hash=row["body_hash"],
            next_poll=row["next_poll"],
            min_period=row["min_period"],
            status=row["status"],
            error=row["error"],
            error_count=row["error_count"],
            last_success=row["last_success"],
            last_polled=row["last_polled"],
            unread=row["unread"] if "unread" in keys else 0,
            total=row["total"] if "total" in keys else 0,
        )

    def feeds(self) -> list[Feed]:
        rows = self._rows(self._FEED_SELECT + " ORDER BY f.folder, lower(f.title), f.url")
        return [self._feed(r) for r in rows]

    def feed_by_url(self, url: str) -> Feed | None:
        rows = self._rows(self._FEED_SELECT + " WHERE f.url=?", (url,))
        return self._feed(rows[0]) if rows else None

    def feed_by_id(self, feed_id: int) -> Feed | None:
        rows = self._rows(self._FEED_SELECT + " WHERE f.id=?", (feed_id,))
        return self._feed(rows[0]) if rows else None

    def due_feeds(self, now: float) -> list[Feed]:
        rows = self._rows(
            "SELECT * FROM feeds WHERE status != ? AND next_poll <= ? ORDER BY next_poll",
            (STATUS_GONE, now),
        )
        return [self._feed(r) for r in rows]

    def next_due(self) -> float | None:
        """The earliest next_poll among feeds still polled, or None."""
        row = self._rows("SELECT MIN(next_poll) FROM feeds WHERE status != ?", (STATUS_GONE,))
        value = row[0][0]
        return None if value is None else float(value)

    def make_all_due(self, now: float) -> None:
        with self._tx() as db:
            db.execute("UPDATE feeds SET next_poll=? WHERE status != ?", (now, STATUS_GONE))

    def save_poll(self, feed: Feed, parsed: ParsedFeed | None) -> SaveResult:
        """Record one poll of ``feed``: its new state and, if parsed, its entries."""
        result = SaveResult()
        values = {name: getattr(feed, name) for name in _FEED_POLL_FIELDS}
        if math.isinf(values["next_poll"]):
            values["next_poll"] = 1e18  # SQLite REAL holds inf, JSON and humans do not
        if parsed is not None:
            if not values["title"] and parsed.title:
                values["title"] = feed.title = parsed.title
            if parsed.site_url and not feed.site_url:
                values["site_url"] = feed.site_url = parsed.site_url
        with self._tx() as db:
            assignments = ", ".join(f"{name}=:{name}" for name in values)
            try:
                db.execute(f"UPDATE feeds SET {assignments} WHERE id=:id", {**values, "id": feed.id})
            except sqlite3.IntegrityError:
                # Moved onto a URL that another subscription already has: keep ours.
                values.pop("url")
                assignments = ", ".join(f"{name}=:{name}" for name in values)
                db.execute(f"UPDATE feeds SET {assignments} WHERE id=:id", {**values, "id": feed.id})
            if parsed is not None and parsed.entries:
                self._upsert_articles(db, feed.id, parsed.entries, result)
        return result

    def _upsert_articles(
        self, db: sqlite3.Connection, feed_id: int, entries: list[Article], result: SaveResult
    ) -> None:
        known = {
            r["guid"]: (r["id"], r["content_hash"], r["comment_count"])
            for r in db.execute(
                "SELECT guid, id, content_hash, comment_count FROM articles WHERE feed_id=?",
                (feed_id,),
            )
        }
        now = time.time()
        for a in entries:
            digest = _article_hash(a)
            existing = known.get(a.guid)
            if existing is None:
                cur = db.execute(
                    """INSERT INTO articles (feed_id, guid, title, link, author, published,
                           updated, content, summary, comments_url, comment_feed, comment_count,
                           content_hash, first_seen, sort_time)
                       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                    (
                        feed_id, a.guid, a.title, a.link, a.author, a.published, a.updated,
                        a.content, a.summary, a.comments_url, a.comment_feed, a.comment_count,
                        digest, now, a.published or a.updated or now,
                    ),
                )
                article_id = cur.lastrowid
                known[a.guid] = (article_id, digest, a.comment_count)
                self._index(db, article_id, a, replace=False)
                result.new_ids.append(article_id)
            else:
                article_id, old_digest, old_count = existing
                if old_digest != digest:
                    db.execute(
                        """UPDATE articles SET title=?, link=?, author=?, updated=?, content=?,
                               summary=?, comments_url=?, comment_feed=?, comment_count=?,
                               content_hash=?, published=COALESCE(?, published)
                           WHERE id=?""",
                        (
                            a.title, a.link, a.author, a.updated, a.content, a.summary,
                            a.comments_url, a.comment_feed, a.comment_count, digest,
                            a.published, article_id,
                        ),
                    )
                    self._index(db, article_id, a, replace=True)
                    result.changed_ids.append(article_id)
                elif a.comment_count is not None and a.comment_count != old_count:
                    db.execute(
                        "UPDATE articles SET comment_count=? WHERE id=?",
                        (a.comment_count, article_id),
                    )
            a.id, a.feed_id = article_id, feed_id

    @staticmethod
    def _index(db: sqlite3.Connection, article_id: int, a: Article, replace: bool) -> None:
        if replace:
            db.execute("DELETE FROM articles_fts WHERE rowid=?", (article_id,))
        body = a.search_text or search_text(a.content or a.summary)
        db.execute(
            "INSERT INTO articles_fts (rowid, title, body) VALUES (?,?,?)",
            (article_id, a.title, body),
        )

    # -- articles -----------------------------------------------------------
    @staticmethod
    def _article(row: sqlite3.Row) -> Article:
        return Article(
            id=row["id"],
            feed_id=row["feed_id"],
            guid=row["guid"],
            title=row["title"],
            link=row["link"],
            author=row["author"],
            published=row["published"],
            updated=row["updated"],
            content=row["content"],
            summary=row["summary"],
            comments_url=row["comments_url"],
            comment_feed=row["comment_feed"],
            comment_count=row["comment_count"],
            read=bool(row["read"]),
            followed=bool(row["followed"]),
            last_update=row["last_update"],
        )

    def article(self, article_id: int) -> Article | None:
        rows = self._rows("SELECT * FROM articles WHERE id=?", (article_id,))
        return self._article(rows[0]) if rows else None

    def articles(self, feed_id: int | None = None, limit: int = 10_000) -> list[Article]:
        if feed_id is None:
            rows = self._rows("SELECT * FROM articles ORDER BY sort_time DESC LIMIT ?", (limit,))
        else:
            rows = self._rows(
                "SELECT * FROM articles WHERE feed_id=? ORDER BY sort_time DESC LIMIT ?",
                (feed_id, limit),
            )
        return [self._article(r) for r in rows]

    def article_count(self) -> int:
        return self._rows("SELECT COUNT(*) FROM articles")[0][0]

    def set_read(self, article_id: int, read: bool = True) -> None:
        with self._tx() as db:
            db.execute("UPDATE articles SET read=? WHERE id=?", (int(read), article_id))
            db.execute("UPDATE updates SET read=? WHERE article_id=?", (int(read), article_id))

    def set_update_read(self, update_id: int, read: bool = True) -> None:
        with self._tx() as db:
            db.execute("UPDATE updates SET read=? WHERE id=?", (int(read), update_id))

    def mark_all_read(self, feed_id: int | None = None) -> int:
        with self._tx() as db:
            if feed_id is None:
                n = db.execute("UPDATE articles SET read=1 WHERE read=0").rowcount
                db.execute("UPDATE updates SET read=1 WHERE read=0")
            else:
                n = db.execute(
                    "UPDATE articles SET read=1 WHERE read=0 AND feed_id=?", (feed_id,)
                ).rowcount
                db.execute(
                    "UPDATE updates SET read=1 WHERE read=0 AND article_id IN "
                    "(SELECT id FROM articles WHERE feed_id=?)",
                    (feed_id,),
                )
            return n

    def unread_count(self) -> int:
        return self._rows("SELECT COUNT(*) FROM articles WHERE read=0")[0][0]

    # -- the timeline -------------------------------------------------------
    # Each branch is sorted and cut on its own first, so the newest rows come
    # straight off the time index instead of sorting every stored article.
    _TIMELINE_SELECT = """
        SELECT * FROM (
            SELECT * FROM (
                SELECT a.id AS article_id, a.feed_id, f.title AS feed_title, f.url AS feed_url,
                       a.title, a.sort_time AS t, a.read, a.followed, NULL AS update_id,
                       '' AS update_key, '' AS headline, a.comment_count
                FROM articles a JOIN feeds f ON f.id = a.feed_id
                {article_where}
                ORDER BY a.sort_time DESC LIMIT ?
            )
            UNION ALL
            SELECT * FROM (
                SELECT u.article_id, a.feed_id, f.title, f.url, a.title,
                       COALESCE(u.time, u.first_seen) AS t, u.read, a.followed, u.id,
                       u.key, u.headline, a.comment_count
                FROM updates u JOIN articles a ON a.id = u.article_id
                               JOIN feeds f ON f.id = a.feed_id
                WHERE u.position > 0 {update_where}
                ORDER BY t DESC LIMIT ?
            )
        )
        ORDER BY t DESC, article_id DESC, update_id DESC
        LIMIT ?
    """

    @staticmethod
    def _row(r: sqlite3.Row) -> TimelineRow:
        return TimelineRow(
            article_id=r["article_id"],
            feed_id=r["feed_id"],
            feed_title=r["feed_title"] or r["feed_url"],
            title=r["title"],
            time=r["t"],
            read=bool(r["read"]),
            followed=bool(r["followed"]),
            update_id=r["update_id"],
            update_key=r["update_key"],
            headline=r["headline"],
            comment_count=r["comment_count"],
        )

    def timeline(
        self, limit: int = 2000, feed_id: int | None = None, unread_only: bool = False
    ) -> list[TimelineRow]:
        """Articles and live updates, newest first. Bounded by ``limit`` so that
        opening a store of 100,000 articles costs the same as opening a small one."""
        a_where, a_params, u_where, u_params = [], [], [], []
        if feed_id is not None:
            a_where.append("a.feed_id = ?")
            a_params.append(feed_id)
            u_where.append("AND a.feed_id = ?")
            u_params.append(feed_id)
        if unread_only:
            a_where.append("a.read = 0")
            u_where.append("AND u.read = 0")
        sql = self._TIMELINE_SELECT.format(
            article_where=("WHERE " + " AND ".join(a_where)) if a_where else "",
            update_where=" ".join(u_where),
        )
        rows = self._rows(sql, (*a_params, limit, *u_params, limit, limit))
        return [self._row(r) for r in rows]

    def search(self, query: str, limit: int = 500) -> list[TimelineRow]:
        """Articles whose title or body match every word of ``query`` (prefixes count)."""
        match = _fts_query(query)
        if not match:
            return []
        rows = self._rows(
            """SELECT a.id AS article_id, a.feed_id, f.title AS feed_title, f.url AS feed_url,
                      a.title, a.sort_time AS t, a.read, a.followed, NULL AS update_id,
                      '' AS update_key, '' AS headline, a.comment_count
               FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
                                 JOIN feeds f ON f.id = a.feed_id
               WHERE articles_fts MATCH ?
               ORDER BY a.sort_time DESC LIMIT ?""",
            (match, limit),
        )
        return [self._row(r) for r in rows]

    # -- live articles ------------------------------------------------------
    def set_followed(self, article_id: int, on: bool, until: float | None = None) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE articles SET followed=?, follow_until=? WHERE id=?",
                (int(on), until if on else None, article_id),
            )

    def followed_articles(self) -> list[Article]:
        rows = self._rows("SELECT * FROM articles WHERE followed=1 ORDER BY sort_time DESC")
        return [self._article(r) for r in rows]

    def follow_until(self, article_id: int) -> float | None:
        rows = self._rows("SELECT follow_until FROM articles WHERE id=?", (article_id,))
        return rows[0][0] if rows else None

    def extend_follow(self, article_id: int, until: float) -> None:
        """Push back when following stops (a new update arrived)."""
        with self._tx() as db:
            db.execute(
                "UPDATE articles SET follow_until=MAX(COALESCE(follow_until, 0), ?) "
                "WHERE id=? AND followed=1",
                (until, article_id),
            )

    def followed_feed_ids(self) -> set[int]:
        return {r[0] for r in self._rows("SELECT DISTINCT feed_id FROM articles WHERE followed=1")}

    def page_state(self, article_id: int) -> tuple[str | None, str | None, str]:
        """(etag, last-modified, updates source) of a live article's own page."""
        rows = self._rows(
            "SELECT page_etag, page_modified, updates_source FROM articles WHERE id=?", (article_id,)
        )
        return (rows[0][0], rows[0][1], rows[0][2]) if rows else (None, None, "")

    def set_page_state(
        self, article_id: int, etag: str | None, modified: str | None, source: str | None = None
    ) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE articles SET page_etag=?, page_modified=?, "
                "updates_source=COALESCE(?, updates_source) WHERE id=?",
                (etag, modified, source, article_id),
            )

    def updates(self, article_id: int) -> list[Update]:
        rows = self._rows(
            "SELECT * FROM updates WHERE article_id=? ORDER BY position, id", (article_id,)
        )
        return [
            Update(
                id=r["id"],
                article_id=r["article_id"],
                key=r["key"],
                time=r["time"],
                headline=r["headline"],
                html=r["html"],
                position=r["position"],
                edited=bool(r["edited"]),
            )
            for r in rows
        ]

    def save_updates(self, article_id: int, updates: list[Update]) -> UpdatesSaved:
        """Merge the article's freshly split updates: new keys are added, a changed
        body under a known key is an edit. Updates never disappear."""
        saved = UpdatesSaved()
        now = time.time()
        with self._tx() as db:
            known = {
                r["key"]: (r["id"], r["html_hash"])
                for r in db.execute(
                    "SELECT key, id, html_hash FROM updates WHERE article_id=?", (article_id,)
                )
            }
            for u in updates:
                digest = hashlib.sha1(u.html.encode("utf-8", "surrogatepass")).hexdigest()
                old = known.get(u.key)
                u.article_id = article_id
                if old is None:
                    cur = db.execute(
                        """INSERT INTO updates (article_id, key, time, headline, html, html_hash,
                               position, first_seen) VALUES (?,?,?,?,?,?,?,?)""",
                        (article_id, u.key, u.time, u.headline, u.html, digest, u.position, now),
                    )
                    u.id = cur.lastrowid
                    saved.added.append(u)
                else:
                    u.id = old[0]
                    if old[1] != digest:
                        db.execute(
                            """UPDATE updates SET html=?, html_hash=?, headline=?, time=?,
                                   position=?, edited=1 WHERE id=?""",
                            (u.html, digest, u.headline, u.time, u.position, u.id),
                        )
                        u.edited = True
                        saved.edited.append(u)
                    else:
                        db.execute("UPDATE updates SET position=? WHERE id=?", (u.position, u.id))
            newest = max((u.time for u in updates if u.time and u.position > 0), default=None)
            if newest is not None:
                db.execute(
                    "UPDATE articles SET last_update=MAX(COALESCE(last_update, 0), ?) WHERE id=?",
                    (newest, article_id),
                )
        return saved

    # -- comment threads ----------------------------------------------------
    def save_thread(self, key: str, source: str, comments: list[Comment]) -> None:
        data = json.dumps([asdict(c) for c in comments], ensure_ascii=False)
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO threads (key, source, fetched, comments) VALUES (?,?,?,?)",
                (key, source, time.time(), data),
            )

    def load_thread(self, key: str) -> tuple[list[Comment], float] | None:
        rows = self._rows("SELECT comments, fetched FROM threads WHERE key=?", (key,))
        if not rows:
            return None
        comments = [Comment(**c) for c in json.loads(rows[0]["comments"])]
        return comments, rows[0]["fetched"]

    def seen_comments(self, thread: str) -> set[str]:
        rows = self._rows("SELECT comment_id FROM comments_seen WHERE thread=?", (thread,))
        return {r[0] for r in rows}

    def mark_comments_seen(self, thread: str, ids: list[str] | set[str]) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT OR IGNORE INTO comments_seen (thread, comment_id) VALUES (?,?)",
                [(thread, i) for i in ids],
            )


def _no_space_left(directory: Path) -> bool:
    try:
        return shutil.disk_usage(directory).free == 0
    except OSError:
        return False


def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _explain(exc: sqlite3.OperationalError) -> str:
    msg = str(exc)
    if "readonly" in msg or "read-only" in msg:
        return "the database is read-only (check the permissions of the Threadline home)"
    if "disk is full" in msg or "full" in msg:
        return "the disk is full: Threadline could not save"
    if "locked" in msg or "busy" in msg:
        return "the database is busy in another Threadline; try again"
    return f"database error: {msg}"
