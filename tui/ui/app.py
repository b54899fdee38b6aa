"""The Threadline app: wires the store and the poller to the screens.

The poller runs as an async worker on the app's loop (its parsing and SQLite
work go to threads), and reports each poll; the app reloads the visible lists
from the store, at most a few times a second, without moving the cursor.
"""

from __future__ import annotations

import asyncio
import os
import time
import webbrowser
from collections.abc import Callable, Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from tui import __version__
from tui.config import Config
from tui.model import Article, TimelineRow
from tui.store import Store, StoreError
from tui.text.html import Link
from tui.text.sanitize import clean_line, safe_url
from tui.text.timefmt import reader_zone
from tui.ui.keys import keyed
from tui.ui.screens.article import ArticleScreen
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.links import LinkChooser
from tui.ui.screens.main import MainScreen
from tui.ui.widgets.feed_list import FeedList
from tui.ui.widgets.timeline import Timeline


class ThreadlineApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "Threadline"
    BINDINGS = keyed(
        "app",
        [
            Binding("q", "quit", "Quit"),
            Binding("question_mark", "help", "Help"),
            Binding("r", "refresh", "Refresh"),
            Binding("tab", "focus_next", "Next pane", show=False),
            Binding("shift+tab", "focus_previous", "Previous pane", show=False),
        ],
    )

    def __init__(
        self,
        store: Store,
        config: Config | None = None,
        *,
        interval: float | None = None,
        demo: bool = False,
        thread_url: str | None = None,
        clock: Callable[[], float] = time.time,
        poll: bool = True,
        opener: Callable[[str], object] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.config = config or Config()
        self.interval = interval
        self.demo = demo
        self.thread_url = thread_url
        self.clock = clock
        self.poll_enabled = poll
        self.zone = reader_zone(self.config.timezone)
        self.opener = opener or (lambda url: webbrowser.open(url, new=2))
        self.opened_links: list[str] = []
        self.comments_client = None  # one httpx client for every thread, made on first use
        self.timeline = Timeline(id="timeline", clock=clock, zone=self.zone)
        self.feed_filter: int | None = None
        self.feeds: list = []
        self.search_query: str | None = None
        self.poller = None
        self.follower = None
        self.last_success: float | None = None
        self.poll_count = 0
        self._reload_pending = False
        self._reset_pending = False
        self._apply_key_config()

    # -- set-up -------------------------------------------------------------
    def _apply_key_config(self) -> None:
        # Binding ids are "<scope>.<action>" (tui/ui/keys.py); Textual's keymap
        # swaps the keys of every binding with that id, wherever it lives.
        if self.config.keys:
            self.set_keymap(dict(self.config.keys))

    def get_default_screen(self) -> Screen:
        return MainScreen(self.timeline)

    def on_mount(self) -> None:
        self.sub_title = "demo newsroom" if self.demo else f"v{__version__}"
        self.call_after_refresh(self.reload_lists, True)
        self.set_interval(1.0, self.update_status)
        if self.poll_enabled:
            self.run_poller()
        if self.thread_url:
            self.open_thread_url(self.thread_url)

    # -- polling --------------------------------------------------------------
    @work(exclusive=True, group="poller", exit_on_error=False)
    async def run_poller(self) -> None:
        from tui.live.follow import Follower
        from tui.net import Fetcher
        from tui.polling.poller import Poller

        async with Fetcher(per_host=self.config.per_host, total=self.config.total) as fetcher:
            self.poller = Poller(
                self.store,
                fetcher,
                interval=self.interval,
                on_result=self.on_poll_result,
                default_period=self.config.period,
                parse_in="process",  # feedparser holds the GIL: keep it off the UI's process
                workers=max(1, (os.cpu_count() or 2) - 1),  # and leave a core to the UI
            )
            self.follower = Follower(
                self.store,
                self.poller,
                fetcher,
                period=self.config.follow_period,
                quiet=self.config.follow_quiet_hours * 3600,
                interval=self.interval,
                on_report=self.on_follow_report,
            )
            try:
                await asyncio.gather(self.poller.run(), self.follower.run())
            finally:
                await self.poller.aclose()

    def on_follow_report(self, report) -> None:
        if report.stopped:
            hours = self.config.follow_quiet_hours
            self.notify(
                f"stopped following {clean_line(report.article.title)}: no update for {hours:g} h",
                markup=False,
            )
            self.schedule_reload()
        elif report.added:
            self.announce_updates(report.added)
            self.schedule_reload()

    def on_poll_result(self, result) -> None:
        self.poll_count += 1
        if result.outcome in ("new", "not-modified", "unchanged"):
            self.last_success = self.clock()
        if result.updates:  # the poller split the live articles it touched
            self.announce_updates(result.updates)
        self.schedule_reload()

    def announce_updates(self, added) -> None:
        followed = {a.id for a in self.store.followed_articles()}
        fresh = [u for u in added if u.article_id in followed and u.position > 0]
        if fresh:
            latest = max(fresh, key=lambda u: u.time or 0)
            self.notify(clean_line(latest.headline) or "new update", title="Live update", markup=False)
            if self.config.bell:
                self.bell()

    def schedule_reload(self) -> None:
        """Reload the lists soon; while a refresh pours in results, at most once a second."""
        if not self._reload_pending:
            self._reload_pending = True
            busy = self.poller is not None and self.poller.busy > 0
            self.set_timer(1.0 if busy else 0.2, self._do_reload)

    def _do_reload(self) -> None:
        self._reload_pending = False
        self.reload_lists()

    def reload_lists(self, reset: bool = False) -> None:
        """Re-read the feed list and the timeline from the store.

        The reads run in a thread (SQLite lets go of the GIL while it works);
        only handing the rows to the widgets happens on the event loop.
        """
        self._reset_pending = self._reset_pending or reset
        self._reload_worker()

    @work(exclusive=True, group="reload", exit_on_error=False)
    async def _reload_worker(self) -> None:
        query, feed_filter = self.search_query, self.feed_filter

        def read():
            feeds = self.store.feeds()
            live = self.store.followed_feed_ids()
            if query:
                rows = self.store.search(query)
            else:
                rows = self.store.timeline(feed_id=feed_filter)
            return feeds, live, rows

        try:
            feeds, live, rows = await asyncio.to_thread(read)
        except StoreError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if (query, feed_filter) != (self.search_query, self.feed_filter):
            return  # the reader moved on while we read; a newer reload is coming
        reset, self._reset_pending = self._reset_pending, False
        self.feeds = feeds
        try:
            self.screen_stack[0].query_one(FeedList).set_feeds(feeds, live)
        except Exception:
            pass
        self.timeline.set_rows(rows, reset=reset)
        if not feeds:
            self.timeline.empty_message = "No feeds yet. Quit and run: threadline add URL"
        self.update_status()

    def update_status(self) -> None:
        try:
            status = self.screen_stack[0].query_one("#status", Static)
            title = self.screen_stack[0].query_one("#timeline-title", Static)
        except Exception:
            return
        parts = []
        busy = getattr(self.poller, "busy", 0) if self.poller else 0
        if not self.poll_enabled:
            parts.append("offline")
        elif busy:
            parts.append(f"polling {busy} feed{'s' if busy != 1 else ''}…")
        elif self.poller is not None:
            parts.append("watching")
        if self.last_success:
            parts.append("last success " + time.strftime("%H:%M:%S", time.localtime(self.last_success)))
        elif self.poll_enabled:
            parts.append("no poll finished yet")
        failing = [f for f in self.feeds if f.failing]  # as of the last reload
        if failing:
            parts.append(f"{len(failing)} failing")
        if self.timeline.arrived:
            parts.append(f"{self.timeline.arrived} new above (g to jump)")
        status.update(" · ".join(parts))
        if self.search_query:
            head = f"search: {clean_line(self.search_query)} — {len(self.timeline.rows)} found (esc clears)"
        elif self.feed_filter is not None:
            feed = next((f for f in self.feeds if f.id == self.feed_filter), None)
            head = clean_line(feed.display_title) if feed else "feed"
        else:
            head = f"All feeds — {len(self.timeline.rows)} items"
        title.update(head)

    # -- reacting to the main screen ----------------------------------------------
    def on_feed_list_chosen(self, event: FeedList.Chosen) -> None:
        if event.feed_id != self.feed_filter:
            self.feed_filter = event.feed_id
            self.search_query = None
            self.reload_lists(reset=True)

    def show_search(self, query: str | None) -> None:
        self.search_query = query
        self.reload_lists(reset=True)

    def on_timeline_selected(self, event: Timeline.Selected) -> None:
        self.open_article(event.row)

    def on_timeline_action(self, event: Timeline.Action) -> None:
        row = event.row
        if event.action == "comments":
            article = self.store.article(row.article_id)
            if article:
                self.open_comments(article)
        elif event.action == "browser":
            article = self.store.article(row.article_id)
            if article:
                self.open_link(article.link)
        elif event.action == "toggle_read":
            if row.update_id is not None:
                self.write(self.store.set_update_read, row.update_id, not row.read)
            else:
                self.write(self.store.set_read, row.article_id, not row.read)
            self.reload_lists()
        elif event.action == "follow":
            self.toggle_follow(row.article_id)

    # -- actions ----------------------------------------------------------------
    def write(self, fn, *args):
        """Run a store write; a full disk or a read-only home is said, not raised.

        Returns what ``fn`` returned (True for None), or None when it failed.
        """
        try:
            result = fn(*args)
        except StoreError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return None
        return True if result is None else result

    def open_article(self, row: TimelineRow) -> None:
        article = self.store.article(row.article_id)
        if article is None:
            return
        feed = self.store.feed_by_id(article.feed_id)
        updates = self.store.updates(article.id)
        self.write(self.store.set_read, article.id)  # the whole article is on screen
        self.push_screen(ArticleScreen(article, feed, updates, focus_update=row.update_key, zone=self.zone))
        self.schedule_reload()

    def toggle_read(self, article_id: int | None) -> None:
        article = self.store.article(article_id) if article_id else None
        if article:
            if not self.write(self.store.set_read, article.id, not article.read):
                return
            self.notify("marked unread" if article.read else "marked read")
            self.schedule_reload()

    def toggle_follow(self, article_id: int | None) -> None:
        article = self.store.article(article_id) if article_id else None
        if article is None:
            return
        on = not article.followed
        until = self.clock() + self.config.follow_quiet_hours * 3600 if on else None
        if not self.write(self.store.set_followed, article.id, on, until):
            return
        if on:
            from tui.live.follow import record_live_updates

            record_live_updates(self.store, [article.id], force=True)
        self.notify(("following " if on else "stopped following ") + clean_line(article.title), markup=False)
        self.schedule_reload()

    def open_link(self, url: str | None) -> None:
        safe = safe_url(url)
        if safe is None:
            self.notify("only http(s) links are opened", severity="warning")
            return
        self.opened_links.append(safe)
        try:
            opened = self.opener(safe)
        except Exception as exc:  # no browser on this machine: say so, do not crash
            self.notify(f"could not open a browser: {exc}", severity="error", markup=False)
            return
        if opened is False:  # webbrowser found nothing to run
            self.copy_to_clipboard(safe)
            self.notify("no browser found; link copied to the clipboard: " + safe, markup=False)
            return
        self.notify("opened " + safe, markup=False)

    def on_comment_tree_open_link(self, event) -> None:
        self.open_link(event.url)

    def choose_link(self, links: list[Link]) -> None:
        if not links:
            self.notify("no links here")
            return
        self.push_screen(LinkChooser(links), self.open_link_if_chosen)

    def open_link_if_chosen(self, url: str | None) -> None:
        if url:
            self.open_link(url)

    def open_comments(self, article: Article) -> None:
        from tui.comments.session import open_article_thread

        open_article_thread(self, article)

    def open_thread_url(self, url: str) -> None:
        from tui.comments.session import open_url_thread

        open_url_thread(self, url)

    def action_refresh(self) -> None:
        if self.poller is not None:
            self.poller.poke()
            self.notify("refreshing every feed")
        else:
            self.notify("not polling (offline)")

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        gathered = []
        for node in [self.focused, self.screen, self]:
            if node is None:
                continue
            where = type(node).__name__.replace("Screen", "").replace("Threadline", "").lower() or "app"
            for binding in node._bindings.key_to_bindings.values():
                for b in binding:
                    gathered.append((where, b))
        self.push_screen(HelpScreen(gathered))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Refresh all feeds", "Poll every feed now", self.action_refresh)
        yield SystemCommand("Mark all read", "Mark every article read", self._mark_all_read)
        yield SystemCommand("Show help", "Every key, where it works", self.action_help)
        for feed in self.store.feeds()[:200]:
            yield SystemCommand(
                "Feed: " + clean_line(feed.display_title),
                "Show only this feed in the timeline",
                lambda fid=feed.id: self._show_feed(fid),
            )

    def _mark_all_read(self) -> None:
        n = self.write(self.store.mark_all_read, self.feed_filter)
        if n is None:
            return
        self.notify(f"marked {n} read")
        self.reload_lists()

    def _show_feed(self, feed_id: int) -> None:
        self.feed_filter = feed_id
        self.search_query = None
        self.reload_lists(reset=True)
