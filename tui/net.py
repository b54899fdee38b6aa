"""HTTP for feeds and comment threads: one shared client, conditional GET,
limits and politeness.

``Fetcher.fetch`` (feeds, pages) and ``Fetcher.get`` (comment APIs) never raise
for network or HTTP trouble: every outcome is a ``FetchResult`` whose ``error``
is one short line a reader can understand. The caller decides what to do with
it (the poller schedules or backs off, a thread shows the reason).
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import threading
import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

import tui
from tui.netloop import HostSlots, NetworkThread
from tui.netloop import host_of as host_of  # where the poller and the tests look for it

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/feed+json;q=0.9, application/xml;q=0.8, text/xml;q=0.8, "
    "application/json;q=0.5, text/html;q=0.2, */*;q=0.1"
)

# The poller recognises a Retry-After wait in a stored Feed.error by this.
RETRY_MARK = ", retry in "
# The reasons ``FetchResult.error`` gives when the connection itself failed
# (no timeout, no HTTP status): callers may want to say "network error".
NETWORK_ERRORS = frozenset(
    {
        "connection refused",
        "connection reset",
        "connection closed early",
        "connection lost",
        "host not found",
        "TLS error",
        "could not connect",
        "network error",
    }
)
# ``Fetcher.get`` lets a whole request take this many read timeouts: comment
# threads run to megabytes, but a server trickling bytes must still be cut off.
GET_DEADLINE_READS = 3

_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT = {301, 308}
# Decompress at most this much per step, so a tiny gzip bomb chunk cannot expand
# into hundreds of megabytes before the size cap gets a chance to look at it.
_INFLATE_STEP = 64 * 1024
_INFLATE_INLINE = 16 * 1024  # compressed bytes: below this a thread hop costs more


@dataclass
class FetchResult:
    url: str  # as requested
    final_url: str = ""
    status: int = 0  # 0 when no HTTP response arrived
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case keys
    not_modified: bool = False
    permanent_url: str | None = None  # every hop was 301/308: store this URL instead
    gone: bool = False  # 410
    retry_after: float | None = None  # seconds from now, only on 429/503
    max_age: float | None = None  # Cache-Control freshness, None for no-store/no-cache
    error: str = ""
    conditional: bool = False  # the request carried If-None-Match / If-Modified-Since
    bytes_received: int = 0  # body bytes on the wire (before decompression)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error


# -- header parsing ---------------------------------------------------------


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds or an HTTP-date."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = None
    if seconds is not None:
        if math.isnan(seconds) or math.isinf(seconds):
            return None
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    try:
        stamp = when.timestamp()  # naive dates are taken as UTC by parsedate_to_datetime
    except (OverflowError, OSError, ValueError):
        return None
    return max(0.0, stamp - (time.time() if now is None else now))


def parse_max_age(cache_control: str | None) -> float | None:
    """Freshness lifetime from Cache-Control, or None when there is none to respect.

    max-age is the client's directive; s-maxage (meant for shared caches) is
    only a fallback, because it still says how often the content changes.
    """
    if not cache_control:
        return None
    directives: dict[str, str] = {}
    for part in cache_control.split(","):
        name, _, arg = part.partition("=")
        name = name.strip().lower()
        if name:
            directives.setdefault(name, arg.strip().strip('"'))
    if "no-store" in directives or "no-cache" in directives:
        return None
    for name in ("max-age", "s-maxage"):
        if name in directives:
            try:
                seconds = int(directives[name])
            except ValueError:
                continue
            return float(max(0, seconds))
    return None


def human_size(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n // 1024} KB"
    return f"{n} bytes"


def human_seconds(s: float) -> str:
    if s < 1000:
        return f"{math.ceil(s)} s"
    if s < 2 * 3600:
        return f"{math.ceil(s / 60)} min"
    return f"{s / 3600:.0f} h"


# -- errors -------------------------------------------------------------------


class _TooBig(Exception):
    pass


class _BadEncoding(Exception):
    pass


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _describe(exc: BaseException) -> str:
    """One short line for a transport failure."""
    causes = list(_chain(exc))
    if isinstance(exc, httpx.ConnectTimeout):
        return "timed out connecting"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return "bad URL"
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return "connection refused"
    if any(isinstance(c, ConnectionResetError) for c in causes):
        return "connection reset"
    text = " ".join(str(c) for c in causes).lower()
    if isinstance(exc, httpx.ConnectError):
        lookup = ("name or service not known", "nodename nor servname", "getaddrinfo")
        if any(phrase in text for phrase in lookup):
            return "host not found"
        if "ssl" in text or "certificate" in text:
            return "TLS error"
        if "refused" in text:
            return "connection refused"
        return "could not connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        if "reset" in text:
            return "connection reset"
        return "connection closed early"
    if isinstance(exc, httpx.ReadError):
        return "connection reset" if "reset" in text else "connection lost"
    if isinstance(exc, httpx.TransportError):
        return "network error"
    return f"unexpected error ({type(exc).__name__})"


describe_failure = _describe  # the one wording of a transport failure, sync's client too


def _status_error(status: int, retry_after: float | None) -> str:
    wait = f"{RETRY_MARK}{human_seconds(retry_after)}" if retry_after is not None else ""
    if status == 429:
        return f"rate limited (429){wait}"
    if status == 503:
        return f"unavailable (503){wait}"
    if status == 404:
        return "not found (404)"
    if status == 410:
        return "gone (410)"
    if status in (401, 403):
        return f"access denied ({status})"
    return f"HTTP {status}"


# -- body decoding -------------------------------------------------------------


class _Inflater:
    """Content-Encoding decoder that never produces more than one step at a time."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        if encoding in ("gzip", "x-gzip"):
            self._wbits = zlib.MAX_WBITS | 16
        elif encoding == "deflate":
            self._wbits = zlib.MAX_WBITS
        else:
            raise _BadEncoding(f"unsupported encoding ({encoding})")
        self._d = zlib.decompressobj(self._wbits)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                out = self._d.decompress(data, _INFLATE_STEP)
            except zlib.error:
                # Some servers send raw deflate while saying "deflate" (zlib-wrapped).
                if self.encoding == "deflate" and not self._started:
                    self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._started = True
                    continue
                raise _BadEncoding(f"bad {self.encoding} body") from None
            self._started = True
            if out:
                yield out
            if self._d.eof:
                rest = self._d.unused_data
                if rest and self._wbits & 16:  # a gzip body may hold several members
                    self._d = zlib.decompressobj(self._wbits)
                    data = rest
                    continue
                return
            data = self._d.unconsumed_tail

    def flush(self) -> bytes:
        try:
            tail = self._d.flush()
        except zlib.error:
            raise _BadEncoding(f"bad {self.encoding} body") from None
        if not self._d.eof:
            # The stream stopped before its end marker: a cut connection, not a
            # short feed. Stored as it is, it would lose items for good.
            raise _BadEncoding(f"the {self.encoding} body ended early (truncated)")
        return tail


# -- the fetcher ------------------------------------------------------------------


def _encode_header(value: str) -> bytes:
    # Validators go back byte for byte: they were decoded as latin-1, which maps
    # every octet to one code point and back.
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _headers_of(response: httpx.Response) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in response.headers.raw:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


class _PoolPerHost(httpx.AsyncBaseTransport):
    """One small connection pool per host behind the one client.

    httpcore looks over every pooled connection for each request it places
    (expiry, idleness, a getpeername per connection), so one pool of 32
    connections over 100 hosts cost more of the refreshing process's time than
    parsing did. Each host's pool holds at most ``per_host`` connections, which is
    all the Fetcher's host slots ever let it use; the TLS context is made once
    and shared.
    """

    def __init__(self, per_host: int) -> None:
        self._per_host = max(1, per_host)
        self._ssl = httpx.create_ssl_context()
        self._pools: dict[tuple[str, str, int | None], httpx.AsyncHTTPTransport] = {}

    def _pool(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        key = (url.scheme, url.host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            limits = httpx.Limits(max_connections=self._per_host, max_keepalive_connections=self._per_host)
            pool = self._pools[key] = httpx.AsyncHTTPTransport(verify=self._ssl, limits=limits)
        return pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._pool(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()


class Fetcher:
    """One shared httpx client with per-host and global limits on requests in flight.

    With ``own_thread`` (the app) every request runs on an event loop in a thread
    of its own, whoever awaits it: the slots and the client stay one, and the
    caller's loop only waits. Without it (the command line) requests run on the
    caller's loop.
    """

    def __init__(
        self,
        *,
        per_host: int = 2,
        total: int = 16,
        timeout: float = 20.0,
        connect_timeout: float = 10.0,
        max_bytes: int = 20 * 1024 * 1024,
        max_redirects: int = 5,
        user_agent: str = tui.USER_AGENT,
        own_thread: bool = False,
    ) -> None:
        self.own_thread = own_thread
        self._network: NetworkThread | None = None
        self._network_lock = threading.Lock()
        self.per_host = per_host
        self.total = total
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._global = asyncio.Semaphore(total)  # replaced in the running loop by _ensure
        self._host_slot = HostSlots(per_host)
        self.in_flight = 0

    # -- lifecycle -------------------------------------------------------
    def _ensure(self) -> httpx.AsyncClient:
        # The client and the semaphores belong to the loop that made them, so they
        # are made inside the running loop (a Fetcher may be built before it starts).
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = httpx.AsyncClient(
                follow_redirects=False,
                timeout=httpx.Timeout(self.timeout, connect=min(self.connect_timeout, self.timeout)),
                transport=_PoolPerHost(self.per_host),
                headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"},
            )
            self._loop = loop
            self._global = asyncio.Semaphore(self.total)
            self._host_slot = HostSlots(self.per_host)
        return self._client

    async def aclose(self) -> None:
        with self._network_lock:
            network, self._network = self._network, None
        if network is not None:
            try:
                await asyncio.wait_for(network.run(self._close_client()), 5)
            except Exception:
                pass  # the thread is ending anyway; its sockets close with it
            network.stop()
            return
        await self._close_client()

    async def _close_client(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()

    def _network_thread(self) -> NetworkThread:
        with self._network_lock:
            if self._network is None:
                self._network = NetworkThread()
            return self._network

    async def __aenter__(self) -> Fetcher:
        if not self.own_thread:
            self._ensure()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- fetching --------------------------------------------------------
    async def fetch(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
    ) -> FetchResult:
        started = time.monotonic()
        result = FetchResult(url=url, final_url=url)
        headers: dict[str, bytes | str] = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = _encode_header(etag)
        if last_modified:
            headers["If-Modified-Since"] = _encode_header(last_modified)
        result.conditional = bool(etag or last_modified)
        await self._request(result, headers, limit=self.max_bytes, deadline=self.timeout)
        result.elapsed = time.monotonic() - started
        return result

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        accept: str = "*/*",
        limit: int | None = None,
        deadline: float | None = None,
    ) -> FetchResult:
        """GET ``url`` (``params`` merged into its query), following redirects.

        What comment sources use: the same slots, caps, gzip guard and error
        lines as ``fetch``, without validators. ``limit`` caps the body after
        decompression (default ``max_bytes``); ``deadline`` caps the whole
        request, redirects included and queueing for a slot excluded (default
        ``GET_DEADLINE_READS`` read timeouts).
        """
        started = time.monotonic()
        result = FetchResult(url=url, final_url=url)
        if params:
            try:
                result.url = result.final_url = str(httpx.URL(url).copy_merge_params(params))
            except Exception as exc:  # a URL httpx cannot parse: said, not raised
                result.error = _describe(exc)
                return result
        await self._request(
            result,
            {"Accept": accept},
            limit=self.max_bytes if limit is None else limit,
            deadline=GET_DEADLINE_READS * self.timeout if deadline is None else deadline,
        )
        result.elapsed = time.monotonic() - started
        return result

    async def _request(self, result: FetchResult, headers: dict, *, limit: int, deadline: float) -> None:
        if self.own_thread:
            network = self._network_thread()
            if asyncio.get_running_loop() is not network.loop:
                await network.run(self._request(result, headers, limit=limit, deadline=deadline))
                return
        try:
            client = self._ensure()
            await self._follow(client, result.url, headers, result, limit, deadline)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # never raise for a bad source; say why in one line
            result.error = _describe(exc)
            result.body = None

    async def _follow(
        self,
        client: httpx.AsyncClient,
        url: str,
        headers: dict,
        result: FetchResult,
        limit: int,
        deadline: float,
    ) -> None:
        seen = {url}
        permanent = True
        hops = 0
        budget = deadline  # time spent in flight, queueing for a slot excluded
        timed_out = f"timed out after {deadline:g} s"
        current = url
        while True:
            scheme = urlsplit(current).scheme.lower()
            if scheme not in ("http", "https"):
                result.error = "bad URL" if hops == 0 else "redirect to a non-web URL"
                return
            host_slot = self._host_slot(current)
            # Host slot first: waiting on a busy host must not hold a global slot
            # that a request to another host could use.
            async with host_slot, self._global:
                hop_started = time.monotonic()
                self.in_flight += 1
                try:
                    location = await self._one_hop(client, current, headers, result, budget, limit)
                except TimeoutError:
                    if not result.error:
                        result.error = timed_out
                    result.body = None
                    return
                finally:
                    self.in_flight -= 1
                    budget -= time.monotonic() - hop_started
            if location is None:
                break
            hops += 1
            if hops > self.max_redirects:
                result.error = "too many redirects"
                return
            permanent = permanent and result.status in _PERMANENT
            nxt = urljoin(current, location)
            if nxt in seen:
                result.error = "redirect loop"
                return
            seen.add(nxt)
            current = nxt
            result.final_url = current
            if budget <= 0:
                result.error = timed_out
                return
        # Only a move that ends somewhere useful is worth rewriting the subscription.
        if hops and permanent and (200 <= result.status < 300 or result.not_modified):
            result.permanent_url = result.final_url

    async def _one_hop(
        self,
        client: httpx.AsyncClient,
        url: str,
        headers: dict,
        result: FetchResult,
        budget: float,
        limit: int,
    ) -> str | None:
        """Make one request; return the Location to follow, or None when done."""
        async with asyncio.timeout(max(budget, 0.001)):
            async with client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                result.status = status
                result.final_url = url
                result.headers = _headers_of(response)
                h = result.headers
                if status in _REDIRECTS:
                    location = h.get("location", "").strip()
                    if not location:
                        result.error = f"HTTP {status} without a Location"
                        return None
                    return location
                if status == 304 and not result.conditional:
                    # Nothing was asked to be validated: a cache or server fault.
                    # Taken as "unchanged" it would keep a feed empty forever.
                    result.error = "HTTP 304 to a request without validators"
                    return None
                if status == 304:
                    result.not_modified = True
                    result.max_age = parse_max_age(h.get("cache-control"))
                    return None
                if not 200 <= status < 300:
                    if status in (429, 503):
                        result.retry_after = parse_retry_after(h.get("retry-after"))
                    result.gone = status == 410
                    result.error = _status_error(status, result.retry_after)
                    return None
                result.max_age = parse_max_age(h.get("cache-control"))
                try:
                    length = int(h.get("content-length", ""))
                except ValueError:
                    length = None
                if length is not None and length > limit:
                    result.error = f"body over {human_size(limit)}"
                    return None
                try:
                    result.body = await self._read_body(response, h, result, limit)
                except _TooBig:
                    result.error = f"body over {human_size(limit)}"
                    result.body = None
                except _BadEncoding as exc:
                    result.error = str(exc)
                    result.body = None
                return None

    async def _read_body(self, response: httpx.Response, h: dict, result: FetchResult, limit: int) -> bytes:
        encodings = [e.strip().lower() for e in h.get("content-encoding", "").split(",") if e.strip()]
        encodings = [e for e in encodings if e != "identity"]
        if len(encodings) > 1:
            raise _BadEncoding(f"unsupported encoding ({', '.join(encodings)})")
        inflater = _Inflater(encodings[0]) if encodings else None
        raw: list[bytes] = []
        raw_size = 0
        async for chunk in response.aiter_raw():
            result.bytes_received += len(chunk)
            raw_size += len(chunk)
            if raw_size > limit:
                raise _TooBig
            raw.append(chunk)
        if inflater is None:
            return b"".join(raw)
        if raw_size <= _INFLATE_INLINE:
            return _inflate(inflater, raw, limit)
        # Inflating a big body holds the loop for milliseconds per feed; a
        # 500-feed refresh would make every keystroke wait behind it.
        return await asyncio.to_thread(_inflate, inflater, raw, limit)


def _inflate(inflater: _Inflater, raw: list[bytes], limit: int) -> bytes:
    """Decompress in bounded steps, stopping at the size cap (gzip bombs)."""
    parts: list[bytes] = []
    size = 0
    for chunk in raw:
        for piece in inflater.feed(chunk):
            size += len(piece)
            if size > limit:
                raise _TooBig
            parts.append(piece)
    tail = inflater.flush()
    size += len(tail)
    if size > limit:
        raise _TooBig
    parts.append(tail)
    return b"".join(parts)
