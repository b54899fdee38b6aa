"""Plain data passed between the layers. No I/O and no Textual here.

Times are POSIX timestamps (float seconds, UTC) or None when a source gave none;
the UI turns them into the reader's time zone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

# Feed.status values
STATUS_NEW = "new"  # never polled
STATUS_OK = "ok"  # last poll brought a body that parsed
STATUS_NOT_MODIFIED = "not-modified"  # last poll was a 304 or an unchanged body
STATUS_ERROR = "error"  # last poll failed; Feed.error says why
STATUS_GONE = "gone"  # 410: polling stopped for good


@dataclass
class Feed:
    url: str
    id: int | None = None
    title: str = ""
    folder: str = ""  # OPML outline folder, "" for none
    site_url: str = ""
    every: float | None = None  # per-feed poll period override (seconds)
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None  # sha256 of the last body that was parsed
    next_poll: float = 0.0
    min_period: float | None = None  # floor from Cache-Control / ttl / sy:updatePeriod
    status: str = STATUS_NEW
    error: str = ""
    error_count: int = 0
    last_success: float | None = None
    last_polled: float | None = None
    unread: int = 0  # filled in by Store.feeds()
    total: int = 0  # filled in by Store.feeds()

    @property
    def display_title(self) -> str:
        return self.title or self.url

    @property
    def failing(self) -> bool:
        return self.status in (STATUS_ERROR, STATUS_GONE)


@dataclass
class Article:
    """One feed entry, as parsed. ``content`` is untrusted HTML."""

    guid: str
    title: str = ""
    link: str = ""
    author: str = ""
    published: float | None = None
    updated: float | None = None
    content: str = ""
    summary: str = ""
    comments_url: str = ""  # RSS <comments>: the page where comments live
    comment_feed: str = ""  # wfw:commentRss or Atom rel="replies" feed
    comment_count: int | None = None  # slash:comments / thr:total
    id: int | None = None  # store id once saved
    feed_id: int | None = None
    read: bool = False
    followed: bool = False
    last_update: float | None = None  # newest live update time, store-filled
    search_text: str = ""  # plain text for the search index, when the parser made it
    # A live article's updates, split by the parser process beside the parse and
    # stored with the article in the poll's one transaction; None: not split.
    updates: list[Update] | None = None

    @property
    def sort_time(self) -> float:
        return self.published or self.updated or 0.0


@dataclass
class ParsedFeed:
    """What feeds.parse_feed returns: the feed's own fields and its entries."""

    title: str = ""
    site_url: str = ""
    ttl: float | None = None  # RSS <ttl> in seconds
    update_period: float | None = None  # sy:updatePeriod / sy:updateFrequency in seconds
    entries: list[Article] = field(default_factory=list)
    bozo: str = ""  # feedparser's complaint, when it had one but still parsed


@dataclass
class Update:
    """One timestamped update inside a live article ("UPDATE 1700 GMT: ...")."""

    key: str  # stable identity across polls (see liveblog.py)
    time: float | None
    headline: str  # plain text, first line or the update's headline
    html: str  # the update's HTML (untrusted)
    position: int = 0  # 0 = the original story; higher = later in the live feed order
    article_id: int | None = None
    id: int | None = None
    edited: bool = False


@dataclass
class Comment:
    """One comment, from any source. ``html`` is untrusted HTML."""

    id: str
    parent_id: str | None = None  # None = top level
    author: str = ""
    time: float | None = None
    html: str = ""
    link: str = ""
    deleted: bool = False
    dead: bool = False
    by_author: bool = False  # written by the article's author / the submitter
    score: int | None = None
    more: int = 0  # >0: a stub standing for this many unfetched replies (reddit "more")
    more_ids: list[str] = field(default_factory=list)
    role: str = ""  # "moderator" or "admin": the site marks the comment as theirs


@dataclass
class TimelineRow:
    """A row of the timeline: an article, or one update inside a live article."""

    article_id: int
    feed_id: int
    feed_title: str
    title: str
    time: float
    read: bool
    followed: bool = False
    update_id: int | None = None  # set when the row is a live update
    update_key: str = ""
    headline: str = ""  # the update's first line
    comment_count: int | None = None
    saved: bool = False  # the reader saved the article (the Saved view)
    undated: bool = False  # the feed gave no date: ``time`` only places it (store.db.undated_sort_times)

    @property
    def key(self) -> tuple[int, int | None]:
        return (self.article_id, self.update_id)


def article_digest(a: Article) -> str:
    """What makes an article "changed" between two polls (its content, not its counts)."""
    h = hashlib.sha1()
    for part in (a.title, a.link, a.content, a.summary):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()
