"""The feed list during a refresh: a changed count redraws that row only, and a
reordering waits until the refresh is over (issue #10: reloads of a 500-feed list
stalled the event loop for 100 ms and more)."""

from __future__ import annotations

import dataclasses

from textual.app import App, ComposeResult
from textual.widgets import OptionList

from tui.model import STATUS_ERROR, Feed
from tui.ui.widgets.feed_list import FeedList


def _feeds(n: int) -> list[Feed]:
    return [
        Feed(url=f"http://127.0.0.1:9/{i}.xml", id=i + 1, title=f"Feed {i:03d}", unread=1) for i in range(n)
    ]


class _Host(App):
    def compose(self) -> ComposeResult:
        yield FeedList(id="feeds")


def _rows(app: App) -> list[str]:
    feed_list = app.query_one(FeedList)
    return [str(option.prompt) for option in feed_list.options]


def _screen_text(app: App) -> str:
    return "\n".join("".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips())


async def test_a_new_count_redraws_that_row_and_keeps_the_rest_measured() -> None:
    app = _Host()
    async with app.run_test(size=(40, 30)) as pilot:
        feed_list = app.query_one(FeedList)
        feeds = _feeds(200)
        feed_list.set_feeds(feeds)
        await pilot.pause()
        lines_before = list(feed_list._line_cache.lines)
        assert lines_before, "the list was measured"
        changed = [dataclasses.replace(f) for f in feeds]
        changed[3].unread = 42
        feed_list.set_feeds(changed)
        # The line map was not thrown away (that is what made each reload measure
        # every option again), and the row shows its new count.
        assert feed_list._line_cache.lines == lines_before
        await pilot.pause()
        assert "Feed 003 42" in _rows(app)[5]
        assert "Feed 003 42" in _screen_text(app)
        assert "Feed 004 1" in _rows(app)[6]


async def test_a_row_that_grows_moves_the_rows_below_it() -> None:
    app = _Host()
    async with app.run_test(size=(50, 30)) as pilot:
        feed_list = app.query_one(FeedList)
        feeds = _feeds(10)
        feed_list.set_feeds(feeds)
        await pilot.pause()
        failing = [dataclasses.replace(f) for f in feeds]
        failing[0].status, failing[0].error = STATUS_ERROR, "HTTP 500"
        feed_list.set_feeds(failing)
        await pilot.pause()
        screen = _screen_text(app).splitlines()
        at = next(i for i, line in enumerate(screen) if "Feed 000" in line)
        assert "HTTP 500" in screen[at + 1]
        assert "Feed 001" in screen[at + 2]


async def test_while_refreshing_the_order_holds_and_sorts_after() -> None:
    app = _Host()
    async with app.run_test(size=(40, 30)) as pilot:
        feed_list = app.query_one(FeedList)
        feeds = _feeds(5)
        feed_list.set_feeds(feeds)
        await pilot.pause()
        # The first poll of the last feed gives it a title that sorts first.
        renamed = [dataclasses.replace(f) for f in feeds]
        renamed[4].title = "Aardvark daily"
        resorted = [renamed[4], *renamed[:4]]
        feed_list.set_feeds(resorted, hold_order=True)
        assert [r.split(" 1")[0].strip() for r in _rows(app)[2:]] == [
            "Feed 000",
            "Feed 001",
            "Feed 002",
            "Feed 003",
            "Aardvark daily",
        ]
        feed_list.set_feeds(resorted)  # the refresh is over
        assert _rows(app)[2].startswith("Aardvark daily")
        await pilot.pause()


async def test_rows_are_counted_not_rendered_and_count_as_textual_measures() -> None:
    """A rebuild of 500 feeds renders no one-line prompt to learn its height (that
    was 100 ms a rebuild and again at each layout pass), and the heights it counts
    are the ones Textual's own measuring gives, a wrapping reason line included."""
    app = _Host()
    async with app.run_test(size=(40, 30)) as pilot:
        feed_list = app.query_one(FeedList)
        feeds = _feeds(500)
        feeds[7].status, feeds[7].error = STATUS_ERROR, "not a feed: the server sent an HTML page instead"
        rendered = [0]
        original = FeedList._get_visual

        def counting(self, option):
            rendered[0] += 1
            return original(self, option)

        FeedList._get_visual = counting  # type: ignore[method-assign]
        try:
            feed_list.set_feeds(feeds)
            await pilot.pause()
        finally:
            FeedList._get_visual = original  # type: ignore[method-assign]
        assert rendered[0] < 60, rendered[0]  # the reason's row, and the rows drawn on screen
        width = feed_list.scrollable_content_region.width
        ours = feed_list.get_content_height(feed_list.size, feed_list.size, width)
        textuals = OptionList.get_content_height(feed_list, feed_list.size, feed_list.size, width)
        assert ours == textuals
        assert ours > 502  # the reason wraps onto more than one line
        screen = _screen_text(app)
        assert "HTML" in screen and "Feed 008" in screen


async def test_a_reason_that_grows_to_wrap_moves_the_rows_below_it() -> None:
    app = _Host()
    async with app.run_test(size=(40, 30)) as pilot:
        feed_list = app.query_one(FeedList)
        feeds = _feeds(10)
        feeds[0].status, feeds[0].error = STATUS_ERROR, "HTTP 500"
        feed_list.set_feeds(feeds)
        await pilot.pause()
        longer = [dataclasses.replace(f) for f in feeds]
        longer[0].error = "not a feed: the server sent an HTML page where a feed should be"
        feed_list.set_feeds(longer)
        await pilot.pause()
        screen = _screen_text(app).splitlines()
        at = next(i for i, line in enumerate(screen) if "Feed 000" in line)
        below = next(i for i, line in enumerate(screen) if "Feed 001" in line)
        assert below >= at + 3  # the reason takes two lines now, and Feed 001 follows them
        assert "should" in "".join(screen[at + 1 : below])
