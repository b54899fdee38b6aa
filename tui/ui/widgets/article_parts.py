"""An article as parts: the story and each live update, in the publisher's order.

``build_view`` is plain Python (it runs in a thread when a live article is
re-read): it orders the stored updates, renders each one's own HTML with its
time in a marked line above it, and numbers links across all of them so the
numbers match the one "Links" list. ``ArticlePart`` is the Static that shows
one part; the article view stacks them in a scroll, so Textual's own layout
knows where every update begins at any width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import tzinfo

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from tui.model import Article, Feed, Update
from tui.text.html import Link, html_to_text
from tui.text.sanitize import clean_line
from tui.text.timefmt import absolute

BODY_KEY = "story"  # the article's body when it has no stored updates
# An update's time line without a theme at hand; the article screen passes its
# theme's colour (tui/ui/screens/article.py, the "article--update-header" component).
HEADER_STYLE = Style(bold=True)


@dataclass
class Part:
    """One update (or the story) as drawn: its header line, if live, and its text."""

    key: str
    live: bool  # a timestamped update (position > 0): it has a header line
    time: float | None
    edited: bool
    text: Text
    links: list[Link]
    signature: tuple  # what it was drawn from: a changed one is drawn again


@dataclass
class ArticleView:
    head: Text  # title, feed, author, time, link; no trailing newline
    parts: list[Part] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    def index(self, key: str) -> int | None:
        return next((i for i, p in enumerate(self.parts) if p.key == key), None)

    def newest_first(self) -> list[Part]:
        """The live updates, newest first (undated ones last, in the order shown)."""
        live = [(i, p) for i, p in enumerate(self.parts) if p.live]
        live.sort(key=lambda ip: (-(ip[1].time if ip[1].time is not None else -math.inf), ip[0]))
        return [p for _, p in live]


def render_head(article: Article, feed: Feed | None, zone: tzinfo | None = None) -> Text:
    head = Text()
    head.append(clean_line(article.title) or "(untitled)", style="bold underline")
    head.append("\n")
    meta = []
    if feed is not None:
        meta.append(clean_line(feed.display_title))
    if article.author:
        meta.append("by " + clean_line(article.author))
    when = article.published or article.updated
    meta.append(absolute(when, zone) if when is not None else "undated (the feed gives no date)")
    head.append(" · ".join(meta), style="dim")
    if article.link:
        head.append("\n")
        head.append(clean_line(article.link), style="dim italic")
    if article.comment_count:
        n = article.comment_count
        head.append(f"\n{n} comment{'' if n == 1 else 's'} — press c", style="dim")
    return head


def header_line(update: Update, zone: tzinfo | None = None) -> str:
    return "◆ " + absolute(update.time, zone) + (" (edited)" if update.edited else "")


def _locate(content: str, html: str, taken: set[int]) -> int | None:
    """Where an update's html stands in the article's body; None when it is not there."""
    probes = [html.strip()]
    first = html.strip().split("\n", 1)[0].strip()
    if first != probes[0] and len(first) >= 8:
        probes.append(first)  # the story: the text above the first marker and below the last
    for probe in probes:
        if not probe:
            continue
        at = content.find(probe)
        while at >= 0 and at in taken:
            at = content.find(probe, at + 1)
        if at >= 0:
            taken.add(at)
            return at
    return None


def order_updates(article: Article, updates: list[Update]) -> list[Update]:
    """The updates in the publisher's order.

    An update whose html stands in the article's body is where it stands there;
    one that does not (read from the page's JSON-LD) goes among the live updates
    by its time, in the direction the body runs (newest first unless the body's
    updates run oldest first). An article with no stored story shows its body as one.
    """
    content = article.content or article.summary or ""
    ordered = sorted(updates, key=lambda u: (u.position, u.id or 0))
    if not any(u.position <= 0 for u in ordered):
        story = Update(BODY_KEY, article.published, "", content, position=0, article_id=article.id)
        ordered.insert(0, story)
    taken: set[int] = set()
    found: list[tuple[int, Update]] = []
    loose: list[Update] = []
    for u in ordered:
        at = _locate(content, u.html, taken)
        if at is None:
            if u.position <= 0:
                found.append((-1, u))  # a story not in the body (edited since): first
            else:
                loose.append(u)
        else:
            found.append((at, u))
    found.sort(key=lambda au: au[0])
    seq = [u for _, u in found]
    live_times = [u.time for u in seq if u.position > 0 and u.time is not None]
    newest_first = not (len(live_times) >= 2 and live_times[0] < live_times[-1])

    def when(u: Update) -> float:
        return u.time if u.time is not None else -math.inf

    loose.sort(key=lambda u: (-when(u), u.position))
    for u in loose:  # newest first, each before the first older (or after the last newer)
        at = None
        for i, other in enumerate(seq):
            if other.position > 0 and (when(other) < when(u) if newest_first else when(other) > when(u)):
                at = i
                break
        if at is None:
            lives = [i for i, other in enumerate(seq) if other.position > 0]
            if lives:
                at = lives[-1] + 1
            else:
                at = 0 if newest_first else len(seq)
        seq.insert(at, u)
    return seq


def build_view(
    article: Article,
    feed: Feed | None,
    updates: list[Update],
    zone: tzinfo | None = None,
    header_style: Style = HEADER_STYLE,
) -> ArticleView:
    """The article as parts in the publisher's order, links numbered across them;
    each update's time line drawn in ``header_style``."""
    view = ArticleView(head=render_head(article, feed, zone))
    base = article.link or ""
    if updates:
        ordered = order_updates(article, updates)
    else:
        ordered = [Update(BODY_KEY, article.published, "", article.content or article.summary or "")]
    for u in ordered:
        live = u.position > 0
        rendered = html_to_text(u.html, base_url=base, first_link=len(view.links) + 1)
        text = Text()
        if live:
            text.append(header_line(u, zone), style=header_style)
            text.append("\n")
        text.append_text(rendered.text)
        signature = (u.key, live, u.time, u.edited, u.html, len(view.links), header_style)
        view.parts.append(Part(u.key, live, u.time, u.edited, text, rendered.links, signature))
        view.links.extend(rendered.links)
    return view


def links_text(links: list[Link]) -> Text:
    out = Text()
    if links:
        out.append("Links\n", style="bold")
        for link in links:
            out.append(f"[{link.number}] ", style="bold")
            out.append(link.url + "\n", style="dim")
    out.rstrip()
    return out


class ArticlePart(Static):
    """One part of the article; the first one also carries the article's head."""

    DEFAULT_CSS = """
    ArticlePart { margin-bottom: 1; }
    """

    def __init__(self, part: Part, head: Text | None = None, **kwargs) -> None:
        super().__init__(self.content_of(part, head), markup=False, **kwargs)
        self.part = part
        self.head = head

    @staticmethod
    def content_of(part: Part, head: Text | None) -> Text:
        if head is None:
            return part.text
        return Text.assemble(head, "\n\n", part.text)

    def show(self, part: Part, head: Text | None = None) -> None:
        """Draw another part here (parts shift down as updates arrive above)."""
        same_head = (head is None) == (self.head is None) and (head is None or head == self.head)
        if part.signature == self.part.signature and same_head:
            self.part = part
            return
        self.part = part
        self.head = head
        self.update(self.content_of(part, head))
