"""What every comment adapter shares: the source descriptor, the error type,
bounded fetching and time parsing. No adapter logic here."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import httpx

from tui.comments import deepjson
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
# A whole request may take this many read timeouts (20 s each in the app).
_DEADLINE_READS = 3
_DEFAULT_READ_TIMEOUT = 20.0


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


def _network_reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    detail = " ".join(str(exc).split()) or type(exc).__name__
    return f"network error: {detail}"[:_REASON_MAX]


async def fetch_bytes(
    client: httpx.AsyncClient,
    url: str,
    *,
    params: dict[str, Any] | None = None,
    accept: str = "*/*",
    limit: int | None = None,
) -> tuple[bytes, httpx.Headers, str]:
    """GET ``url``; returns (body, headers, final URL) or raises CommentsError."""
    limit = MAX_BODY if limit is None else limit
    # httpx times each read, so a server that trickles a byte at a time never
    # trips it: the whole request also has a deadline.
    deadline = _DEADLINE_READS * (client.timeout.read or _DEFAULT_READ_TIMEOUT)
    try:
        async with asyncio.timeout(deadline):
            return await _fetch(client, url, params, accept, limit)
    except TimeoutError:
        raise CommentsError("timed out") from None
    except httpx.HTTPError as exc:
        raise CommentsError(_network_reason(exc)) from exc


async def _fetch(
    client: httpx.AsyncClient, url: str, params: dict[str, Any] | None, accept: str, limit: int
) -> tuple[bytes, httpx.Headers, str]:
    async with client.stream(
        "GET", url, params=params, headers={"Accept": accept}, follow_redirects=True
    ) as response:
        if response.status_code >= 400:
            raise CommentsError(_status_reason(response.status_code))
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise CommentsError("the response is too large")
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise CommentsError("the response is too large")
            chunks.append(chunk)
        return b"".join(chunks), response.headers, str(response.url)


async def fetch_json(
    client: httpx.AsyncClient, url: str, *, params: dict[str, Any] | None = None
) -> tuple[Any, httpx.Headers]:
    """GET and decode JSON; a body that is not JSON raises CommentsError("not JSON")."""
    body, headers, _ = await fetch_bytes(client, url, params=params, accept="application/json")
    if len(body) > _THREAD_DECODE_OVER:
        data = await asyncio.to_thread(decode_json, body)
    else:
        data = decode_json(body)
    return data, headers


async def gather_or_fail(*coros: Awaitable[Any]) -> list[Any]:
    """Run ``coros`` together; the first failure cancels the rest and is raised as is.

    Unlike ``asyncio.gather``, nothing keeps fetching for a thread that already
    failed, and callers see a plain CommentsError rather than an ExceptionGroup.
    """
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(c) for c in coros]  # type: ignore[arg-type]
    except BaseExceptionGroup as failed:
        first: BaseException = failed
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None
    return [t.result() for t in tasks]


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


def as_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None
