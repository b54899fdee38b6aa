"""Reader mode's cache: an article's page reduced to its main text, or why that failed."""

from __future__ import annotations

import time
from dataclasses import dataclass

from tui.store.connection import Database
from tui.store.rows import storable_text


@dataclass(frozen=True)
class ReaderPage:
    article_id: int
    url: str  # the page as fetched (after redirects)
    fetched: float
    html: str  # the extracted main text as HTML; '' when extraction failed
    error: str  # one line: why there is no text ('' when there is)

    @property
    def ok(self) -> bool:
        return bool(self.html) and not self.error


class ReaderPages(Database):
    def save_reader_page(self, article_id: int, url: str, html: str, error: str = "") -> ReaderPage:
        """Keep the extracted text (or the failure) of ``article_id``'s page, replacing
        any earlier one. An article that is gone (removed with its feed) keeps nothing."""
        page = ReaderPage(article_id, storable_text(url) or "", time.time(), storable_text(html) or "", error)
        with self._tx() as db:
            if db.execute("SELECT 1 FROM articles WHERE id=?", (article_id,)).fetchone() is None:
                return page
            db.execute(
                "INSERT OR REPLACE INTO reader_pages (article_id, url, fetched, html, error) VALUES (?,?,?,?,?)",
                (page.article_id, page.url, page.fetched, page.html, storable_text(page.error) or ""),
            )
        return page

    def reader_page(self, article_id: int) -> ReaderPage | None:
        rows = self._rows(
            "SELECT article_id, url, fetched, html, error FROM reader_pages WHERE article_id=?", (article_id,)
        )
        if not rows:
            return None
        r = rows[0]
        fetched = r["fetched"] if isinstance(r["fetched"], (int, float)) else 0.0
        return ReaderPage(
            r["article_id"], str(r["url"] or ""), float(fetched), str(r["html"] or ""), str(r["error"] or "")
        )
