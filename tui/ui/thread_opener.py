"""Opening a comment thread from the app: find its source, read the cached copy
and the seen marks in a thread, then push a ThreadScreen that shows the cached
copy at once and loads the thread live (tui.comments.session does the work).

Nothing here touches the store on the event loop: the reads happen in a worker
before the screen is pushed, the seen marks are written by workers.
"""

from __future__ import annotations

from collections.abc import Set
from typing import TYPE_CHECKING

from tui.comments.base import SourceConfig, ThreadSource
from tui.comments.session import ThreadSession, article_source, source_config, url_source
from tui.model import Article, Comment
from tui.net import Fetcher
from tui.store import StoreError
from tui.text.sanitize import clean_line

if TYPE_CHECKING:
    from tui.ui.app import ThreadlineApp

__all__ = ["open_article_thread", "open_url_thread", "thread_fetcher"]

_OPEN_GROUP = "thread-open"
_SEEN_GROUP = "thread-seen"


def thread_fetcher(app: ThreadlineApp) -> Fetcher:
    """The Fetcher comment threads use: the app's one, which the poller uses too
    (one client, one set of per-host slots)."""
    return app.fetcher


def open_article_thread(app: ThreadlineApp, article: Article) -> None:
    """Open the thread a stored article points at (or say there is none)."""
    app.run_worker(_open_article(app, article), group=_OPEN_GROUP, exclusive=True, exit_on_error=False)


def open_url_thread(app: ThreadlineApp, url: str, *, exit_on_back: bool = False) -> None:
    """Open the thread a URL names, or the thread discovered on that page.
    ``exit_on_back``: Esc from that thread quits the app (``threadline thread URL``)."""
    config = source_config(app.config.sources)
    source = url_source(url, config)
    app.run_worker(
        _open(app, clean_line(url), source, config, exit_on_back=exit_on_back),
        group=_OPEN_GROUP,
        exclusive=True,
        exit_on_error=False,
    )


async def _open_article(app: ThreadlineApp, article: Article) -> None:
    config = source_config(app.config.sources)
    try:
        source = await article_source(app.store, article, config)
    except StoreError as exc:
        app.notify(str(exc), severity="error", markup=False)
        return
    if source is None:
        app.notify("no comment thread found for this article", severity="warning")
        return
    await _open(app, clean_line(article.title) or "comments", source, config)


async def _open(
    app: ThreadlineApp, title: str, source: ThreadSource, config: SourceConfig, *, exit_on_back: bool = False
) -> None:
    from tui.ui.screens.thread import ThreadScreen
    from tui.ui.thread_stamp import stamp_first_comment

    session = ThreadSession(app.store, thread_fetcher(app), source, config, clock=app.clock)
    try:
        initial = await session.cached()
    except StoreError as exc:  # no cached copy then; the live load may still work
        app.notify(str(exc), severity="error", markup=False)
        initial = None

    said = [""]

    async def keep(comments: list[Comment]) -> None:
        await session.keep(comments)
        # Shown all the same; only the offline copy is missing (said once, not every poll).
        if session.save_error and session.save_error != said[0]:
            app.notify(
                f"not kept for offline reading: {session.save_error}", severity="warning", markup=False
            )
        said[0] = session.save_error

    def on_seen(ids: Set[str]) -> None:
        app.run_worker(_mark_seen(app, session, ids), group=_SEEN_GROUP, exit_on_error=False)

    screen = ThreadScreen(
        title,
        session.fetch,
        keep=keep,
        post=lambda: session.post,
        poll_every=app.interval or app.config.thread_every,
        seen=session.seen,
        on_seen=on_seen,
        initial=initial,
        expand=session.expand if session.can_expand else None,
        kind=source.kind,
        clock=app.clock,
        exit_on_back=exit_on_back,
    )
    stamp_first_comment(screen.comment_tree)  # bench/bench_thread_open.py; nothing when unset
    app.push_screen(screen)


async def _mark_seen(app: ThreadlineApp, session: ThreadSession, ids: Set[str]) -> None:
    try:
        await session.mark_seen(ids)
    except StoreError as exc:  # a full disk or a read-only home is said, not raised
        app.notify(str(exc), severity="error", markup=False)
