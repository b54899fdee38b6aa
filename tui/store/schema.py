"""The database's shape: its file name and the append-only list of migrations."""

from __future__ import annotations

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
    # 5: titles and authors are stored as the plain text they show (issue #11);
    #    rows stored before still hold the markup and entities feeds sent. The
    #    rewrite needs the HTML rules, so it is the Python step that
    #    Database._migrate runs for this version (TITLES_AS_TEXT); this SQL only
    #    finds the rows.
    """
    CREATE TEMP TABLE IF NOT EXISTS titles_to_clean AS
        SELECT id FROM articles
        WHERE title GLOB '*[<&]*' OR author GLOB '*[<&]*'
    """,
    # 6: articles the reader saved (the Saved view), and the reader's own settings
    #    that belong with the data (the unread-only view), one text value a key
    """
    ALTER TABLE articles ADD COLUMN saved INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX articles_saved ON articles (saved) WHERE saved = 1;
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # 7: reader mode: an article's page as its main text, extracted once and kept
    #    (or why extraction failed), so a second R costs no request
    """
    CREATE TABLE reader_pages (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        url        TEXT NOT NULL DEFAULT '',
        fetched    REAL NOT NULL,
        html       TEXT NOT NULL DEFAULT '',
        error      TEXT NOT NULL DEFAULT ''
    );
    """,
    # 8 (sync, issue #15): a feed is local ('' account) or synced from an
    #    aggregator account under the server's id; a synced article keeps the
    #    server's id; sync_queue holds the reader's marks not yet sent (durable:
    #    they survive a closed app and an unreachable server). The cursor and the
    #    time of the last sync live in settings ("sync.<account>.cursor", ...).
    """
    ALTER TABLE feeds ADD COLUMN sync_account TEXT NOT NULL DEFAULT '';
    ALTER TABLE feeds ADD COLUMN remote_id TEXT NOT NULL DEFAULT '';
    CREATE INDEX feeds_synced ON feeds (sync_account, remote_id) WHERE sync_account != '';
    ALTER TABLE articles ADD COLUMN remote_id TEXT NOT NULL DEFAULT '';
    CREATE INDEX articles_remote ON articles (remote_id) WHERE remote_id != '';
    CREATE TABLE sync_queue (
        id         INTEGER PRIMARY KEY,
        account    TEXT NOT NULL,
        action     TEXT NOT NULL,
        remote_id  TEXT NOT NULL,
        created    REAL NOT NULL,
        attempts   INTEGER NOT NULL DEFAULT 0,
        error      TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX sync_queue_by_item ON sync_queue (account, remote_id);
    """,
]


TITLES_AS_TEXT = 5


SCHEMA_VERSION = len(MIGRATIONS)
