"""Snapshots of the article and comment-thread screens at 80×24 and 160×50, in a
dark and a light theme (issue 14 points 3 and 4): every colour comes from the
theme, and nothing is cut or broken at either size."""

from __future__ import annotations

import pytest
from test_app import NOW, make_app, seeded_store, select, wait_for

from tui.model import Comment
from tui.ui.screens.article import ArticleScreen
from tui.ui.screens.thread import ThreadScreen
from tui.ui.widgets.comment_tree import CommentTree

SIZES = [(80, 24), (160, 50)]
THEMES = ["textual-dark", "textual-light"]


def thread_comments() -> list[Comment]:
    return [
        Comment(
            "c1", None, "maren", NOW - 3000, "<p>The ferry was packed this morning, <em>finally</em>.</p>"
        ),
        Comment("c2", "c1", "tomas", NOW - 2400, "<p>Same on the 7:10. Standing room only.</p>"),
        Comment("c3", "c2", "ruth", NOW - 1800, "<p>They added a carriage on the rail side too.</p>"),
        Comment(
            "c4", "c3", "maren", NOW - 900, "<p>Good. <a href='https://news.test/rota'>The rota</a>.</p>"
        ),
        Comment("c5", None, "birte", NOW - 600, "<p>Any word on the winter timetable?</p>"),
        Comment("c6", "c5", "jonah", NOW - 300, "<p>Next week, says the harbour office.</p>"),
    ]


def open_article(name: str):
    async def run_before(pilot) -> None:
        pilot.app.theme = name
        await wait_for(pilot, lambda: len(pilot.app.timeline.rows) > 0)
        select(pilot.app, "LIVE: Storm over the bay")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ArticleScreen))
        await pilot.pause(0.2)

    return run_before


def open_thread(name: str):
    async def run_before(pilot) -> None:
        pilot.app.theme = name
        await wait_for(pilot, lambda: len(pilot.app.timeline.rows) > 0)

        async def loader():
            return thread_comments()

        pilot.app.push_screen(
            ThreadScreen("LIVE: Storm over the bay", loader, poll_every=None, clock=lambda: NOW, seen={"c1"})
        )
        await wait_for(
            pilot,
            lambda: (
                isinstance(pilot.app.screen, ThreadScreen)
                and bool(pilot.app.screen.query(CommentTree))
                and pilot.app.screen.query_one(CommentTree).visible_count == 6
            ),
        )
        await pilot.pause(0.2)

    return run_before


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_article_screen(snap_compare, theme, size):
    assert snap_compare(make_app(seeded_store()), terminal_size=size, run_before=open_article(theme))


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_thread_screen(snap_compare, theme, size):
    assert snap_compare(make_app(seeded_store()), terminal_size=size, run_before=open_thread(theme))


async def test_update_time_lines_take_the_themes_colour_and_follow_a_change():
    app = make_app(seeded_store())
    async with app.run_test(size=(120, 30)) as pilot:
        await open_article("textual-dark")(pilot)
        screen = app.screen
        dark = screen.header_style.color
        live = next(w for w in screen.part_widgets() if w.part.live)
        assert dark is not None and live.part.text.spans[0].style == screen.header_style
        app.theme = "textual-light"
        await wait_for(pilot, lambda: screen.header_style.color != dark)
        await wait_for(
            pilot,
            lambda: (
                next(w for w in screen.part_widgets() if w.part.live).part.text.spans[0].style
                == screen.header_style
            ),
        )
        assert screen.header_style.color.triplet != dark.triplet
