"""Comment feeds: Atom with RFC 4685 threading, and flat RSS comment feeds.

One parser serves both because feedparser reads both. An RSS comment feed
(WordPress ``wfw:commentRss``) carries no parent links, so every comment comes
back at top level, and it is only a window: the site lists its newest comments
(10 by default), not the whole thread.

feedparser is only ever handed an ``io.BytesIO`` (given a str it would treat it
as a path or URL). Threading keys are named after the document's own prefix
(``thr_in-reply-to``, ``t_in-reply-to``...), so the prefix is looked up in
``d.namespaces`` rather than assumed.
"""

from __future__ import annotations

import calendar
import hashlib
import io
from typing import Any
from urllib.parse import urldefrag

from tui.comments.base import CommentsError, ThreadSource, fetch_bytes, http_url
from tui.feeds.classic import feedparser_module
from tui.model import Comment
from tui.net import Fetcher
from tui.offload import off_loop

__all__ = ["load_feed_comments", "parse_comment_feed", "NS_THREAD"]

NS_THREAD = "http://purl.org/syndication/thread/1.0"
_ACCEPT = "application/atom+xml, application/rss+xml;q=0.9, application/xml;q=0.8, */*;q=0.5"
_FEED_LIMIT = 16 * 1024 * 1024
_PARSE_IN_THREAD_OVER = 256 * 1024


async def load_feed_comments(fetcher: Fetcher, source: ThreadSource) -> list[Comment]:
    body, headers, final_url = await fetch_bytes(fetcher, source.ref, accept=_ACCEPT, limit=_FEED_LIMIT)
    lower = {k.lower(): v for k, v in headers.items()}
    lower["content-location"] = final_url
    post_refs = source.extras("post")
    if len(body) > _PARSE_IN_THREAD_OVER:
        return await off_loop(parse_comment_feed, body, lower, post_refs)
    return parse_comment_feed(body, lower, post_refs)


def parse_comment_feed(
    body: bytes, headers: dict[str, str] | None = None, post_refs: list[str] | tuple = ()
) -> list[Comment]:
    """Comments of one comment feed, oldest first. Raises CommentsError if not a feed.

    ``post_refs`` are ids/URLs of the post itself (its guid, its link): a reply
    to one of them is a top-level comment.
    """
    if not body or not body.strip():
        raise CommentsError("the comment feed is empty")
    d = feedparser_module().parse(
        io.BytesIO(body),
        response_headers=dict(headers or {}),
        sanitize_html=False,  # bodies are untrusted HTML rendered as text, never markup
        resolve_relative_uris=False,
    )
    entries = d.get("entries") or []
    if not entries and (not d.get("version") or d.get("bozo")):
        raise CommentsError("not a comment feed")

    prefixes = _thread_prefixes(d.get("namespaces") or {})
    feed = d.get("feed") or {}
    posts = {_norm(r) for r in post_refs if r}
    for key in ("link", "id"):
        # A per-post comment feed's own link is the post's page.
        if isinstance(feed.get(key), str) and feed.get(key):
            posts.add(_norm(feed[key]))

    rows: list[tuple[Comment, Any, Any]] = []  # (comment, in-reply-to ref, href)
    for position, entry in enumerate(entries):
        comment = _comment(entry, position)
        reply = _in_reply_to(entry, prefixes)
        rows.append((comment, reply.get("ref"), reply.get("href")))

    ids = {c.id for c, _, _ in rows}
    for comment, ref, href in rows:
        comment.parent_id = _parent(ref, href, ids, posts, comment.id)

    # Comment feeds list newest first; threads read oldest first. Comments
    # without a date keep their feed position after the dated ones.
    dated = sorted((c for c, _, _ in rows if c.time is not None), key=lambda c: c.time or 0.0)
    undated = [c for c, _, _ in rows if c.time is None]
    return dated + undated


def _thread_prefixes(namespaces: dict[str, str]) -> list[str]:
    wanted = NS_THREAD.rstrip("/").lower()
    found = [p for p, uri in namespaces.items() if p and (uri or "").rstrip("/").lower() == wanted]
    return found or ["thr"]


def _in_reply_to(entry: Any, prefixes: list[str]) -> dict:
    for prefix in prefixes:
        value = entry.get(f"{prefix}_in-reply-to")
        if isinstance(value, dict):
            return value
    return {}


def _parent(ref: Any, href: Any, ids: set[str], posts: set[str], own_id: str) -> str | None:
    if not isinstance(ref, str) or not ref.strip():
        return None
    ref = ref.strip()
    if ref in ids:
        return ref if ref != own_id else None
    if _norm(ref) in posts:
        return None
    if isinstance(href, str) and href.strip():
        if _norm(href) in posts:
            return None
        # A reply to a comment points at that comment's anchor on the page; a
        # reply to the post points at the page itself.
        if not urldefrag(href.strip())[1]:
            return None
    # A comment that has scrolled out of the feed's window: an orphan, which
    # the tree builder shows at top level and marks.
    return ref


def _norm(value: str) -> str:
    return value.strip().rstrip("/").lower()


def _comment(entry: Any, position: int) -> Comment:
    link = http_url(entry.get("link"))
    html = ""
    for part in entry.get("content") or []:
        value = part.get("value") if isinstance(part, dict) else None
        if isinstance(value, str) and len(value) > len(html):
            html = value
    if not html and isinstance(entry.get("summary"), str):
        html = entry["summary"]
    cid = entry.get("id") if isinstance(entry.get("id"), str) else ""
    if not cid:
        cid = (
            link
            or "feed-entry:"
            + hashlib.sha1(f"{position}\n{html}".encode("utf-8", "surrogatepass")).hexdigest()
        )
    author = entry.get("author") if isinstance(entry.get("author"), str) else ""
    if not author:
        author = _author_from_title(entry.get("title"))
    return Comment(
        id=cid,
        author=author,
        time=_struct_time(dict.get(entry, "published_parsed"))
        or _struct_time(dict.get(entry, "updated_parsed")),
        html=html,
        link=link,
    )


def _author_from_title(title: Any) -> str:
    # WordPress comment RSS titles read "By: Name" when dc:creator is missing.
    if isinstance(title, str) and title.lower().startswith("by:"):
        return title[3:].strip()
    return ""


def _struct_time(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(calendar.timegm(value))
    except (TypeError, ValueError, OverflowError):
        return None
