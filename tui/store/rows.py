"""Rows of the articles table as model objects (shared by the query modules)."""

from __future__ import annotations

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
