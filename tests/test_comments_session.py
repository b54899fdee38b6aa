"""ThreadSession: the core side of an open thread, against a real Store and a
loopback server. Every store call it makes runs off the event loop."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from loopback import Reply

from tui.comments.base import CommentsError, SourceConfig, ThreadSource
from tui.comments.session import ThreadSession, article_source, source_config, url_source
from tui.model import Article, Comment
from tui.net import Fetcher
from tui.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "comments"
JSON = "application/json"


class RecordingStore(Store):
    """A real Store that notes which thread ran each thread-cache call."""

    calls: list[tuple[str, threading.Thread]]

    def _note(self, name: str) -> None:
        if not hasattr(self, "calls"):
            self.calls = []
        self.calls.append((name, threading.current_thread()))

    def load_thread(self, key):
        self._note("load_thread")
        return super().load_thread(key)

    def save_thread(self, key, source, comments):
        self._note("save_thread")
        return super().save_thread(key, source, comments)

    def seen_comments(self, thread):
        self._note("seen_comments")
        return super().seen_comments(thread)

    def mark_comments_seen(self, thread, ids):
        self._note("mark_comments_seen")
        return super().mark_comments_seen(thread, ids)

    def feed_by_id(self, feed_id):
        self._note("feed_by_id")
        return super().feed_by_id(feed_id)


def lobsters(server) -> tuple[ThreadSource, SourceConfig]:
    server.route(
        "/s/q7x2ab.json", Reply(body=(FIXTURES / "lobsters-story.json").read_bytes(), content_type=JSON)
    )
    base = server.url("").rstrip("/")
    return ThreadSource("lobsters", "q7x2ab", base), SourceConfig(lobsters=base)


async def test_every_store_call_runs_off_the_event_loop(server):
    store = RecordingStore.memory()
    source, config = lobsters(server)
    loop_thread = threading.current_thread()
    async with Fetcher() as fetcher:
        session = ThreadSession(store, fetcher, source, config)
        assert await session.cached() is None and session.seen == set()
        comments = await session.load()
        assert len(comments) == 10
        assert await session.mark_seen({c.id for c in comments}) == 10
        again = ThreadSession(store, fetcher, source, config)
        cached = await again.cached()
    assert [c.id for c in cached] == [c.id for c in comments]
    assert again.seen == {c.id for c in comments}
    names = [name for name, _ in store.calls]
    assert {"load_thread", "seen_comments", "save_thread", "mark_comments_seen"} <= set(names)
    assert all(thread is not loop_thread for _, thread in store.calls), store.calls


async def test_reloading_an_unchanged_thread_writes_no_seen_marks(server):
    store = RecordingStore.memory()
    source, config = lobsters(server)
    async with Fetcher() as fetcher:
        session = ThreadSession(store, fetcher, source, config)
        await session.cached()
        ids = {c.id for c in await session.load()}
        assert await session.mark_seen(ids) == 10
        writes = [n for n, _ in store.calls].count("mark_comments_seen")
        assert await session.mark_seen(ids) == 0
        assert await session.mark_seen(ids | {"new1"}) == 1
    assert [n for n, _ in store.calls].count("mark_comments_seen") == writes + 1
    assert store.seen_comments(source.key) == ids | {"new1"}


async def test_article_source_reads_the_feed_off_the_loop():
    store = RecordingStore.memory()
    feed_id = store.add_feed("https://harbour.example/feed/", title="Harbour").id
    article = Article(guid="https://harbour.example/?p=77", link="/2026/storm/", feed_id=feed_id)
    found = await article_source(store, article, SourceConfig())
    assert found is not None and (found.kind, found.ref) == ("wordpress", "77")
    assert [n for n, _ in store.calls] == ["feed_by_id"]
    assert all(t is not threading.current_thread() for _, t in store.calls)


async def test_a_failed_load_raises_a_short_reason_and_keeps_nothing(server):
    store = RecordingStore.memory()
    source = ThreadSource("lobsters", "q7x2ab", server.url("").rstrip("/"))
    async with Fetcher() as fetcher:
        session = ThreadSession(store, fetcher, source)
        with pytest.raises(CommentsError, match=r"^comments are closed or missing \(404\)$"):
            await session.load()
    assert store.load_thread(source.key) is None


async def test_expand_is_reddit_only(server):
    server.route(
        "/api/morechildren.json",
        Reply(body=(FIXTURES / "reddit-morechildren.json").read_bytes(), content_type=JSON),
    )
    base = server.url("").rstrip("/")
    stub = Comment(id="more:m01x", parent_id="k04x", more=3, more_ids=["m01x", "m02x", "m03x"])
    async with Fetcher() as fetcher:
        reddit = ThreadSession(
            Store.memory(), fetcher, ThreadSource("reddit", "1q2w3e", base), SourceConfig(reddit=base)
        )
        assert reddit.can_expand
        more = await reddit.expand(stub)
        assert [c.id for c in more][:3] == ["m01x", "m02x", "m03x"]
        lobsters_session = ThreadSession(Store.memory(), fetcher, ThreadSource("lobsters", "x", base))
        assert not lobsters_session.can_expand
        with pytest.raises(CommentsError, match="cannot load more"):
            await lobsters_session.expand(stub)


def test_source_config_applies_the_users_sources():
    config = source_config(
        {"reddit": "http://mirror.test", "reddit_hosts": " Mirror.test, old.mirror.test ,", "nope": "x"}
    )
    assert config.reddit == "http://mirror.test"
    assert config.reddit_hosts == ("mirror.test", "old.mirror.test")
    assert config.hn_algolia == SourceConfig().hn_algolia


def test_url_source_falls_back_to_the_page():
    config = SourceConfig()
    assert url_source("https://news.ycombinator.com/item?id=7", config).kind == "hackernews"
    page = url_source("https://harbour.example/live/", config)
    assert (page.kind, page.ref, page.page_url) == (
        "page",
        "https://harbour.example/live/",
        "https://harbour.example/live/",
    )


def test_the_session_module_is_core():
    import ast

    import tui.comments.session as session

    tree = ast.parse(Path(session.__file__).read_text())
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(m and (m.startswith(("textual", "tui.ui")) or m == "httpx") for m in modules)
