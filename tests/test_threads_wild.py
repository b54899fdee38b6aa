"""Threads from the wild (issue 12): what real recorded threads did to the reader.

Every source is served by a loopback server in its public API's own shape
(Algolia and Firebase for Hacker News, /comments and /api/morechildren for
reddit, /s/<id>.json for Lobsters); the payloads are built here so each test
shows the one oddity it is about.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs

from loopback import LoggedRequest, Reply

from tui.comments.base import SourceConfig, ThreadSource, as_int
from tui.comments.post import split_post
from tui.comments.session import ThreadSession
from tui.config import Config
from tui.model import Comment
from tui.net import Fetcher
from tui.store import Store
from tui.text.deepjson import loads
from tui.ui.app import ThreadlineApp
from tui.ui.screens.thread import ThreadScreen

JSON = "application/json; charset=utf-8"
T0 = 1_795_712_280
STORY = 41000100


async def wait_for(pilot, predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


def config_for(server) -> SourceConfig:
    base = server.url("").rstrip("/")
    return SourceConfig(hn_algolia=base, hn_firebase=base, reddit=base, lobsters=base)


def app_config(server, kind: str = "hn") -> Config:
    """The app's config with one source's host and API at the loopback server."""
    base = server.url("").rstrip("/")
    host = f"127.0.0.1:{server.port}"
    sources = {"hn_algolia": base, "hn_firebase": base, "reddit": base, "lobsters": base}
    sources[f"{kind}_hosts"] = host
    return Config(timezone="UTC", sources=sources)


# -- Hacker News in Algolia's and Firebase's shapes ------------------------------------


def hn_item(item_id, author="mholt", text="<p>hello</p>", children=(), minute=0, points=None, **extra):
    """One Algolia /api/v1/items node, as Algolia sends it (ids as JSON numbers)."""
    return {
        "id": item_id,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(T0 + 60 * minute)),
        "created_at_i": T0 + 60 * minute,
        "type": "comment",
        "author": author,
        "title": None,
        "url": None,
        "text": text,
        "points": points,
        "parent_id": STORY,
        "story_id": STORY,
        "options": [],
        "children": list(children),
        **extra,
    }


def hn_story(children) -> dict:
    return {**hn_item(STORY, author="plund", text=None, children=children), "type": "story", "title": "Storm"}


def serve_hn_raw(server, algolia: str, kids: list[int] | None = None, by: str = "plund") -> None:
    server.route(f"/api/v1/items/{STORY}", Reply(body=algolia, content_type=JSON))
    firebase = {"by": by, "id": STORY, "kids": kids or [], "type": "story", "time": T0}
    server.route(f"/v0/item/{STORY}.json", Reply(body=json.dumps(firebase), content_type=JSON))


def hn_url(server) -> str:
    return server.url(f"/item?id={STORY}")


# -- 1. bad data costs only itself -----------------------------------------------------------


async def test_a_lone_surrogate_in_one_comment_is_kept_and_shown_not_the_whole_thread_lost(server):
    story = hn_story(
        [
            hn_item(1, author="fine", text="<p>first</p>"),
            hn_item(2, author="bad\ud800name", text="<p>half an emoji: \udc3d here</p>", minute=1),
            hn_item(3, author="also", text="<p>third</p>", minute=2),
        ]
    )
    # json.dumps writes the lone surrogates as \ud800 escapes, exactly as Algolia did.
    body = json.dumps(story)
    assert "\\ud800" in body
    serve_hn_raw(server, body, kids=[1, 2, 3])
    store = Store.memory()
    app = ThreadlineApp(store, app_config(server), poll=False, thread_url=hn_url(server))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen._updated_at is not None or screen._error)
        assert screen._error == ""
        assert [n.comment.id for n in screen.comment_tree.thread.nodes] == ["1", "2", "3"]
        await pilot.pause(0.1)
    # The cache kept the thread, the lone surrogates replaced, and reads back whole.
    session = ThreadSession(store, None, ThreadSource("hackernews", str(STORY), server.url("").rstrip("/")))  # type: ignore[arg-type]
    cached = await session.cached()
    assert cached is not None and [c.id for c in cached] == ["1", "2", "3"]
    assert cached[1].author == "bad\ufffdname" and "\ufffd here" in cached[1].html


async def test_a_five_thousand_digit_id_or_score_costs_only_that_comment(server):
    huge = "9" * 5000
    story = hn_story(
        [
            hn_item(1, text="<p>first</p>", points=12),
            hn_item("ID", text="<p>junk id</p>", children=[hn_item(3, text="<p>reply to junk</p>")]),
            hn_item(4, text="<p>junk points</p>", points="POINTS"),
        ]
    )
    body = json.dumps(story).replace('"ID"', huge).replace('"POINTS"', huge)
    serve_hn_raw(server, body, kids=[1, 4])
    async with Fetcher() as fetcher:
        session = ThreadSession(
            Store.memory(), fetcher, ThreadSource("hackernews", str(STORY)), config_for(server)
        )
        comments = await session.load()
    by_id = {c.id: c for c in comments}
    # The junk-id comment cannot be named; its reply survives at its level.
    assert set(by_id) == {"1", "3", "4"}
    assert by_id["3"].parent_id is None
    assert by_id["1"].score == 12 and by_id["4"].score is None


def test_integers_are_bounded_everywhere():
    huge = "1" * 5000
    assert loads(f'{{"id": {huge}, "n": 5}}') == {"id": None, "n": 5}
    assert loads("[" * 3000 + huge + "]" * 3000) is not None  # the deep decoder too
    assert as_int(huge) is None and as_int(2**64) is None and as_int(-(2**64)) is None
    assert as_int(1e300) is None and as_int("٣") is None
    assert as_int(" 42 ") == 42 and as_int(2**63 - 1) == 2**63 - 1


def corrupt(store: Store, text) -> None:
    with store._tx() as db:
        db.execute("UPDATE threads SET comments=?", (text,))


def test_an_unreadable_cached_thread_is_dropped_not_raised():
    store = Store.memory()
    good = [Comment(id="a", html="<p>x</p>"), Comment(id="b", parent_id="a", more_ids=["c"], more=1)]
    store.save_thread("k", "hackernews", good)
    kept = store.load_thread("k")
    assert kept is not None and kept[0] == good
    for broken in (
        "{not json",
        '{"format": 2, "comments": []}',  # a newer format: not a list
        '[{"id": "a", "reactions": {"+1": 3}}]',  # a newer field this version does not know
        '[{"parent_id": null, "html": "no id"}]',
        '[{"id": 5}]',
        '[{"id": ""}]',
        '[{"id": "a", "more_ids": "c"}]',
        '[{"id": "a", "time": "yesterday"}]',
        '["a"]',
        b"\xff\x00not text",  # bytes that are not UTF-8
    ):
        corrupt(store, broken)
        assert store.load_thread("k") is None, broken


async def test_a_thread_with_an_unreadable_cache_opens_and_is_refetched(server):
    serve_hn_raw(server, json.dumps(hn_story([hn_item(1), hn_item(2, minute=1)])), kids=[1, 2])
    store = Store.memory()
    source_key = ThreadSource("hackernews", str(STORY), server.url("").rstrip("/")).key
    store.save_thread(source_key, "hackernews", [Comment(id="old")])
    corrupt(store, '[{"id": "old", "from_the_future": true}]')
    app = ThreadlineApp(store, app_config(server), poll=False, thread_url=hn_url(server))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        tree = app.screen.comment_tree
        await wait_for(pilot, lambda: len(tree.thread) == 2)
        await wait_for(pilot, lambda: len((store.load_thread(source_key) or ([],))[0]) == 3)
    kept = store.load_thread(source_key)
    assert kept is not None
    post, comments = split_post(kept[0])  # the post is kept with the comments, last
    assert [c.id for c in comments] == ["1", "2"] and post is not None and post.title == "Storm"


async def test_escape_from_a_thread_opened_from_the_command_line_quits(server):
    serve_hn_raw(server, json.dumps(hn_story([hn_item(1)])), kids=[1])
    app = ThreadlineApp(Store.memory(), app_config(server), poll=False, thread_url=hn_url(server))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        await wait_for(pilot, lambda: len(app.screen.comment_tree.thread) == 1)
        screen = app.screen
        await pilot.press("slash")  # the first escape only closes the search
        await pilot.press("escape")
        assert app.screen is screen and app.return_code is None
        await pilot.press("escape")
        await pilot.pause(0.2)
        # Quit, rather than dismissed into an empty "No feeds yet" timeline.
        assert app.return_code == 0
        assert screen in app.screen_stack


# -- 2. reddit "load more", completely ------------------------------------------------------

POST = "1q2w3e"


def t1(cid: str, parent: str, author: str = "someone", body: str = "words", submitter: bool = False) -> dict:
    """A reddit t1 thing as /comments and /api/morechildren send it (raw_json=1)."""
    return {
        "kind": "t1",
        "data": {
            "id": cid,
            "name": f"t1_{cid}",
            "parent_id": parent,
            "link_id": f"t3_{POST}",
            "author": author,
            "body": body,
            "body_html": f'<div class="md"><p>{body}</p></div>',
            "created_utc": float(T0),
            "score": 3,
            "is_submitter": submitter,
            "permalink": f"/r/harbourtown/comments/{POST}/the_quay/{cid}/",
            "replies": "",
        },
    }


def more_thing(parent: str, ids: list[str], count: int) -> dict:
    return {
        "kind": "more",
        "data": {"id": ids[0], "name": f"t1_{ids[0]}", "parent_id": parent, "count": count, "children": ids},
    }


def reddit_thread(children: list[dict], op: str = "priya_lund") -> str:
    post = {"kind": "t3", "data": {"id": POST, "name": f"t3_{POST}", "author": op, "title": "The quay"}}
    return json.dumps(
        [
            {"kind": "Listing", "data": {"children": [post]}},
            {"kind": "Listing", "data": {"children": children}},
        ]
    )


def serve_morechildren(server, fail_on: int | None = None, headers: dict | None = None) -> list[list[str]]:
    """/api/morechildren: each asked id comes back as a comment, every tenth with
    a reply of its own (morechildren's flat list, parents by parent_id)."""
    asked: list[list[str]] = []

    def handler(req: LoggedRequest) -> Reply:
        ids = parse_qs(req.query)["children"][0].split(",")
        asked.append(ids)
        if fail_on is not None and len(asked) == fail_on:
            return Reply(500, "oops", content_type="text/plain")
        things = []
        for cid in ids:
            things.append(t1(cid, "t1_top1"))
            if cid.endswith("0"):
                things.append(t1(cid + "r", f"t1_{cid}"))
        body = {"json": {"errors": [], "data": {"things": things}}}
        return Reply(body=json.dumps(body), content_type=JSON, headers=headers or {})

    server.route("/api/morechildren.json", handler)
    return asked


def big_stub_ids(n: int) -> list[str]:
    return [f"x{i:04d}" for i in range(n)]


async def test_every_id_of_a_stub_is_asked_for_in_batches_of_a_hundred(server):
    from tui.comments.adapters.reddit import load_more

    ids = big_stub_ids(2050)
    asked = serve_morechildren(server)
    stub = Comment(id="more:x0000", parent_id="top1", more=4175, more_ids=ids)
    seen_progress: list[int] = []
    config = config_for(server)
    config.reddit_more_interval = 0
    async with Fetcher() as fetcher:
        replies = await load_more(
            fetcher,
            ThreadSource("reddit", POST),
            stub,
            config,
            progress=lambda got: seen_progress.append(got[-1].more),
        )
    assert [len(b) for b in asked] == [100] * 20 + [50]
    assert [i for b in asked for i in b] == ids  # every id, once, in order
    assert len(replies) == 2050 + 205 and not any(c.more for c in replies)
    # While loading, the last reply was a stub for the rest, with its true count:
    # 4175 less what arrived (100 asked -> 110 comments each time).
    assert seen_progress[0] == 4175 - 110 and seen_progress[-1] == 4175 - 20 * 110


async def test_the_published_rate_limit_spaces_batches_and_a_spent_budget_leaves_a_stub(server):
    from tui.comments.adapters.reddit import REST_SUFFIX, load_more

    ids = big_stub_ids(300)
    config = config_for(server)
    config.reddit_more_interval = 0
    # Two requests left in a 0.4 s window: 0.2 s between requests at least.
    asked = serve_morechildren(server, headers={"X-Ratelimit-Remaining": "2", "X-Ratelimit-Reset": "0.4"})
    stub = Comment(id="more:x0000", parent_id="top1", more=300, more_ids=ids)
    async with Fetcher() as fetcher:
        began = time.monotonic()
        await load_more(fetcher, ThreadSource("reddit", POST), stub, config)
        assert time.monotonic() - began >= 0.4
    assert len(asked) == 3
    server.routes.clear()
    asked = serve_morechildren(server, headers={"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "300"})
    async with Fetcher() as fetcher:
        replies = await load_more(fetcher, ThreadSource("reddit", POST), stub, config)
    assert len(asked) == 1  # the window is spent for five minutes: stop, keep a stub
    rest = replies[-1]
    assert rest.id == stub.id + REST_SUFFIX and rest.more_ids == ids[100:]
    assert rest.more == 200  # 300 less the 110 loaded is 190, but 200 ids are still listed


async def open_reddit(server, pilot_size=(110, 40)):
    stub_ids = big_stub_ids(250)
    children = [t1("top1", f"t3_{POST}", author="priya_lund", body="the first"), t1("top2", f"t3_{POST}")]
    children[0]["data"]["replies"] = {
        "kind": "Listing",
        "data": {"children": [t1("kid1", "t1_top1"), more_thing("t1_top1", stub_ids, 400)]},
    }
    server.route(f"/comments/{POST}.json", Reply(body=reddit_thread(children), content_type=JSON))
    config = app_config(server, "reddit")
    config.sources["reddit_more_interval"] = "0"
    app = ThreadlineApp(
        Store.memory(), config, poll=False, thread_url=server.url(f"/r/harbourtown/comments/{POST}/the_quay/")
    )
    return app, stub_ids


async def test_enter_on_a_big_stub_loads_it_all_not_as_new_and_lands_on_the_first_reply(server):
    asked = serve_morechildren(server)
    app, stub_ids = await open_reddit(server)
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        screen = app.screen
        tree = screen.comment_tree
        await wait_for(pilot, lambda: "more:x0000" in tree.thread.index)
        # The stub is not a comment; what it hides is counted apart.
        await wait_for(pilot, lambda: "3 of 403 comments" in str(screen.query_one("#thread-title").render()))
        # The post's author is OP even where reddit's is_submitter is false.
        nodes, index = tree.thread.nodes, tree.thread.index
        assert nodes[index["top1"]].comment.by_author and not nodes[index["top2"]].comment.by_author
        tree.move_to("more:x0000")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "x0249" in tree.thread.index and not screen._expanding)
        await pilot.pause(0.1)
        assert [len(b) for b in asked] == [100, 100, 50]
        assert not any(n.comment.more for n in tree.thread.nodes)  # all loaded: no stub left
        assert tree.new_ids == set() and tree.arrived == 0  # asked for, so not "new"
        assert "arrived" not in str(screen.query_one("#thread-status").render())
        assert tree.cursor_id == "x0000"  # the first loaded reply, not the row above
        await wait_for(pilot, lambda: "  278 comments" in str(screen.query_one("#thread-title").render()))


async def test_a_failed_batch_keeps_what_arrived_and_a_stub_for_the_rest(server):
    asked = serve_morechildren(server, fail_on=2)
    app, stub_ids = await open_reddit(server)
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        screen = app.screen
        tree = screen.comment_tree
        await wait_for(pilot, lambda: "more:x0000" in tree.thread.index)
        tree.move_to("more:x0000")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(asked) == 2 and not screen._expanding)
        await pilot.pause(0.2)
        assert "x0099" in tree.thread.index and "x0100" not in tree.thread.index
        rest = tree.thread.nodes[tree.thread.index["more:x0000+"]].comment
        assert rest.more_ids == stub_ids[100:] and rest.more == 400 - 110
        assert "server failed" in str(screen.query_one("#thread-status").render())
        # Enter on the rest asks for exactly the rest.
        server.routes.clear()
        asked = serve_morechildren(server)
        tree.move_to("more:x0000+")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "x0249" in tree.thread.index and not screen._expanding)
        assert [i for b in asked for i in b] == stub_ids[100:]
        assert not any(n.comment.more for n in tree.thread.nodes)
        assert tree.cursor_id == "x0100"


# -- 3. counts and marks ---------------------------------------------------------------------


def test_a_folded_subtree_that_receives_a_reply_says_so_and_stubs_are_not_comments():
    from tui.comments.tree import build_thread
    from tui.ui.thread_layout import ThreadLayout

    layout = ThreadLayout(measure=lambda pos: 1)
    base = [Comment("a"), Comment("b", "a"), Comment("more:m", "a", more=127, more_ids=["m"])]
    layout.set_thread(build_thread(base))
    layout.width = 80
    layout.fold("a", True, 0)
    assert layout.comment_count == 2 and layout.hidden == 127 and layout.new_inside(0) == 0
    layout.set_thread(build_thread([*base, Comment("c", "b"), Comment("more:n", "b", more=3)]))
    assert layout.new == {"c"} and layout.arrived == 1  # the new stub is not a new comment
    assert layout.new_inside(0) == 1 and 0 in layout.fold_rows
    assert layout.comment_count == 3 and layout.hidden == 130


# -- 4. Lobsters before "depth" ----------------------------------------------------------------


async def test_an_old_lobsters_thread_with_indent_level_keeps_its_nesting(server):
    from tui.comments.registry import load_comments
    from tui.comments.tree import build_thread

    def comment(short_id: str, level: int, user: str = "ivarga") -> dict:
        # The API before 2023: indent_level from 1, no depth, no parent_comment.
        return {
            "short_id": short_id,
            "short_id_url": f"https://lobste.rs/c/{short_id}",
            "created_at": "2019-03-01T10:00:00.000-06:00",
            "is_deleted": False,
            "is_moderated": False,
            "score": 4,
            "comment": f"<p>{short_id}</p>",
            "indent_level": level,
            "commenting_user": {"username": user},
        }

    story = {
        "short_id": "ab12cd",
        "title": "Old story",
        "submitter_user": {"username": "ruthc"},
        "comments": [
            comment("c1", 1),
            comment("c2", 2, "ruthc"),
            comment("c3", 3),
            comment("c4", 2),
            comment("c5", 1),
        ],
    }
    server.route("/s/ab12cd.json", Reply(body=json.dumps(story), content_type=JSON))
    async with Fetcher() as fetcher:
        comments = await load_comments(fetcher, ThreadSource("lobsters", "ab12cd"), config_for(server))
    thread = build_thread(comments)
    assert [(n.comment.id, n.depth) for n in thread.nodes] == [
        ("c1", 0),
        ("c2", 1),
        ("c3", 2),
        ("c4", 1),
        ("c5", 0),
    ]
    assert [c.id for c in comments if c.by_author] == ["c2"]


# -- 5. discovery from the Link header; saying when there is nothing ----------------------------


async def test_a_page_that_names_its_thread_only_in_link_headers_is_found(server):
    from tui.comments.discover import discover_from_page

    page = "<html><head><title>Live</title></head><body><p>No link tags here.</p></body></html>"
    # What WordPress sends on every post, as two Link headers (the Fetcher joins them).
    url = server.route(
        "/2026/11/storm/",
        Reply(
            body=page,
            content_type="text/html; charset=UTF-8",
            headers={
                "Link": f'<{server.url("/wp-json/")}>; rel="https://api.w.org/", '
                f'<{server.url("/wp-json/wp/v2/posts/77")}>; rel="alternate"; type="application/json"',
                "link": f"<{server.url('/?p=77')}>; rel=shortlink",
            },
        ),
    )
    async with Fetcher() as fetcher:
        source = await discover_from_page(fetcher, url, config_for(server))
    assert source is not None
    assert (source.kind, source.ref, source.api_base) == ("wordpress", "77", server.url("/wp-json/"))


async def test_a_page_with_no_thread_says_so_instead_of_loading_forever(server):
    url = server.route(
        "/plain", Reply(body="<html><body><p>Nothing.</p></body></html>", content_type="text/html")
    )
    app = ThreadlineApp(Store.memory(), app_config(server), poll=False, thread_url=url)
    async with app.run_test(size=(100, 20)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        screen = app.screen
        await wait_for(pilot, lambda: bool(screen._error))
        await pilot.pause(0.1)
        first_line = "".join(s.text for s in screen.comment_tree.render_line(0)).strip()
        assert first_line == "No comments to show: no comment thread found on the page"
        assert "loading" not in first_line


# -- 6. HN quotes ---------------------------------------------------------------------------------


async def test_hn_quote_paragraphs_read_as_quotes_and_the_cursor_mark_is_not_the_bar(server):
    text = "<p>&gt; The sandbags arrived at four.<p>Far too late, yes.</p>"
    serve_hn_raw(server, json.dumps(hn_story([hn_item(1, text=text), hn_item(2, minute=1)])), kids=[1, 2])
    app = ThreadlineApp(Store.memory(), app_config(server), poll=False, thread_url=hn_url(server))
    async with app.run_test(size=(100, 20)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        tree = app.screen.comment_tree
        await wait_for(pilot, lambda: len(tree.thread) == 2)
        await pilot.pause(0.1)
        assert tree.cursor_id == "1"
        lines = ["".join(s.text for s in tree.render_line(y)).rstrip() for y in range(5)]
        assert lines[1] == "┃▌ The sandbags arrived at four."  # cursor mark, then the quote bar
        assert "┃Far too late, yes." in lines  # the reply to it is not quoted


# -- 7. search in a thread -----------------------------------------------------------------------


async def test_search_highlights_counts_and_steps_after_the_field_closes():
    from rich.color import Color
    from test_comment_tree_ui import host, ready

    app = host()
    async with app.run_test(size=(100, 30)) as pilot:
        tree = await ready(pilot)
        screen = app.screen
        await pilot.press("slash", *"tower.", "backspace", "enter")  # "." goes into the field
        tree = await ready(pilot)
        assert tree.cursor_id == "c3"
        status = lambda: str(screen.query_one("#thread-status").render())
        assert "match 1 of 2 for 'tower'" in status()
        # The word is highlighted where it is drawn.
        match_style = tree.get_component_rich_style("comment-tree--match", partial=True)
        row = tree.row_span("c3")
        assert row is not None
        spans = [seg for seg in tree.render_line(row[0] + 1 - round(tree.scroll_y)) if seg.text == "tower"]
        assert spans and spans[0].style is not None and spans[0].style.reverse
        await pilot.press("escape")  # the field closes; the matches stay
        assert tree.has_focus
        await pilot.press("full_stop")
        assert tree.cursor_id == "c4" and "match 2 of 2" in status()
        await pilot.press("full_stop")  # wraps
        assert tree.cursor_id == "c3"
        await pilot.press("comma")
        assert tree.cursor_id == "c4"
        await pilot.press("n")  # n is still "next top-level"
        assert tree.cursor_id == "c9"
        # Readable in every theme: the highlight has its own colours, not the text's.
        for theme in sorted(app.available_themes):
            app.theme = theme
            await pilot.pause()
            style = tree.get_component_rich_style("comment-tree--match", partial=True)
            fg = style.color or Color.default()
            assert style.reverse and style.bold and fg != tree.rich_style.color, theme
        assert match_style.reverse
        # An empty search clears it all.
        await pilot.press("slash")
        screen.query_one("#thread-search").value = ""
        await pilot.press("enter")
        await pilot.pause()
        assert "match" not in status() and tree._match is None


def test_wrapped_quotes_keep_their_bar_and_list_items_hang():
    from tui.comments.tree import build_thread
    from tui.ui.thread_layout import ThreadLayout

    layout = ThreadLayout()
    html = (
        "<blockquote><p>" + "quoted words go on " * 5 + "</p></blockquote>"
        "<ul><li>" + "a long list item " * 4 + "</li></ul>"
        "<ol><li>" + "ordered " * 8 + "</li></ol>"
    )
    layout.set_thread(build_thread([Comment("a", html=html)]))
    layout.width = 44
    lines = [t.plain.rstrip() for t in layout.wrap_lines(0)]
    quote = lines[: lines.index("")]
    assert len(quote) > 1 and all(line.startswith("▌ ") for line in quote)
    bullet = lines[lines.index("") + 1 :]
    bullet = bullet[: bullet.index("")]
    assert bullet[0].startswith("• a long") and all(
        line.startswith("  ") and line[2] != " " for line in bullet[1:]
    )
    assert lines[-1].startswith("   ordered") and lines[-2].startswith("1. ordered")
    # The quote bar keeps its dim style on the wrapped lines too.
    second = layout.wrap_lines(0)[1]
    assert any(span.start == 0 and "dim" in str(span.style) for span in second.spans)


async def test_a_thread_that_cannot_be_kept_is_still_shown(server):
    from tui.store import StoreError

    class FullDisk(Store):
        def save_thread(self, key, source, comments):
            raise StoreError("database or disk is full")

    serve_hn_raw(server, json.dumps(hn_story([hn_item(1), hn_item(2, minute=1)])), kids=[1, 2])
    store = FullDisk.memory()
    app = ThreadlineApp(store, app_config(server), poll=False, thread_url=hn_url(server))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.comment_tree.thread) == 2)
        assert screen._error == ""
        await wait_for(pilot, lambda: any("offline" in str(n.message) for n in app._notifications))


async def test_load_more_replies_by_the_op_are_marked_as_the_first_load_marks_them(server):
    """/api/morechildren sends no post, and reddit's is_submitter is not always
    set: the OP's replies that arrive through "load more" are marked all the same."""
    op = "priya_lund"
    children = [t1("top1", f"t3_{POST}", author=op), t1("top2", f"t3_{POST}")]
    children[0]["data"]["replies"] = {
        "kind": "Listing",
        "data": {"children": [more_thing("t1_top1", ["m1", "m2", "m3"], 3)]},
    }
    server.route(f"/comments/{POST}.json", Reply(body=reddit_thread(children, op=op), content_type=JSON))

    def morechildren(req: LoggedRequest) -> Reply:
        things = [t1("m1", "t1_top1", author=op), t1("m2", "t1_top1"), t1("m3", "t1_m2", author=op)]
        return Reply(body=json.dumps({"json": {"errors": [], "data": {"things": things}}}), content_type=JSON)

    server.route("/api/morechildren.json", morechildren)
    config = config_for(server)
    config.reddit_more_interval = 0
    async with Fetcher() as fetcher:
        session = ThreadSession(Store.memory(), fetcher, ThreadSource("reddit", POST), config)
        first = await session.load()
        assert [c.by_author for c in first if not c.more] == [True, False]
        stub = next(c for c in first if c.more)
        told: list[list[Comment]] = []
        replies = await session.expand(stub, told.append)
    marks = {c.id: c.by_author for c in replies}
    assert marks == {"m1": True, "m2": False, "m3": True}
