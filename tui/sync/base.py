"""What every sync backend offers, the records it returns, and the HTTP it shares.

A backend speaks one aggregator's API (Tiny Tiny RSS, the Google Reader API) and
nothing else: it never touches the store. ``engine.py`` drives it. Everything a
server sends is untrusted: a value of the wrong type costs only its own item, and
every failure reaches the caller as one ``SyncError`` with a one-line reason.

The password is handed to a backend and used in its login request only; no
reason, log line or record ever carries it.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import urlencode

import httpx

import tui
from tui.net import RETRY_MARK, describe_failure, human_seconds, parse_retry_after

# A page of item contents, and the number of ids a write carries at once.
PAGE = 200
BATCH = 100
# How long one request may wait for a 429/503 to clear before the run gives up
# and the engine defers the next sync instead (the poller's rule: never sooner
# than the server asked).
MAX_INLINE_WAIT = 30.0
RETRIES = 3
MAX_BODY = 32 * 1024 * 1024

ErrorKind = Literal["auth", "unreachable", "throttled", "server", "protocol"]


class SyncError(Exception):
    """Why a sync step failed, in one line; ``kind`` says what the engine should do."""

    def __init__(self, reason: str, kind: ErrorKind = "server", retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.reason


@dataclass
class RemoteFeed:
    """A subscription on the server. ``id`` is the server's own id, as text."""

    id: str
    url: str
    title: str = ""
    folder: str = ""  # the category or label, "" for none
    site_url: str = ""
    unread: int | None = None  # the server's unread count, when it gives one cheaply


@dataclass
class RemoteItem:
    """One article as the server holds it, with the reader's marks on the server."""

    id: str  # the server's id, canonical form (decimal text)
    feed_id: str
    title: str = ""
    link: str = ""
    author: str = ""
    published: float | None = None
    updated: float | None = None
    content: str = ""
    read: bool = False
    starred: bool = False
    comments_url: str = ""
    comment_count: int | None = None


@dataclass
class ItemPage:
    """Items in one response, and the cursor to store once they are stored."""

    items: list[RemoteItem]
    cursor: str
    skipped: list[str] = field(default_factory=list)  # one line per item that could not be read


class SyncBackend(Protocol):
    """One aggregator account. Every method raises SyncError, never anything else."""

    kind: str

    @property
    def requests(self) -> int: ...

    def login(self) -> None: ...

    def subscriptions(self, known: dict[str, str] | None = None) -> list[RemoteFeed]:
        """Every subscription. ``known`` maps the remote ids held here to their URLs,
        for a backend that can skip asking for URLs it has (None: ask for all)."""
        ...

    def items_since(self, cursor: str, feed_ids: list[str] | None = None) -> Iterator[ItemPage]:
        """Items the server added after ``cursor`` ("" for all it holds), a page at a
        time: the caller stores a page before the next is fetched. ``feed_ids`` are
        the subscriptions just listed, for a backend that reads feed by feed."""
        ...

    def unread_ids(self, feed_ids: list[str] | None) -> set[str]:
        """Ids of unread items (in those feeds, or in all when None)."""
        ...

    def starred_ids(self) -> set[str]: ...

    def recently_read_ids(self) -> set[str] | None:
        """Items read on the server lately, where it can list them cheaply (None:
        it cannot). With per-feed unread counts this finds marks that left a
        feed's count unchanged (one item read, another unread)."""
        ...

    def mark_read(self, ids: list[str], read: bool) -> None: ...

    def mark_starred(self, ids: list[str], starred: bool) -> None: ...

    def subscribe(self, url: str, folder: str = "") -> None: ...

    def unsubscribe(self, feed_id: str) -> None: ...

    def items_by_id(self, ids: list[str]) -> list[RemoteItem]:
        """These items as the server has them now (followed live articles change)."""
        ...

    def close(self) -> None: ...


# -- reading untrusted values ----------------------------------------------------


def text(value: Any, limit: int = 10_000_000) -> str:
    """A string field, or "" for anything else (numbers become their digits)."""
    if isinstance(value, str):
        return value[:limit]
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def number(value: Any) -> float | None:
    """A finite timestamp-like number from an int, float or numeric string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, (int, float)) and math.isfinite(value) and 0 <= value < 1e13:
        return float(value)
    return None


def flag(value: Any) -> bool:
    """tt-rss sends booleans as true/false, 1/0 or "t"/"f"."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "t", "true", "yes")
    return bool(value) if isinstance(value, (bool, int)) else False


T = TypeVar("T")


def chunks(ids: list[T], size: int = BATCH) -> Iterator[list[T]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


# -- HTTP ------------------------------------------------------------------------


class Http:
    """The sync backends' HTTP: one keep-alive client, a request count, a body cap,
    and 429/503 handled the poller's way: wait as long as ``Retry-After`` says
    (or back off 1, 2, 4 s when it says nothing) and try again, but when the
    server asks for longer than ``MAX_INLINE_WAIT`` stop and say so, so the engine
    can put the next sync off until then."""

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.requests = 0
        self.waited: list[float] = []  # each pause a 429/503 asked for, in seconds
        self._sleep = sleep
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
            follow_redirects=True,
            headers={"User-Agent": tui.USER_AGENT},
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Iterable[tuple[str, str]] | Mapping[str, str] | None = None,
        data: Iterable[tuple[str, str]] | Mapping[str, str] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The response with a 2xx/4xx status; raises SyncError for transport trouble,
        5xx and throttling that outlasts the patience above."""
        content: bytes | None = None
        hdrs = dict(headers or {})
        if json_body is not None:
            content = json.dumps(json_body).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        elif data is not None:
            pairs: list[tuple[str, str]] = list(data.items()) if isinstance(data, Mapping) else list(data)
            content = urlencode(pairs).encode("ascii")
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        query: list[tuple[str, str]] = (
            list(params.items()) if isinstance(params, Mapping) else list(params or [])
        )
        target = url + ("&" if "?" in url else "?") + urlencode(query) if query else url
        for attempt in range(RETRIES + 1):
            self.requests += 1
            try:
                response = self._client.request(method, target, content=content, headers=hdrs)
            except httpx.HTTPError as exc:
                raise SyncError(f"server unreachable ({describe_failure(exc)})", "unreachable") from None
            if len(response.content) > MAX_BODY:
                raise SyncError("the server's answer is too big", "protocol")
            status = response.status_code
            if status in (429, 503):
                wait = parse_retry_after(response.headers.get("retry-after"))
                label = "rate limited (429)" if status == 429 else "unavailable (503)"
                if wait is not None and wait > MAX_INLINE_WAIT:
                    raise SyncError(f"{label}{RETRY_MARK}{human_seconds(wait)}", "throttled", wait)
                if attempt == RETRIES:
                    raise SyncError(label, "throttled", wait)
                pause = wait if wait is not None else float(2**attempt)
                self.waited.append(pause)
                self._sleep(pause)
                continue
            if status >= 500:
                raise SyncError(f"server error (HTTP {status})", "server")
            return response
        raise AssertionError("unreachable")

    @staticmethod
    def json_of(response: httpx.Response) -> Any:
        try:
            return json.loads(response.content)
        except (ValueError, RecursionError):
            raise SyncError(
                f"the server did not answer JSON (HTTP {response.status_code})", "protocol"
            ) from None
