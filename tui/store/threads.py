"""The comment-thread cache and which comments the reader has seen."""

from __future__ import annotations

import json
import time
from dataclasses import asdict

from tui.model import Comment
from tui.store.connection import Database
from tui.store.rows import storable_text


class ThreadCache(Database):
    # -- comment threads ----------------------------------------------------
    def save_thread(self, key: str, source: str, comments: list[Comment]) -> None:
        data = storable_text(json.dumps([asdict(c) for c in comments], ensure_ascii=False)) or "[]"
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
