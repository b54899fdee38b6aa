"""Each comment adapter against a loopback server serving fixtures in the real shapes.

The fixtures (tests/fixtures/comments/) all carry one fictional thread: two
top-level comments, the second with replies nested seven levels deep.
"""

from __future__ import annotations

import json
from calendar import timegm
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from loopback import LoggedRequest, Reply

from tui.comments.base import CommentsError, SourceConfig, ThreadSource, parse_time
from tui.comments.registry import load_comments, load_more
from tui.comments.tree import build_thread
from tui.model import Comment
from tui.net import Fetcher

FIXTURES = Path(__file__).parent / "fixtures" / "comments"
JSON = "application/json; charset=UTF-8"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def utc(minute: int) -> float:
    return float(timegm((2026, 11, 26, 17, minute, 0)))


def shape(comments: list[Comment]) -> list[tuple[str, int]]:
    thread = build_thread(comments)
    return [(n.comment.id, n.depth) for n in thread.nodes]


def config_for(server) -> SourceConfig:
    base = server.url("").rstrip("/")
    return SourceConfig(hn_algolia=base, hn_firebase=base, reddit=base, lobsters=base)


# The fixture thread's shape, keyed c1..c10 (each source numbers them its own way).
SHAPE = [
    ("c1", 0),
    ("c2", 0),
    ("c3", 1),
    ("c4", 1),
    ("c5", 2),
    ("c6", 2),
    ("c7", 3),
    ("c8", 4),
    ("c9", 5),
    ("c10", 6),
]


# -- WordPress REST ------------------------------------------------------------


def wp_pages(server, per_page: int = 4, total_header: bool = True):
    comments = json.loads(fixture("wordpress-comments.json"))
    pages = [comments[i : i + per_page] for i in range(0, len(comments), per_page)]

    def handler(req: LoggedRequest) -> Reply:
        query = parse_qs(req.query)
        page = int(query["page"][0])
        headers = {"X-WP-Total": str(len(comments))}
        if total_header:
            headers["X-WP-TotalPages"] = str(len(pages))
        if page > len(pages):
            return Reply(400, '{"code":"rest_post_invalid_page_number"}', content_type=JSON)
        return Reply(200, json.dumps(pages[page - 1]), headers, content_type=JSON)

    server.route("/wp-json/wp/v2/comments", handler)
    return pages


async def test_wordpress_fetches_every_page_and_keeps_the_nesting(server):
    pages = wp_pages(server)
    assert len(pages) == 3
    server.route("/wp-json/wp/v2/posts/77", Reply(body=fixture("wordpress-post.json"), content_type=JSON))
    source = ThreadSource("wordpress", "77", server.url(""), "https://harbour.example/p/")
    async with Fetcher() as fetcher:
        comments = await load_comments(fetcher, source, SourceConfig())

    hits = server.hits("/wp-json/wp/v2/comments")
    assert sorted(parse_qs(h.query)["page"][0] for h in hits) == ["1", "2", "3"]
    first = parse_qs(hits[0].query)
    assert first["post"] == ["77"] and first["per_page"] == ["100"]
    assert first["orderby"] == ["date_gmt"] and first["order"] == ["asc"]

    ids = [c.id for c in comments]
    assert "599" not in ids  # status "spam"
    assert ids == [str(500 + n) for n in range(1, 11)]
    assert shape(comments) == [(str(500 + int(k[1:])), d) for k, d in SHAPE]
    by_id = {c.id: c for c in comments}
    assert by_id["501"].parent_id is None and by_id["510"].parent_id == "509"
    assert by_id["501"].author == "Maren Holt"
    assert by_id["501"].time == utc(5)  # date_gmt is naive UTC, not the site-local "date"
    assert by_id["510"].link.endswith("#comment-510")
    assert "[bold]not markup[/bold]" in by_id["510"].html
    assert [c.id for c in comments if c.by_author] == ["506"]  # user 3 wrote the post


async def test_wordpress_accepts_a_wp_json_root_and_no_post_author(server):
    wp_pages(server, per_page=100, total_header=False)
    source = ThreadSource("wordpress", "77", server.url("/wp-json/"), "")
    async with Fetcher() as fetcher:
        comments = await load_comments(fetcher, source, SourceConfig())
    assert len(comments) == 10
    assert not any(c.by_author for c in comments)  # posts/77 is 404 here: unknown, so unmarked
    assert len(server.hits("/wp-json/wp/v2/comments")) == 1


async def test_wordpress_rest_route_root(server):
    comments = json.loads(fixture("wordpress-comments.json"))

    def handler(req: LoggedRequest) -> Reply:
        query = parse_qs(req.query)
        if query.get("rest_route") != ["/wp/v2/comments"]:
            return Reply(404, "{}", content_type=JSON)
        return Reply(200, json.dumps(comments), {"X-WP-TotalPages": "1"}, content_type=JSON)

    server.route("/", handler)
    source = ThreadSource("wordpress", "77", server.url("/?rest_route=/"), "")
    async with Fetcher() as fetcher:
        result = await load_comments(fetcher, source, SourceConfig())
    assert len(result) == 10


async def test_wordpress_page_count_is_capped(server, monkeypatch):
    import tui.comments.adapters.wordpress as wordpress

    monkeypatch.setattr(wordpress, "MAX_PAGES", 3)
    server.route(
        "/wp-json/wp/v2/comments",
        Reply(200, "[]", {"X-WP-TotalPages": "100000"}, content_type=JSON),
    )
    source = ThreadSource("wordpress", "77", server.url(""), "")
    async with Fetcher() as fetcher:
        assert await load_comments(fetcher, source, SourceConfig()) == []
    assert len(server.hits("/wp-json/wp/v2/comments")) == 3


async def test_wordpress_falls_back_to_the_comment_feed_when_rest_is_off(server):
    server.route("/wp-json/wp/v2/comments", Reply(401, '{"code":"rest_forbidden"}', content_type=JSON))
    feed = server.route(
        "/p/feed/atom/", Reply(body=fixture("atom-comments.xml"), content_type="application/atom+xml")
    )
    source = ThreadSource(
        "wordpress",
        "77",
        server.url(""),
        "https://harbour.example/p/",
        (("feed", feed), ("feed_kind", "atom")),
    )
    async with Fetcher() as fetcher:
        comments = await load_comments(fetcher, source, SourceConfig())
    assert len(comments) == 10 and max(d for _, d in shape(comments)) == 6


# -- Atom (RFC 4685) and RSS comment feeds --------------------------------------------------

GUID = "https://harbour.example/?p=77"


async def test_atom_threading_with_a_non_standard_prefix(server):
    url = server.route(
        "/feed/atom/", Reply(body=fixture("atom-comments.xml"), content_type="application/atom+xml")
    )
    async with Fetcher() as fetcher:
        comments = await load_comments(fetcher, ThreadSource("atom", url, "", ""), SourceConfig())
    cid = {k: f"{GUID}#comment-{500 + int(k[1:])}" for k, _ in SHAPE}
    assert shape(comments) == [(cid[k], d) for k, d in SHAPE]
    by_id = {c.id: c for c in comments}
    assert by_id[cid["c1"]].parent_id is None  # in reply to the post itself
    assert by_id[cid["c3"]].parent_id == cid["c2"]
    assert by_id[cid["c8"]].author == "Ruth Calloway"
    assert by_id[cid["c8"]].time == utc(34)
    assert by_id[cid["c8"]].link == "https://harbour.example/2026/11/storm-idris-live/#comment-508"
    assert by_id[cid["c8"]].html.startswith("<p>It was not switched off")


async def test_atom_window_without_the_parent_leaves_an_orphan(server):
    # Drop c4 from the feed (it "scrolled out of the window"): its replies keep
    # naming it, so the tree builder shows them as orphans, not as top-level posts.
    body = fixture("atom-comments.xml").decode()
    c4 = body.index(f"<id>{GUID}#comment-504</id>")
    entry_start = body.rindex("<entry>", 0, c4)
    entry_end = body.index("</entry>", c4) + len("</entry>")
    body = body[:entry_start] + body[entry_end:]
    url = server.route("/feed/atom/", Reply(body=body, content_type="application/atom+xml"))
    async with Fetcher() as fetcher:
        comments = await load_comments(
            fetcher, ThreadSource("atom", url, "", "", (("post", GUID),)), SourceConfig()
        )
    thread = build_thread(comments)
    orphans = sorted(n.comment.id for n in thread.nodes if n.orphan)
    assert orphans == [f"{GUID}#comment-505", f"{GUID}#comment-506"]


async def test_rss_comment_feed_is_flat_and_oldest_first(server):
    url = server.route("/p/feed/", Reply(body=fixture("rss-comments.xml")))
    async with Fetcher() as fetcher:
        comments = await load_comments(fetcher, ThreadSource("rss", url, "", ""), SourceConfig())
    assert [c.id for c in comments] == [f"{GUID}#comment-{n}" for n in (507, 508, 509, 510)]
    assert all(c.parent_id is None for c in comments)
    assert [c.author for c in comments] == ["Dale Okoro", "Ruth Calloway", "Tobias Reyne", "Ruth Calloway"]
    assert comments[0].time == utc(26)
    assert comments[3].html.startswith("<p>There is one.")


async def test_a_web_page_is_not_a_comment_feed(server):
    url = server.route("/feed/", Reply(body="<html><body>Oops</body></html>", content_type="text/html"))
    async with Fetcher() as fetcher:
        with pytest.raises(CommentsError, match="not a comment feed"):
            await load_comments(fetcher, ThreadSource("rss", url, "", ""), SourceConfig())


# -- Hacker News -----------------------------------------------------------------------

HN = {k: str(41000100 + int(k[1:])) for k, _ in SHAPE}


def serve_hn(server, firebase: Reply | None = None) -> None:
    server.route("/api/v1/items/41000100", Reply(body=fixture("hn-algolia.json"), content_type=JSON))
    server.route(
        "/v0/item/41000100.json",
        firebase or Reply(body=fixture("hn-firebase.json"), content_type=JSON),
    )


async def test_hackernews_tree_ranked_by_firebase(server):
    serve_hn(server)
    source = ThreadSource(
        "hackernews", "41000100", server.url(""), "https://news.ycombinator.com/item?id=41000100"
    )
    async with Fetcher() as fetcher:
        comments = await load_comments(fetcher, source, config_for(server))
    result = shape(comments)
    # Firebase kids: c2, then the deleted comment, then c1 (Algolia had c1 first).
    tops = [cid for cid, depth in result if depth == 0]
    assert tops == [HN["c2"], "41000199", HN["c1"]]
    c2_subtree = [(cid, d) for cid, d in result if cid in HN.values() and cid != HN["c1"]]
    assert c2_subtree == [(HN[k], d) for k, d in SHAPE if k != "c1"]
    by_id = {c.id: c for c in comments}
    assert by_id[HN["c3"]].parent_id == HN["c2"] and by_id[HN["c1"]].parent_id is None
    assert by_id[HN["c9"]].author == "treyne" and by_id[HN["c9"]].time == utc(41)
    assert by_id[HN["c9"]].link == "https://news.ycombinator.com/item?id=" + HN["c9"]
    assert [c.id for c in comments if c.by_author] == [HN["c6"]]


async def test_hackernews_deleted_comment_keeps_its_replies(server):
    serve_hn(server)
    async with Fetcher() as fetcher:
        comments = await load_comments(
            fetcher, ThreadSource("hackernews", "41000100", server.url(""), ""), config_for(server)
        )
    by_id = {c.id: c for c in comments}
    gone = by_id["41000199"]
    assert gone.deleted and gone.author == "" and gone.html == ""
    assert by_id["41000198"].parent_id == "41000199" and not by_id["41000198"].deleted
    assert not by_id[HN["c1"]].deleted


async def test_hackernews_without_firebase_keeps_algolia_order(server):
    serve_hn(server, firebase=Reply(503, "down", content_type="text/plain"))
    async with Fetcher() as fetcher:
        comments = await load_comments(
            fetcher, ThreadSource("hackernews", "41000100", server.url(""), ""), config_for(server)
        )
    tops = [cid for cid, depth in shape(comments) if depth == 0]
    assert tops == [HN["c1"], "41000199", HN["c2"]]


async def test_hackernews_ten_thousand_deep_chain(server):
    depth = 10_000
    opening = "".join(
        f'{{"id":{i},"author":"u{i % 7}","created_at_i":1795000000,"text":"<p>{i}</p>","children":['
        for i in range(1, depth + 1)
    )
    body = '{"id":1000000,"type":"story","author":"op","children":[' + opening + "]}" * depth + "]}"
    server.route("/api/v1/items/1000000", Reply(body=body, content_type=JSON))
    server.route("/v0/item/1000000.json", Reply(body='{"id":1000000,"kids":[1]}', content_type=JSON))
    async with Fetcher() as fetcher:
        comments = await load_comments(
            fetcher, ThreadSource("hackernews", "1000000", server.url(""), ""), config_for(server)
        )
    assert len(comments) == depth
    assert comments[-1].id == str(depth) and comments[-1].parent_id == str(depth - 1)
    thread = build_thread(comments)
    assert thread.nodes[-1].depth == depth - 1 and thread.nodes[0].size == depth - 1


# -- Reddit ---------------------------------------------------------------------------

RD = {k: f"k{int(k[1:]):02d}x" for k, _ in SHAPE}


async def test_reddit_thread_with_replies_listings_and_stubs(server):
    server.route("/comments/1q2w3e.json", Reply(body=fixture("reddit-thread.json"), content_type=JSON))
    source = ThreadSource("reddit", "1q2w3e", server.url(""), "")
    async with Fetcher() as fetcher:
        comments = await load_comments(fetcher, source, config_for(server))
    assert parse_qs(server.hits("/comments/1q2w3e.json")[0].query) == {"raw_json": ["1"]}
    result = shape(comments)
    expected = [
        (RD["c1"], 0),
        ("d01x", 0),
        ("d02x", 1),
        (RD["c2"], 0),
        (RD["c3"], 1),
        (RD["c4"], 1),
        (RD["c5"], 2),
        (RD["c6"], 2),
        (RD["c7"], 3),
        (RD["c8"], 4),
        (RD["c9"], 5),
        (RD["c10"], 6),
        ("more:_" + RD["c9"], 6),  # "continue this thread", attached where it belongs
    ]
    # The three-reply stub sits under c4, after its sent replies.
    expected.insert(expected.index((RD["c7"], 3)) + 5, ("more:m01x", 2))
    assert result == expected
    by_id = {c.id: c for c in comments}
    stub = by_id["more:m01x"]
    assert stub.more == 3 and stub.more_ids == ["m01x", "m02x", "m03x"] and stub.parent_id == RD["c4"]
    assert by_id["d01x"].deleted and by_id["d01x"].author == ""
    assert by_id[RD["c6"]].by_author and not by_id[RD["c7"]].by_author
    assert by_id[RD["c8"]].time == utc(34) and by_id[RD["c8"]].author == "ruthc"
    assert by_id[RD["c8"]].html.startswith('<div class="md"><p>It was not')
    assert by_id[RD["c8"]].link.startswith(server.url("/r/harbourtown/comments/1q2w3e/"))
    assert by_id[RD["c8"]].score == 23


async def test_reddit_load_more_expands_a_stub(server):
    server.route("/api/morechildren.json", Reply(body=fixture("reddit-morechildren.json"), content_type=JSON))
    stub = Comment(id="more:m01x", parent_id=RD["c4"], more=3, more_ids=["m01x", "m02x", "m03x"])
    async with Fetcher() as fetcher:
        more = await load_more(
            fetcher, ThreadSource("reddit", "1q2w3e", server.url(""), ""), stub, config_for(server)
        )
    query = parse_qs(server.hits("/api/morechildren.json")[0].query)
    assert query["link_id"] == ["t3_1q2w3e"] and query["children"] == ["m01x,m02x,m03x"]
    assert query["api_type"] == ["json"] and query["raw_json"] == ["1"]
    assert [(c.id, c.parent_id) for c in more] == [("m01x", RD["c4"]), ("m02x", "m01x"), ("m03x", RD["c4"])]
    assert more[1].by_author


async def test_reddit_continue_this_thread_stub(server):
    server.route(
        f"/comments/1q2w3e/_/{RD['c9']}.json",
        Reply(
            body=json.dumps(
                [
                    {"kind": "Listing", "data": {"children": []}},
                    {
                        "kind": "Listing",
                        "data": {
                            "children": [
                                {
                                    "kind": "t1",
                                    "data": {
                                        "id": RD["c9"],
                                        "parent_id": "t1_" + RD["c8"],
                                        "author": "treyne",
                                        "replies": {
                                            "kind": "Listing",
                                            "data": {
                                                "children": [
                                                    {
                                                        "kind": "t1",
                                                        "data": {
                                                            "id": "z01x",
                                                            "parent_id": "t1_" + RD["c9"],
                                                            "author": "deepuser",
                                                            "body": "deep",
                                                            "replies": "",
                                                        },
                                                    }
                                                ]
                                            },
                                        },
                                    },
                                }
                            ]
                        },
                    },
                ]
            ),
            content_type=JSON,
        ),
    )
    stub = Comment(id="more:_" + RD["c9"], parent_id=RD["c9"], more=1)
    async with Fetcher() as fetcher:
        more = await load_more(
            fetcher, ThreadSource("reddit", "1q2w3e", server.url(""), ""), stub, config_for(server)
        )
    assert [(c.id, c.parent_id, c.html) for c in more] == [("z01x", RD["c9"], "<p>deep</p>")]


# -- Lobsters ---------------------------------------------------------------------------

LB = {k: f"lb{int(k[1:]):02d}qz" for k, _ in SHAPE}


async def test_lobsters_story(server):
    server.route("/s/q7x2ab.json", Reply(body=fixture("lobsters-story.json"), content_type=JSON))
    async with Fetcher() as fetcher:
        comments = await load_comments(
            fetcher, ThreadSource("lobsters", "q7x2ab", server.url(""), ""), config_for(server)
        )
    assert shape(comments) == [(LB[k], d) for k, d in SHAPE]
    by_id = {c.id: c for c in comments}
    assert by_id[LB["c1"]].deleted and by_id[LB["c3"]].dead
    assert by_id[LB["c3"]].author == "ivarga"  # given as {"username": ...}
    assert by_id[LB["c8"]].author == "ruthc" and by_id[LB["c8"]].time == utc(34)
    assert [c.id for c in comments if c.by_author] == [LB["c6"]]
    assert by_id[LB["c8"]].link == "https://lobste.rs/c/" + LB["c8"]


async def test_lobsters_parents_from_depth_when_not_named(server):
    story = json.loads(fixture("lobsters-story.json"))
    for c in story["comments"]:
        del c["parent_comment"]
    server.route("/s/q7x2ab.json", Reply(body=json.dumps(story), content_type=JSON))
    async with Fetcher() as fetcher:
        comments = await load_comments(
            fetcher, ThreadSource("lobsters", "q7x2ab", server.url(""), ""), config_for(server)
        )
    assert shape(comments) == [(LB[k], d) for k, d in SHAPE]


# -- errors ---------------------------------------------------------------------------

ERROR_SOURCES = [
    ThreadSource("wordpress", "77", "{base}", ""),
    ThreadSource("hackernews", "41000100", "{base}", ""),
    ThreadSource("reddit", "1q2w3e", "{base}", ""),
    ThreadSource("lobsters", "q7x2ab", "{base}", ""),
]


def _at(source: ThreadSource, server) -> ThreadSource:
    return ThreadSource(source.kind, source.ref, server.url(""), source.page_url)


@pytest.mark.parametrize("source", ERROR_SOURCES, ids=lambda s: s.kind)
async def test_missing_thread_is_a_short_404_reason(server, source):
    async with Fetcher() as fetcher:
        with pytest.raises(CommentsError) as err:
            await load_comments(fetcher, _at(source, server), config_for(server))
    assert str(err.value) == "comments are closed or missing (404)"


@pytest.mark.parametrize("source", ERROR_SOURCES, ids=lambda s: s.kind)
async def test_a_body_that_is_not_json(server, source):
    page = Reply(body="<!doctype html><title>Cloudflare</title>", content_type="text/html")
    for path in (
        "/wp-json/wp/v2/comments",
        "/api/v1/items/41000100",
        "/comments/1q2w3e.json",
        "/s/q7x2ab.json",
    ):
        server.route(path, page)
    async with Fetcher() as fetcher:
        with pytest.raises(CommentsError, match=r"^not JSON"):
            await load_comments(fetcher, _at(source, server), config_for(server))


async def test_truncated_json_is_not_json(server):
    server.route("/s/q7x2ab.json", Reply(body='{"comments": [', content_type=JSON))
    async with Fetcher() as fetcher:
        with pytest.raises(CommentsError, match=r"^not JSON$"):
            await load_comments(
                fetcher, ThreadSource("lobsters", "q7x2ab", server.url(""), ""), config_for(server)
            )


async def test_server_errors_and_bad_ids(server):
    server.route("/s/q7x2ab.json", Reply(503, "busy", content_type="text/plain"))
    async with Fetcher() as fetcher:
        with pytest.raises(CommentsError, match=r"\(503\)"):
            await load_comments(
                fetcher, ThreadSource("lobsters", "q7x2ab", server.url(""), ""), config_for(server)
            )
        with pytest.raises(CommentsError, match="not a Hacker News item id"):
            await load_comments(
                fetcher, ThreadSource("hackernews", "../x", server.url(""), ""), config_for(server)
            )
        with pytest.raises(CommentsError, match="unknown comment source"):
            await load_comments(fetcher, ThreadSource("usenet", "x", "", ""), config_for(server))
    assert len(server.requests) == 1


async def test_oversized_body_is_refused(server, monkeypatch):
    import tui.comments.base as base

    monkeypatch.setattr(base, "MAX_BODY", 1000)
    server.route("/s/q7x2ab.json", Reply(body=fixture("lobsters-story.json"), content_type=JSON))
    async with Fetcher() as fetcher:
        with pytest.raises(CommentsError, match="too large"):
            await load_comments(
                fetcher, ThreadSource("lobsters", "q7x2ab", server.url(""), ""), config_for(server)
            )


# -- time parsing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-11-26T17:05:00", utc(5)),
        ("2026-11-26T17:05:00Z", utc(5)),
        ("2026-11-26T17:05:00.000Z", utc(5)),
        ("2026-11-26T18:05:00+01:00", utc(5)),
        ("2026-11-26T11:05:00.000-06:00", utc(5)),
        ("2026-11-26 17:05:00", utc(5)),
        (utc(5), utc(5)),
        (int(utc(5)), utc(5)),
        ("yesterday", None),
        ("", None),
        (None, None),
        (True, None),
        (float("nan"), None),
        ("2026-13-45T99:00:00", None),
        ({"a": 1}, None),
    ],
)
def test_parse_time(value, expected):
    assert parse_time(value) == expected


async def test_wordpress_one_failing_page_fails_the_thread(server):
    comments = json.loads(fixture("wordpress-comments.json"))

    def handler(req: LoggedRequest) -> Reply:
        page = int(parse_qs(req.query)["page"][0])
        if page == 2:
            return Reply(500, "<h1>fatal error</h1>", content_type="text/html")
        return Reply(200, json.dumps(comments[:2]), {"X-WP-TotalPages": "3"}, content_type=JSON)

    server.route("/wp-json/wp/v2/comments", handler)
    async with Fetcher() as fetcher:
        with pytest.raises(CommentsError) as err:
            await load_comments(fetcher, ThreadSource("wordpress", "77", server.url(""), ""), SourceConfig())
    assert str(err.value) == "the server failed (500)"


# -- moderator marks ------------------------------------------------------------------


async def test_reddit_distinguished_comments_carry_their_role(server):
    thread = json.loads(fixture("reddit-thread.json"))
    top = thread[1]["data"]["children"]
    top[0]["data"]["distinguished"] = "moderator"
    top[1]["data"]["distinguished"] = "admin"
    top[1]["data"]["replies"]["data"]["children"][0]["data"]["distinguished"] = "special"  # not a mark
    server.route("/comments/1q2w3e.json", Reply(body=json.dumps(thread), content_type=JSON))
    async with Fetcher() as fetcher:
        comments = await load_comments(
            fetcher, ThreadSource("reddit", "1q2w3e", server.url(""), ""), config_for(server)
        )
    roles = {c.id: c.role for c in comments if c.role}
    assert roles == {top[0]["data"]["id"]: "moderator", top[1]["data"]["id"]: "admin"}


async def test_lobsters_user_objects_carry_moderators_and_admins(server):
    story = json.loads(fixture("lobsters-story.json"))
    first, second, third = story["comments"][:3]
    first["commenting_user"] = {"username": "pia", "is_moderator": True, "is_admin": False}
    second["commenting_user"] = {"username": "ole", "is_moderator": True, "is_admin": True}
    third["commenting_user"] = {"username": "kim", "is_moderator": "yes"}  # not a boolean: no mark
    server.route("/s/q7x2ab.json", Reply(body=json.dumps(story), content_type=JSON))
    async with Fetcher() as fetcher:
        comments = await load_comments(
            fetcher, ThreadSource("lobsters", "q7x2ab", server.url(""), ""), config_for(server)
        )
    by_author = {c.author: c.role for c in comments}
    assert (by_author["pia"], by_author["ole"], by_author["kim"]) == ("moderator", "admin", "")
