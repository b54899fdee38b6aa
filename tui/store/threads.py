"""The comment-thread cache and which comments the reader has seen."""

from __future__ import annotations

import json
import time

from tui.collector import BIG_THREAD, collector_paused
from tui.model import Comment
from tui.store.connection import Database
from tui.store.rows import storable_text
from tui.text import deepjson


class ThreadCache(Database):
    # -- comment threads ----------------------------------------------------
    def save_thread(self, key: str, source: str, comments: list[Comment]) -> None:
        # One comment per json.dumps call and per line, not one call for the whole
        # thread: a save runs in a thread, and 50,000 comments in one C call held
        # the interpreter (and so the app's event loop) for a fifth of a second.
        # One comment a line lets load_thread read it back in slices as cheaply.
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        with collector_paused(len(comments) > BIG_THREAD):
            data = storable_text("[\n" + ",\n".join([dumps(vars(c)) for c in comments]) + "\n]") or "[]"
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO threads (key, source, fetched, comments) VALUES (?,?,?,?)",
                (key, source, time.time(), data),
            )

    def load_thread(self, key: str) -> tuple[list[Comment], float] | None:
        """The cached thread and when it was fetched; None when there is none or
        it cannot be read (a newer format, broken JSON, a comment without an id):
        such a copy is only a cache, so it is dropped and the thread refetched."""
        rows = self._rows("SELECT comments, fetched FROM threads WHERE key=?", (key,))
        if not rows:
            return None
        fetched = rows[0]["fetched"]
        if isinstance(fetched, bool) or not isinstance(fetched, (int, float)):
            return None
        text = rows[0]["comments"]
        with collector_paused(isinstance(text, str) and len(text) > deepjson.SLICE_OVER):
            return self._comments(text, float(fetched))

    @staticmethod
    def _comments(text: str, fetched: float) -> tuple[list[Comment], float] | None:
        try:
            items = _decode(text)
        except (TypeError, ValueError, RecursionError):
            return None
        if not isinstance(items, list):
            return None
        known = Comment.__dataclass_fields__
        comments = []
        for item in items:
            if not isinstance(item, dict) or not item.keys() <= known.keys():
                return None
            try:
                comment = Comment(**item)
            except TypeError:  # a required field is missing
                return None
            if not (
                isinstance(comment.id, str)
                and comment.id
                and (comment.parent_id is None or isinstance(comment.parent_id, str))
                and isinstance(comment.author, str)
                and isinstance(comment.html, str)
                and isinstance(comment.link, str)
                and isinstance(comment.role, str)
                and (comment.time is None or type(comment.time) in (int, float))
                and (comment.score is None or type(comment.score) is int)
                and type(comment.more) is int
                and isinstance(comment.more_ids, list)
                and (not comment.more_ids or all(isinstance(i, str) for i in comment.more_ids))
            ):
                return None
            comments.append(comment)
        return comments, fetched

    def seen_comments(self, thread: str) -> set[str]:
        rows = self._rows("SELECT comment_id FROM comments_seen WHERE thread=?", (thread,))
        return {r[0] for r in rows}

    def mark_comments_seen(self, thread: str, ids: list[str] | set[str]) -> None:
        with collector_paused(len(ids) > BIG_THREAD), self._tx() as db:
            db.executemany(
                "INSERT OR IGNORE INTO comments_seen (thread, comment_id) VALUES (?,?)",
                [(thread, i) for i in ids],
            )


_LINES_A_SLICE = 1_000


def _decode(text: str) -> object:
    """The cached list, a slice of comments per C call. save_thread writes one
    comment a line (JSON escapes every newline inside a string, so ",\n" only
    ever separates comments); a copy written otherwise goes through deepjson."""
    if not (isinstance(text, str) and text.startswith("[\n") and text.endswith("\n]")):
        return deepjson.loads(text, slice_from=1)
    lines = text[2:-2].split(",\n") if len(text) > 4 else []
    items: list = []
    for k in range(0, len(lines), _LINES_A_SLICE):
        items.extend(json.loads("[" + ",".join(lines[k : k + _LINES_A_SLICE]) + "]"))
    return items
