"""Reddit: ``/comments/<id>.json`` and ``more`` stubs expanded on demand.

A ``more`` listing becomes a stub Comment (``more`` = how many replies it hides,
``more_ids`` = their ids) that the UI expands with ``load_more``. A stub with no
ids is reddit's "continue this thread" link: it is expanded by loading the
thread again rooted at the stub's parent.
"""

from __future__ import annotations

import html as html_module
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
from tui.model import Comment
from tui.net import Fetcher

__all__ = ["load_reddit", "load_more", "flatten_listing", "MORE_PREFIX"]

MORE_PREFIX = "more:"
_MORECHILDREN_BATCH = 100  # the API's limit per request
_MAX_MORE_REQUESTS = 20


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
    return flatten_listing(as_dict(listings[1]), base)


async def load_more(
    fetcher: Fetcher, source: ThreadSource, stub: Comment, config: SourceConfig
) -> list[Comment]:
    """The comments a ``more`` stub stands for (they may hold stubs of their own).

    The caller replaces the stub with the result; parents are already set, the
    top of the result hangs off the stub's parent.
    """
    base = _base(source, config)
    post_id = _post_id(source)
    if not stub.more_ids:
        return await _continue_thread(fetcher, base, post_id, stub)
    comments: list[Comment] = []
    ids = stub.more_ids
    for start in range(0, min(len(ids), _MORECHILDREN_BATCH * _MAX_MORE_REQUESTS), _MORECHILDREN_BATCH):
        batch = ids[start : start + _MORECHILDREN_BATCH]
        data, _ = await fetch_json(
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
    return comments


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
    return [c for c in flatten_listing(as_dict(listings[1]), base) if c.id != stub.parent_id]


def flatten_listing(listing: dict[str, Any], base: str = "https://www.reddit.com") -> list[Comment]:
    """A comment Listing -> flat pre-order comments, without recursion."""
    return _flatten(as_list(as_dict(listing.get("data")).get("children")), base)


def _flatten(things: list[Any], base: str) -> list[Comment]:
    comments: list[Comment] = []
    stack = list(reversed(things))
    while stack:
        thing = as_dict(stack.pop())
        kind = thing.get("kind")
        data = as_dict(thing.get("data"))
        if kind == "t1":
            comment = _comment(data, base)
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


def _comment(data: dict[str, Any], base: str) -> Comment | None:
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
        by_author=bool(data.get("is_submitter")),
        score=None if data.get("score_hidden") else as_int(data.get("score")),
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
