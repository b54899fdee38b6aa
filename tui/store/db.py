"""Feeds, articles, the timeline and search: the queries behind Store."""

from __future__ import annotations

import math
import re
import sqlite3
import time
from dataclasses import dataclass, field

from tui.model import STATUS_GONE, Article, Feed, ParsedFeed, TimelineRow, Update, article_digest
from tui.store.live import LiveQueries, merge_updates
from tui.store.reader import ReaderPages
from tui.store.rows import article_from_row, storable_article, storable_text
from tui.store.sync import SyncStore
from tui.store.threads import ThreadCache
from tui.text.html import search_text

_FEED_POLL_FIELDS = (
    "url",
    "title",
    "site_url",
    "etag",
    "last_modified",
    "body_hash",
    "next_poll",
    "min_period",
    "status",
    "error",
    "error_count",
    "last_success",
    "last_polled",
)


@dataclass
class SaveResult:
    new_ids: list[int] = field(default_factory=list)
    changed_ids: list[int] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)  # live updates this poll added
    # New or changed articles that are followed but came without pre-split updates
    # (they do not look live): the poller splits them, as the reader asked.
    unsplit_followed: list[int] = field(default_factory=list)


UNDATED_STEP = 0.001  # seconds between undated entries seen together: keeps their document order


def undated_sort_times(entries: list[Article], new: list[bool], now: float, first_poll: bool) -> list[float]:
    """Where each entry sorts in the timeline (its date when it has one).

    An entry with no date sorts by when Threadline first saw it: the undated
    entries new in one poll take that poll's time, each a millisecond below the
    one the feed lists above it, so they keep the feed's document order. A
    feed's first poll is the exception: what it lists then is its backlog, not
    news, so an undated entry takes the date of the nearest dated entry above it
    in the document (else below it), and a feed with no dates at all puts its
    backlog below every dated article. Either way none of it jumps above the
    whole timeline; undated entries new in later polls arrive on top, as news.
    """
    dates = [a.published or a.updated for a in entries]
    times: list[float] = []
    k = 0
    for i, (date, is_new) in enumerate(zip(dates, new)):
        if date is not None:
            times.append(date)
            continue
        if not is_new:
            times.append(now)  # kept as stored (not written): any value will do
            continue
        k += 1
        if not first_poll:
            times.append(now - k * UNDATED_STEP)
            continue
        above = next((j for j in range(i - 1, -1, -1) if dates[j] is not None), None)
        below = next((j for j in range(i + 1, len(dates)) if dates[j] is not None), None)
        if above is not None:
            times.append((dates[above] or 0.0) - (i - above) * UNDATED_STEP)
        elif below is not None:
            times.append((dates[below] or 0.0) + (below - i) * UNDATED_STEP)
        else:
            times.append(-k * UNDATED_STEP)  # the backlog of an undated feed: below every date
    return times


def _fts_query(text: str) -> str:
    """Turn what the reader typed into a safe FTS5 query: every word a quoted prefix."""
    words = re.findall(r"\w+", text, flags=re.UNICODE)
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words)


class Store(LiveQueries, ThreadCache, ReaderPages, SyncStore):
    """Feeds, articles, the timeline and search; live articles, threads and reader
    mode's pages come from the mixins."""

    # -- feeds --------------------------------------------------------------
    def add_feed(self, url: str, title: str = "", folder: str = "", every: float | None = None) -> Feed:
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
            self._queue_unsubscribe(db, row[0])
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

    def polled_feeds(self) -> list[Feed]:
        """The feeds Threadline polls itself: every one but those synced from a server."""
        rows = self._rows(
            self._FEED_SELECT + " WHERE f.sync_account = '' ORDER BY f.folder, lower(f.title), f.url"
        )
        return [self._feed(r) for r in rows]

    # Synced feeds (sync_account set) are read from their server, never polled.
    def due_feeds(self, now: float) -> list[Feed]:
        rows = self._rows(
            "SELECT * FROM feeds WHERE status != ? AND next_poll <= ? AND sync_account = '' ORDER BY next_poll",
            (STATUS_GONE, now),
        )
        return [self._feed(r) for r in rows]

    def next_due(self) -> float | None:
        """The earliest next_poll among feeds still polled, or None."""
        row = self._rows(
            "SELECT MIN(next_poll) FROM feeds WHERE status != ? AND sync_account = ''", (STATUS_GONE,)
        )
        value = row[0][0]
        return None if value is None else float(value)

    def make_all_due(self, now: float) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE feeds SET next_poll=? WHERE status != ? AND sync_account = ''", (now, STATUS_GONE)
            )

    def save_poll(self, feed: Feed, parsed: ParsedFeed | None) -> SaveResult:
        """Record one poll of ``feed``: its new state and, if parsed, its entries."""
        result = SaveResult()
        if parsed is not None:
            parsed.title = storable_text(parsed.title) or ""
            parsed.site_url = storable_text(parsed.site_url) or ""
            for entry in parsed.entries:
                storable_article(entry)
        for name in ("title", "site_url", "etag", "last_modified", "error"):
            setattr(feed, name, storable_text(getattr(feed, name)))
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
                assert feed.id is not None, "a stored feed has an id"
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
        # Articles whose updates come from their page (JSON-LD) or that are followed:
        # few, so one query for the whole feed instead of one per article.
        special = {
            r["id"]: (r["updates_source"], bool(r["followed"]))
            for r in db.execute(
                "SELECT id, updates_source, followed FROM articles "
                "WHERE feed_id=? AND (followed=1 OR updates_source='jsonld')",
                (feed_id,),
            )
        }
        now = time.time()
        sort_times = undated_sort_times(entries, [a.guid not in known for a in entries], now, not known)
        for a, sort_time in zip(entries, sort_times):
            digest = article_digest(a)
            existing = known.get(a.guid)
            if existing is None:
                cur = db.execute(
                    """INSERT INTO articles (feed_id, guid, title, link, author, published,
                           updated, content, summary, comments_url, comment_feed, comment_count,
                           content_hash, first_seen, sort_time)
                       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                    (
                        feed_id,
                        a.guid,
                        a.title,
                        a.link,
                        a.author,
                        a.published,
                        a.updated,
                        a.content,
                        a.summary,
                        a.comments_url,
                        a.comment_feed,
                        a.comment_count,
                        digest,
                        now,
                        sort_time,
                    ),
                )
                article_id = cur.lastrowid
                assert article_id is not None
                known[a.guid] = (article_id, digest, a.comment_count)
                self._index(db, article_id, a, replace=False)
                result.new_ids.append(article_id)
                self._store_updates(db, article_id, a, special, result, new=True)
            else:
                article_id, old_digest, old_count = existing
                if old_digest != digest:
                    db.execute(
                        """UPDATE articles SET title=?, link=?, author=?, updated=?, content=?,
                               summary=?, comments_url=?, comment_feed=?, comment_count=?,
                               content_hash=?, published=COALESCE(?, published)
                           WHERE id=?""",
                        (
                            a.title,
                            a.link,
                            a.author,
                            a.updated,
                            a.content,
                            a.summary,
                            a.comments_url,
                            a.comment_feed,
                            a.comment_count,
                            digest,
                            a.published,
                            article_id,
                        ),
                    )
                    self._index(db, article_id, a, replace=True)
                    result.changed_ids.append(article_id)
                    self._store_updates(db, article_id, a, special, result)
                elif a.comment_count is not None and a.comment_count != old_count:
                    db.execute(
                        "UPDATE articles SET comment_count=? WHERE id=?",
                        (a.comment_count, article_id),
                    )
            a.id, a.feed_id = article_id, feed_id

    @staticmethod
    def _store_updates(
        db: sqlite3.Connection,
        article_id: int,
        a: Article,
        special: dict[int, tuple[str, bool]],
        result: SaveResult,
        new: bool = False,
    ) -> None:
        """A new or changed article's pre-split updates, in the poll's transaction."""
        source, followed = special.get(article_id, ("", False))
        if source == "jsonld":
            return  # its page is the better source; the follower keeps it
        if a.updates is None:
            if followed:
                result.unsplit_followed.append(article_id)
            return
        if len(a.updates) <= 1 and (
            new
            or db.execute("SELECT 1 FROM updates WHERE article_id=? LIMIT 1", (article_id,)).fetchone()
            is None
        ):
            return  # nothing but the story itself: not a live article (yet)
        result.updates.extend(merge_updates(db, article_id, a.updates, new_article=new).added)

    def article_digests(self, feed_id: int) -> dict[str, str]:
        """guid -> content digest of a feed's stored articles: the parser skips
        splitting the ones that did not change."""
        rows = self._rows("SELECT guid, content_hash FROM articles WHERE feed_id=?", (feed_id,))
        return {r[0]: r[1] for r in rows}

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
    def article(self, article_id: int) -> Article | None:
        rows = self._rows("SELECT * FROM articles WHERE id=?", (article_id,))
        return article_from_row(rows[0]) if rows else None

    def articles(self, feed_id: int | None = None, limit: int = 10_000) -> list[Article]:
        if feed_id is None:
            rows = self._rows("SELECT * FROM articles ORDER BY sort_time DESC LIMIT ?", (limit,))
        else:
            rows = self._rows(
                "SELECT * FROM articles WHERE feed_id=? ORDER BY sort_time DESC LIMIT ?",
                (feed_id, limit),
            )
        return [article_from_row(r) for r in rows]

    def article_count(self) -> int:
        return self._rows("SELECT COUNT(*) FROM articles")[0][0]

    def set_read(self, article_id: int, read: bool = True) -> None:
        with self._tx() as db:
            self._queue_marks(db, "read", read, "a.id=?", (article_id,))
            db.execute("UPDATE articles SET read=? WHERE id=?", (int(read), article_id))
            db.execute("UPDATE updates SET read=? WHERE article_id=?", (int(read), article_id))

    def set_update_read(self, update_id: int, read: bool = True) -> None:
        with self._tx() as db:
            db.execute("UPDATE updates SET read=? WHERE id=?", (int(read), update_id))

    def mark_all_read(self, feed_id: int | None = None) -> int:
        with self._tx() as db:
            where, args = ("1", ()) if feed_id is None else ("a.feed_id=?", (feed_id,))
            self._queue_marks(db, "read", True, where, args)
            if feed_id is None:
                n = db.execute("UPDATE articles SET read=1 WHERE read=0").rowcount
                db.execute("UPDATE updates SET read=1 WHERE read=0")
            else:
                n = db.execute("UPDATE articles SET read=1 WHERE read=0 AND feed_id=?", (feed_id,)).rowcount
                db.execute(
                    "UPDATE updates SET read=1 WHERE read=0 AND article_id IN "
                    "(SELECT id FROM articles WHERE feed_id=?)",
                    (feed_id,),
                )
            return n

    def unread_count(self) -> int:
        return self._rows("SELECT COUNT(*) FROM articles WHERE read=0")[0][0]

    # -- the reader's own marks and settings -----------------------------------
    def set_saved(self, article_id: int, saved: bool = True) -> None:
        with self._tx() as db:
            self._queue_marks(db, "saved", saved, "a.id=?", (article_id,))
            db.execute("UPDATE articles SET saved=? WHERE id=?", (int(saved), article_id))

    def is_saved(self, article_id: int) -> bool:
        rows = self._rows("SELECT saved FROM articles WHERE id=?", (article_id,))
        return bool(rows and rows[0][0])

    def saved_count(self) -> int:
        return self._rows("SELECT COUNT(*) FROM articles WHERE saved=1")[0][0]

    def mark_rows_read(
        self, article_ids: list[int], update_ids: list[int], read: bool = True
    ) -> tuple[list[int], list[int]]:
        """Mark these articles and updates read (or unread); returns the ids whose
        mark changed, so that the same call with ``read`` flipped undoes it exactly."""
        changed_articles: list[int] = []
        changed_updates: list[int] = []
        with self._tx() as db:
            for table, ids, changed in (
                ("articles", article_ids, changed_articles),
                ("updates", update_ids, changed_updates),
            ):
                for i in range(0, len(ids), 500):
                    chunk = ids[i : i + 500]
                    marks = ",".join("?" * len(chunk))
                    found = db.execute(
                        f"SELECT id FROM {table} WHERE read=? AND id IN ({marks})", (int(not read), *chunk)
                    ).fetchall()
                    changed.extend(r[0] for r in found)
                    if table == "articles":
                        self._queue_marks(db, "read", read, f"a.id IN ({marks})", tuple(chunk))
                    db.execute(f"UPDATE {table} SET read=? WHERE id IN ({marks})", (int(read), *chunk))
        return changed_articles, changed_updates

    def edit_feed(self, feed_id: int, title: str, folder: str) -> None:
        """Rename a feed and put it in a folder ("" for none)."""
        with self._tx() as db:
            db.execute("UPDATE feeds SET title=?, folder=? WHERE id=?", (title, folder, feed_id))

    def setting(self, key: str, default: str = "") -> str:
        rows = self._rows("SELECT value FROM settings WHERE key=?", (key,))
        return rows[0][0] if rows else default

    def set_setting(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?,?)", (key, value))

    # -- the timeline -------------------------------------------------------
    # Each branch is sorted and cut on its own first, so the newest rows come
    # straight off the time index instead of sorting every stored article.
    _TIMELINE_SELECT = """
        SELECT * FROM (
            SELECT * FROM (
                SELECT a.id AS article_id, a.feed_id, f.title AS feed_title, f.url AS feed_url,
                       a.title, a.sort_time AS t, a.read, a.followed, NULL AS update_id,
                       '' AS update_key, '' AS headline, a.comment_count, a.saved,
                       (a.published IS NULL AND a.updated IS NULL) AS undated
                FROM articles a JOIN feeds f ON f.id = a.feed_id
                {article_where}
                ORDER BY a.sort_time DESC LIMIT ?
            )
            UNION ALL
            SELECT * FROM (
                SELECT u.article_id, a.feed_id, f.title, f.url, a.title,
                       COALESCE(u.time, u.first_seen) AS t, u.read, a.followed, u.id,
                       u.key, u.headline, a.comment_count, a.saved, u.time IS NULL
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
            saved=bool(r["saved"]),
            undated=bool(r["undated"]),
        )

    def timeline(
        self,
        limit: int = 2000,
        feed_id: int | None = None,
        unread_only: bool = False,
        saved_only: bool = False,
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
        if saved_only:  # the Saved view: saved articles, without their live updates
            a_where.append("a.saved = 1")
            u_where.append("AND 0")
        sql = self._TIMELINE_SELECT.format(
            article_where=("WHERE " + " AND ".join(a_where)) if a_where else "",
            update_where=" ".join(u_where),
        )
        rows = self._rows(sql, (*a_params, limit, *u_params, limit, limit))
        return [self._row(r) for r in rows]

    def search(self, query: str, limit: int = 500) -> list[TimelineRow]:
        """Articles whose title or body match every word of ``query`` (prefixes count),
        and live updates whose own text holds every word, newest first: an update
        found lands on that update, as its timeline row does."""
        match = _fts_query(query)
        if not match:
            return []
        words = re.findall(r"\w+", query, flags=re.UNICODE)[:8]
        like = " AND ".join("(u.headline LIKE ? ESCAPE '\\' OR u.html LIKE ? ESCAPE '\\')" for _ in words)
        patterns = [
            p
            for w in words
            for p in 2 * ["%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"]
        ]
        updates = self._rows(
            f"""SELECT u.article_id, a.feed_id, f.title AS feed_title, f.url AS feed_url, a.title,
                       COALESCE(u.time, u.first_seen) AS t, u.read, a.followed, u.id AS update_id,
                       u.key AS update_key, u.headline, a.comment_count, a.saved,
                       u.time IS NULL AS undated
                FROM updates u JOIN articles a ON a.id = u.article_id JOIN feeds f ON f.id = a.feed_id
                WHERE u.position > 0 AND {like}
                ORDER BY t DESC LIMIT ?""",
            (*patterns, limit),
        )
        rows = self._rows(
            """SELECT a.id AS article_id, a.feed_id, f.title AS feed_title, f.url AS feed_url,
                      a.title, a.sort_time AS t, a.read, a.followed, NULL AS update_id,
                      '' AS update_key, '' AS headline, a.comment_count, a.saved,
                      (a.published IS NULL AND a.updated IS NULL) AS undated
               FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
                                 JOIN feeds f ON f.id = a.feed_id
               WHERE articles_fts MATCH ?
               ORDER BY a.sort_time DESC LIMIT ?""",
            (match, limit),
        )
        found = [self._row(r) for r in [*rows, *updates]]
        found.sort(key=lambda r: (r.time or 0.0, r.article_id, r.update_id or 0), reverse=True)
        return found[:limit]
