"""The article view follows a live article: Pilot tests with a real store and real
updates (split by the real splitter), reported through the same messages the
poller and the follower post."""

from __future__ import annotations

import threading

import pytest
from test_app import NOW, make_app, wait_for
from textual.screen import Screen

from tui.live.follow import FollowReport, record_live_updates
from tui.model import Article, ParsedFeed, Update
from tui.polling.poller import PollResult
from tui.store import Store
from tui.text.timefmt import absolute, reader_zone
from tui.ui.messages import FollowDone, PollDone
from tui.ui.screens.article import ArticleScreen
from tui.ui.screens.help import HelpScreen

UTC = reader_zone("UTC")
LONG = "The harbour board met again this afternoon to weigh the union's rota proposal line by line, " * 3
# Six updates, newest first, each marked in its own way, over a long story.
LIVE_HTML = (
    f"<p><strong>UPDATE 1900 GMT:</strong> Ferries resume on all routes. {LONG}</p>"
    f"<p><b>18:30</b> - Winds drop below the warning level. {LONG}"
    "<a href='https://news.test/winds'>forecast</a></p>"
    f"<h3>17:45</h3><p>The pilots' boats return to the quay. {LONG}</p>"
    f"<p>Updated at 17:10 GMT: Cranes are tied down. {LONG}</p>"
    f"<p>[16:20] Police close the sea road. {LONG}<a href='https://news.test/roads'>roads</a></p>"
    f"<p><strong>Update 1540 GMT</strong>: Gusts reach 90 km/h. {LONG}</p>"
    + "".join(f"<p>Story paragraph {i}. {LONG}</p>" for i in range(10))
)
HEADLINES = [
    "Ferries resume on all routes",
    "Winds drop below the warning level",
    "The pilots' boats return to the quay",
    "Cranes are tied down",
    "Police close the sea road",
    "Gusts reach 90 km/h",
]


def live_store() -> tuple[Store, int]:
    store = Store.memory()
    feed = store.add_feed("http://news.test/feed", title="Harbour Ledger")
    article = Article(
        guid="live",
        title="LIVE: Storm over the bay",
        link="https://news.test/live",
        content=LIVE_HTML,
        published=NOW - 7200,
    )
    res = store.save_poll(feed, ParsedFeed(entries=[article]))
    record_live_updates(store, res.new_ids)
    article_id = res.new_ids[0]
    assert len([u for u in store.updates(article_id) if u.position > 0]) == 6
    return store, article_id


def screen_rows(app) -> list[str]:
    return ["".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips()]


def view_rows(app) -> list[str]:
    """The rows inside the article's scroll view, as drawn."""
    region = app.screen.scroller.scrollable_content_region
    rows = screen_rows(app)[region.y : region.bottom]
    return [row[region.x : region.right] for row in rows]


def top_text(app) -> str:
    return next(row.strip() for row in view_rows(app) if row.strip())


def header(update: Update) -> str:
    return "◆ " + absolute(update.time, UTC)


def live_updates(store: Store, article_id: int) -> list[Update]:
    return [u for u in store.updates(article_id) if u.position > 0]


def update_by(store: Store, article_id: int, words: str) -> Update:
    return next(u for u in live_updates(store, article_id) if words in u.headline)


async def open_row(app, pilot, predicate) -> ArticleScreen:
    await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
    app.timeline.cursor = next(i for i, r in enumerate(app.timeline.rows) if predicate(r))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen))
    await pilot.pause(0.1)
    return app.screen


def widget_of(screen: ArticleScreen, key: str):
    return next(w for w in screen.part_widgets() if w.part.key == key)


def new_update(article_id: int, minute: int, words: str, position: int) -> Update:
    return Update(
        key=f"extra-{minute}",
        time=NOW - 7200 + 3600 * 12 + minute * 60,  # after every update above
        headline=words,
        html=f"<p>{words}. {LONG}</p>",
        position=position,
        article_id=article_id,
    )


async def test_every_update_has_its_header_and_the_publishers_order():
    store, article_id = live_store()
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_row(app, pilot, lambda r: r.article_id == article_id and r.update_id is None)
        texts = [w.render() for w in screen.part_widgets()]
        drawn = [str(t) for t in texts]
        # The publisher's order: newest first, then the story.
        order = [next(i for i, d in enumerate(drawn) if h in d) for h in HEADLINES]
        assert order == sorted(order) and len(drawn) == 7
        assert "Story paragraph 0" in drawn[-1] and "◆" not in drawn[-1]
        for words in HEADLINES:
            u = update_by(store, article_id, words)
            part = str(widget_of(screen, u.key).render())
            lines = part.split("\n")
            at = next(i for i, line in enumerate(lines) if line.startswith("◆"))
            assert lines[at] == header(u)
            assert words in lines[at + 1] or words in lines[at + 3]  # "17:45" is a heading
        # Links are numbered across the updates and match the Links list.
        assert [(link.number, link.url) for link in screen.links] == [
            (1, "https://news.test/winds"),
            (2, "https://news.test/roads"),
        ]
        roads = str(widget_of(screen, update_by(store, article_id, "Police").key).render())
        assert "roads [2]" in roads


@pytest.mark.parametrize("width", [60, 100, 160])
async def test_opening_an_update_row_lands_on_that_update(width):
    store, article_id = live_store()
    app = make_app(store)
    async with app.run_test(size=(width, 24)) as pilot:
        for words in ("Police close the sea road", "Ferries resume", "Cranes are tied down"):
            target = update_by(store, article_id, words)
            screen = await open_row(app, pilot, lambda r, key=target.key: r.update_key == key)
            assert top_text(app) == header(target), (width, words, view_rows(app)[:3])
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, ArticleScreen))
        assert screen.focus_update == target.key


async def test_an_open_article_shows_a_new_update_in_place_without_a_keypress():
    store, article_id = live_store()
    app = make_app(store)
    async with app.run_test(size=(100, 24)) as pilot:
        cranes = update_by(store, article_id, "Cranes")
        screen = await open_row(app, pilot, lambda r: r.update_key == cranes.key)
        assert top_text(app) == header(cranes)
        await pilot.press("j", "j")  # into the paragraph: the place is not a part's edge
        before_rows = view_rows(app)
        before_y = widget_of(screen, cranes.key).region.y
        assert not screen.query_one("#article-live").display

        fresh = new_update(article_id, 5, "Harbour reopens to shipping", position=7)
        saved = store.save_updates(article_id, [fresh])
        feed = store.feeds()[0]
        app.post_message(PollDone(PollResult(feed, "new", updates=saved.added)))

        await wait_for(pilot, lambda: any(w.part.key == fresh.key for w in screen.part_widgets()))
        await pilot.pause(0.2)
        lines = str(widget_of(screen, fresh.key).render()).split("\n")
        at = lines.index(header(fresh))  # under the article's title, which the first part carries
        assert lines[at + 1].startswith("Harbour reopens to shipping")
        # The newest update goes first; what the reader was reading stays put.
        assert screen.part_widgets()[0].part.key == fresh.key
        assert widget_of(screen, cranes.key).region.y == before_y
        after_rows = view_rows(app)  # one row fewer: the "new updates" line took it
        assert after_rows == before_rows[: len(after_rows)] and len(after_rows) >= len(before_rows) - 1
        line = screen.query_one("#article-live")
        assert line.display and str(line.render()) == "1 new update · ] to see"

        # A second one arrives: the count grows, still no jump.
        second = new_update(article_id, 9, "Lifeboat crew stood down", position=8)
        saved = store.save_updates(article_id, [second])
        app.post_message(PollDone(PollResult(feed, "new", updates=saved.added)))
        await wait_for(pilot, lambda: "2 new updates" in str(line.render()))
        await pilot.pause(0.1)
        assert widget_of(screen, cranes.key).region.y == before_y
        assert screen.late_restores == 0  # the place was kept before a frame was drawn
        assert [w.part.key for w in screen.part_widgets()][:2] == [second.key, fresh.key]

        # ] goes to the newest arrival (both are in view then: seen), then on, older.
        await pilot.press("right_square_bracket")
        await pilot.pause(0.05)
        assert top_text(app) == header(second)
        assert not line.display and screen.pending == []
        await pilot.press("right_square_bracket")
        await pilot.pause(0.05)
        assert top_text(app) == header(fresh)
        await pilot.press("right_square_bracket")
        await pilot.pause(0.05)
        assert top_text(app) == header(update_by(store, article_id, "Ferries"))
        await pilot.press("left_square_bracket")
        await pilot.pause(0.05)
        assert top_text(app) == header(fresh)


async def test_an_edited_update_is_redrawn_and_marked_and_follow_reports_count_too():
    store, article_id = live_store()
    app = make_app(store)
    async with app.run_test(size=(100, 24)) as pilot:
        gusts = update_by(store, article_id, "Gusts")
        screen = await open_row(app, pilot, lambda r: r.update_key == gusts.key)
        ferries = update_by(store, article_id, "Ferries")
        edited = Update(
            ferries.key, ferries.time, ferries.headline, ferries.html.replace("all routes", "most routes"), 6
        )
        store.save_updates(article_id, [edited])
        before_y = widget_of(screen, gusts.key).region.y
        article = store.article(article_id)
        app.post_message(FollowDone(FollowReport(article)))  # a follow round with nothing added
        widget = widget_of(screen, ferries.key)
        await wait_for(pilot, lambda: "most routes" in str(widget_of(screen, ferries.key).render()))
        await pilot.pause(0.2)
        first = str(widget_of(screen, ferries.key).render()).split("\n")
        assert header(ferries) + " (edited)" in first
        assert widget_of(screen, gusts.key).region.y == before_y
        assert str(screen.query_one("#article-live").render()) == "1 edited · ] to see"
        assert widget is not None

        # A follow report of a new update reaches the open article the same way.
        fresh = new_update(article_id, 3, "Harbour reopens to shipping", position=7)
        saved = store.save_updates(article_id, [fresh])
        app.post_message(FollowDone(FollowReport(article, added=saved.added)))
        await wait_for(pilot, lambda: any(w.part.key == fresh.key for w in screen.part_widgets()))
        await pilot.pause(0.2)
        assert widget_of(screen, gusts.key).region.y == before_y
        assert "1 new update · 1 edited" in str(screen.query_one("#article-live").render())


async def test_at_the_top_a_new_update_appears_under_the_title():
    store, article_id = live_store()
    app = make_app(store)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await open_row(app, pilot, lambda r: r.article_id == article_id and r.update_id is None)
        assert top_text(app) == "LIVE: Storm over the bay"
        fresh = new_update(article_id, 5, "Harbour reopens to shipping", position=7)
        saved = store.save_updates(article_id, [fresh])
        app.post_message(PollDone(PollResult(store.feeds()[0], "new", updates=saved.added)))
        await wait_for(pilot, lambda: any(header(fresh) in row for row in view_rows(app)))
        assert top_text(app) == "LIVE: Storm over the bay"
        assert not screen.query_one("#article-live").display  # in view: seen
        # From the head, ] goes to the newest update; [ from there goes nowhere newer.
        await pilot.press("right_square_bracket")
        await pilot.pause(0.05)
        assert top_text(app) == header(fresh)
        await pilot.press("left_square_bracket")
        await pilot.pause(0.05)
        assert top_text(app) == header(fresh)


async def test_updates_of_another_article_or_a_hidden_article_wait():
    store, article_id = live_store()
    app = make_app(store)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await open_row(app, pilot, lambda r: r.article_id == article_id and r.update_id is None)
        fresh = new_update(article_id, 5, "Harbour reopens to shipping", position=7)
        saved = store.save_updates(article_id, [fresh])
        other = Update("x", NOW, "x", "<p>x</p>", 1, article_id=article_id + 100)
        app.post_message(PollDone(PollResult(store.feeds()[0], "new", updates=[other])))
        await pilot.pause(0.3)
        assert all(w.part.key != fresh.key for w in screen.part_widgets())
        # Under a whole screen (the comment thread, say) the article waits, and
        # catches up when it is back on screen.
        app.push_screen(Screen())
        await wait_for(pilot, lambda: app.screen is not screen)
        app.post_message(PollDone(PollResult(store.feeds()[0], "new", updates=saved.added)))
        await pilot.pause(0.3)
        assert all(w.part.key != fresh.key for w in screen.part_widgets())
        app.pop_screen()
        await wait_for(pilot, lambda: any(w.part.key == fresh.key for w in screen.part_widgets()))
        # Under a dialog it is still on screen, so it follows at once.
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        later = new_update(article_id, 9, "Lifeboat crew stood down", position=8)
        saved = store.save_updates(article_id, [later])
        app.post_message(PollDone(PollResult(store.feeds()[0], "new", updates=saved.added)))
        await wait_for(pilot, lambda: any(w.part.key == later.key for w in screen.part_widgets()))


async def test_live_rereads_run_in_a_thread():
    from test_ui_bridge import RecordingStore

    seeded, article_id = live_store()
    store = RecordingStore(seeded._db, None)
    store.calls_on = []
    app = make_app(store)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await open_row(app, pilot, lambda r: r.article_id == article_id and r.update_id is None)
        fresh = new_update(article_id, 5, "Harbour reopens to shipping", position=7)
        saved = store.save_updates(article_id, [fresh])
        feed = store.feeds()[0]
        loop_thread = threading.current_thread().name
        store.armed = True
        app.post_message(PollDone(PollResult(feed, "new", updates=saved.added)))
        await wait_for(pilot, lambda: any(w.part.key == fresh.key for w in screen.part_widgets()))
        store.armed = False
    names = [n for n, _ in store.calls_on]
    assert "updates" in names and "article" in names
    assert [n for n, t in store.calls_on if t == loop_thread] == []
