"""Reddit: ``/comments/<id>.json`` and ``more`` stubs expanded on demand.

A ``more`` listing becomes a stub Comment (``more`` = how many replies it hides,
``more_ids`` = their ids) that the UI expands with ``load_more``. A stub with no
ids is reddit's "continue this thread" link: it is expanded by loading the
thread again rooted at the stub's parent.
"""

from __future__ import annotations

import asyncio
import html as html_module
import math
from collections.abc import Callable
from typing import Any

from tui.comments.base import (
    CommentsError,
    SourceConfig,
    ThreadSource,
    as_dict,
    as_int,
    as_list,
    as_str,
    fetch_json,
    http_url,
    parse_time,
)
from tui.comments.post import Post, with_post
from tui.model import Comment
from tui.net import Fetcher

__all__ = ["load_reddit", "load_more", "flatten_listing", "MORE_PREFIX", "REST_SUFFIX", "Progress"]

MORE_PREFIX = "more:"
_MORECHILDREN_BATCH = 100  # the API's limit per request
# Longer than this to wait for the rate-limit window: stop and leave a stub.
_MAX_WAIT = 60.0
REST_SUFFIX = "+"  # a stub for what an expansion did not load yet: the stub's id and this


def _base(source: ThreadSource, config: SourceConfig) -> str:
    return (source.api_base or config.reddit).rstrip("/")


def _post_id(source: ThreadSource) -> str:
    post_id = source.ref.strip().lower()
    if post_id.startswith("t3_"):
        post_id = post_id[3:]
    if not post_id.isalnum():
        raise CommentsError(f"not a reddit post id: {post_id[:40]!r}")
    return post_id


async def load_reddit(fetcher: Fetcher, source: ThreadSource, config: SourceConfig) -> list[Comment]:
    base = _base(source, config)
    data, _ = await fetch_json(fetcher, f"{base}/comments/{_post_id(source)}.json", params={"raw_json": "1"})
    listings = as_list(data)
    if len(listings) < 2:
        raise CommentsError("reddit sent something that is not a thread")
    comments = flatten_listing(as_dict(listings[1]), base, op=_post_author(listings[0]))
    return with_post(comments, _post(listings[0], base))


def _post(listing: Any, base: str) -> Post | None:
    """The t3 in the first listing as the thread's post."""
    for thing in as_list(as_dict(as_dict(listing).get("data")).get("children")):
        if as_dict(thing).get("kind") != "t3":
            continue
        data = as_dict(as_dict(thing).get("data"))
        author = as_str(data.get("author"))
        permalink = as_str(data.get("permalink"))
        page = http_url(base + permalink) if permalink.startswith("/") else ""
        url = http_url(data.get("url"))
        text = as_str(data.get("selftext_html"))
        if text.lstrip().startswith("&lt;"):
            text = html_module.unescape(text)  # fetched without raw_json=1
        return Post(
            title=as_str(data.get("title")),
            author="" if author in ("[deleted]", "[removed]") else author,
            score=None if data.get("hide_score") else as_int(data.get("score")),
            time=parse_time(data.get("created_utc")),
            html=text,
            url="" if url == page or data.get("is_self") else url,
            permalink=page,
            total=as_int(data.get("num_comments")),
        )
    return None


def _post_author(listing: Any) -> str:
    """The post's author, from the first listing (the t3), "" when unknown or deleted."""
    for thing in as_list(as_dict(as_dict(listing).get("data")).get("children")):
        if as_dict(thing).get("kind") == "t3":
            author = as_str(as_dict(as_dict(thing).get("data")).get("author"))
            return "" if author in ("[deleted]", "[removed]") else author
    return ""


Progress = Callable[[list[Comment]], None]


async def load_more(
    fetcher: Fetcher,
    source: ThreadSource,
    stub: Comment,
    config: SourceConfig,
    progress: Progress | None = None,
) -> list[Comment]:
    """The comments a ``more`` stub stands for (they may hold stubs of their own).

    The caller replaces the stub with the result; parents are already set, the
    top of the result hangs off the stub's parent. Every id the stub lists is
    asked for, at most 100 a request (the API's limit), one request at a time
    and at least ``config.reddit_more_interval`` seconds apart, slower when
    reddit's X-Ratelimit headers say the budget is running out. ``progress``
    is told the replies so far after each request; while ids remain they end
    with a stub for the rest, with its true count. A failed request after some
    succeeded raises; what ``progress`` was last told stays true.
    """
    base = _base(source, config)
    post_id = _post_id(source)
    if not stub.more_ids:
        return await _continue_thread(fetcher, base, post_id, stub)
    comments: list[Comment] = []
    ids = list(dict.fromkeys(stub.more_ids))
    batches = max(1, config.reddit_more_batches)
    wait = 0.0
    done = 0
    for n, start in enumerate(range(0, len(ids), _MORECHILDREN_BATCH)):
        if n >= batches:
            break
        if n:
            await asyncio.sleep(max(config.reddit_more_interval, wait))
        batch = ids[start : start + _MORECHILDREN_BATCH]
        data, headers = await fetch_json(
            fetcher,
            f"{base}/api/morechildren.json",
            params={
                "link_id": f"t3_{post_id}",
                "children": ",".join(batch),
                "api_type": "json",
                "raw_json": "1",
            },
        )
        payload = as_dict(as_dict(data).get("json"))
        if as_list(payload.get("errors")):
            raise CommentsError("reddit would not expand these replies")
        things = as_list(as_dict(payload.get("data")).get("things"))
        comments += _flatten(things, base)
        done = start + len(batch)
        wait = _budget_wait(headers)
        if wait > _MAX_WAIT:
            break  # the budget is spent for minutes: the rest stays a stub
        if progress is not None and done < len(ids):
            progress(comments + [_rest(stub, ids[done:], comments)])
    if done < len(ids):
        comments.append(_rest(stub, ids[done:], comments))
    return comments


def _budget_wait(headers: dict[str, str]) -> float:
    """Seconds to space the next request by, from reddit's published rate-limit
    headers: the seconds left in the window shared out over the requests left."""
    remaining = _number(headers.get("x-ratelimit-remaining"))
    reset = _number(headers.get("x-ratelimit-reset"))
    if remaining is None or reset is None:
        return 0.0
    return reset / remaining if remaining >= 1 else reset


def _number(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) and number >= 0 else None


def _rest(stub: Comment, ids: list[str], loaded: list[Comment]) -> Comment:
    """The stub for the ids not asked for yet: its count is the stub's, less the
    comments loaded and those the loaded stubs stand for, and never below the ids."""
    accounted = sum(c.more if c.more else 1 for c in loaded)
    return Comment(
        id=stub.id + REST_SUFFIX,
        parent_id=stub.parent_id,
        more=max(len(ids), stub.more - accounted, 1),
        more_ids=ids,
    )


async def _continue_thread(fetcher: Fetcher, base: str, post_id: str, stub: Comment) -> list[Comment]:
    if not stub.parent_id:
        return []
    data, _ = await fetch_json(
        fetcher, f"{base}/comments/{post_id}/_/{stub.parent_id}.json", params={"raw_json": "1"}
    )
    listings = as_list(data)
    if len(listings) < 2:
        raise CommentsError("reddit sent something that is not a thread")
    # The answer starts with the parent itself, which the caller already has.
    op = _post_author(listings[0])  # the answer carries the post: its author is OP here too
    return [c for c in flatten_listing(as_dict(listings[1]), base, op) if c.id != stub.parent_id]


def flatten_listing(
    listing: dict[str, Any], base: str = "https://www.reddit.com", op: str = ""
) -> list[Comment]:
    """A comment Listing -> flat pre-order comments, without recursion. ``op``
    is the post's author: their comments are marked even without is_submitter."""
    return _flatten(as_list(as_dict(listing.get("data")).get("children")), base, op)


def _flatten(things: list[Any], base: str, op: str = "") -> list[Comment]:
    comments: list[Comment] = []
    stack = list(reversed(things))
    while stack:
        thing = as_dict(stack.pop())
        kind = thing.get("kind")
        data = as_dict(thing.get("data"))
        if kind == "t1":
            comment = _comment(data, base, op)
            if comment is None:
                continue
            comments.append(comment)
            replies = data.get("replies")
            if isinstance(replies, dict):
                children = as_list(as_dict(replies.get("data")).get("children"))
                stack.extend(reversed(children))
        elif kind == "more":
            stub = _stub(data)
            if stub is not None:
                comments.append(stub)
    return comments


def _parent(fullname: Any) -> str | None:
    value = as_str(fullname)
    if value.startswith("t1_"):
        return value[3:]
    return None  # "t3_...": a reply to the post


def _comment(data: dict[str, Any], base: str, op: str = "") -> Comment | None:
    cid = as_str(data.get("id"))
    if not cid:
        return None
    author = as_str(data.get("author"))
    body_html = as_str(data.get("body_html"))
    if body_html.lstrip().startswith("&lt;"):
        body_html = html_module.unescape(body_html)  # fetched without raw_json=1
    if not body_html:
        body_html = "<p>" + html_module.escape(as_str(data.get("body"))) + "</p>"
    permalink = as_str(data.get("permalink"))
    deleted = author == "[deleted]"
    return Comment(
        id=cid,
        parent_id=_parent(data.get("parent_id")),
        author="" if deleted else author,
        time=parse_time(data.get("created_utc")),
        html=body_html,
        link=http_url(base + permalink) if permalink.startswith("/") else "",
        deleted=deleted,
        dead=as_str(data.get("body")) == "[removed]",
        by_author=bool(data.get("is_submitter")) or (bool(op) and not deleted and author == op),
        score=None if data.get("score_hidden") else as_int(data.get("score")),
        # reddit's "distinguished": a moderator or admin speaking as one ("special" is not marked)
        role=as_str(data.get("distinguished")) if data.get("distinguished") in ("moderator", "admin") else "",
    )


def _stub(data: dict[str, Any]) -> Comment | None:
    parent = _parent(data.get("parent_id"))
    raw_id = as_str(data.get("id"))
    children = [as_str(c) for c in as_list(data.get("children")) if as_str(c)]
    count = as_int(data.get("count")) or 0
    if not raw_id or raw_id == "_":
        # "Continue this thread": reddit gives every such stub the id "_".
        raw_id = "_" + (parent or "top")
    return Comment(
        id=MORE_PREFIX + raw_id,
        parent_id=parent,
        more=max(count, len(children), 1),
        more_ids=children,
    )
