"""A reader's daily tools, as a part of the app: unread-only, next/previous unread
across feeds, marking a whole view read and undoing it, the Saved view, and adding,
removing, renaming and moving feeds.

Every store call runs in a thread (``in_thread``) inside an ordered ``store``
worker holding ``_actions``, as the app's own actions do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App

from tui.model import Feed, TimelineRow
from tui.store import Store
from tui.text.sanitize import clean_line
from tui.ui.screens.feed_dialogs import AddFeedDialog, ConfirmDialog, EditFeedDialog
from tui.ui.widgets.feed_list import FeedList
from tui.ui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from tui.polling.poller import Poller

UNREAD_ONLY = "unread_only"  # the store setting that remembers the view


class ReadingTools(App):
    """Mixed into ThreadlineApp, which sets these up in its __init__."""

    store: Store
    timeline: Timeline
    feeds: list[Feed]
    feed_filter: int | None
    search_query: str | None
    poller: Poller | None
    _actions: asyncio.Lock

    def _reading_init(self) -> None:
        self.unread_only = False
        self.saved_view = False
        self.saved_count = 0
        self._last_marking: tuple[list[int], list[int]] | None = None
        self._land_on: str | None = None  # after the next reload: "first" or "last" unread

    # Provided by ThreadlineApp.
    async def in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        raise NotImplementedError

    def reload_lists(self, reset: bool = False) -> None:
        raise NotImplementedError

    def schedule_reload(self) -> None:
        raise NotImplementedError

    # -- the view -----------------------------------------------------------------
    def on_timeline_view_action(self, event: Timeline.ViewAction) -> None:
        action = event.action
        if action == "unread_only":
            self.toggle_unread_only()
        elif action in ("next_unread", "previous_unread"):
            self.jump_unread(1 if action == "next_unread" else -1)
        elif action == "mark_view_read":
            self.mark_view_read()
        elif action == "undo_read":
            self.undo_marking()

    @work(group="store", exit_on_error=False)
    async def toggle_unread_only(self) -> None:
        async with self._actions:
            on = not self.unread_only
            if await self.in_thread(self.store.set_setting, UNREAD_ONLY, "1" if on else "0") is None:
                return
            self.unread_only = on
            self.notify("showing unread only (u shows all)" if on else "showing read and unread")
            self.reload_lists(reset=True)

    def jump_unread(self, step: int) -> None:
        """The next (step 1) or previous (-1) unread row; past the last one of a feed,
        on to the next feed that has unread articles."""
        rows = self.timeline.rows
        here = self.timeline.cursor
        order = range(here + 1, len(rows)) if step > 0 else range(here - 1, -1, -1)
        found = next((i for i in order if not rows[i].read), None)
        if found is not None:
            self.timeline.cursor = found
            return
        if self.feed_filter is None or self.search_query or self.saved_view:
            self.notify("no more unread here" if step > 0 else "no unread above")
            return
        ids = [f.id for f in self.feeds]  # as of the last reload
        if self.feed_filter not in ids:
            return
        start = ids.index(self.feed_filter)
        for k in range(1, len(ids)):
            feed = self.feeds[(start + step * k) % len(ids)]
            if feed.unread and feed.id is not None:
                self._land_on = "first" if step > 0 else "last"
                self.feed_filter = feed.id
                self.reload_lists(reset=True)
                try:
                    self.screen_stack[0].query_one(FeedList).show_feed(feed.id)
                except Exception:
                    pass
                self.notify("on to " + clean_line(feed.display_title), markup=False)
                return
        self.notify("no unread in any other feed")

    def land_after_reload(self) -> None:
        """Called by the app once new rows are in: finish a jump to another feed."""
        land, self._land_on = self._land_on, None
        rows = self.timeline.rows
        unread = [i for i, r in enumerate(rows) if not r.read]
        if land and unread:
            self.timeline.cursor = unread[0] if land == "first" else unread[-1]

    @work(group="store", exit_on_error=False)
    async def mark_view_read(self) -> None:
        async with self._actions:
            rows = self.timeline.rows
            articles = [r.article_id for r in rows if r.update_id is None and not r.read]
            updates = [r.update_id for r in rows if r.update_id is not None and not r.read]
            if not articles and not updates:
                self.notify("nothing unread here")
                return
            changed = await self.in_thread(self.store.mark_rows_read, articles, updates, True)
            if changed is None:
                return
            self._last_marking = changed
            n = len(changed[0]) + len(changed[1])
            self.notify(f"marked {n} read here (U undoes)")
            self.reload_lists()

    @work(group="store", exit_on_error=False)
    async def undo_marking(self) -> None:
        async with self._actions:
            if self._last_marking is None:
                self.notify("nothing to undo")
                return
            articles, updates = self._last_marking
            if await self.in_thread(self.store.mark_rows_read, articles, updates, False) is None:
                return
            self._last_marking = None
            self.notify(f"{len(articles) + len(updates)} unread again")
            self.reload_lists()

    @work(group="store", exit_on_error=False)
    async def toggle_saved(self, article_id: int | None) -> None:
        async with self._actions:
            if article_id is None:
                return
            on = not await self.in_thread(self.store.is_saved, article_id)
            if await self.in_thread(self.store.set_saved, article_id, on) is None:
                return
            self.notify("saved (see ★ Saved in the feed list)" if on else "removed from Saved")
            self.schedule_reload()

    def save_row(self, row: TimelineRow) -> None:
        self.toggle_saved(row.article_id)

    # -- feeds --------------------------------------------------------------------
    def on_main_screen_add_feed(self, message: Any) -> None:
        self.push_screen(AddFeedDialog(), self._add_feed_chosen)

    def _add_feed_chosen(self, url: str | None) -> None:
        if url:
            self.add_feed(url)

    @work(group="store", exit_on_error=False)
    async def add_feed(self, url: str) -> None:
        async with self._actions:
            known = await self.in_thread(self.store.feed_by_url, url)
            if known is True:  # in_thread's "None returned"
                known = None
            feed = await self.in_thread(self.store.add_feed, url)
            if not isinstance(feed, Feed):
                return
            self.reload_lists()
        if known:
            self.notify("already subscribed: " + clean_line(url), markup=False)
        elif self.poller is None:
            self.notify("added " + clean_line(url) + "; not polling (offline)", markup=False)
        else:
            self.notify("added " + clean_line(url) + "; fetching it now", markup=False)
            await self.poller.poll_feed(feed)  # reports through on_result, like any poll

    def on_feed_list_manage(self, event: FeedList.Manage) -> None:
        feed = event.feed
        if feed is None:
            self.notify("move to a feed first (j/k), then " + ("d" if event.action == "remove" else "e"))
            return
        if event.action == "remove":
            question = (
                f"Remove {clean_line(feed.display_title)[:60]} and its {feed.total} stored "
                "article(s)? Saved ones go too."
            )
            self.push_screen(ConfirmDialog(question), lambda yes: self._remove_if(yes, feed))
        else:
            self.push_screen(EditFeedDialog(feed), lambda got: self._edit_if(got, feed))

    def _remove_if(self, yes: bool | None, feed: Feed) -> None:
        if yes:
            self.remove_feed(feed)

    def _edit_if(self, got: tuple[str, str] | None, feed: Feed) -> None:
        if got is not None and feed.id is not None:
            self.edit_feed(feed.id, *got)

    @work(group="store", exit_on_error=False)
    async def remove_feed(self, feed: Feed) -> None:
        async with self._actions:
            if not await self.in_thread(self.store.remove_feed, feed.url):
                return
            if self.feed_filter == feed.id:
                self.feed_filter = None
            self.notify("removed " + clean_line(feed.display_title), markup=False)
            self.reload_lists(reset=True)

    @work(group="store", exit_on_error=False)
    async def edit_feed(self, feed_id: int, title: str, folder: str) -> None:
        async with self._actions:
            if await self.in_thread(self.store.edit_feed, feed_id, title, folder) is None:
                return
            where = f" in {folder}" if folder else ""
            self.notify(f"renamed {title or 'to the feed’s own title'}{where}", markup=False)
            self.reload_lists()
