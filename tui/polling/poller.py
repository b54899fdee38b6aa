"""What one poll does to the store, for every feed that is due.

``Poller`` drives the scheduling maths of ``schedule.py``: the headless
``refresh`` command calls ``refresh_all`` once; the app runs ``run()`` in a
worker and calls ``poke()`` for the ``r`` key. Parsing runs in worker processes
(``workers.py``), falling back to threads.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import random
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Literal

from tui.feeds.parse import FeedError, content_hash
from tui.live.follow import record_live_updates
from tui.model import (
    STATUS_ERROR,
    STATUS_GONE,
    STATUS_NOT_MODIFIED,
    STATUS_OK,
    Feed,
    ParsedFeed,
    Update,
)
from tui.net import RETRY_MARK, Fetcher, FetchResult, HostSlots, host_of, human_seconds
from tui.polling.schedule import DEFAULT_PERIOD, hint_floor, next_poll_time
from tui.polling.workers import die_with_parent, parse_for_poll, warm_parser
from tui.store import StoreError

log = logging.getLogger(__name__)

# run() sleeps at most this long, so feeds added behind its back are picked up.
MAX_SLEEP = 30.0
# Bodies up to this size are hashed on the loop; bigger ones in a thread.
_HASH_INLINE = 64 * 1024
_WARM_POOL_AT = 8  # never-parsed feeds in one refresh: worth starting the parsers up front


Outcome = Literal["new", "unchanged", "not-modified", "error", "gone", "deferred"]


# -- polling --------------------------------------------------------------------


@dataclass
class PollResult:
    feed: Feed
    outcome: str  # one of Outcome
    new_ids: list[int] = field(default_factory=list)
    changed_ids: list[int] = field(default_factory=list)
    error: str = ""
    status: int = 0
    conditional: bool = False
    parsed: bool = False
    bytes_received: int = 0
    elapsed: float = 0.0
    moved_to: str | None = None
    updates: list[Update] = field(default_factory=list)  # live updates this poll added


# What expat says when a document stops in the middle.
_CUT_OFF = ("unclosed token", "no element found", "unclosed cdata section")


def _cut_off(bozo: str, headers: dict[str, str]) -> bool:
    """A document that stops mid-way, on a response whose end only the closing of the
    connection marked (no Content-Length, not chunked): most likely a cut
    connection. With a length or chunks the transport proved the body whole, so a
    publisher's own broken document is still read as well as it can be."""
    if not bozo or not bozo.lower().startswith(_CUT_OFF):
        return False
    return "content-length" not in headers and "chunked" not in headers.get("transfer-encoding", "").lower()


def _short(exc: BaseException, limit: int = 120) -> str:
    text = " ".join(str(exc).split())
    if type(exc).__name__ != "StoreError":
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Poller:
    def __init__(
        self,
        store,
        fetcher: Fetcher,
        *,
        interval: float | None = None,
        on_result: Callable[[PollResult], None] | None = None,
        parse_in: Literal["thread", "process"] = "thread",
        clock: Callable[[], float] = time.time,
        default_period: float = DEFAULT_PERIOD,
        rng=None,
        workers: int | None = None,
    ) -> None:
        if parse_in not in ("thread", "process"):
            raise ValueError(f"parse_in must be 'thread' or 'process', not {parse_in!r}")
        self.store = store
        self.fetcher = fetcher
        self.interval = interval
        self.on_result = on_result
        self.parse_in = parse_in
        # Parser processes; the headless refresh takes every core, the app leaves
        # one to the event loop (its caller passes cpu_count - 1).
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.clock = clock
        self.default_period = default_period
        self.rng = rng or random.Random()
        self.busy = 0  # polls in flight
        self._polls_at_once = asyncio.Semaphore(max(1, getattr(fetcher, "total", 16)))
        # A poll waits for its host's turn before it takes one of the slots above:
        # otherwise feeds of one slow or dead host (the Fetcher lets it 2 requests)
        # would hold every slot and starve the others.
        self._per_host = max(1, getattr(fetcher, "per_host", 2))
        self._host_turn = HostSlots(self._per_host)
        self.last_success: float | None = None
        self._failing: dict[int, bool] = {}
        self._inflight: dict[int, asyncio.Task] = {}
        # Retry-After deadlines, so a poke or a refresh_all cannot override them.
        self._not_before: dict[int, float] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._wake: asyncio.Event | None = None
        self._poke_all = False

    # -- for the UI's status line --------------------------------------------
    @property
    def failing(self) -> int:
        return sum(self._failing.values())

    # -- lifecycle -------------------------------------------------------------
    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)

    def deferred_until(self, feed: Feed) -> float | None:
        """The Retry-After deadline still running for ``feed``, if any.

        Feed has no field for it, so a stored one is recognised by the error the
        fetcher wrote ("rate limited (429), retry in 120 s"): that keeps a second
        headless ``refresh`` from hitting a server that asked us to wait.
        """
        now = self.clock()
        candidates = []
        if feed.id is not None and feed.id in self._not_before:
            candidates.append(self._not_before[feed.id])
        if feed.status == STATUS_ERROR and RETRY_MARK in feed.error:
            candidates.append(feed.next_poll)
        until = max(candidates, default=None)
        return until if until is not None and until > now else None

    # -- one feed --------------------------------------------------------------
    async def poll_feed(self, feed: Feed) -> PollResult:
        """Poll ``feed`` now and record the outcome in the store; never raises for feed trouble."""
        key = feed.id if feed.id is not None else id(feed)
        running = self._inflight.get(key)
        if running is not None:
            # Already being polled (a poke during a scheduled poll): share that poll.
            return await asyncio.shield(running)
        task = asyncio.ensure_future(self._poll(feed))
        self._inflight[key] = task
        try:
            return await task
        finally:
            if self._inflight.get(key) is task:
                del self._inflight[key]

    async def _poll(self, feed: Feed) -> PollResult:
        self.busy += 1
        # What this poll may change before it is stored; put back if storing fails,
        # so that the next poll fetches and stores this body again.
        before = (feed.etag, feed.last_modified, feed.body_hash, feed.title)
        try:
            try:
                # Fetching outruns parsing: without a bound, a cold refresh of
                # hundreds of feeds holds every fetched body in memory at once.
                async with self._host_turn(feed.url), self._polls_at_once:
                    result = await self._poll_once(feed)
            except asyncio.CancelledError:
                raise
            except StoreError as exc:  # full disk, read-only home: the reason says it all
                log.warning("polling %s: %s", feed.url, exc)
                feed.etag, feed.last_modified, feed.body_hash, feed.title = before
                result = await self._record_surprise(feed, exc)
            except Exception as exc:  # a bug must not stop the other feeds
                log.warning("polling %s failed: %s", feed.url, _short(exc))
                feed.etag, feed.last_modified, feed.body_hash, feed.title = before
                result = await self._record_surprise(feed, exc)
        finally:
            self.busy -= 1
        if feed.id is not None:
            self._failing[feed.id] = result.outcome in ("error", "gone")
        if result.outcome in ("new", "unchanged", "not-modified"):
            self.last_success = max(self.last_success or 0.0, feed.last_success or 0.0)
        self._notify(result)
        return result

    async def _poll_once(self, feed: Feed) -> PollResult:
        fetched = await self.fetcher.fetch(feed.url, feed.etag, feed.last_modified)
        now = self.clock()
        feed.last_polled = now
        result = PollResult(
            feed=feed,
            outcome="error",
            status=fetched.status,
            conditional=fetched.conditional,
            bytes_received=fetched.bytes_received,
            elapsed=fetched.elapsed,
        )
        parsed: ParsedFeed | None = None
        if fetched.gone:
            feed.status = STATUS_GONE
            feed.error = "the server removed this feed (410); no longer polled"
            feed.next_poll = math.inf
            result.outcome, result.error = "gone", feed.error
        elif not fetched.ok:
            self._fail(feed, fetched, fetched.error, now)
            result.error = fetched.error
        else:
            if fetched.permanent_url and fetched.permanent_url != feed.url:
                feed.url = result.moved_to = fetched.permanent_url
            headers = fetched.headers
            if fetched.not_modified:
                # A 304 may refresh the validators; if it sends none, the old ones still hold.
                feed.etag = headers.get("etag", feed.etag)
                feed.last_modified = headers.get("last-modified", feed.last_modified)
                # Hints from the last parse (ttl, sy:) cannot be told apart from the
                # old max-age, so a 304 only ever raises the floor; the next parse resets it.
                feed.min_period = hint_floor(feed.min_period, fetched.max_age)
                self._succeed(feed, fetched, now, STATUS_NOT_MODIFIED)
                result.outcome = "not-modified"
            else:
                body = fetched.body or b""
                digest = (
                    content_hash(body)
                    if len(body) <= _HASH_INLINE
                    else await asyncio.to_thread(content_hash, body)
                )
                if digest == feed.body_hash:
                    feed.etag = headers.get("etag")
                    feed.last_modified = headers.get("last-modified")
                    feed.min_period = hint_floor(feed.min_period, fetched.max_age)
                    self._succeed(feed, fetched, now, STATUS_NOT_MODIFIED)
                    result.outcome = "unchanged"
                else:
                    try:
                        known = (
                            await asyncio.to_thread(self.store.article_digests, feed.id) if feed.id else {}
                        )
                        parsed = await self._parse(body, headers, fetched.final_url, known)
                        if _cut_off(parsed.bozo, headers):
                            raise FeedError("the body ended early (the connection closed mid-document)")
                    except FeedError as exc:
                        # Validators and hash stay as they were, so the next poll
                        # fetches and judges this body again instead of a 304.
                        parsed = None  # a cut-off document stores nothing of itself
                        reason = str(exc) or "not a feed"
                        self._fail(feed, fetched, reason, now, failed=True)
                        result.error = reason
                    else:
                        feed.body_hash = digest
                        feed.etag = headers.get("etag")
                        feed.last_modified = headers.get("last-modified")
                        feed.min_period = hint_floor(fetched.max_age, parsed.ttl, parsed.update_period)
                        if not feed.title and parsed.title:
                            feed.title = parsed.title
                        self._succeed(feed, fetched, now, STATUS_OK)
                        result.outcome, result.parsed = "new", True
        saved = await asyncio.to_thread(self._save, feed, parsed)
        if parsed is not None:
            result.new_ids = list(saved.new_ids)
            result.changed_ids = list(saved.changed_ids)
            result.updates = saved.updates
        return result

    def _save(self, feed: Feed, parsed: ParsedFeed | None):
        """Store the poll with its articles and their updates (split by the parser)
        in one transaction: every caller (refresh, app, follower) gets the updates
        from this one place. A followed article that does not look live is split
        here, as the reader asked."""
        saved = self.store.save_poll(feed, parsed)
        if saved.unsplit_followed:
            saved.updates.extend(record_live_updates(self.store, saved.unsplit_followed))
        return saved

    def _succeed(self, feed: Feed, fetched: FetchResult, now: float, status: str) -> None:
        feed.status = status
        feed.error = ""
        feed.error_count = 0
        feed.last_success = now
        if feed.id is not None:
            self._not_before.pop(feed.id, None)
        feed.next_poll = next_poll_time(
            now,
            feed,
            fetched,
            interval=self.interval,
            default=self.default_period,
            failed=False,
            rng=self.rng,
        )

    def _fail(self, feed: Feed, fetched: FetchResult, reason: str, now: float, failed: bool = True) -> None:
        feed.status = STATUS_ERROR
        feed.error = reason
        feed.error_count += 1
        feed.next_poll = next_poll_time(
            now,
            feed,
            fetched,
            interval=self.interval,
            default=self.default_period,
            failed=failed,
            rng=self.rng,
        )
        if fetched.retry_after is not None and feed.id is not None:
            self._not_before[feed.id] = feed.next_poll

    async def _record_surprise(self, feed: Feed, exc: Exception) -> PollResult:
        reason = _short(exc)
        now = self.clock()
        feed.last_polled = now
        self._fail(feed, FetchResult(url=feed.url, error=reason), reason, now)
        try:
            await asyncio.to_thread(self.store.save_poll, feed, None)
        except StoreError as exc:
            log.warning("could not record the failure of %s: %s", feed.url, exc)
        except Exception:
            log.exception("could not record the failure of %s", feed.url)
        return PollResult(feed=feed, outcome="error", error=reason)

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing

            # spawn, not fork: forking a process that runs threads (the UI, SQLite)
            # can copy a held lock into the child.
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=die_with_parent,
                initargs=(os.getpid(),),
            )
        return self._pool

    def _warm_pool(self) -> None:
        """Start the parser processes now, while the first requests are on the wire,
        instead of when the first body arrives."""
        if self.parse_in != "process" or self._pool is not None:
            return
        try:
            pool = self._ensure_pool()
            for _ in range(self.workers):
                pool.submit(warm_parser)
        except (OSError, ValueError):
            pass  # _parse finds out again and falls back to threads

    async def _parse(
        self, body: bytes, headers: dict[str, str], url: str, known: dict[str, str]
    ) -> ParsedFeed:
        if self.parse_in == "thread":
            return await asyncio.to_thread(parse_for_poll, body, headers, url, known)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._ensure_pool(), parse_for_poll, body, headers, url, known)
        except BrokenProcessPool:
            # The body killed a worker (memory, a crash in a C parser). Parsing it
            # here instead could take the app down with it; a fresh pool serves the rest.
            self._pool = None
            raise FeedError("the parser crashed on this body") from None
        except (OSError, ValueError) as exc:
            # No worker processes here (a sandbox, or stdio that cannot be
            # handed to a child): parse in threads from now on, as before.
            log.warning("parsing in threads: worker processes unavailable (%s)", exc)
            self.parse_in = "thread"
            pool, self._pool = self._pool, None
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            return await asyncio.to_thread(parse_for_poll, body, headers, url, known)

    def _notify(self, result: PollResult) -> None:
        if self.on_result is None:
            return
        try:
            self.on_result(result)
        except Exception:
            log.exception("on_result callback failed")

    # -- many feeds ------------------------------------------------------------
    async def refresh_all(self, feeds: list[Feed] | None = None) -> list[PollResult]:
        """Poll every feed that is not gone once, concurrently; results in the feeds' order.

        The Fetcher's per-host and global limits keep this polite however many
        feeds there are. Feeds still under a Retry-After come back "deferred".
        """
        if feeds is None:
            feeds = await asyncio.to_thread(self.store.polled_feeds)  # synced feeds are not ours to poll
        assert feeds is not None
        todo = [f for f in feeds if f.status != STATUS_GONE]
        if sum(1 for f in todo if f.body_hash is None) >= _WARM_POOL_AT:
            self._warm_pool()  # many feeds never parsed: bodies to parse are certain

        async def one(feed: Feed) -> PollResult:
            until = self.deferred_until(feed)
            if until is not None:
                wait = human_seconds(until - self.clock())
                reason = f"server asked to wait; next poll in {wait}"
                return PollResult(feed=feed, outcome="deferred", error=reason)
            return await self.poll_feed(feed)

        gathered = await self._each_host_in_turn(todo, one)
        results: list[PollResult] = []
        for feed, got in zip(todo, gathered):
            if isinstance(got, asyncio.CancelledError):
                raise got
            if isinstance(got, BaseException) or got is None:
                got = PollResult(feed=feed, outcome="error", error=_short(got or RuntimeError("not polled")))
            results.append(got)
        return results

    async def _each_host_in_turn(self, feeds: list[Feed], poll) -> list[PollResult | BaseException | None]:
        """Run ``poll`` over ``feeds`` with a bounded number of tasks: at most the
        host's share per host and a few times the global limit in all, taking hosts
        in turn. 100,000 feeds cost a queue of feeds, not 100,000 waiting tasks,
        and a slow host only ever holds its own share."""
        results: list[PollResult | BaseException | None] = [None] * len(feeds)
        pending: dict[str, deque[int]] = {}
        for i, feed in enumerate(feeds):
            pending.setdefault(host_of(feed.url), deque()).append(i)
        hosts = deque(pending)
        busy: dict[str, int] = {}
        running: dict[asyncio.Task, tuple[str, int]] = {}
        cap = max(8, 4 * max(1, getattr(self.fetcher, "total", 16)))

        def launch() -> None:
            for _ in range(len(hosts)):
                if len(running) >= cap:
                    return
                host = hosts[0]
                hosts.rotate(-1)
                queue = pending.get(host)
                if not queue or busy.get(host, 0) >= self._per_host:
                    continue
                index = queue.popleft()
                busy[host] = busy.get(host, 0) + 1
                running[asyncio.ensure_future(poll(feeds[index]))] = (host, index)

        try:
            launch()
            while running:
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    host, index = running.pop(task)
                    busy[host] -= 1
                    if not pending[host] and not busy[host]:
                        hosts.remove(host)
                    results[index] = task.exception() or task.result()
                launch()
        finally:
            for task in running:
                task.cancel()
        return results

    def poke(self) -> None:
        """Poll every feed now (the ``r`` key); Retry-After deadlines still hold.

        Call it on the loop's thread (from another: loop.call_soon_threadsafe).
        """
        self._poke_all = True
        if self._wake is not None:
            self._wake.set()

    async def run(self) -> None:
        """Poll due feeds forever. Cancel the task to stop; in-flight polls are cancelled."""
        self._wake = asyncio.Event()
        tasks: dict[asyncio.Task, int | None] = {}  # task -> feed id

        def finished(task: asyncio.Task) -> None:
            tasks.pop(task, None)
            if self._wake is not None:
                self._wake.set()  # its new next_poll may be the earliest now

        try:
            while True:
                self._wake.clear()
                now = self.clock()
                try:
                    if self._poke_all:
                        self._poke_all = False
                        everything = await asyncio.to_thread(self.store.polled_feeds)
                        due = [
                            f
                            for f in everything
                            if f.status != STATUS_GONE and self.deferred_until(f) is None
                        ]
                    else:
                        due = await asyncio.to_thread(self.store.due_feeds, now)
                    polling = set(tasks.values())
                    for feed in due:
                        if feed.id in polling or feed.status == STATUS_GONE:
                            continue
                        task = asyncio.create_task(self.poll_feed(feed))
                        tasks[task] = feed.id
                        polling.add(feed.id)
                        task.add_done_callback(finished)
                    # The store's next_poll of a feed in flight is stale until its
                    # poll lands, so look past those for the next feed to wake for.
                    soon = await asyncio.to_thread(self.store.due_feeds, now + MAX_SLEEP)
                    upcoming = [f.next_poll for f in soon if f.id not in polling]
                    earliest = min(upcoming) if upcoming else None
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("poll loop: reading the schedule failed")
                    earliest = None
                now = self.clock()
                if earliest is None:
                    sleep = MAX_SLEEP  # polls that land wake us early
                else:
                    sleep = min(max(earliest - now, 0.0), MAX_SLEEP)
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=max(sleep, 0.01))
                except TimeoutError:
                    pass
        finally:
            for task in list(tasks):
                task.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            self._wake = None
