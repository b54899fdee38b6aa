"""How a thread is fetched (issue 12, point 8): WordPress pages go out together
within the per-host limit, the post's lead comes with them, the work of turning
a big answer into comments is kept off the event loop, and the offline copy is
written after the thread is shown. Loopback servers record what overlapped.
"""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import parse_qs

import pytest
from loopback import LoggedRequest, Reply

from tui.comments.adapters.wordpress import load_wordpress
from tui.comments.base import ThreadSource
from tui.comments.session import ThreadSession
from tui.net import Fetcher
from tui.store import Store

JSON = "application/json; charset=utf-8"
PAGES = 12


class Overlap:
    """Counts the requests in flight at once, each held for ``hold`` seconds."""

    def __init__(self, hold: float = 0.05) -> None:
        self.hold = hold
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.pages: list[int] = []

    def __call__(self, req: LoggedRequest) -> Reply:
        page = int(parse_qs(req.query)["page"][0])
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
            self.pages.append(page)
        time.sleep(self.hold)
        with self.lock:
            self.now -= 1
        items = [
            {
                "id": page * 1000 + i,
                "parent": 0,
                "author_name": "reader",
                "date_gmt": "2026-11-26T10:00:00",
                "content": {"rendered": f"<p>page {page} comment {i}</p>"},
                "link": f"https://harbour.example/quay/#comment-{page * 1000 + i}",
            }
            for i in range(100)
        ]
        headers = {"X-WP-Total": str(PAGES * 100), "X-WP-TotalPages": str(PAGES)}
        return Reply(body=json.dumps(items), content_type=JSON, headers=headers)


def serve(server, overlap: Overlap) -> None:
    server.route("/wp-json/wp/v2/comments", overlap)
    post = {
        "author": 3,
        "title": {"rendered": "The quay &amp; the storm"},
        "excerpt": {"rendered": "<p>The council met on Tuesday.</p>"},
        "link": "https://harbour.example/quay/",
        "date_gmt": "2026-11-26T09:00:00",
    }
    server.route("/wp-json/wp/v2/posts/77", Reply(body=json.dumps(post), content_type=JSON))


@pytest.mark.parametrize("per_host", [1, 2, 3])
async def test_wordpress_pages_are_fetched_together_within_the_per_host_limit(server, per_host):
    overlap = Overlap()
    serve(server, overlap)
    async with Fetcher(per_host=per_host) as fetcher:
        comments = await load_wordpress(fetcher, ThreadSource("wordpress", "77", server.url("")))
    assert len(comments) == PAGES * 100
    assert sorted(overlap.pages) == list(range(1, PAGES + 1))  # every page, once
    # The page requests overlap as far as the host limit allows, and never further
    # (the post's own request may take one of the slots at the start).
    assert overlap.most == per_host


async def test_the_wordpress_post_gives_the_header_and_the_source_count(server):
    serve(server, Overlap(hold=0))
    async with Fetcher() as fetcher:
        comments = await load_wordpress(fetcher, ThreadSource("wordpress", "77", server.url("")))
    post = comments.post  # type: ignore[attr-defined]
    assert post.title == "The quay & the storm" and post.total == PAGES * 100
    assert "council met" in post.html and post.url == post.permalink == "https://harbour.example/quay/"


async def test_fetch_does_not_write_and_keep_writes_the_post_with_the_comments(server):
    serve(server, Overlap(hold=0))
    store = Store.memory()
    async with Fetcher() as fetcher:
        session = ThreadSession(store, fetcher, ThreadSource("wordpress", "77", server.url("")))
        comments = await session.fetch()
        assert store.load_thread(session.key) is None  # shown first, kept after
        await session.keep(comments)
    kept = store.load_thread(session.key)
    assert kept is not None and len(kept[0]) == PAGES * 100 + 1  # the post rides last
    again = ThreadSession(store, Fetcher(), ThreadSource("wordpress", "77", server.url("")))
    assert len(await again.cached()) == PAGES * 100
    assert again.post is not None and again.post.title == "The quay & the storm"
