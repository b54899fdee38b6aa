"""Comment sources fetch through the one Fetcher: its per-host slots, its size
cap after decompression (the gzip-bomb guard) and its one-line reasons."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from loopback import LoggedRequest, Reply

from tui.comments.base import CommentsError, SourceConfig, ThreadSource, fetch_json
from tui.comments.registry import load_comments
from tui.net import Fetcher

FIXTURES = Path(__file__).parent / "fixtures" / "comments"
JSON = "application/json"
RSS = "<rss version='2.0'><channel><title>t</title></channel></rss>"


class Gauge:
    """A loopback handler (for one or more routes) that holds each request a
    while and counts how many it serves at the same moment."""

    def __init__(self, replies: dict[str, Reply], hold: float = 0.3) -> None:
        self.replies = replies
        self.hold = hold
        self.active = 0
        self.peak = 0
        self.served = 0
        self.lock = threading.Lock()

    def __call__(self, req: LoggedRequest) -> Reply:
        with self.lock:
            self.active += 1
            self.served += 1
            self.peak = max(self.peak, self.active)
        time.sleep(self.hold)
        with self.lock:
            self.active -= 1
        return self.replies[req.bare_path]

    def serve(self, server) -> None:
        for path in self.replies:
            server.route(path, self)


def config_for(server) -> SourceConfig:
    base = server.url("").rstrip("/")
    return SourceConfig(hn_algolia=base, hn_firebase=base, reddit=base, lobsters=base)


async def test_comment_fetches_share_the_fetchers_per_host_slot(server):
    body = Reply(body=(FIXTURES / "lobsters-story.json").read_bytes(), content_type=JSON)
    story = Gauge({"/s/q7x2ab.json": body, "/s/z9y8xw.json": body, "/feed": Reply(body=RSS)})
    story.serve(server)
    async with Fetcher(per_host=1) as fetcher:
        first, second, feed = await asyncio.gather(
            load_comments(fetcher, ThreadSource("lobsters", "q7x2ab", server.url("")), config_for(server)),
            load_comments(fetcher, ThreadSource("lobsters", "z9y8xw", server.url("")), config_for(server)),
            fetcher.fetch(server.url("/feed")),  # a feed poll waits for the same slot
        )
    assert first and second and feed.ok
    assert story.served == 3
    assert story.peak == 1  # never two requests to the one host at once


async def test_a_threads_own_requests_queue_for_the_host_slot_too(server):
    # Hacker News asks Algolia and Firebase at once; here both are one host.
    hn = Gauge(
        {
            "/api/v1/items/41000100": Reply(
                body=(FIXTURES / "hn-algolia.json").read_bytes(), content_type=JSON
            ),
            "/v0/item/41000100.json": Reply(body="{}", content_type=JSON),
        }
    )
    hn.serve(server)
    async with Fetcher(per_host=1) as fetcher:
        started = time.monotonic()
        comments = await load_comments(
            fetcher, ThreadSource("hackernews", "41000100", server.url("")), config_for(server)
        )
        wall = time.monotonic() - started
    assert comments and hn.served == 2
    assert hn.peak == 1
    assert wall >= 0.55  # one after the other, not side by side (0.3 s each)


async def test_a_gzip_bomb_from_a_comment_source_is_refused_with_bounded_memory(server, monkeypatch):
    import tui.comments.base as base

    monkeypatch.setattr(base, "MAX_BODY", 1024 * 1024)
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024), compresslevel=9)
    server.route("/s/q7x2ab.json", Reply(body=bomb, headers={"Content-Encoding": "gzip"}, content_type=JSON))
    async with Fetcher() as fetcher:
        tracemalloc.start()
        try:
            with pytest.raises(CommentsError) as refused:
                await load_comments(
                    fetcher, ThreadSource("lobsters", "q7x2ab", server.url("")), config_for(server)
                )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert str(refused.value) == "the response is too large"
    # The feeds' guard: inflated in bounded steps, stopped at the cap, far below 50 MB.
    assert peak < 8 * 1024 * 1024, peak


async def test_the_default_comment_cap_stops_a_bomb_too(server):
    bomb = gzip.compress(b"\0" * (80 * 1024 * 1024), compresslevel=9)  # past MAX_BODY (48 MB)
    url = server.route(
        "/bomb.json", Reply(body=bomb, headers={"Content-Encoding": "gzip"}, content_type=JSON)
    )
    async with Fetcher() as fetcher:
        with pytest.raises(CommentsError, match="the response is too large"):
            await fetch_json(fetcher, url)


async def test_a_gzipped_comment_source_is_decoded(server):
    body = (FIXTURES / "lobsters-story.json").read_bytes()
    server.route("/s/q7x2ab.json", Reply(body=body, gzip=True, content_type=JSON))
    async with Fetcher() as fetcher:
        comments = await load_comments(
            fetcher, ThreadSource("lobsters", "q7x2ab", server.url("")), config_for(server)
        )
    assert len(comments) == 10
    assert "gzip" in server.hits("/s/q7x2ab.json")[0].headers["accept-encoding"]


async def test_comment_requests_carry_the_fetchers_user_agent_and_follow_redirects(server):
    story = (FIXTURES / "lobsters-story.json").read_bytes()
    server.route("/s/q7x2ab.json", Reply(status=301, headers={"Location": "/moved/q7x2ab.json"}))
    server.route("/moved/q7x2ab.json", Reply(body=story, content_type=JSON))
    async with Fetcher(user_agent="Threadline-test/1") as fetcher:
        comments = await load_comments(
            fetcher, ThreadSource("lobsters", "q7x2ab", server.url("")), config_for(server)
        )
    assert len(comments) == 10
    assert [h.headers["user-agent"] for h in server.requests] == ["Threadline-test/1"] * 2
    assert server.requests[0].headers["accept"] == "application/json"


@pytest.mark.parametrize(
    "reply, reason",
    [
        (Reply(status=404, body="no"), "comments are closed or missing (404)"),
        (Reply(status=403, body="no"), "comments are not public (403)"),
        (Reply(status=429, body="slow down"), "the site is rate limiting us (429)"),
        (Reply(status=502, body="bad gateway"), "the server failed (502)"),
        (Reply(body=b"\x1f\x8b junk", headers={"Content-Encoding": "gzip"}), "bad gzip body"),
        (Reply(status=302), "HTTP 302 without a Location"),
    ],
)
async def test_failed_fetches_become_short_reasons(server, reply, reason):
    url = server.route("/thing.json", reply)
    async with Fetcher(timeout=2) as fetcher:
        with pytest.raises(CommentsError) as failed:
            await fetch_json(fetcher, url)
    assert str(failed.value) == reason


async def test_a_refused_connection_is_a_network_error():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with Fetcher(timeout=2) as fetcher:
        with pytest.raises(CommentsError) as failed:
            await fetch_json(fetcher, f"http://127.0.0.1:{port}/x.json")
    assert str(failed.value) == "network error: connection refused"


async def test_params_are_merged_into_the_query(server):
    url = server.route("/api", Reply(body=json.dumps({"ok": True}), content_type=JSON))
    async with Fetcher() as fetcher:
        data, headers = await fetch_json(fetcher, url + "?rest_route=/wp/v2/comments", params={"post": "5"})
    assert data == {"ok": True} and headers["content-type"] == JSON
    query = server.requests[0].query
    assert "rest_route=" in query and "post=5" in query
