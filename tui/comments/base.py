"""What every comment adapter shares: the source descriptor, the error type,
fetching through the app's one ``Fetcher`` and time parsing. No adapter logic here."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Any

from tui.collector import collector_paused
from tui.net import NETWORK_ERRORS, Fetcher, FetchResult
from tui.offload import off_loop
from tui.text import deepjson
from tui.text.sanitize import safe_url
from tui.text.timefmt import parse_time

__all__ = [
    "ThreadSource",
    "SourceConfig",
    "CommentsError",
    "parse_time",
    "fetch_bytes",
    "fetch_json",
    "gather_or_fail",
    "http_url",
    "MAX_BODY",
]

# A 10,000-comment Hacker News thread is about 6 MB of JSON; anything far past
# that is not a comment thread we want in memory.
MAX_BODY = 48 * 1024 * 1024
# Below this, decoding on the event loop costs less than a thread hop.
_THREAD_DECODE_OVER = 512 * 1024
_REASON_MAX = 120


@dataclass(frozen=True)
class ThreadSource:
    """Where one comment thread lives.

    kind: "wordpress" | "atom" | "rss" | "hackernews" | "reddit" | "lobsters" |
    "page" (a human page still to be discovered, see sources.discover_from_page).
    ref: post id / item id / feed URL / short id / page URL.
    extra: (name, value) pairs a discoverer knew and an adapter may use:
    ("post", guid-or-link) marks feed refs that mean "the post itself";
    ("feed", url) and ("feed_kind", "atom"|"rss") name a comment feed to fall back on
    when the REST API fails.
    """

    kind: str
    ref: str
    api_base: str = ""
    page_url: str = ""
    extra: tuple = ()

    @property
    def key(self) -> str:
        # The key names the thread in the store (cache, "seen" marks), so it
        # must not change when page_url or extra do.
        return f"{self.kind}:{self.api_base.rstrip('/')}:{self.ref}"

    def extras(self, name: str) -> list[str]:
        return [str(v) for k, v in _pairs(self.extra) if k == name]


def _pairs(extra: tuple) -> list[tuple[Any, Any]]:
    return [p for p in extra if isinstance(p, tuple) and len(p) == 2]


@dataclass
class SourceConfig:
    hn_algolia: str = "https://hn.algolia.com"
    hn_firebase: str = "https://hacker-news.firebaseio.com"
    reddit: str = "https://www.reddit.com"
    lobsters: str = "https://lobste.rs"
    hn_hosts: tuple = ("news.ycombinator.com",)
    reddit_hosts: tuple = ("reddit.com", "www.reddit.com", "old.reddit.com")
    lobsters_hosts: tuple = ("lobste.rs",)
    # Seconds between reddit "load more" requests at least: reddit publishes
    # 100 requests a minute per client; its X-Ratelimit headers can slow us more.
    reddit_more_interval: float = 0.6
    reddit_more_batches: int = 50  # requests (of 100 ids) per Enter; a stub keeps the rest


class CommentsError(Exception):
    """The thread could not be loaded; str() is a short reason for humans."""


def http_url(value: Any) -> str:
    """``value`` if it is an http(s) URL with a host, else "": only those are ever
    opened. Controls and whitespace inside it are dropped (text.safe_url)."""
    if not isinstance(value, str):
        return ""
    return safe_url(value) or ""


def _status_reason(status: int) -> str:
    if status in (404, 410):
        return f"comments are closed or missing ({status})"
    if status in (401, 403):
        return f"comments are not public ({status})"
    if status == 429:
        return "the site is rate limiting us (429)"
    if status >= 500:
        return f"the server failed ({status})"
    return f"the server said {status}"


def failure_reason(result: FetchResult) -> str:
    """A failed fetch as a short reason for a thread's status line.

    HTTP statuses get the thread's own words ("comments are closed..."); the
    rest are the Fetcher's one-line reasons (timeouts, redirects, encodings),
    with a connection failure said to be a network error.
    """
    if result.status >= 400:
        return _status_reason(result.status)
    error = result.error
    if error.startswith("body over"):
        return "the response is too large"
    if not error:  # no body and no error: a 304 or a 1xx nobody asked for
        return f"the server said {result.status}"
    if error in NETWORK_ERRORS and error != "network error":
        return f"network error: {error}"
    return error[:_REASON_MAX]


async def fetch_bytes(
    fetcher: Fetcher,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    accept: str = "*/*",
    limit: int | None = None,
) -> tuple[bytes, dict[str, str], str]:
    """GET ``url`` through the Fetcher; returns (body, lower-case headers, final URL)
    or raises CommentsError. The Fetcher holds the per-host and global slots,
    the size cap after decompression (``limit``, default MAX_BODY) and the
    whole-request deadline a trickling server runs into."""
    result = await fetcher.get(url, params=params, accept=accept, limit=MAX_BODY if limit is None else limit)
    if result.error or result.body is None:
        raise CommentsError(failure_reason(result))
    return result.body, result.headers, result.final_url


async def fetch_json(
    fetcher: Fetcher, url: str, *, params: Mapping[str, Any] | None = None
) -> tuple[Any, dict[str, str]]:
    """GET and decode JSON; a body that is not JSON raises CommentsError("not JSON")."""
    body, headers, _ = await fetch_bytes(fetcher, url, params=params, accept="application/json")
    if len(body) > _THREAD_DECODE_OVER:
        data = await off_loop(_decode_big, body)
    else:
        data = decode_json(body)
    return data, headers


async def gather_or_fail(*coros: Awaitable[Any]) -> list[Any]:
    """Run ``coros`` together; the first failure cancels the rest and is raised as is.

    Unlike ``asyncio.gather``, nothing keeps fetching for a thread that already
    failed, and callers see a plain CommentsError rather than an ExceptionGroup.
    """
    tasks: list[asyncio.Task[Any]] = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(c) for c in coros]  # type: ignore[arg-type]
    except BaseExceptionGroup as failed:
        first: BaseException = failed
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None
    return [t.result() for t in tasks]


def _decode_big(body: bytes) -> Any:
    with collector_paused(len(body) > deepjson.SLICE_OVER):
        return decode_json(body)


def decode_json(body: bytes) -> Any:
    try:
        return deepjson.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        head = body[:200].lstrip().lower()
        if head.startswith((b"<!doctype", b"<html", b"<")):
            raise CommentsError("not JSON (got a web page)") from exc
        raise CommentsError("not JSON") from exc


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


# Ids, scores and counts beyond what SQLite (and any real source) holds are junk;
# a 5,000-digit number must cost its own field, not the thread (Python refuses to
# convert ints past 4,300 digits, and every digit costs time before that).
INT_MAX = 2**63 - 1
_INT_DIGITS = len(str(INT_MAX))


def as_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if -INT_MAX <= value <= INT_MAX else ""
    if isinstance(value, float) and math.isfinite(value):
        return str(value)
    return ""


def as_int(value: Any) -> int | None:
    """``value`` as an int within +-(2**63-1), or None (junk, or far too big)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -INT_MAX <= value <= INT_MAX else None
    if isinstance(value, float) and math.isfinite(value):
        return int(value) if -INT_MAX <= value <= INT_MAX else None
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text.startswith("-") else text
        if digits.isascii() and digits.isdigit() and len(digits) <= _INT_DIGITS:
            return as_int(int(text))
    return None
