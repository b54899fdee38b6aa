"""The post above a thread (issue 12, point 2): title, author, score, age, the
source's comment count and the post's own text, foldable; keys for the story
link and the comment's page; `threadline thread URL` titled from the source;
the post kept with the offline copy. Loopback servers in each API's shape.
"""

from __future__ import annotations

import json

from loopback import Reply
from test_threads_wild import (
    JSON,
    POST,
    STORY,
    T0,
    app_config,
    hn_item,
    hn_url,
    reddit_thread,
    serve_hn_raw,
    t1,
    wait_for,
)

from tui.comments.post import POST_ID, Post, post_comment, split_post
from tui.model import Comment
from tui.store import Store
from tui.ui.app import ThreadlineApp
from tui.ui.screens.thread import ThreadScreen
from tui.ui.widgets.thread_post import PostHeader

SELF_TEXT = '<div class="md"><p>I ran the <em>harbour ferry</em> for thirty years. Ask away.</p></div>'


def reddit_post(**fields) -> str:
    body = json.loads(
        reddit_thread([t1("top1", f"t3_{POST}", author="priya_lund"), t1("top2", f"t3_{POST}")])
    )
    body[0]["data"]["children"][0]["data"].update(
        {
            "title": "I ran the harbour ferry for 30 years, AMA",
            "score": 5120,
            "created_utc": float(T0 - 7200),
            "selftext_html": SELF_TEXT,
            "num_comments": 1376,
            "is_self": True,
            "url": f"https://www.reddit.com/r/harbourtown/comments/{POST}/the_quay/",
            "permalink": f"/r/harbourtown/comments/{POST}/the_quay/",
            **fields,
        }
    )
    return json.dumps(body)


def header_text(screen: ThreadScreen) -> str:
    return str(screen.query_one("#thread-post", PostHeader).render())


def open_reddit(server, store: Store | None = None, opened: list[str] | None = None) -> ThreadlineApp:
    config = app_config(server, "reddit")
    url = server.url(f"/r/harbourtown/comments/{POST}/the_quay/")
    sink = opened if opened is not None else []
    return ThreadlineApp(store or Store.memory(), config, poll=False, thread_url=url, opener=sink.append)


async def test_a_reddit_self_post_is_shown_above_its_thread_and_titles_the_screen(server):
    server.route(f"/comments/{POST}.json", Reply(body=reddit_post(), content_type=JSON))
    opened: list[str] = []
    app = open_reddit(server, opened=opened)
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.comment_tree.thread) == 2)
        await pilot.pause()
        title = str(screen.query_one("#thread-title").render())
        assert "I ran the harbour ferry for 30 years, AMA" in title and "http" not in title
        assert "2 of 1376 comments" in title  # the source's count, not only what arrived
        text = header_text(screen)
        assert "by priya_lund" in text and "5120 points" in text and " ago" in text
        assert "harbour ferry for thirty years" in text  # the self-text, rendered
        assert "<em>" not in text
        # t folds the text away and back.
        await pilot.press("t")
        assert "thirty years" not in header_text(screen) and "by priya_lund" in header_text(screen)
        await pilot.press("t")
        assert "thirty years" in header_text(screen)
        # A self post has no story link of its own; C opens the cursor comment's page.
        await pilot.press("S")
        await pilot.pause()
        assert opened == []
        await pilot.press("C")
        await wait_for(pilot, lambda: bool(opened))
        assert opened == [server.url(f"/r/harbourtown/comments/{POST}/the_quay/top1/")]


async def test_a_link_post_opens_its_story_with_S(server):
    story = "https://harbour.example/ferry-history"
    server.route(
        f"/comments/{POST}.json",
        Reply(body=reddit_post(is_self=False, url=story, selftext_html=None), content_type=JSON),
    )
    opened: list[str] = []
    app = open_reddit(server, opened=opened)
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        await wait_for(pilot, lambda: len(app.screen.comment_tree.thread) == 2)
        assert "harbour.example" in header_text(app.screen)
        await pilot.press("S")
        await wait_for(pilot, lambda: bool(opened))
        assert opened == [story]


async def test_a_hacker_news_story_header_and_the_post_in_the_offline_copy(server):
    story = {
        **hn_item(STORY, author="plund", text="<p>Story text: we <i>rebuilt</i> the quay.</p>", points=300),
        "type": "story",
        "title": "Show HN: A tide table in the terminal",
        "url": "https://tides.example/",
        "children": [hn_item(1), hn_item(2, minute=1)],
    }
    serve_hn_raw(server, json.dumps(story), kids=[1, 2])
    store = Store.memory()
    app = ThreadlineApp(
        store, app_config(server), poll=False, thread_url=hn_url(server), opener=lambda u: None
    )
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.comment_tree.thread) == 2)
        await pilot.pause()
        assert "Show HN: A tide table" in str(screen.query_one("#thread-title").render())
        text = header_text(screen)
        assert "by plund" in text and "300 points" in text and "tides.example" in text
        assert "we rebuilt the quay" in text
        await wait_for(
            pilot, lambda: any(c.id == POST_ID for c in (store.load_thread(key(server)) or ([],))[0])
        )
    # Offline, from the cache: the header is there before any network.
    server.routes.clear()
    app = ThreadlineApp(
        store, app_config(server), poll=False, thread_url=hn_url(server), opener=lambda u: None
    )
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.comment_tree.thread) == 2)
        assert "by plund" in header_text(screen)
        assert POST_ID not in screen.comment_tree.thread.index  # never a comment in the tree


def key(server) -> str:
    from tui.comments.base import ThreadSource

    return ThreadSource("hackernews", str(STORY), server.url("").rstrip("/")).key


def test_the_post_round_trips_through_the_offline_copy_and_bad_fields_cost_only_themselves():
    post = Post(
        title="T",
        author="a",
        score=3,
        time=1.0,
        html="<p>x</p>",
        url="https://s/",
        permalink="https://p/",
        total=9,
    )
    comments = [Comment("1"), post_comment(post)]
    assert split_post(comments) == (post, [Comment("1")])
    assert split_post([Comment("1")]) == (None, [Comment("1")])
    odd = Comment(POST_ID, more_ids=["only a title"])  # an old or odd copy: what is there is used
    assert split_post([odd])[0] == Post(title="only a title")
    huge = Comment(POST_ID, more_ids=["t", "", "9" * 5000])
    assert split_post([huge])[0].total is None


async def test_a_hostile_post_is_shown_as_text_and_costs_only_itself():
    from test_comment_tree_ui import Host, Source, fixture_comments

    post = Post(
        title="[@click=app.quit]Quit[/] \x1b]0;pwned\x07",
        author="[b]mallory[/b]\x1b[31m",
        score=2**62,
        html="<p>" + "x" * 5_000_000 + "</p><script>alert(1)</script>",
        url="javascript:alert(1)",
        permalink="",
    )
    app = Host(Source(fixture_comments()), post=lambda: post)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen = pilot.app.screen
        text = header_text(screen)
        assert "[b]mallory[/b]" in text and "\x1b" not in text
        assert "javascript" not in text  # not an http(s) link: no host shown
        assert text.count("x") <= 20_000 + 10
        await pilot.press("S")  # the post's link is not http(s): nothing opens
        await pilot.pause()
        assert app.opened == [] and app.is_running
