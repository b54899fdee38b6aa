"""The post a thread hangs under: its title, author, score, age, own text, the
story's link and its comment count, as the source gave them.

Loaders return their comments as a ``Loaded`` list, which is a plain list of
comments that also carries the ``post`` (so every caller that only wants the
comments is unchanged). For the offline copy the post travels as one extra
Comment under the reserved id ``POST_ID`` at the end of the list;
``split_post`` takes it off again. Every field is untrusted and is cleaned
where it is shown (``tui.text``), as comments are.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.model import Comment

__all__ = ["POST_ID", "Loaded", "Post", "post_comment", "split_post", "with_post"]

# No source names a comment like this (ids are numbers, base36 or short ids).
POST_ID = "threadline:post"


@dataclass(frozen=True)
class Post:
    title: str = ""
    author: str = ""
    score: int | None = None
    time: float | None = None
    html: str = ""  # the post's own text: self-text, story text, description, the article's lead
    url: str = ""  # the story's link (http(s) only, "" for a text post)
    permalink: str = ""  # the thread's own page
    total: int | None = None  # comments the source says there are


class Loaded(list[Comment]):
    """A thread's comments, with the post they hang under (None: not known)."""

    post: Post | None = None


def with_post(comments: list[Comment], post: Post | None) -> list[Comment]:
    loaded = Loaded(comments)
    loaded.post = post
    return loaded


def post_comment(post: Post) -> Comment:
    """The post as a Comment, to be kept with the thread's offline copy."""
    extra = [post.title, post.url, "" if post.total is None else str(post.total)]
    return Comment(
        id=POST_ID,
        author=post.author,
        time=post.time,
        html=post.html,
        link=post.permalink,
        score=post.score,
        more_ids=extra,
    )


def split_post(comments: list[Comment]) -> tuple[Post | None, list[Comment]]:
    """(the post kept with a cached copy, the comments without it)."""
    if not comments or comments[-1].id != POST_ID:
        return getattr(comments, "post", None), comments
    kept = comments[-1]
    title, url, total = ([*kept.more_ids, "", "", ""])[:3]
    post = Post(
        title=title,
        author=kept.author,
        score=kept.score,
        time=kept.time,
        html=kept.html,
        url=url,
        permalink=kept.link,
        total=int(total) if total.isdigit() and len(total) < 12 else None,
    )
    return post, [c for c in comments[:-1] if c.id != POST_ID]
