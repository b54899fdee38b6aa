"""Opening the database: WAL mode, migrations, transactions, and errors as one line.

One connection per process, shared by the poller's threads and the UI behind a
lock. WAL mode with synchronous=NORMAL: a killed process loses at most the
transaction it was in, never what was committed before, and readers never block
the poller. Every write that belongs together happens in one transaction.
"""

from __future__ import annotations

import functools
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from tui.store.schema import DB_NAME, MIGRATIONS, SCHEMA_VERSION, TITLES_AS_TEXT


class Database:
    """One SQLite connection, its lock, migrations and transactions."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self._db = conn
        self.path = path
        self._lock = threading.RLock()

    # -- opening ------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str) -> Self:
        """Open (creating and migrating) the database at ``path``.

        ``path`` is the Threadline home (a folder, made if missing) or, when it
        names an existing file or ends in ``.db``, the database file itself. A home
        that does not exist yet is a folder to make, never a file to create.
        """
        path = Path(path)
        if path.is_dir() or (not path.exists() and path.suffix != ".db"):
            path = path / DB_NAME
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=10.0, check_same_thread=False, isolation_level=None)
            store = cls(conn, path)
            store._configure()
            store._migrate()
            store._check_columns()
        except sqlite3.DatabaseError as exc:
            # SQLite says "disk I/O error" when it cannot create its -shm file
            # on a full disk; the reader can act on "full", not on "I/O".
            reason = "the disk is full" if _no_space_left(path.parent) else str(exc)
            raise StoreError(f"cannot open the database {path}: {reason}") from exc
        except OSError as exc:
            raise StoreError(f"cannot open the database {path}: {exc.strerror or exc}") from exc
        return store

    @classmethod
    def memory(cls) -> Self:
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
                    if target == TITLES_AS_TEXT:
                        # One-time data step: titles, authors and feed titles as
                        # the text they show, by the rule new ones are parsed with.
                        from tui.text.titles import html_line

                        db = self._db
                        rows = db.execute(
                            "SELECT a.id, a.title, a.author FROM articles a JOIN titles_to_clean t ON t.id = a.id"
                        ).fetchall()
                        for article_id, title, author in rows:
                            clean_title, clean_author = html_line(title), html_line(author)
                            if (clean_title, clean_author) != (title, author):
                                db.execute(
                                    "UPDATE articles SET title=?, author=? WHERE id=?",
                                    (clean_title, clean_author, article_id),
                                )
                                db.execute(
                                    "UPDATE articles_fts SET title=? WHERE rowid=?", (clean_title, article_id)
                                )
                        for feed_id, title in db.execute(
                            "SELECT id, title FROM feeds WHERE title GLOB '*[<&]*'"
                        ).fetchall():
                            db.execute("UPDATE feeds SET title=? WHERE id=?", (html_line(title), feed_id))
                        db.execute("DROP TABLE temp.titles_to_clean")
                    self._db.execute(f"PRAGMA user_version={target}")

    def _check_columns(self) -> None:
        """Every column the queries use is there: a file edited by hand or damaged
        says so once, at open, instead of failing in the middle of a read."""
        want = _expected_columns()
        for table, columns in want.items():
            have = {r[1] for r in self._db.execute(f"PRAGMA table_info({table})")}
            missing = sorted(columns - have)
            if missing:
                raise StoreError(f"the database is damaged ({table}.{missing[0]} is missing); {_RECOVER}")

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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: all of it lands, or none of it."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except _FAULTS as exc:
                raise StoreError(_explain(exc)) from exc
            try:
                yield self._db
            except _FAULTS as exc:
                # A full disk, an I/O error or a damaged file mid-write: the reader
                # needs one clear line (StoreError), not the driver's exception.
                self._rollback()
                raise StoreError(_explain(exc)) from exc
            except BaseException:
                self._rollback()
                raise
            try:
                self._db.execute("COMMIT")
            except _FAULTS as exc:
                self._rollback()
                raise StoreError(_explain(exc)) from exc

    def _rollback(self) -> None:
        # SQLite has already rolled back after some errors (SQLITE_FULL among
        # them); a second ROLLBACK would raise and hide the real error.
        if self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.DatabaseError:
                pass

    def _rows(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except _FAULTS as exc:
                raise StoreError(_explain(exc)) from exc

    def integrity_check(self) -> str:
        return self._rows("PRAGMA integrity_check")[0][0]


class StoreError(Exception):
    """A store problem the user can act on (unreadable file, read-only home, full disk)."""


def _no_space_left(directory: Path) -> bool:
    try:
        return shutil.disk_usage(directory).free == 0
    except OSError:
        return False


def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


@functools.cache
def _expected_columns() -> dict[str, set[str]]:
    """The columns of every table, as the migrations make them (on an empty database)."""
    db = sqlite3.connect(":memory:")
    try:
        for script in MIGRATIONS:
            for statement in _split_sql(script):
                db.execute(statement)
        tables = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND sql NOT LIKE 'CREATE VIRTUAL%'"
            )
        ]
        return {
            t: {r[1] for r in db.execute(f"PRAGMA table_info({t})")}
            for t in tables
            if not t.startswith(("sqlite_", "articles_fts"))
        }
    finally:
        db.close()


# What a damaged or odd database raises: the driver's errors (a malformed page, a
# renamed column, a full disk) and text that is not UTF-8 (a flipped bit).
_FAULTS = (sqlite3.DatabaseError, UnicodeDecodeError)
_RECOVER = "move threadline.db aside to start afresh, or try: sqlite3 threadline.db .recover"


def _explain(exc: Exception) -> str:
    msg = " ".join(str(exc).split())[:200]
    if isinstance(exc, UnicodeDecodeError):
        return f"the database is damaged (text that is not UTF-8); {_RECOVER}"
    if isinstance(exc, sqlite3.OperationalError) and "decode to UTF-8" in msg:
        return f"the database is damaged (text that is not UTF-8); {_RECOVER}"
    if "malformed" in msg or "not a database" in msg or "no such column" in msg or "no such table" in msg:
        return f"the database is damaged ({msg}); {_RECOVER}"
    if "readonly" in msg or "read-only" in msg:
        return "the database is read-only (check the permissions of the Threadline home)"
    if "disk is full" in msg or "full" in msg:
        return "the disk is full: Threadline could not save"
    if "locked" in msg or "busy" in msg:
        return "the database is busy in another Threadline; try again"
    return f"database error: {msg}"
