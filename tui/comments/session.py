"""One open comment thread, without any UI: its cached copy, live loads, the
expansion of "more replies" stubs, and which comments the reader has seen.

Every store call runs in a thread (tui.offload, one for big jobs): reading a cached
50,000-comment thread takes a quarter of a second, and marking it seen tens of
milliseconds, which the event loop of an interactive reader cannot spare.
Fetching goes through the app's one ``Fetcher``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, KeysView, Mapping
from dataclasses import replace
from typing import Protocol

from tui.comments.base import SourceConfig, ThreadSource
from tui.comments.discover import discover, source_from_url
from tui.comments.post import Post, post_comment, split_post
from tui.comments.registry import can_expand, load_comments, load_more
from tui.model import Article, Comment, Feed
from tui.net import Fetcher
from tui.offload import off_loop
from tui.store.connection import StoreError

__all__ = ["ThreadSession", "ThreadStore", "source_config", "article_source", "url_source"]


# Sources whose post author is a user name that comments carry too (WordPress
# marks its author by user id, in the adapter).
_OP_BY_NAME = ("reddit", "hackernews", "lobsters")


class ThreadStore(Protocol):
    """The part of tui.store.Store a thread session uses."""

    def load_thread(self, key: str) -> tuple[list[Comment], float] | None: ...
    def save_thread(self, key: str, source: str, comments: list[Comment]) -> None: ...
    def seen_comments(self, thread: str) -> set[str]: ...
    def mark_comments_seen(self, thread: str, ids: list[str] | set[str]) -> None: ...


class FeedStore(Protocol):
    def feed_by_id(self, feed_id: int) -> Feed | None: ...


def source_config(config_sources: Mapping[str, str]) -> SourceConfig:
    """SourceConfig with the user's [sources] overrides (Config.sources) applied.

    Host lists are given as "reddit.com, old.reddit.com"; unknown names are ignored.
    """
    config = SourceConfig()
    for name, value in config_sources.items():
        current = getattr(config, name, None)
        if not isinstance(value, str):
            continue
        if isinstance(current, tuple):
            setattr(config, name, tuple(h.strip().lower() for h in value.split(",") if h.strip()))
        elif isinstance(current, str):
            setattr(config, name, value)
        elif isinstance(current, (int, float)) and not isinstance(current, bool):
            try:
                number = type(current)(value.strip())
            except ValueError:
                continue
            if 0 <= number < 3600:
                setattr(config, name, number)
    return config


async def article_source(store: FeedStore, article: Article, config: SourceConfig) -> ThreadSource | None:
    """The thread a stored article points at (its feed's site URL read in a thread)."""
    feed = await asyncio.to_thread(store.feed_by_id, article.feed_id) if article.feed_id else None
    return discover(article, config, site_url=feed.site_url if feed else "")


def url_source(url: str, config: SourceConfig) -> ThreadSource:
    """The thread a URL names, or the page itself, to be discovered when loaded."""
    return source_from_url(url, config) or ThreadSource("page", url, "", url)


class ThreadSession:
    """The store and network side of one open thread.

    ``cached()`` gives the copy kept from the last visit and fills ``seen`` (the
    ids the reader had seen by then); ``load()`` fetches the thread and keeps it;
    ``expand(stub)`` loads the replies a stub stands for; ``mark_seen(ids)``
    remembers ids, writing only those not already remembered.
    """

    def __init__(
        self,
        store: ThreadStore,
        fetcher: Fetcher,
        source: ThreadSource,
        config: SourceConfig | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.source = source
        self.config = config or SourceConfig()
        self.clock = clock
        self.key = source.key
        self.seen: set[str] = set()
        self.cached_at: float | None = None  # when the cached copy was fetched
        self.loaded_at: float | None = None  # when load() last succeeded (clock)
        self.save_error = ""  # why the last load could not be kept, if it could not
        # Who wrote the post (the OP), as the loads showed: replies that arrive through
        # "load more" come without the post, so they are marked from this.
        self.op_authors: set[str] = set()
        self._saving = asyncio.Lock()
        self.post: Post | None = None  # the post the thread hangs under, once a load told

    @property
    def kind(self) -> str:
        return self.source.kind

    @property
    def can_expand(self) -> bool:
        return can_expand(self.source)

    async def cached(self) -> list[Comment] | None:
        """The thread as last kept, or None; also reads the seen ids into ``seen``."""
        key = self.key

        def read() -> tuple[tuple[list[Comment], float] | None, set[str]]:
            return self.store.load_thread(key), self.store.seen_comments(key)

        kept, seen = await off_loop(read)
        self.seen |= seen
        if kept is None:
            return None
        comments, self.cached_at = kept
        post, comments = split_post(comments)
        self.post = self.post or post
        self._learn_op(comments)
        return comments

    async def load(self) -> list[Comment]:
        """Fetch the thread and keep it for offline reading. Raises CommentsError
        (a short reason) when it cannot be fetched. A thread that cannot be kept
        (a full disk, a locked database) is still shown: ``save_error`` says why."""
        comments = await self.fetch()
        await self.keep(comments)
        return comments

    async def fetch(self) -> list[Comment]:
        """Fetch the thread without keeping it (``keep`` does, once it is shown:
        writing 10,000 comments takes longer than drawing the first screen)."""
        post, comments = split_post(await load_comments(self.fetcher, self.source, self.config))
        self.post = post or self.post
        self._learn_op(comments)
        self.loaded_at = self.clock()
        return comments

    async def keep(self, comments: list[Comment]) -> None:
        """Keep ``comments`` as the offline copy, in a thread; saves run one at a
        time, in the order asked, so the newest copy is the one left."""
        async with self._saving:
            try:
                kept = comments + [post_comment(self.post)] if self.post is not None else comments
                await off_loop(self.store.save_thread, self.key, self.source.kind, kept)
            except StoreError as exc:
                self.save_error = str(exc) or "the thread could not be kept"
            else:
                self.save_error = ""

    async def expand(
        self, stub: Comment, progress: Callable[[list[Comment]], None] | None = None
    ) -> list[Comment]:
        """The comments ``stub`` stands for; CommentsError if this source has no stubs.
        ``progress`` is told the replies so far (ending in a stub for the rest)
        while a stub of thousands loads request by request."""
        told = None if progress is None else (lambda replies: progress(self._mark_op(replies)))
        return self._mark_op(await load_more(self.fetcher, self.source, stub, self.config, told))

    def _learn_op(self, comments: list[Comment]) -> None:
        self.op_authors.update(c.author for c in comments if c.by_author and c.author and not c.deleted)
        if self.post is not None and self.post.author and self.source.kind in _OP_BY_NAME:
            self.op_authors.add(self.post.author)

    def _mark_op(self, replies: list[Comment]) -> list[Comment]:
        """``replies`` with the OP's own marked, as the first load marked them."""
        ops = self.op_authors
        if not ops:
            return replies
        return [
            replace(c, by_author=True) if not c.by_author and not c.deleted and c.author in ops else c
            for c in replies
        ]

    async def mark_seen(self, ids: Iterable[str]) -> int:
        """Remember ``ids`` as seen; returns how many were new. A reload of an
        unchanged thread writes nothing."""
        # A set or a dict's keys view: the difference is one C call, no copy first.
        fresh: set[str] = (ids if isinstance(ids, (set, frozenset, KeysView)) else set(ids)) - self.seen  # type: ignore[assignment]
        if not fresh:
            return 0
        self.seen |= fresh  # at once, so a second call meanwhile does not write them again
        try:
            await off_loop(self.store.mark_comments_seen, self.key, fresh)
        except BaseException:
            self.seen -= fresh
            raise
        return len(fresh)
