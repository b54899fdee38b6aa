"""Rows as model objects, and values made storable (shared by the query modules)."""

from __future__ import annotations

import re
import sqlite3

from tui.model import Article


def article_from_row(row: sqlite3.Row) -> Article:
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


# SQLite holds 64-bit signed integers and UTF-8 text. A stranger's value outside
# that (a count of 2**63, a lone surrogate from a JSON "\\ud800" escape) would make
# the whole write fail and lose every other item of the feed: it costs that value
# only instead, here, before the write.
INT_MAX = 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable_text(value: str | None) -> str | None:
    """``value`` with lone surrogates replaced by U+FFFD (they cannot be UTF-8)."""
    if not value:
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", value)
    return value


def storable_count(value: int | None) -> int | None:
    """A count SQLite can hold: negative or over 2**63-1 is dropped as junk."""
    if value is None or not 0 <= value <= INT_MAX:
        return None
    return value


def storable_article(a: Article) -> None:
    """Clean ``a`` in place so that storing it cannot fail on its values."""
    for name in ("guid", "title", "link", "author", "content", "summary", "comments_url", "comment_feed"):
        text = getattr(a, name)
        clean = storable_text(text)
        if clean is not text:
            setattr(a, name, clean)
    if a.search_text:
        a.search_text = storable_text(a.search_text) or ""
    a.comment_count = storable_count(a.comment_count)
