"""Lobsters: ``/s/<short_id>.json`` lists every comment flat, in thread order."""

from __future__ import annotations

from typing import Any

from tui.comments.base import (
    CommentsError,
    SourceConfig,
    ThreadSource,
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

__all__ = ["load_lobsters", "parse_story"]


async def load_lobsters(fetcher: Fetcher, source: ThreadSource, config: SourceConfig) -> list[Comment]:
    short_id = source.ref.strip()
    if not short_id.isalnum():
        raise CommentsError(f"not a Lobsters story id: {short_id[:40]!r}")
    base = (source.api_base or config.lobsters).rstrip("/")
    data, _ = await fetch_json(fetcher, f"{base}/s/{short_id}.json")
    if not isinstance(data, dict):
        raise CommentsError("Lobsters sent something that is not a story")
    story = data
    return with_post(
        parse_story(story),
        Post(
            title=as_str(story.get("title")),
            author=_username(story.get("submitter_user")),
            score=as_int(story.get("score")),
            time=parse_time(story.get("created_at")),
            html=as_str(story.get("description")),
            url=http_url(story.get("url")),
            permalink=http_url(story.get("short_id_url")) or http_url(story.get("comments_url")),
            total=as_int(story.get("comment_count")),
        ),
    )


def _username(value: Any) -> str:
    # Older API versions send an object, newer ones the bare name.
    if isinstance(value, dict):
        return as_str(value.get("username"))
    return as_str(value)


def parse_story(story: dict[str, Any]) -> list[Comment]:
    submitter = _username(story.get("submitter_user"))
    comments: list[Comment] = []
    # Thread order plus depth is enough to find parents when a comment does not
    # name its own: the last comment seen at each depth.
    open_at_depth: list[str] = []
    for item in as_list(story.get("comments")):
        if not isinstance(item, dict):
            continue
        cid = as_str(item.get("short_id"))
        if not cid:
            continue
        depth = as_int(item.get("depth"))
        if depth is None:  # older Lobsters: indent_level, 1 for a top-level comment
            level = as_int(item.get("indent_level"))
            depth = level - 1 if level is not None and level >= 1 else None
        if "parent_comment" in item:
            parent = as_str(item.get("parent_comment")) or None
        elif depth is not None and 0 < depth <= len(open_at_depth):
            parent = open_at_depth[depth - 1]
        else:
            parent = None
        if depth is not None and 0 <= depth <= len(open_at_depth):
            del open_at_depth[depth:]
            open_at_depth.append(cid)
        author = _username(item.get("commenting_user"))
        comments.append(
            Comment(
                id=cid,
                parent_id=parent,
                author=author,
                time=parse_time(item.get("created_at")),
                html=as_str(item.get("comment")),
                link=http_url(item.get("short_id_url")) or http_url(item.get("url")),
                deleted=bool(item.get("is_deleted")),
                dead=bool(item.get("is_moderated")),
                by_author=bool(submitter) and author == submitter,
                score=as_int(item.get("score")),
                role=_role(item.get("commenting_user")),
            )
        )
    return comments


def _role(user: Any) -> str:
    """Older API versions send the user as an object, with its standing on the site."""
    if not isinstance(user, dict):
        return ""
    return (
        "admin" if user.get("is_admin") is True else "moderator" if user.get("is_moderator") is True else ""
    )
