"""One comment thread, open and live: the tree, a title bar, a status line and
an in-thread search.

The screen owns the schedule (load, then re-poll) and the reader's history (which
comments count as new); the CommentTree owns everything about drawing and moving,
and asks this screen (``LinksRequested``) when the reader must pick one of a
comment's links.
``q`` is left to the app (quit, as DESIGN's "everywhere" row says); ``escape``
goes back, or closes the search first when it is open.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from tui.comments.tree import Thread, build_thread
from tui.model import Comment
from tui.text.sanitize import clean_line
from tui.ui.keys import keyed
from tui.ui.screens.links import LinkChooser
from tui.ui.thread_layout import comment_search_text
from tui.ui.widgets.comment_tree import CommentTree

Loader = Callable[[], Awaitable[list[Comment]]]


class ThreadScreen(Screen):
    """A comment thread that keeps loading while it is open (styles in app.tcss)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *keyed(
            "thread",
            [
                Binding("escape", "back", "Back", show=True),
                Binding("slash", "search", "Search", show=True, key_display="/"),
                Binding("r", "reload", "Refresh", show=True),
            ],
        )
    ]

    def __init__(
        self,
        title: str,
        loader: Loader,
        *,
        poll_every: float | None = 60.0,
        seen: set[str] | None = None,
        on_seen: Callable[[set[str]], None] | None = None,
        initial: list[Comment] | None = None,
        expand: Callable[[Comment], Awaitable[list[Comment]]] | None = None,
        kind: str = "",
        clock: Callable[[], float] = time.time,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        self.thread_title = clean_line(title) or "Comments"
        self.kind = clean_line(kind)
        self._loader = loader
        self._poll_every = poll_every if poll_every and poll_every > 0 else None
        self._seen = set(seen or ())
        self._on_seen = on_seen
        self._initial = initial
        self._expand = expand
        self._latest: list[Comment] = []  # what the loader returned last
        self._expanded: dict[str, list[Comment]] = {}  # stub id -> the replies it stood for
        self._clock = clock
        self._updated_at: float | None = None
        self._next_at: float | None = None
        self._error = ""
        self._loading = False
        self._poll_timer: Timer | None = None
        self._counts = CommentTree.Counts(new=0, total=0, arrived=0)
        # id -> (html, casefolded search text): filled by the search worker.
        self._search_text: dict[str, tuple[str, str]] = {}
        self._last_query = ""
        # Kept, not queried: on_unmount runs after the children are gone.
        self._tree = CommentTree(id="comments", clock=clock)

    def compose(self) -> ComposeResult:
        yield Static(id="thread-title", markup=False)
        yield self._tree
        yield Input(placeholder="search this thread (enter: next match, escape: close)", id="thread-search")
        yield Static(id="thread-status", markup=False)
        yield Footer()

    @property
    def comment_tree(self) -> CommentTree:
        return self._tree

    def on_mount(self) -> None:
        self._show_title()
        self._show_status()
        self.comment_tree.focus()
        self.set_interval(1.0, self._show_status)
        self._load(self._initial)
        self._initial = None

    def on_unmount(self) -> None:
        self._report_seen()

    # -- loading ---------------------------------------------------------------

    def _new_ids(self, thread: Thread) -> set[str]:
        # On the first visit ever there is no history, so nothing is "new".
        if not self._seen:
            return set()
        return thread.index.keys() - self._seen

    @work(exclusive=True, group="thread-load", exit_on_error=False)
    async def _load(self, initial: list[Comment] | None = None) -> None:
        self._loading = True
        try:
            if initial:
                thread = await asyncio.to_thread(build_thread, initial)
                self.comment_tree.set_thread(thread, self._new_ids(thread))
            try:
                self._latest = list(await self._loader())
                # build_thread on 50,000 comments takes a while: keep it off the loop.
                thread = await asyncio.to_thread(build_thread, self._with_expanded())
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the loader is someone else's network code
                self._error = clean_line(str(error) or type(error).__name__)[:120]
            else:
                self._error = ""
                self.comment_tree.set_thread(thread, self._new_ids(thread))
                self._updated_at = self._clock()
                self._report_seen()
        finally:
            self._loading = False
            if self.is_attached:  # escape while loading: the screen is already gone
                self._after_load()

    def _after_load(self) -> None:
        if self._poll_every:
            self._next_at = self._clock() + self._poll_every
            if self._poll_timer is None:
                self._poll_timer = self.set_interval(self._poll_every, self._poll)
            else:
                self._poll_timer.reset()
        self._show_title()
        self._show_status()

    def _with_expanded(self) -> list[Comment]:
        """The loaded comments, with each expanded stub replaced by its replies."""
        if not self._expanded:
            return self._latest
        merged = [c for c in self._latest if c.id not in self._expanded]
        for replies in self._expanded.values():
            merged.extend(replies)
        return merged

    @on(CommentTree.Expand)
    def _expand_requested(self, event: CommentTree.Expand) -> None:
        if self._expand is None:
            self.notify("this source cannot load more replies", severity="warning")
        else:
            self._load_more(event.stub)

    @work(group="thread-more", exit_on_error=False)
    async def _load_more(self, stub: Comment) -> None:
        self._error = f"loading {stub.more} more…"
        self._show_status()
        try:
            replies = await self._expand(stub)  # type: ignore[misc]
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._error = clean_line(str(error) or type(error).__name__)[:120]
        else:
            self._error = ""
            self._expanded[stub.id] = list(replies)
            thread = await asyncio.to_thread(build_thread, self._with_expanded())
            self.comment_tree.set_thread(thread, self._new_ids(thread))
        self._show_status()

    @on(CommentTree.LinksRequested)
    def _links_requested(self, event: CommentTree.LinksRequested) -> None:
        """The tree's comment has several links: offer them; the choice goes out
        as the tree's OpenLink, as a single link does."""
        event.stop()

        def chosen(url: str | None) -> None:
            if url:  # sent as the tree's own, so it bubbles past this screen to the app
                tree = self._tree
                tree.post_message(CommentTree.OpenLink(url).set_sender(tree))

        self.app.push_screen(LinkChooser(event.links), chosen)

    def _poll(self) -> None:
        if not self._loading:  # a slow source must not be cancelled by its own poll
            self._load()

    def action_reload(self) -> None:
        if not self._loading:
            self._load()

    def _report_seen(self) -> None:
        if self._on_seen is not None:
            ids = set(self._tree.thread.index)
            if ids:
                self._on_seen(ids)

    # -- title and status --------------------------------------------------------

    @on(CommentTree.Counts)
    def _counts_changed(self, event: CommentTree.Counts) -> None:
        self._counts = event
        self._show_title()
        self._show_status()

    def _show_title(self) -> None:
        if not self.is_attached:
            return
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(self.thread_title)
        if self.kind:
            title.append(f"  ·  {self.kind}", style="not bold")
        counts = self._counts
        title.append(f"  ·  {counts.total} comment{'s' if counts.total != 1 else ''}", "not bold")
        if counts.new:
            title.append(f" · {counts.new} new", "not bold")
        self.query_one("#thread-title", Static).update(title)

    def _show_status(self) -> None:
        if not self.is_attached:
            return
        now = self._clock()
        status = Text(no_wrap=True, overflow="ellipsis")
        if self._updated_at is None:
            status.append("loading…" if not self._error else "not loaded")
        else:
            status.append(f"updated {max(0, int(now - self._updated_at))} s ago")
        if self._next_at is not None and self._poll_every:
            status.append(f" · next check in {max(0, int(self._next_at - now))} s")
        if self._counts.arrived:
            n = self._counts.arrived
            status.append(f" · {n} new comment{'s' if n != 1 else ''} arrived (] to see)")
        if self._error:
            status.append(f" · {self._error}")
        widget = self.query_one("#thread-status", Static)
        widget.set_class(bool(self._error), "-error")
        widget.update(status)

    # -- search ------------------------------------------------------------------

    def action_search(self) -> None:
        search = self.query_one("#thread-search", Input)
        search.add_class("-open")
        search.focus()

    def action_back(self) -> None:
        search = self.query_one("#thread-search", Input)
        if search.has_class("-open"):
            search.remove_class("-open")
            self.comment_tree.focus()
            return
        self.dismiss()

    @on(Input.Submitted, "#thread-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        query = event.value.strip().casefold()
        if not query:
            return
        self._last_query = query
        tree = self.comment_tree
        start = tree.thread.index.get(tree.cursor_id or "", -1)
        self._search(query, tree.thread, start)

    @work(thread=True, exclusive=True, group="thread-search")
    def _search(self, query: str, thread: Thread, start: int) -> None:
        """Find the first match after ``start``, wrapping; plain text is built on
        demand and kept, so the second search of a big thread is quick."""
        worker = get_current_worker()
        nodes, n, cache = thread.nodes, len(thread.nodes), self._search_text
        for step in range(1, n + 1):
            if step % 512 == 0 and worker.is_cancelled:
                return
            node = nodes[(start + step) % n]
            c = node.comment
            entry = cache.get(c.id)
            if entry is None or entry[0] is not c.html:
                entry = cache[c.id] = (c.html, comment_search_text(c))
            if query in entry[1]:
                self.app.call_from_thread(self._search_found, c.id, query)
                return
        self.app.call_from_thread(self._search_found, None, query)

    def _search_found(self, comment_id: str | None, query: str) -> None:
        if comment_id is None:
            self.notify(f"No comment matches {query!r}.", severity="warning", timeout=3, markup=False)
            return
        self.comment_tree.move_to(comment_id)
