"""The Threadline app: wires the store and the poller to the screens.

The poller and the follower run as async workers on the app's loop (their
parsing and SQLite work go to processes and threads) and report through plain
callables that ``ui/messages.py`` turns into messages; the app reloads the
visible lists from the store, at most a few times a second, without moving the
cursor. Every store call the app makes runs in a thread (``in_thread``), never
on the event loop.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import time
import webbrowser
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from tui import __version__
from tui.config import Config
from tui.model import Article, Feed, TimelineRow, Update
from tui.net import Fetcher
from tui.store import Store, StoreError
from tui.text.html import Link
from tui.text.sanitize import clean_line, safe_url
from tui.text.timefmt import reader_zone
from tui.ui.keys import keyed
from tui.ui.messages import FollowDone, FollowFailed, PollDone, reporter
from tui.ui.reading import UNREAD_ONLY, ReadingTools
from tui.ui.screens.article import ArticleScreen
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.links import LinkChooser
from tui.ui.screens.main import MainScreen
from tui.ui.screenshots import screenshot_command, take_screenshot
from tui.ui.syncing import Syncing
from tui.ui.theming import apply_theme
from tui.ui.widgets.feed_list import FeedList
from tui.ui.widgets.timeline import Timeline

if TYPE_CHECKING:  # imported when polling starts: a thread-only start stays light
    from tui.live.follow import Follower
    from tui.polling.poller import Poller


def _set_line(line: Static, text: str) -> None:
    """A one-row status or title line: repainted only when its words change."""
    if getattr(line, "_shown", None) != text:
        line._shown = text  # type: ignore[attr-defined]
        line.update(text, layout=False)


class ThreadlineApp(ReadingTools, Syncing, App):
    CSS_PATH = "app.tcss"
    TITLE = "Threadline"
    BINDINGS = keyed(
        "app",
        [
            # One key leaves: back one level, and out of Threadline from the main
            # screen. Two bindings share it; check_action enables the one that applies.
            Binding("q", "quit", "Quit", id="app.quit"),
            Binding("q", "go_back", "Back", id="app.back"),
            Binding("Q", "quit_anywhere", "Quit from anywhere", show=False),
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
        # Every request (feeds, followed pages, threads) runs on the Fetcher's own
        # network thread, so the screen's loop never does httpx's work.
        self.fetcher = Fetcher(per_host=self.config.per_host, total=self.config.total, own_thread=True)
        self.timeline = Timeline(id="timeline", clock=clock, zone=self.zone)
        self.feed_filter: int | None = None
        self.feeds: list = []
        self.search_query: str | None = None
        self.poller: Poller | None = None
        self.follower: Follower | None = None
        self.last_success: float | None = None
        self.follow_error = ""  # why the last follow round failed, shown in the status line
        self.followed_ids: set[int] = set()  # followed articles, as of the last reload
        self.poll_count = 0
        # Store actions run in workers; one at a time, in key order, so that "m m"
        # toggles twice instead of racing two reads of the same row.
        self._actions = asyncio.Lock()
        self._reload_pending = False
        self._reset_pending = False
        self._settings_read = False  # the remembered view (unread-only) is read with the first reload
        self._restore_key: tuple[int, int | None] | None = None  # where the reader was before a search
        self._before_search: tuple[int, int | None] | None = None
        self.status_note: tuple[str, float] | None = None  # a passing word in the status line, until when
        self._reading_init()
        self._apply_key_config()

    # -- set-up -------------------------------------------------------------
    def _apply_key_config(self) -> None:
        # Binding ids are "<scope>.<action>" (tui/ui/keys.py); Textual's keymap
        # swaps the keys of every binding with that id, wherever it lives.
        if self.config.keys:
            self.set_keymap(dict(self.config.keys))

    def get_default_screen(self) -> Screen:
        if self.thread_url:
            # `threadline thread URL`: the thread is the whole session (Esc quits),
            # so the timeline's screen, never seen, is not built (0.3 s of start-up).
            return Screen()
        return MainScreen(self.timeline)

    def on_mount(self) -> None:
        self._exit_on_signals()
        for warning in self.config.warnings:
            self.notify(warning, severity="warning", markup=False, timeout=10)
        self.sub_title = "demo newsroom" if self.demo else f"v{__version__}"
        apply_theme(self, self.config)
        if not self.thread_url:
            self.call_after_refresh(self.reload_lists, True)
        # What start-up built lives as long as the app (modules, CSS, widgets):
        # frozen, a full collection no longer walks it (pauses of 100 ms during a
        # refresh before).
        self.call_after_refresh(gc.freeze)
        self.set_interval(1.0, self.update_status)
        if self.poll_enabled and not self.thread_url:  # a thread session polls no feeds
            self.run_poller()
            self.start_sync()  # [sync]: the aggregator account, beside the poller
        if self.thread_url:
            self.open_thread_url(self.thread_url)

    async def on_unmount(self) -> None:
        await self.fetcher.aclose()

    def _exit_on_signals(self) -> None:
        """SIGTERM and SIGHUP quit as `q` does: Textual's own shutdown then restores the
        terminal (main screen, cursor, mouse off, cooked mode) and ends the workers.
        Without this the default action kills the process with the terminal still raw."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            try:
                loop.add_signal_handler(sig, self.exit)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread (tests), or no such signal here

    # -- polling --------------------------------------------------------------
    @work(exclusive=True, group="poller", exit_on_error=False)
    async def run_poller(self) -> None:
        from tui.live.follow import Follower
        from tui.polling.poller import Poller

        # The app's one Fetcher: feeds, followed pages and comment threads share its
        # client and its per-host slots.
        async with self.fetcher as fetcher:
            poller = self.poller = Poller(
                self.store,
                fetcher,
                interval=self.interval,
                on_result=reporter(self, PollDone),
                default_period=self.config.period,
                parse_in="process",  # feedparser holds the GIL: keep it off the UI's process
                workers=max(1, (os.cpu_count() or 2) - 1),  # and leave a core to the UI
            )
            follower = self.follower = Follower(
                self.store,
                poller,
                fetcher,
                period=self.config.follow_period,
                quiet=self.config.follow_quiet_hours * 3600,
                interval=self.interval,
                on_report=reporter(self, FollowDone),
                on_error=reporter(self, FollowFailed),
            )
            try:
                await asyncio.gather(poller.run(), follower.run())
            finally:
                await poller.aclose()

    def on_follow_done(self, message: FollowDone) -> None:
        report = message.report
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
        # Every report re-reads an open article: the page's JSON-LD may have edited one.
        self.forward_updates([report.article.id, *(u.article_id for u in report.added)])

    def on_follow_failed(self, message: FollowFailed) -> None:
        self.follow_error = message.reason
        self.update_status()

    def on_poll_done(self, message: PollDone) -> None:
        result = message.result
        self.poll_count += 1
        if result.outcome in ("new", "not-modified", "unchanged"):
            self.last_success = self.clock()
        if result.updates:  # the poller split the live articles it touched
            self.announce_updates(result.updates)
        # Changed articles may carry edited updates: an open one re-reads its own.
        self.forward_updates([*result.changed_ids, *(u.article_id for u in result.updates)])
        self.schedule_reload()

    def announce_updates(self, added) -> None:
        # Followed as of the last reload: a toggle reloads at once, so this is current.
        fresh = [u for u in added if u.article_id in self.followed_ids and u.position > 0]
        if fresh:
            latest = max(fresh, key=lambda u: u.time or 0)
            self.notify(clean_line(latest.headline) or "new update", title="Live update", markup=False)
            if self.config.bell:
                self.bell()

    def forward_updates(self, article_ids: Iterable[int | None]) -> None:
        """Tell each open article screen among ``article_ids`` that its updates changed;
        the screen re-reads them in a thread and draws them in place."""
        ids = {i for i in article_ids if i is not None}
        if not ids:
            return
        for screen in self.screen_stack:
            if isinstance(screen, ArticleScreen) and screen.article.id in ids:
                screen.refresh_updates()

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

    def _view(self) -> tuple:
        return (self.search_query, self.feed_filter, self.saved_view, self.unread_only)

    @work(exclusive=True, group="reload", exit_on_error=False)
    async def _reload_worker(self) -> None:
        view = self._view()
        query, feed_filter, saved_view, unread_only = view
        first = not self._settings_read

        def read():
            only = unread_only
            if first:
                only = self.store.setting(UNREAD_ONLY) == "1"
            feeds = self.store.feeds()
            live = self.store.followed_feed_ids()
            followed = {a.id for a in self.store.followed_articles() if a.id is not None}
            saved = self.store.saved_count()
            if query:
                rows = self.store.search(query)
            elif saved_view:
                rows = self.store.timeline(saved_only=True)
            else:
                rows = self.store.timeline(feed_id=feed_filter, unread_only=only)
            return feeds, live, followed, saved, rows, only

        try:
            feeds, live, followed, saved, rows, only = await asyncio.to_thread(read)
        except StoreError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if view != self._view():
            return  # the reader moved on while we read; a newer reload is coming
        if first:
            self._settings_read = True
            self.unread_only = only
        reset, self._reset_pending = self._reset_pending, False
        self.feeds = feeds
        self.followed_ids = followed
        self.saved_count = saved
        try:
            busy = self.poller is not None and self.poller.busy > 0
            self.screen_stack[0].query_one(FeedList).set_feeds(feeds, live, saved, hold_order=busy)
        except Exception:
            pass
        self.timeline.set_rows(rows, reset=reset)
        restore, self._restore_key = self._restore_key, None
        if restore is not None and reset:
            index = next((i for i, r in enumerate(rows) if r.key == restore), None)
            if index is not None:
                self.timeline.cursor = index
        self.land_after_reload()
        if not feeds:
            self.timeline.empty_message = "No feeds yet. Press a to add one by its URL."
        elif unread_only and not query and not saved_view:
            self.timeline.empty_message = "Nothing unread here. Press u to show read articles too."
        elif saved_view:
            self.timeline.empty_message = "Nothing saved yet. Press s on an article to keep it here."
        else:
            self.timeline.empty_message = "Nothing here yet: waiting for the first poll."
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
        if self.follow_error:
            parts.append("following failed: " + clean_line(self.follow_error))
        parts.extend(self.sync_status())
        if self.timeline.arrived:
            parts.append(f"{self.timeline.arrived} new above (g to jump)")
        row = self.timeline.current
        if row is not None:  # the cursor's exact time, which its row shows relative
            parts.insert(0, self.timeline.exact_time(row))
        if self.status_note and time.monotonic() < self.status_note[1]:
            parts.insert(0, self.status_note[0])
        # Both lines are one row high and as wide as the pane: a new text never
        # changes their size, so no layout pass (which re-renders every scrollbar).
        _set_line(status, " · ".join(parts))
        if self.search_query:
            head = f"search: {clean_line(self.search_query)} — {len(self.timeline.rows)} found (esc clears)"
        elif self.saved_view:
            head = "★ Saved"
        elif self.feed_filter is not None:
            feed = next((f for f in self.feeds if f.id == self.feed_filter), None)
            head = clean_line(feed.display_title) if feed else "feed"
        else:
            head = "All feeds"
        if self.unread_only and not self.search_query and not self.saved_view:
            head += " (unread only)"
        _set_line(title, f"{head} — {self._count_rows()}" if not self.search_query else head)

    def on_timeline_cursor_moved(self, event: Timeline.CursorMoved) -> None:
        self.update_status()

    def _count_rows(self) -> str:
        """What the timeline holds, said the way the feed list counts: articles,
        and the live updates inside them apart."""
        rows = self.timeline.rows
        updates = sum(1 for r in rows if r.update_id is not None)
        articles = len(rows) - updates
        text = f"{articles} article{'s' if articles != 1 else ''}"
        if updates:
            text += f" · {updates} live update{'s' if updates != 1 else ''}"
        return text

    # -- reacting to the main screen ----------------------------------------------
    def on_feed_list_chosen(self, event: FeedList.Chosen) -> None:
        if (event.feed_id, event.saved) != (self.feed_filter, self.saved_view):
            self.feed_filter = event.feed_id
            self.saved_view = event.saved
            self.search_query = None
            self.reload_lists(reset=True)

    def on_main_screen_search_requested(self, message: MainScreen.SearchRequested) -> None:
        self.show_search(message.query)

    def show_search(self, query: str | None) -> None:
        if query and self.search_query is None:
            row = self.timeline.current
            self._before_search = row.key if row is not None else None
        elif not query:
            # Esc: back to the row the reader was on before searching.
            self._restore_key = self._before_search if self.search_query else None
        self.search_query = query
        self.reload_lists(reset=True)

    def on_timeline_selected(self, event: Timeline.Selected) -> None:
        self.open_article(event.row)

    def on_timeline_action(self, event: Timeline.Action) -> None:
        self._timeline_action(event.action, event.row)

    @work(group="store", exit_on_error=False)
    async def _timeline_action(self, action: str, row: TimelineRow) -> None:
        async with self._actions:
            if action in ("comments", "browser"):
                article = await self.in_thread(self.store.article, row.article_id)
                if not article:
                    return
                if action == "comments":
                    self.open_comments(article)
                else:
                    self.open_link(article.link)
            elif action == "toggle_read":
                if row.update_id is not None:
                    await self.in_thread(self.store.set_update_read, row.update_id, not row.read)
                else:
                    await self.in_thread(self.store.set_read, row.article_id, not row.read)
                self.reload_lists()
            elif action == "follow":
                self.toggle_follow(row.article_id)
            elif action == "save":
                self.save_row(row)

    # -- actions ----------------------------------------------------------------
    async def in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a store call in a thread; a full disk or a read-only home is said, not raised.

        Returns what ``fn`` returned (True for None), or None when it failed.
        """
        try:
            result = await asyncio.to_thread(fn, *args)
        except StoreError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return None
        return True if result is None else result

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

    @work(group="store", exit_on_error=False)
    async def open_article(self, row: TimelineRow) -> None:
        async with self._actions:
            store = self.store

            def read() -> tuple[Article, Feed | None, list[Update]] | None:
                article = store.article(row.article_id)
                if article is None or article.id is None:
                    return None
                feed = store.feed_by_id(article.feed_id) if article.feed_id is not None else None
                return article, feed, store.updates(article.id)

            found = await self.in_thread(read)
            if not found:
                return
            article, feed, updates = found
            self.push_screen(
                ArticleScreen(article, feed, updates, focus_update=row.update_key, zone=self.zone)
            )
            await self.in_thread(store.set_read, article.id)  # the whole article is on screen
            self.schedule_reload()

    @work(group="store", exit_on_error=False)
    async def toggle_read(self, article_id: int | None) -> None:
        async with self._actions:
            article = await self.in_thread(self.store.article, article_id) if article_id else None
            if article:
                if not await self.in_thread(self.store.set_read, article.id, not article.read):
                    return
                self.notify("marked unread" if article.read else "marked read")
                self.schedule_reload()

    @work(group="store", exit_on_error=False)
    async def toggle_follow(self, article_id: int | None) -> None:
        async with self._actions:
            article = await self.in_thread(self.store.article, article_id) if article_id else None
            if not article:
                return
            on = not article.followed
            until = self.clock() + self.config.follow_quiet_hours * 3600 if on else None
            if not await self.in_thread(self.store.set_followed, article.id, on, until):
                return
            if on:
                from tui.live.follow import record_live_updates

                await self.in_thread(lambda: record_live_updates(self.store, [article.id], force=True))
            note = ("following " if on else "stopped following ") + clean_line(article.title)
            if on and not await self.in_thread(self.store.updates, article.id):
                # Not a live article (yet): say so, rather than a LIVE badge that means nothing.
                note += " — no live updates in it so far; it is checked for them (f again stops)"
            self.notify(note, markup=False)
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
        from tui.ui.thread_opener import open_article_thread

        open_article_thread(self, article)

    def open_thread_url(self, url: str) -> None:
        from tui.ui.thread_opener import open_url_thread

        # The thread named on the command line is the whole session: Esc from it quits.
        open_url_thread(self, url, exit_on_back=url == self.thread_url)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # q: quit on the main screen, back one level on any other.
        if action == "quit":
            return len(self.screen_stack) <= 1
        if action == "go_back":
            return len(self.screen_stack) > 1
        return True

    def action_go_back(self) -> None:
        """Back one level: a screen's own `back` first (the thread screen closes its
        search before itself), else dismiss the screen on top."""
        if len(self.screen_stack) <= 1:
            return
        screen = self.screen
        back = getattr(screen, "action_back", None)
        if callable(back):
            back()
        else:
            screen.dismiss()

    def action_quit_anywhere(self) -> None:
        self.exit()

    def action_refresh(self) -> None:
        if self.poller is not None:
            self.poller.poke()
            self.notify("refreshing every feed" + (" and syncing" if self.poke_sync() else ""))
        else:
            self.notify("not polling (offline)")

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        # What acts here: the screen's live bindings (keymap applied; q says what it
        # does on this screen), not those of screens underneath.
        gathered = [(ns, b) for ns, b, enabled, _tip in self.screen.active_bindings.values() if enabled]
        self.push_screen(HelpScreen(gathered))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            yield screenshot_command(self) if command.title == "Screenshot" else command
        yield SystemCommand("Refresh all feeds", "Poll every feed now", self.action_refresh)
        yield SystemCommand("Mark all read", "Mark every article read", self._mark_all_read)
        yield SystemCommand("Show help", "Every key, where it works", self.action_help)
        for feed in self.feeds[:200]:  # as of the last reload: no store call here
            yield SystemCommand(
                "Feed: " + clean_line(feed.display_title),
                "Show only this feed in the timeline",
                lambda fid=feed.id: self._show_feed(fid),
            )

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.status_note = (take_screenshot(self), time.monotonic() + 15)  # into <home>/screenshots
        self.update_status()

    @work(group="store", exit_on_error=False)
    async def _mark_all_read(self) -> None:
        async with self._actions:
            n = await self.in_thread(self.store.mark_all_read, self.feed_filter)
            if n is None:
                return
            self.notify(f"marked {n} read")
            self.reload_lists()

    def _show_feed(self, feed_id: int) -> None:
        self.feed_filter = feed_id
        self.search_query = None
        self.reload_lists(reset=True)
