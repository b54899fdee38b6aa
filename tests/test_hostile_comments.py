"""Hostile comment threads: broken shapes into the one tree builder, nulls and
junk through the real adapters over loopback, HTTP faults on a thread's source,
and a 100,000-sibling thread through the real CommentTree.

Already covered elsewhere (and counted in the README): the builder's property
tests of arbitrary forests and deep chains (test_comment_tree_builder.py), the
10,000-deep chain, 5,000 siblings, hostile text and orphan/cycle/deleted marks in
the widget (test_comment_tree_ui.py), 404s, non-JSON and oversized bodies per
source (test_comments_adapters.py), nesting past the recursion limit
(test_comments_deepjson.py, tui/text/deepjson.py).
"""

from __future__ import annotations

import json
import time

import pytest
from loopback import Reply

from tui.comments.base import CommentsError, SourceConfig, ThreadSource
from tui.comments.registry import load_comments
from tui.comments.tree import build_thread
from tui.model import Comment
from tui.net import Fetcher
from tui.text.html import html_to_text
from tui.ui.widgets.comment_tree import comment_search_text

NOW = 1_795_000_000.0


def c(cid, parent=None, author="a", html="<p>x</p>", **kw) -> Comment:
    return Comment(cid, parent, author, NOW, html, **kw)


SHAPES = {
    "self-parent": [c("a", "a"), c("b", "a")],
    "two-cycle": [c("a", "b"), c("b", "a"), c("x")],
    "three-cycle-with-tail": [c("a", "c"), c("b", "a"), c("c", "b"), c("t", "b")],
    "orphans": [c("o1", "missing"), c("o2", "o1"), c("o3", "gone")],
    "duplicate-ids": [c("d", None, html="<p>first</p>"), c("e", "d"), c("d", None, html="<p>second</p>")],
    "duplicate-id-that-moves-into-a-cycle": [c("a"), c("b", "a"), c("a", "b")],
    "empty-and-odd-ids": [c(""), c(" ", ""), c("\x1b]0;pwned\x07", " ")],
    "deep-chain-10000": [c("n0")] + [c(f"n{i}", f"n{i - 1}") for i in range(1, 10_000)],
    "siblings-100000": [c("root")] + [c(f"s{i}", "root") for i in range(100_000)],
    "deleted-and-null-authors": [
        c("del", author="", html="", deleted=True),
        c("kid", "del"),
        c("dead", author="", html="", dead=True),
    ],
    "unclosed-html": [
        c("u1", html="<p><b><i><a href='https://x.test/'>never closed"),
        c("u2", "u1", html="<blockquote>" * 5000 + "deep"),
        c("u3", "u1", html="<table><tr><td>a<td><ul><li>b<pre>c"),
    ],
}


@pytest.mark.parametrize("name", list(SHAPES))
def test_builder_places_every_comment_exactly_once(name):
    comments = SHAPES[name]
    started = time.monotonic()
    thread = build_thread(comments)
    assert time.monotonic() - started < 10  # nothing quadratic
    ids = list(dict.fromkeys(x.id for x in comments))
    assert sorted(thread.index) == sorted(ids)
    assert len(thread.nodes) == len(ids)
    # The pre-order shape holds: sizes add up and parents come first.
    assert sum(1 for n in thread.nodes if n.parent == -1) + sum(
        1 for n in thread.nodes if n.parent >= 0
    ) == len(ids)
    for pos, node in enumerate(thread.nodes):
        assert node.parent < pos
        assert thread.end(pos) <= len(thread.nodes)
    tops = thread.top_level()
    assert sum(thread.nodes[t].size + 1 for t in tops) == len(thread.nodes)
    if "cycle" in name or name == "self-parent":
        assert any(n.cycle for n in thread.nodes) or name == "self-parent"
    if name == "orphans":
        assert [n.comment.id for n in thread.nodes if n.orphan] == ["o1", "o3"]
    if name == "duplicate-ids":
        assert thread.nodes[thread.index["d"]].comment.html == "<p>second</p>"
    # Every body and author can be drawn and searched.
    for node in thread.nodes[:200]:
        html_to_text(node.comment.html)
        comment_search_text(node.comment)


# -- adapters: nulls and junk --------------------------------------------------------------

WP_NULLS = [
    {"id": 1, "parent": 0, "author_name": None, "date_gmt": None, "content": None, "link": None},
    {
        "id": 2,
        "parent": 1,
        "author_name": "\x1b]0;pwned\x07[@click=app.quit]",
        "date_gmt": "0001-01-01T00:00:00",
        "content": {"rendered": "<p>unclosed <b>bold"},
        "link": "javascript:alert(1)",
    },
    {
        "id": 3,
        "parent": 3,
        "author_name": 42,
        "date_gmt": "9999-12-31T23:59:59",
        "content": {"rendered": None},
    },
    {"id": 2, "parent": 0, "author_name": "dup", "content": {"rendered": "<p>dup</p>"}},
    {"id": 4, "parent": 99, "author_name": [], "content": "not a dict"},
    "not an object",
    None,
]
HN_NULLS = {
    "id": 1,
    "type": "story",
    "author": "op",
    "title": "t",
    "children": [
        {"id": 2, "type": "comment", "author": None, "text": None, "created_at_i": None, "children": None},
        {
            "id": 3,
            "type": "comment",
            "author": "x",
            "text": "<p>ok",
            "created_at": "not a date",
            "children": [
                {"id": 4, "type": "comment", "author": None, "text": "<i>orphaned?", "children": []},
                None,
                "junk",
                7,
            ],
        },
    ],
}
LOBSTERS_NULLS = {
    "short_id": "abc",
    "submitter_user": None,
    "comments": [
        {"short_id": "c1", "commenting_user": None, "comment": None, "depth": 0, "created_at": None},
        {
            "short_id": "c2",
            "commenting_user": {"username": None},
            "comment": "<p>x",
            "depth": 5,
            "parent_comment": "c1",
        },
        {"short_id": "c2", "commenting_user": "dup", "comment": "<p>y", "depth": 1},
        {"commenting_user": "no id", "comment": "<p>z"},
    ],
}


def _source(kind: str, server) -> tuple[ThreadSource, SourceConfig]:
    base = server.url("")
    config = SourceConfig(hn_algolia=base, hn_firebase=base, reddit=base, lobsters=base)
    if kind == "wordpress":
        server.route(
            "/wp-json/wp/v2/comments",
            Reply(
                body=json.dumps(WP_NULLS),
                content_type="application/json",
                headers={"X-WP-Total": "7", "X-WP-TotalPages": "1"},
            ),
        )
        return ThreadSource("wordpress", "5", base), config
    if kind == "hackernews":
        server.route("/api/v1/items/1", Reply(body=json.dumps(HN_NULLS), content_type="application/json"))
        server.route("/v0/item/1.json", Reply(body="null", content_type="application/json"))
        return ThreadSource("hackernews", "1", base), config
    if kind == "lobsters":
        server.route("/s/abc.json", Reply(body=json.dumps(LOBSTERS_NULLS), content_type="application/json"))
        return ThreadSource("lobsters", "abc", base), config
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["wordpress", "hackernews", "lobsters"])
async def test_adapters_survive_nulls_junk_duplicates_and_bad_links(kind, server):
    source, config = _source(kind, server)
    async with Fetcher(timeout=5) as fetcher:
        try:
            comments = await load_comments(fetcher, source, config)
        except CommentsError as exc:  # refusing the thread is fine, with a short reason
            assert len(str(exc)) <= 120
            return
    assert comments
    for comment in comments:
        assert (
            isinstance(comment.id, str) and isinstance(comment.author, str) and isinstance(comment.html, str)
        )
        assert comment.link == "" or comment.link.startswith(("http://", "https://"))
        assert comment.time is None or 0 <= comment.time <= time.time() + 2 * 86400 or comment.time > -1e12
    thread = build_thread(comments)
    assert len(thread.nodes) == len({x.id for x in comments})


# -- HTTP faults on a thread's source ---------------------------------------------------------

RESTISH = json.dumps([{"id": 1, "parent": 0, "author_name": "a", "content": {"rendered": "<p>x</p>"}}] * 200)


SOURCE_FAULTS = [
    ("read-timeout", Reply(hang=True), "timed out"),
    ("trickle", Reply(body=RESTISH, trickle=0.2, content_type="application/json"), "timed out"),
    ("reset", Reply(body=RESTISH, reset_after=30, content_type="application/json"), "network error"),
    ("500", Reply(status=500, body="oops"), "server failed (500)"),
    ("429", Reply(status=429, headers={"Retry-After": "120"}), "429"),
    (
        "html-page",
        Reply(body="<!DOCTYPE html><html><body>login</body></html>", content_type="text/html"),
        "web page",
    ),
    ("empty-200", Reply(body=b"", content_type="application/json"), "not JSON"),
    ("redirect-loop", Reply(status=302, headers={"Location": "/wp-json/wp/v2/comments"}), "redirect"),
]


@pytest.mark.parametrize("name,reply,reason", SOURCE_FAULTS, ids=[f[0] for f in SOURCE_FAULTS])
async def test_thread_source_faults_fail_fast_with_a_short_reason(name, reply, reason, server):
    server.route("/wp-json/wp/v2/comments", reply)
    source = ThreadSource("wordpress", "5", server.url(""))
    async with Fetcher(timeout=0.5) as fetcher:
        started = time.monotonic()
        with pytest.raises(CommentsError) as failed:
            await load_comments(fetcher, source, SourceConfig())
        elapsed = time.monotonic() - started
    assert reason in str(failed.value) and len(str(failed.value)) <= 120
    # A trickle never trips a per-read timeout; only a whole-request deadline
    # stops it (the body would take well over a minute at this rate).
    assert elapsed < 8, elapsed


# -- the widget with 100,000 siblings ------------------------------------------------------


@pytest.mark.slow
async def test_one_hundred_thousand_siblings_open_and_navigate():
    from test_comment_tree_ui import host, ready

    flat = [Comment("r", None, "root", NOW, "<p>root</p>")]
    flat += [Comment(f"s{i}", "r", f"u{i}", NOW, f"<p>sibling {i}</p>") for i in range(100_000)]
    app = host(flat)
    async with app.run_test(size=(100, 30)) as pilot:
        tree = await ready(pilot)
        assert tree.visible_count == 100_001
        await pilot.press("G")
        assert tree.cursor_id == "s99999"
        text = "\n".join(tree.render_line(y).text for y in range(tree.size.height))
        assert "sibling 99999" in text
        await pilot.press("K", "p", "space")
        assert tree.cursor_id == "r" and tree.visible_count == 1
        assert app.is_running
