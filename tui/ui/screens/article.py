"""The article view: the story as readable terminal text, links numbered.

A live article is drawn as parts (``widgets/article_parts.py``): the story and
each update, in the publisher's order, every update under a marked line with
its time. It opens at the update chosen in the timeline, and follows live:
new and edited updates are read from the store (in a thread) when the poller
or the follower reports them, and drawn in place while the paragraph at the top
of the view stays where it is. ``]`` and ``[`` move between updates, newest first.

``R`` is reader mode, for feeds that send only a teaser: the article's own page,
fetched through the app's Fetcher and reduced to its main text off the event
loop (``live/reader.py``), is drawn in place of the feed's text, links numbered
as usual; ``R`` again goes back. A page that cannot be read leaves the teaser
on screen and says why in one line.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.visual import visualize
from textual.widgets import Static

from tui.model import Article, Feed, Update
from tui.store import StoreError
from tui.store.reader import ReaderPage
from tui.text.sanitize import clean_line
from tui.ui.keys import keyed
from tui.ui.styles import theme_style
from tui.ui.widgets.article_parts import HEADER_STYLE, ArticlePart, ArticleView, Part, build_view, links_text
from tui.ui.widgets.footer import LeadFooter


class ArticleScreen(Screen):
    DEFAULT_CSS = """
    ArticleScreen #article-note {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """
    BINDINGS = keyed(
        "article",
        [
            Binding("escape,q", "app.pop_screen", "Back"),
            # Early, so that the footer keeps it at 80 columns: summary-only feeds need it.
            Binding("R", "reader", "Full text"),
            Binding("j,down", "scroll(1)", "Scroll down", show=False),
            Binding("k,up", "scroll(-1)", "Scroll up", show=False),
            Binding("space,pagedown", "page(1)", "Page down", show=False),
            Binding("b,pageup", "page(-1)", "Page up", show=False),
            Binding("g,home", "top", "Top", show=False),
            Binding("G,end", "bottom", "Bottom", show=False),
            Binding("right_square_bracket", "next_update", "Older update", show=False),
            Binding("left_square_bracket", "previous_update", "Newer update", show=False),
            Binding("o", "links", "Open link N"),
            Binding("c", "comments", "Comments"),
            Binding("m", "toggle_read", "Read/unread"),
            Binding("f", "follow", "Follow live"),
            Binding("s", "save", "Save"),
        ],
    )

    def __init__(
        self, article: Article, feed: Feed | None, updates: list[Update], *, focus_update: str = "", zone=None
    ) -> None:
        super().__init__()
        self.article = article
        self.feed = feed
        self.updates = updates
        self.focus_update = focus_update
        self.zone = zone
        self.header_style = self._header_style()
        self.view = build_view(article, feed, updates, zone, self.header_style)
        self.pending: list[str] = []  # keys of arrived or edited updates not yet in view, newest first
        self._stale = False  # updates were reported while another screen was on top
        self._dirty = False  # reported since the last read began
        self._reloading = False
        self.late_restores = 0  # arrivals whose place was put back only after a frame
        self._jumped: tuple[str, float] | None = None  # the last ] / [ target and where it left the view
        self.reader: ReaderPage | None = None  # the page's extracted text, once R found it
        self.full_text = False  # showing the page's text instead of the feed's
        self._fetching = False

    @property
    def links(self):
        return self.view.links

    # -- drawing ------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with VerticalScroll(id="article-scroll"):
            for i, part in enumerate(self.view.parts):
                yield self._new_part(i, part, self.view.head)
            yield Static(links_text(self.view.links), id="article-links", markup=False)
        yield Static("", id="article-live", markup=False)
        yield Static("", id="article-note", markup=False)
        yield LeadFooter()

    def _new_part(self, index: int, part: Part, head: Text) -> ArticlePart:
        if index == 0:  # the first part carries the head, and the id tests and styles know
            return ArticlePart(part, head, id="article-body", classes="article-part")
        return ArticlePart(part, classes="article-part")

    @property
    def scroller(self) -> VerticalScroll:
        return self.query_one("#article-scroll", VerticalScroll)

    def part_widgets(self) -> list[ArticlePart]:
        return list(self.scroller.query(ArticlePart))

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._theme_changed())
        self.scroller.focus()
        self.query_one("#article-live").display = False
        self.query_one("#article-note").display = False
        self.watch(self.scroller, "scroll_y", self._scrolled, init=False)
        if self.focus_update:
            self.call_after_refresh(self.scroll_to_update, self.focus_update)

    def _header_style(self):
        """An update's time line: the theme's error colour, as the timeline's LIVE."""
        try:
            return theme_style(self.app, "text-error", bold=True)
        except Exception:  # no running app (a view built outside one)
            return HEADER_STYLE

    def _theme_changed(self) -> None:
        """Time lines in the new theme's colour, drawn again in place."""
        style = self._header_style()
        if style != self.header_style:
            self.header_style = style
            view = self.view_of(self.article, self.updates)
            self.run_worker(self.apply_view(self.article, self.updates, view), exit_on_error=False)

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.refresh_updates()

    # -- where things are ------------------------------------------------------------
    def _head_height(self, widget: ArticlePart) -> int:
        """Rows the article's head (and the blank line under it) takes in the first part."""
        if widget.head is None:
            return 0
        width = widget.content_size.width
        if width <= 0:
            return 0
        # Measured as Textual measures the widget itself (Widget.get_content_height).
        visual = visualize(widget, widget.head, markup=False)
        return visual.get_height(widget.styles, width) + 1  # type: ignore[arg-type]

    def part_top(self, key: str) -> int | None:
        """The scroll offset that puts this part's first line (its time header) at the top."""
        for widget in self.part_widgets():
            if widget.part.key == key:
                return widget.virtual_region.y + self._head_height(widget)
        return None

    def _top_part(self) -> tuple[str, int] | None:
        """The part at the top of the view and how far into it the view starts (None: the head)."""
        y = round(self.scroller.scroll_y)
        widgets = self.part_widgets()
        for widget in widgets:
            region = widget.virtual_region_with_margin
            if y < region.bottom or widget is widgets[-1]:  # past the last: the links list
                start = widget.virtual_region.y + self._head_height(widget)
                return None if y < start else (widget.part.key, y - start)
        return None

    def _in_view(self, key: str) -> bool:
        top = self.part_top(key)
        if top is None:
            return False
        y = self.scroller.scroll_y
        return y <= top < y + self.scroller.scrollable_content_region.height

    # -- moving ------------------------------------------------------------------------
    def scroll_to_update(self, key: str) -> bool:
        top = self.part_top(key)
        if top is None:
            return False
        self.scroller.scroll_to(y=top, animate=False, immediate=True)
        self._jumped = (key, self.scroller.scroll_y)
        self._seen()
        return True

    def action_scroll(self, delta: int) -> None:
        self.scroller.scroll_relative(y=delta, animate=False)

    def action_page(self, direction: int) -> None:
        scroller = self.scroller
        scroller.scroll_relative(y=direction * max(1, scroller.size.height - 2), animate=False)

    def action_top(self) -> None:
        self.scroller.scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.scroller.scroll_end(animate=False)

    def _current_update(self) -> str | None:
        if self._jumped is not None and self._jumped[1] == self.scroller.scroll_y:
            return self._jumped[0]  # at the end of the page the view cannot put it at the top
        top = self._top_part()
        return top[0] if top is not None else None

    def action_next_update(self) -> None:
        """The newest update not yet seen, else the next older one, newest first."""
        order = [p.key for p in self.view.newest_first()]
        if not order:
            return
        if self.pending:
            self.scroll_to_update(self.pending[0])
            return
        current = self._current_update()
        if current in order:
            i = order.index(current) + 1
            if i < len(order):
                self.scroll_to_update(order[i])
            return
        index = self.view.index(current) if current is not None else None
        if index is None or all(index < (self.view.index(k) or 0) for k in order):
            self.scroll_to_update(order[0])  # above every update (the head, a story on top)

    def action_previous_update(self) -> None:
        """The next newer update."""
        order = [p.key for p in self.view.newest_first()]
        current = self._current_update()
        if current in order:
            i = order.index(current) - 1
            if i >= 0:
                self.scroll_to_update(order[i])
            return
        index = self.view.index(current) if current is not None else None
        if order and index is not None and all(index > (self.view.index(k) or 0) for k in order):
            self.scroll_to_update(order[-1])  # the story below the updates: the oldest one

    # -- following live -----------------------------------------------------------------
    def refresh_updates(self) -> None:
        """The poller or the follower stored updates of this article: read and draw them."""
        if not self._on_screen():
            self._stale = True  # drawn when it is back on screen (on_screen_resume)
            return
        self._dirty = True
        if not self._reloading:
            self._reloading = True
            self._reload()

    def _on_screen(self) -> bool:
        """On top, or under dialogs only (the link chooser, help): the reader sees it."""
        stack = self.app.screen_stack
        if self not in stack:
            return False
        return all(isinstance(s, ModalScreen) for s in stack[stack.index(self) + 1 :])

    @work(group="article-live", exit_on_error=False)
    async def _reload(self) -> None:
        """Read the article and its updates in a thread and draw them; one reader at a
        time, again while reports arrived during the last read."""
        app: Any = self.app
        store, article_id = app.store, self.article.id

        def read() -> tuple[Article, list[Update], ArticleView] | None:
            article = store.article(article_id)
            if article is None:
                return None
            updates = store.updates(article_id)
            return article, updates, self.view_of(article, updates)

        try:
            while self._dirty and article_id is not None:
                self._dirty = False
                found = await app.in_thread(read)
                if found and self.is_attached:
                    await self.apply_view(*found)
        finally:
            self._reloading = False

    async def apply_view(self, article: Article, updates: list[Update], view: ArticleView) -> None:
        """Draw ``view`` in the parts already on screen (they shift as updates arrive
        above), keeping the paragraph at the top of the view where it is."""
        self.article, self.updates = article, updates
        widgets = self.part_widgets()
        if [w.part.signature for w in widgets] == [p.signature for p in view.parts] and (
            widgets and widgets[0].head == view.head
        ):
            return  # nothing new: the usual answer to a poll
        anchor = self._top_part()
        old = {p.key: p for p in self.view.parts}
        links = self.query_one("#article-links", Static)
        for i, part in enumerate(view.parts):
            if i < len(widgets):
                widgets[i].show(part, view.head if i == 0 else None)
            else:
                await self.scroller.mount(self._new_part(i, part, view.head), before=links)
        for extra in widgets[len(view.parts) :]:
            await extra.remove()
        links.update(links_text(view.links))
        self.view = view
        fresh = [
            p.key
            for p in view.newest_first()
            if p.key not in old or (p.edited and old[p.key].signature[4] != p.signature[4])
        ]
        self.pending = [k for k in dict.fromkeys([*fresh, *self.pending]) if view.index(k) is not None]
        if anchor is not None:
            # Scroll now, before the next frame lays the new parts out, so no frame
            # shows the text pushed down; after it, check against Textual's layout.
            top = self._predicted_top(anchor[0])
            if top is not None and top + anchor[1] <= self.scroller.max_scroll_y:
                self.scroller.scroll_to(y=top + anchor[1], animate=False, immediate=True)
        self.call_after_refresh(self._restore, anchor)

    def _predicted_top(self, key: str) -> int | None:
        """Where a part will begin once the parts above it (already updated) are laid out."""
        widgets = self.part_widgets()
        index = next((i for i, w in enumerate(widgets) if w.part.key == key), None)
        if index is None or not widgets:
            return None
        width = widgets[0].content_size.width
        if width <= 0:
            return None
        y = widgets[0].virtual_region.y
        for widget in widgets[:index]:
            content = ArticlePart.content_of(widget.part, widget.head)
            height = visualize(widget, content, markup=False).get_height(widget.styles, width)  # type: ignore[arg-type]
            y += height + widget.styles.margin.bottom
        return y + self._head_height(widgets[index])

    def _restore(self, anchor: tuple[str, int] | None) -> None:
        """Put the paragraph that was at the top of the view back there."""
        if anchor is not None:
            top = self.part_top(anchor[0])
            if top is not None and self.scroller.scroll_y != top + anchor[1]:
                self.late_restores += 1  # a frame showed the text moved (near the end of the page)
                self.scroller.scroll_to(y=top + anchor[1], animate=False, immediate=True)
        self._seen()

    def _scrolled(self, _value: float) -> None:
        self.call_after_refresh(self._seen)

    def _seen(self) -> None:
        """Arrivals whose header is in view are seen; the line counts the others."""
        if self.pending:
            self.pending = [k for k in self.pending if not self._in_view(k)]
        self._show_live_line()

    def _show_live_line(self) -> None:
        line = self.query_one("#article-live", Static)
        if not self.pending:
            line.display = False
            return
        edited = {p.key for p in self.view.parts if p.edited}
        new = sum(1 for k in self.pending if k not in edited)
        changed = len(self.pending) - new
        words = []
        if new:
            words.append(f"{new} new update{'s' if new != 1 else ''}")
        if changed:
            words.append(f"{changed} edited")
        line.update(Text(" · ".join([*words, "] to see"]), style="bold"))
        line.display = True

    # -- the article's own actions ---------------------------------------------------------
    def action_links(self) -> None:
        self.app.choose_link(self.links)  # type: ignore[attr-defined]

    def action_comments(self) -> None:
        self.app.open_comments(self.article)  # type: ignore[attr-defined]

    def action_toggle_read(self) -> None:
        self.app.toggle_read(self.article.id)  # type: ignore[attr-defined]

    def action_follow(self) -> None:
        self.app.toggle_follow(self.article.id)  # type: ignore[attr-defined]

    def action_save(self) -> None:
        self.app.toggle_saved(self.article.id)  # type: ignore[attr-defined]

    # -- reader mode ---------------------------------------------------------------------
    def view_of(self, article: Article, updates: list[Update]) -> ArticleView:
        """What the screen shows of ``article``: the page's text in reader mode (the
        feed's updates then wait until R goes back), else the feed's."""
        page = self.reader
        if self.full_text and page is not None:
            full = replace(article, content=page.html, summary="")
            return build_view(full, self.feed, [], self.zone, self.header_style)
        return build_view(article, self.feed, updates, self.zone, self.header_style)

    def note(self, text: str) -> None:
        """One line under the article (cut with an ellipsis, never wrapped out of sight)."""
        line = self.query_one("#article-note", Static)
        line.update(Text(text, no_wrap=True, overflow="ellipsis"))
        line.display = bool(text)

    def action_reader(self) -> None:
        if self._fetching:
            self.notify("reader mode: still fetching the page")
            return
        if self.reader is not None:
            self.full_text = not self.full_text
            self.run_worker(self._show_mode(), group="article-reader", exit_on_error=False)
            return
        self._fetching = True
        self.note("reader mode: fetching the article's page…")
        self._read_page()

    @work(group="article-reader", exit_on_error=False)
    async def _read_page(self) -> None:
        from tui.live.reader import read_page

        app: Any = self.app
        try:
            page = await read_page(app.store, app.fetcher, self.article)
        except StoreError as exc:
            page = ReaderPage(self.article.id or 0, "", 0.0, "", str(exc))
        finally:
            self._fetching = False
        if not self.is_attached:
            return
        if not page.ok:
            self.note(f"reader mode: {clean_line(page.error)} — the feed's text is shown")
            return
        self.reader, self.full_text = page, True
        await self._show_mode()

    async def _show_mode(self) -> None:
        """Draw the page's text or the feed's, from the top."""
        self.scroller.scroll_to(y=0, animate=False, immediate=True)  # at the head: no anchor to keep
        await self.apply_view(self.article, self.updates, self.view_of(self.article, self.updates))
        self.pending = []
        self._show_live_line()
        if self.full_text and self.reader is not None:
            host = urlsplit(self.reader.url).netloc or "the article's page"
            self.note(f"reader mode: full text from {clean_line(host)} · R: the feed's text")
        else:
            self.note("the feed's text · R: the page's full text")
