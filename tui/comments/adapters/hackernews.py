"""Hacker News: the whole tree from Algolia, HN's own ranking from Firebase.

Algolia answers with one nested document (children in date order), which spares
us one request per comment. Firebase's ``kids`` of the story is the order HN
shows top-level comments in; only that one item is fetched, so deeper levels
keep Algolia's order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from tui.collector import collector_paused
from tui.comments.base import (
    CommentsError,
    SourceConfig,
    ThreadSource,
    as_dict,
    as_int,
    as_list,
    as_str,
    decode_json,
    fetch_bytes,
    fetch_json,
    gather_or_fail,
    http_url,
    parse_time,
)
from tui.comments.post import Post, with_post
from tui.model import Comment
from tui.net import Fetcher
from tui.offload import empty_in_slices, off_loop
from tui.text.deepjson import SLICE_OVER

__all__ = ["load_hackernews", "flatten_algolia", "mark_quotes"]

_STORY_TYPES = ("story", "poll", "job")
# HN has no quote markup: people start a paragraph with ">". Its HTML separates
# paragraphs with <p> (Algolia sometimes closes them).
_PARAGRAPH = re.compile(r"<p>", re.I)
_CLOSE_P = re.compile(r"\s*</p>\s*$", re.I)
_QUOTED = re.compile(r"^\s*(?:&gt;|>)\s?")


def mark_quotes(html: str) -> str:
    """HN text with each ``>`` paragraph made a <blockquote>, so it reads as a quote."""
    if "&gt;" not in html and ">" not in html.replace("<p>", "").replace("</p>", ""):
        return html
    parts = _PARAGRAPH.split(html)
    if not any(_QUOTED.match(p) for p in parts):
        return html
    out = []
    for part in parts:
        body = _CLOSE_P.sub("", part)
        if not body.strip():
            continue
        quoted = _QUOTED.match(body)
        if quoted:
            out.append(f"<blockquote><p>{body[quoted.end() :]}</p></blockquote>")
        else:
            out.append(f"<p>{body}</p>")
    return "".join(out)


async def load_hackernews(fetcher: Fetcher, source: ThreadSource, config: SourceConfig) -> list[Comment]:
    item_id = source.ref.strip()
    if not item_id.isdigit():
        raise CommentsError(f"not a Hacker News item id: {item_id[:40]!r}")
    algolia = (source.api_base or config.hn_algolia).rstrip("/")
    (body, _, _), ranking = await gather_or_fail(
        fetch_bytes(fetcher, f"{algolia}/api/v1/items/{item_id}", accept="application/json"),
        _firebase_item(fetcher, config.hn_firebase, item_id),
    )
    item_base = _item_base(source.page_url, config)
    # 10,000 comments take ~0.2 s to decode and flatten: off the event loop, which
    # is drawing meanwhile, and without the collector's full passes.
    return await off_loop(_decode_tree, body, ranking, item_base)


def _decode_tree(body: bytes, ranking: dict, item_base: str) -> list[Comment]:
    with collector_paused(len(body) > SLICE_OVER):
        tree = decode_json(body)
        if not isinstance(tree, dict):
            raise CommentsError("Hacker News sent something that is not an item")
        comments = flatten_algolia(tree, kids=as_list(ranking.get("kids")), item_base=item_base)
        post = _post(tree, item_base, ranking)
        # The decoded document, freed here and a slice at a time (tui.offload.let_go).
        empty_in_slices(as_list(tree.get("children")))
        return with_post(comments, post)


def _post(root: dict[str, Any], item_base: str, ranking: dict) -> Post:
    item_id = as_int(root.get("id"))
    return Post(
        title=as_str(root.get("title")),
        author=as_str(root.get("author")),
        score=as_int(root.get("points")),
        time=parse_time(root.get("created_at_i")) or parse_time(root.get("created_at")),
        html=mark_quotes(as_str(root.get("text"))),
        url=http_url(root.get("url")),
        permalink=item_base + str(item_id) if item_id is not None else "",
        total=as_int(ranking.get("descendants")),
    )


async def _firebase_item(fetcher: Fetcher, base: str, item_id: str) -> dict:
    try:
        data, _ = await fetch_json(fetcher, f"{base.rstrip('/')}/v0/item/{item_id}.json")
    except CommentsError:
        return {}  # the ranking is a nicety: Algolia's date order still reads fine
    return as_dict(data)


def _item_base(page_url: str, config: SourceConfig) -> str:
    parts = urlsplit(page_url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}/item?id="
    host = config.hn_hosts[0] if config.hn_hosts else "news.ycombinator.com"
    return f"https://{host}/item?id="


def flatten_algolia(
    root: dict[str, Any], kids: Sequence[Any] = (), item_base: str = "https://news.ycombinator.com/item?id="
) -> list[Comment]:
    """The comments under an Algolia item, pre-order, without recursion.

    ``kids`` (Firebase's ranked ids) reorders the top level; top-level comments
    it does not name follow in Algolia's order.
    """
    op = as_str(root.get("author")) if root.get("type") in _STORY_TYPES else ""
    top = [c for c in as_list(root.get("children")) if isinstance(c, dict)]
    rank: dict[int | None, int] = {}
    for position, kid in enumerate(kids):
        kid_id = as_int(kid)
        if kid_id is not None:
            rank.setdefault(kid_id, position)
    if rank:
        # sorted() is stable: the unranked keep Algolia's order at the end.
        top.sort(key=lambda c: rank.get(as_int(c.get("id")), len(rank)))

    comments: list[Comment] = []
    stack: list[tuple[dict, str | None]] = [(c, None) for c in reversed(top)]
    while stack:
        item, parent = stack.pop()
        item_id = as_int(item.get("id"))
        if item_id is None:
            # No usable id (missing, or a 5,000-digit junk number): this comment
            # cannot be named, but its replies still hang off its parent.
            kids = [c for c in as_list(item.get("children")) if isinstance(c, dict)]
            stack.extend((c, parent) for c in reversed(kids))
            continue
        cid = str(item_id)
        author = item.get("author")
        text = item.get("text")
        deleted = bool(item.get("deleted")) or (author is None and text is None)
        comments.append(
            Comment(
                id=cid,
                parent_id=parent,
                author=as_str(author),
                time=parse_time(item.get("created_at_i")) or parse_time(item.get("created_at")),
                html=mark_quotes(as_str(text)),
                link=item_base + cid,
                deleted=deleted,
                dead=bool(item.get("dead")),
                by_author=bool(op) and author == op,
                score=as_int(item.get("points")),
            )
        )
        children = [c for c in as_list(item.get("children")) if isinstance(c, dict)]
        stack.extend((c, cid) for c in reversed(children))
    return comments
