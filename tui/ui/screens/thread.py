"""One comment thread, open and live: the tree, a title bar, the post it hangs
under (``PostHeader``), a status line and an in-thread search.

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
from bisect import bisect_left, bisect_right
from collections.abc import Awaitable, Callable, Set
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from tui.comments.post import Post
from tui.comments.tree import Thread
from tui.model import Comment
from tui.offload import let_go, off_loop
from tui.text.sanitize import clean_line, safe_url
from tui.ui.keys import keyed
from tui.ui.screens.links import LinkChooser
from tui.ui.thread_layout import comment_search_text
from tui.ui.thread_shape import build_shaped
from tui.ui.widgets.comment_tree import CommentTree
from tui.ui.widgets.footer import LeadFooter
from tui.ui.widgets.thread_post import PostHeader

Loader = Callable[[], Awaitable[list[Comment]]]
# Keeps what the loader returned as the offline copy; run once the thread is drawn.
Keeper = Callable[[list[Comment]], Awaitable[None]]
# (stub, progress) -> the replies it stood for; progress gets the replies so far.
Expander = Callable[[Comment, Callable[[list[Comment]], None]], Awaitable[list[Comment]]]


class ThreadScreen(Screen):
    """A comment thread that keeps loading while it is open (styles in app.tcss)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *keyed(
            "thread",
            [
                Binding("escape", "back", "Back", show=True),
                Binding("slash", "search", "Search", show=True, key_display="/"),
                Binding("r", "reload", "Refresh", show=True),
                # n/N move between top-level comments, ctrl+n/ctrl+p belong to the palette.
                Binding("full_stop", "next_match", "Next match", show=False, key_display="."),
                Binding("comma", "previous_match", "Previous match", show=False, key_display=","),
                Binding("S", "open_story", "Open the story link", show=False),
                Binding("C", "open_permalink", "Open the comment's page", show=False),
                Binding("t", "toggle_post", "Fold the post", show=False),
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
        on_seen: Callable[[Set[str]], None] | None = None,
        initial: list[Comment] | None = None,
        expand: Expander | None = None,
        keep: Keeper | None = None,
        post: Callable[[], Post | None] | None = None,
        kind: str = "",
        clock: Callable[[], float] = time.time,
        exit_on_back: bool = False,
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
        self._keep = keep
        self._post = post  # the post the thread hangs under, as the last load told
        self._latest: list[Comment] = []  # what the loader returned last
        self._expanded: dict[str, list[Comment]] = {}  # stub id -> the replies it stood for
        self._expanding: set[str] = set()  # stub ids being loaded now
        self._requested: set[str] = set()  # ids the reader loaded from stubs: never "new"
        self._land_on: str | None = None  # a stub whose first loaded reply takes the cursor
        self._progress = ""
        self._clock = clock
        self._exit_on_back = exit_on_back  # opened alone (threadline thread URL): back quits
        self._updated_at: float | None = None
        self._next_at: float | None = None
        self._error = ""
        self._loading = False
        self._poll_timer: Timer | None = None
        self._counts = CommentTree.Counts(new=0, total=0, arrived=0)
        # id -> (html, casefolded search text): filled by the search worker.
        self._search_text: dict[str, tuple[str, str]] = {}
        self._last_query = ""
        self._matches: list[str] = []  # ids of the comments matching _last_query, in thread order
        # Kept, not queried: on_unmount runs after the children are gone.
        self._tree = CommentTree(id="comments", clock=clock)

    def compose(self) -> ComposeResult:
        yield Static(id="thread-title", markup=False)
        yield PostHeader(id="thread-post")
        yield self._tree
        yield Input(
            placeholder="search this thread (enter: next match, escape: close; then . and , step)",
            id="thread-search",
        )
        yield Static(id="thread-status", markup=False)
        yield LeadFooter()

    @property
    def comment_tree(self) -> CommentTree:
        return self._tree

    def on_mount(self) -> None:
        self._show_post()
        self._show_title()
        self._show_status()
        self.comment_tree.focus()
        self.set_interval(1.0, self._show_status)
        self._load(self._initial)
        self._initial = None

    def on_unmount(self) -> None:
        self._report_seen()
        # A screen frozen by tui.collector is never collected: let go of the thread.
        let_go(self._latest)
        self._latest, self._expanded, self._search_text, self._matches = [], {}, {}, []

    # -- loading ---------------------------------------------------------------

    def _width(self) -> int:
        return self.comment_tree.layout_model.width

    def _new_ids(self, thread: Thread) -> set[str]:
        # On the first visit ever there is no history, so nothing is "new".
        if not self._seen:
            return set()
        return thread.index.keys() - self._seen - self._requested

    @work(exclusive=True, group="thread-load", exit_on_error=False)
    async def _load(self, initial: list[Comment] | None = None) -> None:
        self._loading = True
        try:
            if initial:
                thread, shape = await off_loop(build_shaped, initial, self._width())
                self.comment_tree.set_thread(thread, self._new_ids(thread), shape=shape)
            try:
                latest, self._latest = self._latest, list(await self._loader())
                # Building 50,000 comments takes a while: keep it off the loop.
                thread, shape = await off_loop(build_shaped, self._with_expanded(), self._width())
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the loader is someone else's network code
                self._error = clean_line(str(error) or type(error).__name__)[:120]
                if not self.comment_tree.layout_model.loaded:  # nothing to show: say why
                    self.comment_tree.show_note(f"No comments to show: {self._error}")
            else:
                self._error = ""
                self.comment_tree.set_thread(thread, self._new_ids(thread), self._requested, shape)
                let_go(latest)  # the last copy, freed off the loop
                self._updated_at = self._clock()
                if self._keep is not None:  # written after the first screen, not before it
                    self.call_after_refresh(self._keep_copy, self._latest)
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
        if self._last_query:  # new comments may match: count again, stay put
            self._search(self._last_query, self.comment_tree.thread, move=False)
        self._show_post()
        self._show_title()
        self._show_status()

    def _keep_copy(self, comments: list[Comment]) -> None:
        # The app's worker, not the screen's: Esc right away must not cancel the save.
        assert self._keep is not None
        # A copy: the save may wait for an earlier one, and a re-poll meanwhile lets go of the list.
        self.app.run_worker(self._keep(list(comments)), group="thread-keep", exit_on_error=False)

    def _with_expanded(self) -> list[Comment]:
        """The loaded comments, with each expanded stub replaced by its replies
        (which may end in a stub for the rest, itself expanded later)."""
        if not self._expanded:
            return self._latest
        expanded = self._expanded
        merged = [c for c in self._latest if c.id not in expanded]
        for replies in list(expanded.values()):
            merged.extend(c for c in replies if c.id not in expanded)
        return merged

    @on(CommentTree.Expand)
    def _expand_requested(self, event: CommentTree.Expand) -> None:
        stub = event.stub
        if self._expand is None:
            self.notify("this source cannot load more replies", severity="warning")
        elif any(stub.id.startswith(busy) for busy in self._expanding):  # it, or the rest of it
            self.notify("these replies are still loading", timeout=3)
        else:
            self._expanding.add(stub.id)
            if self.comment_tree.cursor_id == stub.id:
                self._land_on = stub.id
            self._load_more(stub)

    @work(group="thread-more", exit_on_error=False)
    async def _load_more(self, stub: Comment) -> None:
        self._progress = f"loading {stub.more} more…"
        self._show_status()

        def progress(replies: list[Comment]) -> None:
            self._merge_replies(stub, replies)
            loaded = sum(1 for c in replies if not c.more)
            self._progress = f"loading more: {loaded} of {stub.more}…"
            self._show_status()

        try:
            replies = await self._expand(stub, progress)  # type: ignore[misc]
        except asyncio.CancelledError:
            raise
        except Exception as error:
            # What arrived before the failure stays, with a stub for the rest.
            self._error = clean_line(str(error) or type(error).__name__)[:120]
        else:
            self._error = ""
            self._merge_replies(stub, replies)
        finally:
            self._expanding.discard(stub.id)
            self._progress = ""
        self._show_status()

    def _merge_replies(self, stub: Comment, replies: list[Comment]) -> None:
        self._expanded[stub.id] = list(replies)
        self._requested.update(c.id for c in replies)
        self._remerge()

    @work(exclusive=True, group="thread-merge", exit_on_error=False)
    async def _remerge(self) -> None:
        """Show the expanded replies in place; the cursor, if it was on the stub,
        lands on the first reply loaded."""
        thread, shape = await off_loop(build_shaped, self._with_expanded(), self._width())
        tree = self.comment_tree
        land = None
        if self._land_on is not None:
            if tree.cursor_id == self._land_on:
                replies = self._expanded.get(self._land_on, [])
                land = next((c.id for c in replies if c.id in thread.index), None)
            self._land_on = None
        tree.set_thread(thread, self._new_ids(thread), self._requested, shape)
        if land is not None:
            tree.move_to(land)

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
            ids = self._tree.thread.index.keys()  # a view, not a copy of 50,000 ids
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
        # Loaded comments, of all there are when "more" stubs hide some.
        total = counts.total + counts.hidden
        told = self._told_post()
        if told is not None and told.total is not None and told.total > total:
            total = told.total  # the source's own count: comments not sent are still comments
        words = f"{counts.total} of {total}" if total > counts.total else f"{counts.total}"
        title.append(f"  ·  {words} comment{'s' if total != 1 else ''}", "not bold")
        if counts.new:
            title.append(f" · {counts.new} new", "not bold")
        self.query_one("#thread-title", Static).update(title)

    def _show_status(self) -> None:
        if not self.is_attached:
            return
        now = self._clock()
        status = Text(no_wrap=True, overflow="ellipsis")
        if self._updated_at is None:
            shown = self.comment_tree.layout_model.loaded  # the offline copy, if nothing newer
            status.append("loading…" if not self._error else "offline copy" if shown else "not loaded")
        else:
            status.append(f"updated {max(0, int(now - self._updated_at))} s ago")
        if self._next_at is not None and self._poll_every:
            status.append(f" · next check in {max(0, int(self._next_at - now))} s")
        if self._counts.arrived:
            n = self._counts.arrived
            status.append(f" · {n} new comment{'s' if n != 1 else ''} arrived (] to see)")
        if self._progress:
            status.append(f" · {self._progress}")
        matches = self._match_status()
        if matches:
            status.append(f" · {matches}")
        if self._error:
            status.append(f" · {self._error}")
        widget = self.query_one("#thread-status", Static)
        widget.set_class(bool(self._error), "-error")
        widget.update(status)

    # -- the post ------------------------------------------------------------------

    def _told_post(self) -> Post | None:
        return self._post() if self._post is not None else None

    def _show_post(self) -> None:
        post = self._told_post()
        if post is not None and post.title.strip() and self._titled_by_url():
            self.thread_title = clean_line(post.title)  # `threadline thread URL`: the source's title
        self.query_one("#thread-post", PostHeader).show(post, self._clock())

    def _titled_by_url(self) -> bool:
        return self.thread_title.startswith(("http://", "https://")) or self.thread_title == "Comments"

    def action_toggle_post(self) -> None:
        if not self.query_one("#thread-post", PostHeader).toggle(self._clock()):
            self.notify("This thread's post has no text of its own.", timeout=3)

    def _open(self, url: str, missing: str) -> None:
        url = safe_url(url) or ""  # only http(s) ever opens, whatever the source sent
        if not url:
            self.notify(missing, severity="warning", timeout=3)
            return
        tree = self._tree  # as the tree's own message, so the app opens it as it opens links
        tree.post_message(CommentTree.OpenLink(url).set_sender(tree))

    def action_open_story(self) -> None:
        post = self._told_post()
        self._open(post.url if post else "", "This thread has no story link.")

    def action_open_permalink(self) -> None:
        tree = self.comment_tree
        pos = tree.thread.index.get(tree.cursor_id or "")
        link = tree.thread.nodes[pos].comment.link if pos is not None else ""
        self._open(link, "This comment has no page of its own.")

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
        if self._exit_on_back:
            self.app.exit()
        else:
            self.dismiss()

    @on(Input.Submitted, "#thread-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        query = event.value.strip().casefold()
        tree = self.comment_tree
        if not query:  # an empty search clears the highlights
            self._last_query, self._matches = "", []
            tree.highlight("")
            self._show_status()
            return
        if query == self._last_query and self._matches:
            self.action_next_match()
            return
        self._last_query = query
        self._search(query, tree.thread, move=True)

    @work(thread=True, exclusive=True, group="thread-search")
    def _search(self, query: str, thread: Thread, move: bool) -> None:
        """Every comment that matches, in thread order; plain text is built on
        demand and kept, so the second search of a big thread is quick."""
        worker = get_current_worker()
        cache = self._search_text
        found: list[str] = []
        for step, node in enumerate(thread.nodes):
            if step % 512 == 0 and worker.is_cancelled:
                return
            c = node.comment
            entry = cache.get(c.id)
            if entry is None or entry[0] is not c.html:
                entry = cache[c.id] = (c.html, comment_search_text(c))
            if query in entry[1]:
                found.append(c.id)
        self.app.call_from_thread(self._search_found, found, query, move)

    def _search_found(self, found: list[str], query: str, move: bool) -> None:
        if query != self._last_query:
            return  # a newer search is on its way
        self._matches = found
        self.comment_tree.highlight(query)
        if not found:
            if move:
                self.notify(f"No comment matches {query!r}.", severity="warning", timeout=3, markup=False)
        elif move:
            self._step_match(1)
        self._show_status()

    def _step_match(self, direction: int) -> None:
        """Move to the next (1) or previous (-1) match from the cursor, wrapping."""
        tree = self.comment_tree
        index = tree.thread.index
        positions = sorted(p for i in self._matches if (p := index.get(i)) is not None)
        if not positions:
            if self._last_query:
                self.notify("No matches: / to search.", severity="warning", timeout=3)
            return
        here = index.get(tree.cursor_id or "", -1)
        if direction > 0:
            i = bisect_right(positions, here)
            target = positions[i % len(positions)]
        else:
            i = bisect_left(positions, here) - 1
            target = positions[i % len(positions)]
        tree.move_to(tree.thread.nodes[target].comment.id)
        self._show_status()

    def action_next_match(self) -> None:
        self._step_match(1)

    def action_previous_match(self) -> None:
        self._step_match(-1)

    def _match_status(self) -> str:
        if not self._last_query:
            return ""
        tree = self.comment_tree
        n = len(self._matches)
        if not n:
            return f"no match for {self._last_query!r}"
        cursor = tree.cursor_id
        at = f"{self._matches.index(cursor) + 1} of {n}" if cursor in self._matches else f"{n}"
        return f"match {at} for {self._last_query!r} (. next, , previous)"
