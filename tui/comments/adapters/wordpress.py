"""WordPress REST API comments: ``/wp/v2/comments?post=ID``, paged by 100."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from tui.collector import BIG_THREAD, collector_paused
from tui.comments.base import (
    CommentsError,
    ThreadSource,
    as_dict,
    as_int,
    as_str,
    fetch_json,
    gather_or_fail,
    http_url,
    parse_time,
)
from tui.comments.post import Post, with_post
from tui.model import Comment
from tui.net import Fetcher
from tui.offload import off_loop
from tui.text.titles import html_line

__all__ = ["load_wordpress", "rest_url", "MAX_PAGES"]

PER_PAGE = 100  # the API's own maximum
MAX_PAGES = 200  # 20,000 comments: beyond that a site is not answering honestly
CONCURRENCY = 4  # pages in flight at once: a shared host's PHP workers are few


def rest_url(api_base: str, route: str) -> tuple[str, dict[str, str]]:
    """The URL and query for ``route`` (e.g. "/wp/v2/comments") under an API root.

    ``api_base`` may be the site ("https://site"), the REST root ("https://site/wp-json/")
    or a plain-permalink root ("https://site/?rest_route=/").
    """
    parts = urlsplit(api_base.strip())
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if "rest_route" in query:
        query["rest_route"] = route
        return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", "")), query
    path = parts.path.rstrip("/")
    if not path.endswith("/wp-json"):
        path += "/wp-json"
    return urlunsplit((parts.scheme, parts.netloc, path + route, "", "")), query


async def load_wordpress(fetcher: Fetcher, source: ThreadSource) -> list[Comment]:
    """All approved comments of post ``source.ref``, oldest first."""
    post_id = source.ref.strip()
    if not post_id.isdigit():
        raise CommentsError(f"not a WordPress post id: {post_id[:40]!r}")
    url, base_query = rest_url(source.api_base, "/wp/v2/comments")

    def page_params(page: int) -> dict[str, str]:
        return {
            **base_query,
            "post": post_id,
            "per_page": str(PER_PAGE),
            "page": str(page),
            "orderby": "date_gmt",
            "order": "asc",
        }

    (first, headers), (post_author, post) = await gather_or_fail(
        fetch_json(fetcher, url, params=page_params(1)),
        _post_info(fetcher, source.api_base, post_id),
    )
    pages = [_page_items(first)]
    total = as_int(headers.get("x-wp-totalpages")) or 1
    total = max(1, min(total, MAX_PAGES))
    if total > 1:
        gate = asyncio.Semaphore(CONCURRENCY)

        async def fetch_page(n: int) -> list[dict]:
            async with gate:
                data, _ = await fetch_json(fetcher, url, params=page_params(n))
            return _page_items(data)

        pages += await gather_or_fail(*(fetch_page(n) for n in range(2, total + 1)))

    # 10,000 comments take a few tenths of a second to convert: off the event loop.
    comments = await off_loop(_comments, pages, post_author)
    if post is not None:
        post = replace(post, total=as_int(headers.get("x-wp-total")))
    return with_post(comments, post)


def _comments(pages: list[list[dict]], post_author: int | None) -> list[Comment]:
    with collector_paused(sum(map(len, pages)) > BIG_THREAD):
        return _convert(pages, post_author)


def _convert(pages: list[list[dict]], post_author: int | None) -> list[Comment]:
    comments: list[Comment] = []
    seen: set[str] = set()
    for items in pages:
        for item in items:
            comment = _comment(item, post_author)
            # Pages shift under us when a comment lands mid-fetch; the
            # same comment then shows up on two pages.
            if comment is not None and comment.id not in seen:
                seen.add(comment.id)
                comments.append(comment)
    return comments


def _page_items(data: Any) -> list[dict]:
    if not isinstance(data, list):
        raise CommentsError("the site did not answer with a list of comments")
    return [item for item in data if isinstance(item, dict)]


async def _post_info(fetcher: Fetcher, api_base: str, post_id: str) -> tuple[int | None, Post | None]:
    """The post's author user id (so their replies can be marked) and the post
    itself: title, date, link and its lead (the excerpt); None where unknown."""
    url, query = rest_url(api_base, f"/wp/v2/posts/{post_id}")
    fields = "author,title,excerpt,link,date_gmt"
    try:
        data, _ = await fetch_json(fetcher, url, params={**query, "_fields": fields})
    except CommentsError:
        return None, None  # pages, custom post types and locked-down sites: no marks, no header
    data = as_dict(data)
    author = as_int(data.get("author"))
    post = Post(
        title=html_line(as_str(as_dict(data.get("title")).get("rendered"))),
        time=parse_time(data.get("date_gmt")),
        html=as_str(as_dict(data.get("excerpt")).get("rendered")),
        url=http_url(data.get("link")),  # the article is the story
        permalink=http_url(data.get("link")),
    )
    return (author if author else None), post


def _comment(item: dict[str, Any], post_author: int | None) -> Comment | None:
    cid = as_int(item.get("id"))
    if cid is None:
        return None
    status = item.get("status")
    if status is not None and status != "approved":
        return None
    parent = as_int(item.get("parent")) or 0
    user = as_int(item.get("author")) or 0
    time = parse_time(item.get("date_gmt"))
    if time is None:
        time = parse_time(item.get("date"))  # site-local; better than nothing
    content = item.get("content")
    html = as_str(as_dict(content).get("rendered")) if isinstance(content, dict) else as_str(content)
    return Comment(
        id=str(cid),
        parent_id=str(parent) if parent > 0 else None,
        author=as_str(item.get("author_name")),
        time=time,
        html=html,
        link=http_url(item.get("link")),
        by_author=bool(post_author and user == post_author),
    )
