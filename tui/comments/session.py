"""Opening a comment thread: find its source, show the cached copy at once,
then load it live (and keep it cached for offline reading)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import httpx

from tui import USER_AGENT
from tui.comments.base import CommentsError, SourceConfig, ThreadSource
from tui.comments.discover import discover, load_comments, source_from_url
from tui.model import Article, Comment
from tui.text.sanitize import clean_line

if TYPE_CHECKING:
    from tui.ui.app import ThreadlineApp


def source_config(app: ThreadlineApp) -> SourceConfig:
    config = SourceConfig()
    for name, value in app.config.sources.items():
        current = getattr(config, name, None)
        if isinstance(current, tuple):  # host lists: "reddit.com, old.reddit.com"
            setattr(config, name, tuple(h.strip().lower() for h in value.split(",") if h.strip()))
        elif isinstance(current, str):
            setattr(config, name, value)
    return config


def http_client(app: ThreadlineApp) -> httpx.AsyncClient:
    client = app.comments_client
    if client is None or client.is_closed:
        client = httpx.AsyncClient(
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(20.0, connect=10.0),
            follow_redirects=True,
            limits=httpx.Limits(max_connections=8),
        )
        app.comments_client = client
    return client


def _push(app: ThreadlineApp, title: str, source: ThreadSource) -> None:
    from tui.ui.screens.thread import ThreadScreen

    store = app.store
    config = source_config(app)
    key = source.key
    cached = store.load_thread(key)
    seen = store.seen_comments(key)

    async def loader() -> list[Comment]:
        try:
            comments = await load_comments(http_client(app), source, config)
        except httpx.HTTPError as exc:
            raise CommentsError(f"network error: {type(exc).__name__}") from exc
        await asyncio.to_thread(store.save_thread, key, source.kind, comments)
        return comments

    async def expand(stub: Comment) -> list[Comment]:
        from tui.comments.discover import load_more

        try:
            return await load_more(http_client(app), source, stub, config)
        except httpx.HTTPError as exc:
            raise CommentsError(f"network error: {type(exc).__name__}") from exc

    def on_seen(ids: set[str]) -> None:
        app.write(store.mark_comments_seen, key, ids)

    app.push_screen(
        ThreadScreen(
            title,
            loader,
            poll_every=app.interval or app.config.thread_every,
            seen=seen,
            on_seen=on_seen,
            initial=cached[0] if cached else None,
            expand=expand if source.kind == "reddit" else None,
            kind=source.kind,
            clock=app.clock,
        )
    )


def open_article_thread(app: ThreadlineApp, article: Article) -> None:
    feed = app.store.feed_by_id(article.feed_id) if article.feed_id else None
    source = discover(article, source_config(app), site_url=feed.site_url if feed else "")
    if source is None:
        app.notify("no comment thread found for this article", severity="warning")
        return
    _push(app, clean_line(article.title) or "comments", source)


def open_url_thread(app: ThreadlineApp, url: str) -> None:
    config = source_config(app)
    source = source_from_url(url, config) or ThreadSource("page", url, "", url)
    _push(app, clean_line(url), source)
