"""Loading a thread: one table from a source's kind to the loader for it.

Every loader takes ``(fetcher, source, config)`` and returns the thread's
comments as one flat list (feed it to tree.build_thread), or raises
CommentsError with a short reason. A new kind of source is one more entry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tui.comments.adapters.atom import load_feed_comments
from tui.comments.adapters.hackernews import load_hackernews
from tui.comments.adapters.lobsters import load_lobsters
from tui.comments.adapters.reddit import load_more as load_reddit_more
from tui.comments.adapters.reddit import load_reddit
from tui.comments.adapters.wordpress import load_wordpress
from tui.comments.base import CommentsError, SourceConfig, ThreadSource
from tui.comments.discover import discover_from_page
from tui.model import Comment
from tui.net import Fetcher

__all__ = [
    "LOADERS",
    "EXPANDERS",
    "KINDS",
    "Loader",
    "Expander",
    "Progress",
    "load_comments",
    "load_more",
    "can_expand",
]

Loader = Callable[[Fetcher, ThreadSource, SourceConfig], Awaitable[list[Comment]]]
Progress = Callable[[list[Comment]], None]
Expander = Callable[[Fetcher, ThreadSource, Comment, SourceConfig, Progress | None], Awaitable[list[Comment]]]


async def _wordpress(fetcher: Fetcher, source: ThreadSource, config: SourceConfig) -> list[Comment]:
    # A site whose REST API refuses (off, locked down, behind a login) falls
    # back to the comment feed discovery found for the post, if any.
    try:
        return await load_wordpress(fetcher, source)
    except CommentsError:
        feeds = source.extras("feed")
        if not feeds:
            raise
        kind = (source.extras("feed_kind") or ["rss"])[0]
        fallback = ThreadSource(kind, feeds[0], "", source.page_url, (("post", source.page_url),))
        return await load_feed_comments(fetcher, fallback)


async def _feed(fetcher: Fetcher, source: ThreadSource, config: SourceConfig) -> list[Comment]:
    # "rss" gives a flat window of the newest comments; "atom" may be threaded.
    return await load_feed_comments(fetcher, source)


async def _page(fetcher: Fetcher, source: ThreadSource, config: SourceConfig) -> list[Comment]:
    found = await discover_from_page(fetcher, source.ref, config)
    if found is None or found.kind == "page":
        raise CommentsError("no comment thread found on the page")
    return await load_comments(fetcher, found, config)


LOADERS: dict[str, Loader] = {
    "wordpress": _wordpress,
    "atom": _feed,
    "rss": _feed,
    "hackernews": load_hackernews,
    "reddit": load_reddit,
    "lobsters": load_lobsters,
    "page": _page,  # a human page: discover the source on it first
}

# Kinds whose threads hold stubs ("load more replies") and how to expand one.
EXPANDERS: dict[str, Expander] = {
    "reddit": load_reddit_more,
}

KINDS = tuple(LOADERS)


async def load_comments(fetcher: Fetcher, source: ThreadSource, config: SourceConfig) -> list[Comment]:
    """The thread's comments as one flat list. Raises CommentsError with a short reason."""
    loader = LOADERS.get(source.kind)
    if loader is None:
        raise CommentsError(f"unknown comment source {source.kind[:20]!r}")
    return await loader(fetcher, source, config)


def can_expand(source: ThreadSource) -> bool:
    return source.kind in EXPANDERS


async def load_more(
    fetcher: Fetcher,
    source: ThreadSource,
    stub: Comment,
    config: SourceConfig,
    progress: Progress | None = None,
) -> list[Comment]:
    """The comments a stub stands for (the caller puts them where the stub was);
    ``progress`` may be told the replies so far while a long expansion runs."""
    expander = EXPANDERS.get(source.kind)
    if expander is None:
        raise CommentsError(f"{source.kind[:20] or 'this source'} cannot load more replies")
    return await expander(fetcher, source, stub, config, progress)
