"""The article view: the story as readable terminal text, links numbered.

A live article shows each update's time in a marked line above it, and opens
scrolled to the update chosen in the timeline.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.model import Article, Feed, Update
from tui.text.html import Rendered, html_to_plain, html_to_text
from tui.text.sanitize import clean_line
from tui.text.timefmt import absolute
from tui.ui.keys import keyed


def _norm(s: str) -> str:
    return " ".join(s.split()).lower()


def render_article(
    article: Article, feed: Feed | None, updates: list[Update], zone=None
) -> tuple[Text, Rendered, dict[str, int]]:
    """The whole article as one Text, and the line where each update begins."""
    head = Text()
    head.append(clean_line(article.title) or "(untitled)", style="bold underline")
    head.append("\n")
    meta = []
    if feed is not None:
        meta.append(clean_line(feed.display_title))
    if article.author:
        meta.append("by " + clean_line(article.author))
    meta.append(absolute(article.published or article.updated, zone))
    head.append(" · ".join(meta), style="dim")
    if article.link:
        head.append("\n")
        head.append(clean_line(article.link), style="dim italic")
    if article.comment_count:
        head.append(f"\n{article.comment_count} comments — press c", style="dim")
    head.append("\n\n")

    rendered = html_to_text(article.content or article.summary, base_url=article.link)
    body_lines = rendered.text.split("\n", allow_blank=True)
    head_lines = len(head.split("\n", allow_blank=True)) - 1
    starts: dict[str, int] = {}
    # Find where each live update begins by its first words, and mark its time there.
    live = [u for u in updates if u.position > 0]
    wanted: dict[int, Update] = {}
    if live:
        plain = [_norm(line.plain) for line in body_lines]
        cursor = 0
        for u in sorted(live, key=lambda u: -u.position):
            probe = _norm(html_to_plain(u.html))[:40]
            if not probe:
                continue
            for i in range(cursor, len(plain)):
                if plain[i] and (
                    probe.startswith(plain[i][:40]) or plain[i].startswith(probe[: len(plain[i])])
                ):
                    wanted[i] = u
                    cursor = i + 1
                    break
    out = head
    line_no = head_lines
    for i, line in enumerate(body_lines):
        u = wanted.get(i)
        if u is not None:
            mark = Text("◆ " + absolute(u.time, zone) + (" (edited)" if u.edited else ""), style="bold red")
            starts[u.key] = line_no
            out.append_text(mark)
            out.append("\n")
            line_no += 1
        out.append_text(line)
        out.append("\n")
        line_no += 1
    if rendered.links:
        out.append("\nLinks\n", style="bold")
        for link in rendered.links:
            out.append(f"[{link.number}] ", style="bold")
            out.append(link.url + "\n", style="dim")
    return out, rendered, starts


class ArticleScreen(Screen):
    BINDINGS = keyed(
        "article",
        [
            Binding("escape,q", "app.pop_screen", "Back"),
            Binding("j,down", "scroll(1)", "Scroll down", show=False),
            Binding("k,up", "scroll(-1)", "Scroll up", show=False),
            Binding("space,pagedown", "page(1)", "Page down", show=False),
            Binding("b,pageup", "page(-1)", "Page up", show=False),
            Binding("g,home", "top", "Top", show=False),
            Binding("G,end", "bottom", "Bottom", show=False),
            Binding("o", "links", "Open link N"),
            Binding("c", "comments", "Comments"),
            Binding("m", "toggle_read", "Read/unread"),
            Binding("f", "follow", "Follow live"),
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
        self.text, self.rendered, self.update_lines = render_article(article, feed, updates, zone)

    @property
    def links(self):
        return self.rendered.links

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="article-scroll"):
            yield Static(self.text, id="article-body", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        scroller = self.query_one("#article-scroll", VerticalScroll)
        scroller.focus()
        line = self.update_lines.get(self.focus_update)
        if line is not None:
            self.call_after_refresh(scroller.scroll_to, y=line, animate=False)

    def action_scroll(self, delta: int) -> None:
        self.query_one("#article-scroll").scroll_relative(y=delta, animate=False)

    def action_page(self, direction: int) -> None:
        scroller = self.query_one("#article-scroll")
        scroller.scroll_relative(y=direction * max(1, scroller.size.height - 2), animate=False)

    def action_top(self) -> None:
        self.query_one("#article-scroll").scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.query_one("#article-scroll").scroll_end(animate=False)

    def action_links(self) -> None:
        self.app.choose_link(self.links)

    def action_comments(self) -> None:
        self.app.open_comments(self.article)

    def action_toggle_read(self) -> None:
        self.app.toggle_read(self.article.id)

    def action_follow(self) -> None:
        self.app.toggle_follow(self.article.id)
