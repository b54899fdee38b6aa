"""One sync run: send what the reader did, then take what the server has.

The steps, in order (each a few requests, each page stored before the next is
fetched, so memory stays bounded however many items the server holds):

1. log in;
2. send the durable queue (``sync_queue``): marks in batches, unsubscriptions
   one by one. A row is deleted only once the server took it; a change the
   server refuses is tried again on later runs and dropped after
   ``GIVE_UP_AFTER`` refusals (listed in the report's errors);
3. pull the subscriptions: feeds new on the server are added as synced feeds,
   renamed or moved ones follow it, ones gone from it are removed here;
4. pull the items added since the stored cursor, page by page, through the
   poller's article write path (live articles are split into their updates);
   followed synced articles are fetched again by id, since live ones change;
5. take the server's read and starred marks for the items held here. The Google
   Reader API lists every unread id cheaply (a thousand a request), so it is
   asked for all of them. tt-rss pages 200 at a time, so there the items read
   lately (its "recently read" feed) are taken first, and then only the feeds
   whose unread count still differs from ours are asked for their unread ids;
   every ``FULL_CHECK_EVERY`` seconds all of them are.

Conflict rules: a change of the reader's still in the queue (not yet accepted
by the server) wins over the server's state for that field of that item; every
other field takes the server's state. Titles and folders of synced feeds follow
the server.

A 429/503 whose Retry-After is longer than the backend waits in line stops the
run and puts the next one off until then (kept in the store, so a second
``threadline sync`` honours it too). Login failures and an unreachable server
stop the run too; the queue stays for the next one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tui.config import SyncConfig
from tui.live.follow import record_live_updates
from tui.live.markers import looks_live
from tui.live.split import split_updates
from tui.model import Article, Update, article_digest
from tui.net import human_seconds
from tui.store import SaveResult, StoreError
from tui.store.sync import RemoteSubscription, StateChanges
from tui.sync.account import account_key, make_backend, read_password
from tui.sync.base import BATCH, Http, RemoteFeed, RemoteItem, SyncBackend, SyncError, chunks

GIVE_UP_AFTER = 5
FULL_CHECK_EVERY = 3600.0
# The poller's cap on a Retry-After (polling/schedule.py MAX_RETRY_AFTER): a broken
# clock on the server cannot stop syncing for longer than a week.
MAX_DEFER = 7 * 24 * 3600.0

_MARKS: dict[str, tuple[str, bool]] = {
    "read": ("mark_read", True),
    "unread": ("mark_read", False),
    "star": ("mark_starred", True),
    "unstar": ("mark_starred", False),
}


@dataclass
class SyncReport:
    account: str
    feeds_added: list[str] = field(default_factory=list)
    feeds_removed: list[str] = field(default_factory=list)
    feeds_changed: list[str] = field(default_factory=list)
    items_new: int = 0
    items_updated: int = 0
    sent: dict[str, int] = field(default_factory=dict)  # action -> items the server took
    received: StateChanges = field(default_factory=StateChanges)
    queued_left: int = 0
    errors: list[str] = field(default_factory=list)  # per-item trouble; the run went on
    error: str = ""  # why the run stopped ("" when it ran to the end)
    requests: int = 0
    elapsed: float = 0.0
    new_ids: list[int] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)  # live updates this run added

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def changed(self) -> bool:
        r = self.received
        return bool(
            self.feeds_added
            or self.feeds_removed
            or self.feeds_changed
            or self.items_new
            or self.items_updated
            or r.read
            or r.unread
            or r.starred
            or r.unstarred
        )


def article_of(item: RemoteItem) -> Article:
    return Article(
        guid=f"sync:{item.id}",
        title=item.title,
        link=item.link,
        author=item.author,
        published=item.published,
        updated=item.updated,
        content=item.content,
        comments_url=item.comments_url,
        comment_count=item.comment_count,
    )


class SyncEngine:
    def __init__(
        self,
        store,
        backend: SyncBackend,
        account: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.backend = backend
        self.account = account
        self.clock = clock
        self._feed_ids: dict[str, int] = {}

    def run(self) -> SyncReport:
        """One sync; never raises for server or store trouble (``report.error``)."""
        started = time.perf_counter()
        report = SyncReport(account=self.account)
        try:
            self._run(report)
        except SyncError as exc:
            report.error = exc.reason
            if exc.kind == "throttled" and exc.retry_after:
                self._defer(exc.retry_after)
        except StoreError as exc:
            report.error = str(exc)
        try:
            report.queued_left = self.store.queue_count(self.account)
        except StoreError:
            pass
        report.requests = self.backend.requests
        report.elapsed = time.perf_counter() - started
        return report

    def _defer(self, seconds: float) -> None:
        try:
            self.store.set_sync_values(self.account, not_before=repr(self.clock() + min(seconds, MAX_DEFER)))
        except StoreError:
            pass

    def _run(self, report: SyncReport) -> None:
        now = self.clock()
        try:
            not_before = float(self.store.sync_value(self.account, "not_before", "0") or 0)
        except ValueError:
            not_before = 0.0
        if not_before > now:
            report.error = f"the server asked to wait; next sync in {human_seconds(not_before - now)}"
            return
        self.backend.login()
        self._send(report)
        full_due = now - self._last_full() >= FULL_CHECK_EVERY
        remote = self.backend.subscriptions(None if full_due else self.store.synced_feed_urls(self.account))
        self._subscriptions(remote, report)
        fresh = not self.store.sync_value(self.account, "cursor")
        self._items(report)
        if fresh:  # every item just arrived with the server's marks: no full check needed
            self.store.set_sync_values(self.account, full=repr(now))
        self._followed(report)
        self._marks(remote, report, now)
        self.store.set_sync_values(self.account, last=repr(self.clock()), not_before="0")

    # -- 2: the queue ---------------------------------------------------------------
    def _send(self, report: SyncReport) -> None:
        queued = self.store.queued_changes(self.account)
        by_action: dict[str, list] = {}
        for change in queued:
            by_action.setdefault(change.action, []).append(change)
        for action, changes in by_action.items():
            if action in _MARKS:
                method, value = _MARKS[action]
                for part in chunks(changes, BATCH):
                    try:
                        getattr(self.backend, method)([c.remote_id for c in part], value)
                    except SyncError as exc:
                        if exc.kind in ("unreachable", "auth", "throttled"):
                            raise
                        self._refused(part, action, exc.reason, report)
                        continue
                    self.store.queue_done(c.id for c in part)
                    report.sent[action] = report.sent.get(action, 0) + len(part)
            elif action == "unsubscribe":
                for change in changes:
                    try:
                        self.backend.unsubscribe(change.remote_id)
                    except SyncError as exc:
                        if exc.kind in ("unreachable", "auth", "throttled"):
                            raise
                        self._refused([change], action, exc.reason, report)
                        continue
                    self.store.queue_done([change.id])
                    report.sent[action] = report.sent.get(action, 0) + 1
            else:  # a row from a newer Threadline: not ours to guess at
                self.store.queue_done(c.id for c in changes)

    def _refused(self, part: list, action: str, reason: str, report: SyncReport) -> None:
        dropped = self.store.queue_failed((c.id for c in part), reason, GIVE_UP_AFTER)
        if dropped:
            report.errors.append(
                f"{action} of {len(dropped)} item(s) refused {GIVE_UP_AFTER} times, dropped: {reason}"
            )
        else:
            report.errors.append(f"{action} of {len(part)} item(s) refused, kept to retry: {reason}")

    # -- 3: subscriptions ----------------------------------------------------------------
    def _subscriptions(self, remote: list[RemoteFeed], report: SyncReport) -> None:
        subs = [RemoteSubscription(f.id, f.url, f.title, f.folder, f.site_url) for f in remote]
        changes = self.store.apply_subscriptions(self.account, subs)
        self._feed_ids = changes.feed_ids
        report.feeds_added, report.feeds_removed = changes.added, changes.removed
        report.feeds_changed = changes.changed

    # -- 4: items ------------------------------------------------------------------------
    def _items(self, report: SyncReport) -> None:
        cursor = self.store.sync_value(self.account, "cursor")
        for page in self.backend.items_since(cursor, list(self._feed_ids)):
            report.errors.extend(page.skipped)
            self._store_items(page.items, report)
            if page.cursor != cursor:
                cursor = page.cursor
                self.store.set_sync_values(self.account, cursor=cursor)

    def _followed(self, report: SyncReport) -> None:
        ids = self.store.followed_remote_ids(self.account)
        if ids:
            self._store_items(self.backend.items_by_id(ids), report)

    def _store_items(self, items: list[RemoteItem], report: SyncReport) -> None:
        if not items:
            return
        known = self.store.remote_digests([i.id for i in items])
        groups: dict[int, list[Article]] = {}
        marks: dict[str, tuple[bool, bool]] = {}
        for item in items:
            feed_id = self._feed_ids.get(item.feed_id)
            if feed_id is None:
                continue  # a feed the subscription list did not show (a special or hidden one)
            article = article_of(item)
            # The poller's rule (workers.parse_for_poll): a new or changed entry
            # that looks live is split into its updates before it is stored.
            if known.get(item.id) != article_digest(article) and looks_live(article.title, article.content):
                article.updates = split_updates(article.content, article.published)
            groups.setdefault(feed_id, []).append(article)
            marks[item.id] = (item.read, item.starred)
        result = SaveResult()
        self.store.save_synced_items(self.account, groups, marks, result)
        if result.unsplit_followed:
            result.updates.extend(record_live_updates(self.store, result.unsplit_followed))
        report.items_new += len(result.new_ids)
        report.items_updated += len(result.changed_ids)
        report.new_ids.extend(result.new_ids)
        report.updates.extend(result.updates)

    # -- 5: read and starred ----------------------------------------------------------------
    def _last_full(self) -> float:
        try:
            return float(self.store.sync_value(self.account, "full", "0") or 0)
        except ValueError:
            return 0.0

    def _marks(self, remote: list[RemoteFeed], report: SyncReport, now: float) -> None:
        last_full = self._last_full()
        counts = {f.id: f.unread for f in remote}
        scope: list[str] | None = None
        recent_read = 0
        if now - last_full < FULL_CHECK_EVERY and counts and all(c is not None for c in counts.values()):
            recent = self.backend.recently_read_ids()
            if recent is not None:
                # Read lately on the server first; then a feed whose count still
                # differs from ours holds a mark we have not seen (an unread one).
                recent_read = self.store.take_read(self.account, recent)
                local = self.store.local_unread_counts(self.account)
                scope = [fid for fid, count in counts.items() if count != local.get(fid, 0)]
        unread = self.backend.unread_ids(scope) if scope is None or scope else None
        starred = self.backend.starred_ids()
        report.received = self.store.apply_remote_state(self.account, unread, starred, scope)
        report.received.read += recent_read
        if scope is None:
            self.store.set_sync_values(self.account, full=repr(now))


def subscribe_once(store, config: SyncConfig, url: str, folder: str = "") -> SyncReport:
    """Subscribe to ``url`` on the server (into ``folder``), then sync, so the feed is
    here as a synced one. A refusal is the report's one-line ``error``; nothing is
    stored then."""
    account = account_key(config)
    try:
        backend = make_backend(config, read_password(config))
    except SyncError as exc:
        return SyncReport(account=account, error=exc.reason)
    try:
        backend.login()
        backend.subscribe(url, folder)
    except SyncError as exc:
        return SyncReport(account=account, error=f"the server did not subscribe: {exc.reason}")
    finally:
        backend.close()
    return sync_once(store, config)


def sync_once(
    store,
    config: SyncConfig,
    *,
    password: str | None = None,
    http: Http | None = None,
    clock: Callable[[], float] = time.time,
) -> SyncReport:
    """Read the password, make the backend, run one sync and close it."""
    account = account_key(config)
    try:
        secret = read_password(config) if password is None else password
    except SyncError as exc:
        report = SyncReport(account=account, error=exc.reason)
        try:
            report.queued_left = store.queue_count(account)
        except StoreError:
            pass
        return report
    backend = make_backend(config, secret, http)
    try:
        return SyncEngine(store, backend, account, clock=clock).run()
    finally:
        backend.close()
