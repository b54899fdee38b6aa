"""tui.net against a real loopback HTTP server: politeness, limits, failures."""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import socket
import threading
import time
import tracemalloc
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from loopback import LoopbackServer, Reply

import tui
from tui.net import Fetcher, FetchResult, parse_max_age, parse_retry_after

RSS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Wire</title><link>http://example.invalid/</link>
<item><guid>a1</guid><title>First</title></item></channel></rss>"""


@pytest.fixture
async def fetcher():
    async with Fetcher(timeout=5, connect_timeout=2) as f:
        yield f


# -- header parsing ----------------------------------------------------------


def test_retry_after_delta_seconds():
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 0 ") == 0
    assert parse_retry_after("-5") == 0


def test_retry_after_http_date():
    now = 1_700_000_000.0
    later = email.utils.formatdate(now + 90, usegmt=True)
    assert parse_retry_after(later, now=now) == pytest.approx(90, abs=1)
    earlier = email.utils.formatdate(now - 90, usegmt=True)
    assert parse_retry_after(earlier, now=now) == 0


@pytest.mark.parametrize("junk", [None, "", "soon", "Fri, 99 Foo 2024", "nan", "inf", "1e999"])
def test_retry_after_garbage(junk):
    assert parse_retry_after(junk) is None


@given(st.text(max_size=60))
def test_retry_after_never_raises(text):
    got = parse_retry_after(text, now=0.0)
    assert got is None or got >= 0


@pytest.mark.parametrize(
    "value, expected",
    [
        ("max-age=300", 300),
        ("public, max-age=600, must-revalidate", 600),
        ('max-age="60"', 60),
        ("s-maxage=900", 900),
        ("max-age=120, s-maxage=900", 120),
        ("no-cache, max-age=600", None),
        ("no-store", None),
        ("max-age=abc", None),
        ("private", None),
        ("max-age=-3", 0),
        ("", None),
        (None, None),
    ],
)
def test_parse_max_age(value, expected):
    assert parse_max_age(value) == expected


# -- the basics ------------------------------------------------------------


async def test_plain_fetch_sends_identity_and_returns_body(server, fetcher):
    url = server.route("/feed", Reply(body=RSS, headers={"Cache-Control": "max-age=300"}))
    res = await fetcher.fetch(url)
    assert res.ok and res.status == 200 and res.body == RSS.encode()
    assert res.final_url == url and res.permanent_url is None and not res.conditional
    assert res.max_age == 300
    assert res.headers["content-type"].startswith("application/rss+xml")
    assert res.bytes_received == len(RSS.encode())
    sent = server.hits("/feed")[0].headers
    assert sent["user-agent"] == tui.USER_AGENT and sent["user-agent"].startswith("threadline/")
    assert sent["accept-encoding"] == "gzip, deflate"
    assert "application/rss+xml" in sent["accept"] and "*/*;q=0.1" in sent["accept"]
    assert "if-none-match" not in sent and "if-modified-since" not in sent


async def test_conditional_get_sends_validators_back_exactly(server, fetcher):
    etag = 'W/"5f3-caf\u00e9 x"'  # an odd one: weak, a space, a non-ASCII octet
    lm = "Tue, 14 Nov 2023 22:13:20 GMT"
    url = server.route("/feed", Reply(body=RSS, etag=etag, last_modified=lm))
    first = await fetcher.fetch(url)
    assert first.status == 200 and first.headers["etag"] == etag
    assert first.headers["last-modified"] == lm
    second = await fetcher.fetch(url, etag=first.headers["etag"], last_modified=lm)
    assert second.ok and second.not_modified and second.status == 304
    assert second.body is None and second.conditional
    sent = server.hits("/feed")[1].headers
    assert sent["if-none-match"] == etag and sent["if-modified-since"] == lm


async def test_gzip_body_is_decoded(server, fetcher):
    url = server.route("/feed", Reply(body=RSS * 20, gzip=True))
    res = await fetcher.fetch(url)
    assert res.ok and res.body == (RSS * 20).encode()
    assert res.bytes_received < len(res.body)  # counted on the wire, compressed


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS])
async def test_deflate_body_is_decoded_wrapped_or_raw(server, fetcher, wbits):
    c = zlib.compressobj(wbits=wbits)
    packed = c.compress(RSS.encode()) + c.flush()
    url = server.route("/feed", Reply(body=packed, headers={"Content-Encoding": "deflate"}))
    res = await fetcher.fetch(url)
    assert res.ok and res.body == RSS.encode()


async def test_corrupt_gzip_is_an_error(server, fetcher):
    reply = Reply(body=b"\x1f\x8b\x08garbage", headers={"Content-Encoding": "gzip"})
    url = server.route("/feed", reply)
    res = await fetcher.fetch(url)
    assert res.error == "bad gzip body" and res.body is None


# -- status codes -----------------------------------------------------------


@pytest.mark.parametrize(
    "status, error",
    [
        (500, "HTTP 500"),
        (404, "not found (404)"),
        (403, "access denied (403)"),
        (429, "rate limited (429)"),
    ],
)
async def test_error_statuses_keep_the_status(server, fetcher, status, error):
    url = server.route("/feed", Reply(status=status, body="nope"))
    res = await fetcher.fetch(url)
    assert res.error == error and res.status == status and not res.ok
    assert res.body is None and not res.gone and res.retry_after is None


async def test_410_is_gone(server, fetcher):
    url = server.route("/feed", Reply(status=410))
    res = await fetcher.fetch(url)
    assert res.gone and res.status == 410 and res.error == "gone (410)"


async def test_retry_after_seconds_on_429(server, fetcher):
    url = server.route("/feed", Reply(status=429, headers={"Retry-After": "120"}))
    res = await fetcher.fetch(url)
    assert res.retry_after == 120
    assert res.error == "rate limited (429), retry in 120 s"


async def test_retry_after_date_on_503(server, fetcher):
    when = email.utils.formatdate(time.time() + 3600, usegmt=True)
    url = server.route("/feed", Reply(status=503, headers={"Retry-After": when}))
    res = await fetcher.fetch(url)
    assert res.status == 503 and 3500 < res.retry_after <= 3600
    assert res.error.startswith("unavailable (503), retry in ")


async def test_retry_after_ignored_on_other_statuses(server, fetcher):
    server.route("/new", Reply(body=RSS))
    url = server.route("/old", Reply(status=301, headers={"Location": "/new", "Retry-After": "60"}))
    assert (await fetcher.fetch(url)).retry_after is None
    url = server.route("/err", Reply(status=500, headers={"Retry-After": "60"}))
    assert (await fetcher.fetch(url)).retry_after is None


# -- redirects --------------------------------------------------------------


async def test_301_chain_gives_permanent_url(server, fetcher):
    server.route("/a", Reply(status=301, headers={"Location": "/b"}))
    server.route("/b", Reply(status=308, headers={"Location": server.url("/c")}))
    server.route("/c", Reply(body=RSS))
    res = await fetcher.fetch(server.url("/a"))
    assert res.ok and res.body == RSS.encode()
    assert res.final_url == server.url("/c") and res.permanent_url == server.url("/c")


@pytest.mark.parametrize("temporary", [302, 303, 307])
async def test_any_temporary_hop_means_no_permanent_url(server, fetcher, temporary):
    server.route("/a", Reply(status=301, headers={"Location": "/b"}))
    server.route("/b", Reply(status=temporary, headers={"Location": "/c"}))
    server.route("/c", Reply(body=RSS))
    res = await fetcher.fetch(server.url("/a"))
    assert res.ok and res.final_url == server.url("/c") and res.permanent_url is None


async def test_relative_location_is_resolved(server, fetcher):
    server.route("/feeds/old.xml", Reply(status=308, headers={"Location": "new.xml"}))
    server.route("/feeds/new.xml", Reply(body=RSS))
    res = await fetcher.fetch(server.url("/feeds/old.xml"))
    assert res.ok and res.permanent_url == server.url("/feeds/new.xml")


async def test_permanent_redirect_to_an_error_does_not_move_the_feed(server, fetcher):
    server.route("/a", Reply(status=301, headers={"Location": "/missing"}))
    res = await fetcher.fetch(server.url("/a"))
    assert res.error == "not found (404)" and res.permanent_url is None


async def test_redirect_loop_is_an_error(server, fetcher):
    server.route("/a", Reply(status=301, headers={"Location": "/b"}))
    server.route("/b", Reply(status=302, headers={"Location": "/a"}))
    res = await fetcher.fetch(server.url("/a"))
    assert res.error == "redirect loop" and res.body is None
    assert len(server.hits("/a")) == 1


async def test_too_many_redirects(server):
    for i in range(10):
        server.route(f"/r{i}", Reply(status=301, headers={"Location": f"/r{i + 1}"}))
    async with Fetcher(max_redirects=3) as f:
        res = await f.fetch(server.url("/r0"))
    assert res.error == "too many redirects"
    assert len(server.requests) == 4  # the first request and three hops, then stop


async def test_redirect_without_location(server, fetcher):
    url = server.route("/a", Reply(status=302))
    res = await fetcher.fetch(url)
    assert res.error == "HTTP 302 without a Location"


async def test_redirect_to_non_web_scheme(server, fetcher):
    url = server.route("/a", Reply(status=301, headers={"Location": "file:///etc/passwd"}))
    res = await fetcher.fetch(url)
    assert res.error == "redirect to a non-web URL"


# -- limits -----------------------------------------------------------------


async def test_content_length_over_cap_is_refused_without_reading(server):
    url = server.route("/big", Reply(body=b"x" * 5000))
    async with Fetcher(max_bytes=1000) as f:
        res = await f.fetch(url)
    assert res.error == "body over 1000 bytes" and res.body is None
    assert res.bytes_received == 0


async def test_decoded_size_over_cap_is_an_error(server):
    url = server.route("/big", Reply(body=b"<rss>" + b"a" * 200_000, gzip=True))
    async with Fetcher(max_bytes=64 * 1024) as f:
        res = await f.fetch(url)
    assert res.error == "body over 64 KB" and res.body is None


async def test_gzip_bomb_is_stopped_with_bounded_memory(server):
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024), compresslevel=9)
    url = server.route("/bomb", Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    async with Fetcher(max_bytes=1024 * 1024) as f:
        tracemalloc.start()
        try:
            res = await f.fetch(url)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert res.error == "body over 1 MB" and res.body is None
    # Far below the 50 MB the bomb would inflate to: the cap plus a few steps.
    assert peak < 8 * 1024 * 1024, peak


async def test_default_cap_stops_the_bomb_too(server, fetcher):
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024), compresslevel=9)
    url = server.route("/bomb", Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    res = await fetcher.fetch(url)
    assert res.error == "body over 20 MB"


async def test_trickling_server_is_cut_off_at_the_deadline(server):
    # 1 byte every 0.2 s: each read is quick, so only a total deadline stops it.
    url = server.route("/slow", Reply(body=RSS, trickle=0.2))
    async with Fetcher(timeout=1) as f:
        started = time.monotonic()
        res = await f.fetch(url)
    assert res.error == "timed out after 1 s" and res.body is None and res.status == 200
    assert time.monotonic() - started < 5  # sanity: not the whole ~60 s trickle


async def test_slow_headers_time_out(server):
    url = server.route("/slow", Reply(body=RSS, delay=3))
    async with Fetcher(timeout=1) as f:
        res = await f.fetch(url)
    assert res.error == "timed out after 1 s" and res.status == 0


async def test_connection_reset_mid_body(server, fetcher):
    url = server.route("/reset", Reply(body=RSS, reset_after=20))
    res = await fetcher.fetch(url)
    assert res.error in ("connection reset", "connection closed early")
    assert res.body is None


async def test_connection_refused(fetcher):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = await fetcher.fetch(f"http://127.0.0.1:{port}/feed")
    assert res.error == "connection refused" and res.status == 0


@pytest.mark.parametrize("url", ["ftp://example.invalid/feed", "not a url", "http://"])
async def test_bad_urls_never_raise(fetcher, url):
    res = await fetcher.fetch(url)
    assert isinstance(res, FetchResult) and not res.ok and res.status == 0


class _Gauge:
    """Counts requests being served at the same moment, per handler."""

    def __init__(self, hold: float) -> None:
        self.hold = hold
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()

    def __call__(self, req):
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(self.hold)
        with self.lock:
            self.active -= 1
        return Reply(body=RSS)


async def test_per_host_limit_keeps_two_in_flight(server):
    gauge = _Gauge(0.3)
    server.route("/slow", gauge)
    async with Fetcher(per_host=2) as f:
        results = await asyncio.gather(*(f.fetch(server.url("/slow")) for _ in range(6)))
    assert all(r.ok for r in results)
    assert gauge.peak == 2
    assert len(server.hits("/slow")) == 6


async def test_other_hosts_are_not_held_up_by_a_busy_one(server):
    busy, other = _Gauge(0.3), _Gauge(0.3)
    server.route("/slow", busy)
    with LoopbackServer() as second:  # another port is another host (netloc)
        second.route("/slow", other)
        async with Fetcher(per_host=2) as f:
            urls = [server.url("/slow")] * 4 + [second.url("/slow")] * 2
            started = time.monotonic()
            results = await asyncio.gather(*(f.fetch(u) for u in urls))
            wall = time.monotonic() - started
    assert all(r.ok for r in results)
    assert busy.peak == 2 and other.peak == 2
    assert wall < 3  # sanity bound; ~0.6 s expected (the busy host needs two rounds)


async def test_global_limit(server):
    gauge = _Gauge(0.2)
    server.route("/slow", gauge)
    async with Fetcher(per_host=10, total=3) as f:
        await asyncio.gather(*(f.fetch(server.url("/slow")) for _ in range(7)))
    assert gauge.peak == 3


async def test_fetcher_survives_a_new_event_loop(server):
    """Made lazily in the running loop: one Fetcher can serve two asyncio.run()s."""
    url = server.route("/feed", Reply(body=RSS))
    f = Fetcher()

    def once():
        async def go():
            res = await f.fetch(url)
            await f.aclose()
            return res

        return asyncio.run(go())

    got = await asyncio.to_thread(lambda: [once(), once()])
    assert all(r.ok for r in got)


# -- Fetcher.get (comment sources) ------------------------------------------------


async def test_get_merges_params_follows_redirects_and_sends_accept(server, fetcher):
    server.route("/api", Reply(status=302, headers={"Location": "/api/v2?x=1"}))
    server.route("/api/v2", Reply(body=b"{}", content_type="application/json"))
    res = await fetcher.get(server.url("/api?keep=yes"), params={"page": "2"}, accept="application/json")
    assert res.ok and res.body == b"{}" and res.status == 200
    assert res.url == server.url("/api?keep=yes&page=2")
    assert res.final_url == server.url("/api/v2?x=1")
    first = server.requests[0]
    assert first.query == "keep=yes&page=2" and first.headers["accept"] == "application/json"
    assert "if-none-match" not in first.headers


async def test_get_limit_is_per_call_and_counts_after_decompression(server):
    url = server.route("/big", Reply(body=b"a" * 200_000, gzip=True))
    async with Fetcher(max_bytes=1024) as f:
        roomy = await f.get(url, limit=1024 * 1024)
        tight = await f.get(url, limit=64 * 1024)
        default = await f.get(url)
    assert roomy.ok and len(roomy.body) == 200_000
    assert tight.error == "body over 64 KB" and tight.body is None
    assert default.error == "body over 1 KB"


async def test_get_has_a_whole_request_deadline(server):
    url = server.route("/slow", Reply(body=RSS, trickle=0.2))
    async with Fetcher(timeout=0.5) as f:
        started = time.monotonic()
        res = await f.get(url)  # three read timeouts by default
        short = await f.get(url, deadline=0.3)
    assert res.error == "timed out after 1.5 s" and res.body is None
    assert short.error == "timed out after 0.3 s"
    assert time.monotonic() - started < 5


async def test_get_never_raises_for_a_bad_url(fetcher):
    res = await fetcher.get("http://[::1", params={"a": "b"})
    assert not res.ok and res.status == 0
