"""The post above a comment thread: who posted it, its score and age, the
story's site and comment count on one line, and the post's own text (self-text,
story text, description or the article's lead) below it, folded with ``t``.

Everything shown came from the source: one line through ``clean_line``, the
text through ``tui.text.html`` into Rich ``Text``; never markup.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from rich.text import Text
from textual.widgets import Static

from tui.comments.post import Post
from tui.text.html import html_to_text
from tui.text.sanitize import clean_line
from tui.text.timefmt import relative

MAX_TEXT = 20_000  # characters of the post's HTML rendered (reddit caps self-text at 40,000)


class PostHeader(Static):
    """The thread's post; hidden while no source has told what it is."""

    DEFAULT_CSS = """
    PostHeader {
        display: none;
        height: auto;
        max-height: 40%;
        overflow: hidden;
        padding: 0 1;
        background: $panel;
        color: $foreground;
        border-bottom: solid $primary 40%;
    }
    PostHeader.-shown { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.post: Post | None = None
        self.folded = False

    def show(self, post: Post | None, now: float) -> None:
        self.post = post
        self.set_class(post is not None, "-shown")
        if post is not None:
            self.update(self.render_post(post, now))

    def toggle(self, now: float) -> bool:
        """Fold or unfold the post's text; False when there is no text to fold."""
        if self.post is None or not self.post.html.strip():
            return False
        self.folded = not self.folded
        self.show(self.post, now)
        return True

    def render_post(self, post: Post, now: float) -> Text:
        meta = Text(no_wrap=True, overflow="ellipsis", style="dim")
        parts = []
        if post.author:
            parts.append(f"by {clean_line(post.author)}")
        if post.score is not None:
            parts.append(f"{post.score} point{'s' if post.score != 1 else ''}")
        if post.time is not None:
            parts.append(relative(post.time, now) + " ago")
        if post.total is not None:
            parts.append(f"{post.total} comment{'s' if post.total != 1 else ''} at the source")
        host = urlsplit(post.url).netloc if post.url else ""
        if host:
            parts.append(clean_line(host)[:60])
        meta.append(" · ".join(parts) or "the post")
        keys = [k for k, ok in (("S story link", bool(post.url)), ("C comment link", True)) if ok]
        has_text = bool(post.html.strip())
        if has_text:
            keys.insert(0, "t show the post" if self.folded else "t fold the post")
        meta.append("   (" + " · ".join(keys) + ")")
        if not has_text or self.folded:
            return meta
        # A post's own text is a screenful at most (40% of it): a hostile 40 MB one is cut first.
        body = html_to_text(post.html[:MAX_TEXT], base_url=post.permalink).text
        body.rstrip()
        return Text.assemble(meta, "\n", body)
