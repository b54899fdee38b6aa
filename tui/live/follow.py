"""Live articles: keep each article's timestamped updates in the store, and
follow the articles the reader asked to follow.

``record_live_updates`` runs after every poll that brought new or changed
articles (the poller calls it as it stores them), so a live article's new
paragraphs become timeline rows whichever way it was polled. ``Follower``
polls followed articles faster than their feeds' normal period — always
conditionally, never faster than the server allows — and reads the article
page's JSON-LD when the publisher provides one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tui.live.jsonld import updates_from_jsonld
from tui.live.markers import looks_live
from tui.live.split import split_updates
from tui.model import Article, Update

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"


def record_live_updates(store, article_ids: list[int], *, force: bool = False) -> list[Update]:
    """Split each live-looking article into updates and store them.

    Returns the updates that were new. ``force`` splits even an article that
    does not look live (the reader asked to follow it). Articles whose updates
    come from their page's JSON-LD are left to ``Follower``.
    """
    added: list[Update] = []
    for article_id in dict.fromkeys(article_ids):
        article = store.article(article_id)
        if article is None:
            continue
        if store.page_state(article_id)[2] == "jsonld":
            continue
        html = article.content or article.summary
        if not (force or article.followed or looks_live(article.title, html)):
            continue
        updates = split_updates(html, article.published)
        if len(updates) <= 1 and not store.updates(article_id):
            continue  # nothing but the story itself: not a live article (yet)
        added.extend(store.save_updates(article_id, updates).added)
    return added


def merge_jsonld(existing: list[Update], from_page: list[Update]) -> list[Update]:
    """The page's updates to save beside the ones already stored.

    Known keys keep their place; new ones go after the newest. An update with a
    new key but the same minute as a stored one is the same update seen through
    the article's markers: skipping it means switching sources never shows an
    update twice.
    """
    placed = {u.key: u.position for u in existing}
    known_minutes = {int(u.time // 60) for u in existing if u.time is not None and u.position > 0}
    base = max(placed.values(), default=0)
    keep: list[Update] = []
    for u in from_page:
        if u.key in placed:
            u.position = placed[u.key]
        elif u.time is not None and int(u.time // 60) in known_minutes:
            continue
        else:
            base += 1
            u.position = base
        keep.append(u)
    return keep


@dataclass
class FollowReport:
    article: Article
    added: list[Update] = field(default_factory=list)
    stopped: bool = False  # quiet for too long: no longer followed
    error: str = ""


class Follower:
    """Polls the followed articles: their feeds, faster, and their pages' JSON-LD."""

    def __init__(
        self,
        store,
        poller,
        fetcher,
        *,
        period: float = 60.0,
        quiet: float = 24 * 3600,
        interval: float | None = None,
        clock: Callable[[], float] = time.time,
        on_report: Callable[[FollowReport], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.poller = poller
        self.fetcher = fetcher
        self.period = period
        self.quiet = quiet
        self.interval = interval
        self.clock = clock
        self.on_report = on_report
        self.on_error = on_error
        self._last_check: dict[int, float] = {}
        self.last_error = ""  # why the last round failed; "" once a round succeeds

    def _period_for(self, feed) -> float:
        if self.interval is not None:
            return self.interval
        # The server's own floor (max-age, ttl) still holds for followed articles.
        return max(self.period, feed.min_period or 0.0)

    async def check(self) -> list[FollowReport]:
        """One round: every followed article that is due."""
        now = self.clock()
        reports: list[FollowReport] = []
        articles = await asyncio.to_thread(self.store.followed_articles)
        polled_feeds: set[int] = set()
        for article in articles:
            until = await asyncio.to_thread(self.store.follow_until, article.id)
            if until is not None and now > until:
                await asyncio.to_thread(self.store.set_followed, article.id, False)
                reports.append(FollowReport(article, stopped=True))
                continue
            feed = await asyncio.to_thread(self.store.feed_by_id, article.feed_id)
            if feed is None or feed.status == "gone":
                continue
            period = self._period_for(feed)
            if now - self._last_check.get(article.id, 0.0) < period:
                continue
            self._last_check[article.id] = now
            report = FollowReport(article)
            if feed.id not in polled_feeds and self.poller.deferred_until(feed) is None:
                polled_feeds.add(feed.id)
                if now - (feed.last_polled or 0.0) >= period:
                    result = await self.poller.poll_feed(feed)
                    report.added += result.updates
                    report.error = result.error
            report.added += await self._check_page(article)
            fresh = await asyncio.to_thread(self.store.article, article.id)
            if report.added or (fresh and (fresh.last_update or 0) > (article.last_update or 0)):
                # Still live: following lasts until it has been quiet for a while.
                await asyncio.to_thread(self.store.extend_follow, article.id, now + self.quiet)
            reports.append(report)
        for report in reports:
            if self.on_report is not None:
                self.on_report(report)
        return reports

    async def _check_page(self, article: Article) -> list[Update]:
        """Fetch the article's page (conditionally) and take its JSON-LD updates."""
        if not article.link:
            return []
        etag, modified, _ = await asyncio.to_thread(self.store.page_state, article.id)
        fetched = await self.fetcher.fetch(article.link, etag, modified, accept=PAGE_ACCEPT)
        if not fetched.ok or fetched.not_modified or not fetched.body:
            return []
        page = fetched.body.decode("utf-8", "replace")
        from_page = await asyncio.to_thread(updates_from_jsonld, page)
        new_etag = fetched.headers.get("etag", etag)
        new_modified = fetched.headers.get("last-modified", modified)
        if not from_page:
            await asyncio.to_thread(self.store.set_page_state, article.id, new_etag, new_modified, None)
            return []
        existing = await asyncio.to_thread(self.store.updates, article.id)
        from_page = merge_jsonld(existing, from_page)
        saved = await asyncio.to_thread(self.store.save_updates, article.id, from_page)
        await asyncio.to_thread(self.store.set_page_state, article.id, new_etag, new_modified, "jsonld")
        return saved.added

    async def run(self, tick: float = 5.0) -> None:
        """Forever: a round every ``tick`` seconds (each article keeps its own period)."""
        while True:
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # one bad round must not end following, nor pass unsaid
                self._set_error(" ".join(f"{type(exc).__name__}: {exc}".split())[:200])
            else:
                self._set_error("")
            await asyncio.sleep(min(tick, self.interval or tick))

    def _set_error(self, reason: str) -> None:
        changed = reason != self.last_error
        self.last_error = reason
        if changed and self.on_error is not None:
            self.on_error(reason)
