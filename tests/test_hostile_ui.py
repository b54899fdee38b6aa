"""The hostile corpus through the real widgets (Pilot): the timeline, the feed
list, the article view, its link chooser and the comment tree. For every
payload the app keeps running, the text is visible literally, no rendered line
carries ESC, BEL or any other control, and ``o`` only ever hands the opener an
http(s) URL. Last, hostile feeds among good ones under the app's own poller.

Already covered elsewhere: one hostile title in the timeline and `o` on a
javascript: link in the article (test_app.py), hostile comment text
(test_comment_tree_ui.py).
"""

from __future__ import annotations

import html as html_module

import pytest
from hostile_corpus import (
    BAD_LINKS,
    ESCAPES,
    FORBIDDEN,
    LEFT,
    MARKUP,
    RIGHT,
    SECRET_WORDS,
    framed,
    gzip_bomb,
    rss,
)
from loopback import Reply
from test_app import NOW, make_app, wait_for

from tui.model import STATUS_ERROR, Article, Comment, ParsedFeed
from tui.store import Store
from tui.ui.screens.article import ArticleScreen
from tui.ui.screens.thread import ThreadScreen
from tui.ui.widgets.comment_tree import CommentTree
from tui.ui.widgets.feed_list import FeedList

PAYLOADS = {
    **{f"escape-{k}": framed(v) for k, v in ESCAPES.items()},
    **{f"markup-{i}": m for i, m in enumerate(MARKUP)},
}


def widget_lines(widget) -> list[str]:
    return ["".join(seg.text for seg in widget.render_line(y)) for y in range(widget.size.height)]


def assert_inert(lines: list[str]) -> None:
    for line in lines:
        assert "\x1b" not in line and "\x07" not in line, repr(line)
        assert FORBIDDEN.search(line) is None, repr(line)
        for word in SECRET_WORDS:
            assert word not in line, (word, line)


def assert_svg_inert(svg: str) -> None:
    for bad in ("\x1b", "\x07", "&#27;", "&#x1b;", "&#7;", "&#x7;"):
        assert bad not in svg


def expected_visible(payload: str) -> list[str]:
    """What must be seen literally: the anchors of an escape, a markup payload whole."""
    return [LEFT, RIGHT] if LEFT in payload else [payload]


def hostile_store(payload: str) -> Store:
    store = Store.memory()
    feed = store.add_feed("http://hostile.test/feed", title=payload)
    body = (
        f"<p>{payload}</p><p><a href='https://news.test/ok'>{html_module.escape(payload)}</a> "
        f"<a href='javascript:alert(1)'>js</a> <a href='file:///etc/passwd'>file</a> "
        f"<a href='data:text/html,x'>data</a></p>"
    )
    store.save_poll(
        feed,
        ParsedFeed(
            entries=[
                Article(
                    guid="1",
                    title=payload,
                    author=payload,
                    link="https://news.test/a",
                    content=body,
                    published=NOW,
                ),
            ]
        ),
    )
    broken = store.add_feed("http://broken.test/feed", title="Broken " + payload)
    broken.status, broken.error = STATUS_ERROR, "malformed XML: " + payload
    store.save_poll(broken, None)
    return store


@pytest.mark.parametrize("name", list(PAYLOADS))
async def test_payload_through_every_widget(name):
    payload = PAYLOADS[name]
    opened: list[str] = []
    app = make_app(hostile_store(payload), opener=opened.append)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) == 1)
        await pilot.pause(0.02)
        # the timeline
        lines = widget_lines(app.timeline)
        assert_inert(lines)
        row = lines[0]
        for visible in expected_visible(payload):
            assert visible in row, (visible, row)
        # the feed list, with the failing feed's reason
        feed_list = app.screen.query_one(FeedList)
        lines = widget_lines(feed_list)
        assert_inert(lines)
        listed = "\n".join(lines)
        assert "!" in listed and "malformed XML" in listed
        unwrapped = "".join(listed.split())
        # A title too long for the pane is cut with an ellipsis on its one line:
        # what shows is its start, literally.
        cuts = ["".join(line.split()).split("…")[0] for line in lines if "…" in line]
        for visible in expected_visible(payload):
            whole = "".join(visible.split())
            assert whole in unwrapped or any(len(c) >= 10 and whole.startswith(c) for c in cuts), (
                visible,
                listed,
            )
        assert_svg_inert(app.export_screenshot())

        # the article view
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen))
        body = str(app.screen.query_one("#article-body").render())
        assert_inert(body.split("\n"))
        for visible in expected_visible(payload):
            assert body.count(visible) >= 3  # title, author line, paragraph
        assert [link.url for link in app.screen.links] == ["https://news.test/ok"]
        # its links: only the http(s) one is offered, and only it is opened
        await pilot.press("o")
        await pilot.pause(0.02)
        assert_svg_inert(app.export_screenshot())
        await pilot.press("1")
        await wait_for(pilot, lambda: opened)
        assert opened == ["https://news.test/ok"]
        await pilot.press("escape")

        # the comment tree, under a hostile thread title
        comments = [
            Comment(
                "c1",
                None,
                payload,
                NOW,
                f"<p>{payload}</p><a href='javascript:alert(1)'>{payload}</a>",
                "https://news.test/c1",
            ),
            Comment("c2", "c1", payload, NOW, f"<p>reply {payload}</p>", "javascript:alert(1)"),
        ]

        async def loader():
            return comments

        app.push_screen(ThreadScreen(payload, loader, poll_every=None, clock=lambda: NOW))
        await wait_for(
            pilot, lambda: isinstance(app.screen, ThreadScreen) and app.screen.comment_tree.visible_count == 2
        )
        await pilot.pause(0.02)
        tree = app.screen.query_one(CommentTree)
        lines = widget_lines(tree)
        assert_inert(lines)
        text = "\n".join(lines)
        for visible in expected_visible(payload):
            assert visible in text, (visible, text)
        assert_svg_inert(app.export_screenshot())
        await pilot.press("o")  # only a javascript: link here: nothing opens
        await pilot.press("j", "o")
        await pilot.pause(0.02)
        assert opened == ["https://news.test/ok"]
        assert app.is_running


@pytest.mark.parametrize("name", sorted(BAD_LINKS))
async def test_o_never_opens_a_bad_link(name):
    url = BAD_LINKS[name]
    store = Store.memory()
    feed = store.add_feed("http://links.test/feed", title="Links")
    store.save_poll(
        feed,
        ParsedFeed(
            entries=[
                Article(
                    guid="1",
                    title="Bad link article",
                    link=url,
                    published=NOW,
                    content=f'<p><a href="{html_module.escape(url)}">bad</a></p>',
                ),
            ]
        ),
    )
    opened: list[str] = []
    app = make_app(store, opener=opened.append)
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) == 1)
        await pilot.press("o")  # the timeline: the article's own link
        await pilot.pause(0.02)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen))
        assert app.screen.links == []
        await pilot.press("o", "1")  # the article: no numbered link to open
        await pilot.pause(0.02)
        await pilot.press("escape")
        comments = [Comment("c1", None, "x", NOW, f'<p><a href="{html_module.escape(url)}">bad</a></p>', url)]

        async def loader():
            return comments

        app.push_screen(ThreadScreen("t", loader, poll_every=None, clock=lambda: NOW))
        await wait_for(
            pilot, lambda: isinstance(app.screen, ThreadScreen) and app.screen.comment_tree.visible_count == 1
        )
        await pilot.press("o")  # the comment: nothing to open
        await pilot.pause(0.02)
        assert opened == []
        assert app.opened_links == []
        assert app.is_running


# -- hostile feeds among good ones, under the app's own poller ----------------------------------

APP_FAULTS = {
    "html-page": (
        Reply(body="<!DOCTYPE html><html><body>hi</body></html>", content_type="text/html"),
        "HTML page",
    ),
    "http-500": (Reply(status=500, body="x", content_type="text/plain"), "HTTP 500"),
    "malformed-xml": (Reply(body='<?xml version="1.0"?><rss><channel><title>cut'), "malformed XML"),
    "gzip-bomb": (Reply(body=gzip_bomb(), headers={"Content-Encoding": "gzip"}), "body over 20 MB"),
    "empty-200": (Reply(body=b""), "empty response"),
}


@pytest.mark.parametrize("name", list(APP_FAULTS))
async def test_app_marks_the_bad_feed_and_keeps_the_good_ones_updating(name, server):
    reply, reason = APP_FAULTS[name]
    state = {"n": 2}
    server.route(
        "/good",
        lambda req: Reply(
            body=rss([(f"g{i}", f"Good item {i}") for i in range(state["n"])], title="Good desk")
        ),
    )
    server.route("/bad", reply)
    store = Store.memory()
    store.add_feed(server.url("/good"))
    bad = store.add_feed(server.url("/bad"), title="Bad desk")
    store.save_poll(bad, ParsedFeed(entries=[Article(guid="kept", title="Kept from before", published=NOW)]))
    app = make_app(store, poll=True, interval=0.3)
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) == 3, timeout=20)

        def listed() -> str:  # the narrow pane wraps: compare without whitespace
            return "".join("".join(widget_lines(app.screen.query_one(FeedList))).split())

        await wait_for(pilot, lambda: "".join(reason.split()) in listed(), timeout=20)
        state["n"] = 4  # the good feed keeps updating next to the bad one
        await wait_for(pilot, lambda: len(app.timeline.rows) == 5, timeout=20)
        titles = {r.title for r in app.timeline.rows}
        assert "Kept from before" in titles and "Good item 3" in titles
        assert "!Baddesk" in listed()
        assert app.is_running
    assert store.integrity_check() == "ok"
