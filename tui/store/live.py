"""Live articles: following, their own pages, and their timestamped updates."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from dataclasses import dataclass, field

from tui.model import Article, Update
from tui.store.connection import Database
from tui.store.rows import article_from_row, storable_text


class LiveQueries(Database):
    # -- live articles ------------------------------------------------------
    def set_followed(self, article_id: int, on: bool, until: float | None = None) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE articles SET followed=?, follow_until=? WHERE id=?",
                (int(on), until if on else None, article_id),
            )

    def followed_articles(self) -> list[Article]:
        rows = self._rows("SELECT * FROM articles WHERE followed=1 ORDER BY sort_time DESC")
        return [article_from_row(r) for r in rows]

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
        rows = self._rows("SELECT * FROM updates WHERE article_id=? ORDER BY position, id", (article_id,))
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
        with self._tx() as db:
            return merge_updates(db, article_id, updates)


@dataclass
class UpdatesSaved:
    added: list[Update] = field(default_factory=list)
    edited: list[Update] = field(default_factory=list)


def _same_words(db: sqlite3.Connection, update_id: int, html: str) -> bool:
    """CMSes reflow markup on re-render without anyone touching the words: an update
    whose html differs only in whitespace runs is not an edit."""
    row = db.execute("SELECT html FROM updates WHERE id=?", (update_id,)).fetchone()
    return row is not None and " ".join(row[0].split()) == " ".join(html.split())


def merge_updates(
    db: sqlite3.Connection, article_id: int, updates: list[Update], *, new_article: bool = False
) -> UpdatesSaved:
    """save_updates' work inside a transaction the caller holds (a poll stores its
    articles and their updates in one). A ``new_article`` has no updates yet."""
    saved = UpdatesSaved()
    now = time.time()
    known = (
        {}
        if new_article
        else {
            r["key"]: (r["id"], r["html_hash"])
            for r in db.execute("SELECT key, id, html_hash FROM updates WHERE article_id=?", (article_id,))
        }
    )
    for u in updates:
        u.key = storable_text(u.key) or ""
        u.headline = storable_text(u.headline) or ""
        u.html = storable_text(u.html) or ""
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
            if old[1] != digest and not _same_words(db, u.id, u.html):
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
