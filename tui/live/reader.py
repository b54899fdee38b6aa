"""Reader mode, headless: an article's own page fetched through the app's Fetcher,
reduced to its main text (``text/extract.py``, in a thread) and kept in the store,
so that asking again costs no request.

A failure is a ``ReaderPage`` with a one-line ``error`` (no link, the fetch
failed, the page is not HTML, nothing to extract); it is stored too, but a later
request tries the page again, since most failures pass.
"""

from __future__ import annotations

import asyncio

from tui.model import Article
from tui.net import Fetcher
from tui.store import Store
from tui.store.reader import ReaderPage
from tui.text.extract import MAX_PAGE_BYTES, extract_main
from tui.text.sanitize import safe_url

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"


async def cached_page(store: Store, article_id: int) -> ReaderPage | None:
    """The stored text of ``article_id``'s page, if an earlier request extracted it."""
    page = await asyncio.to_thread(store.reader_page, article_id)
    return page if page is not None and page.ok else None


async def read_page(store: Store, fetcher: Fetcher, article: Article) -> ReaderPage:
    """The main text of ``article``'s page: from the store when it is there, else
    fetched, extracted and stored. Store failures raise ``StoreError``."""
    assert article.id is not None, "a stored article has an id"
    cached = await cached_page(store, article.id)
    if cached is not None:
        return cached
    link = safe_url(article.link)
    if link is None:
        return ReaderPage(article.id, "", 0.0, "", "this article has no web page to read")
    result = await fetcher.get(link, accept=PAGE_ACCEPT, limit=MAX_PAGE_BYTES)
    if not result.ok or result.body is None:
        error = "could not fetch the page: " + (result.error or "no body")
        return await asyncio.to_thread(
            store.save_reader_page, article.id, result.final_url or link, "", error
        )
    extracted = await asyncio.to_thread(
        extract_main,
        result.body,
        result.headers.get("content-type", ""),
        url=result.final_url or link,
        title=article.title,
    )
    return await asyncio.to_thread(
        store.save_reader_page, article.id, result.final_url or link, extracted.html, extracted.error
    )
