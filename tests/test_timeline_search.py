"""Timeline search looks inside live updates, and the header counts what the feed
list counts (issue 10 #5)."""

from __future__ import annotations

from test_app import make_app, seeded_store, wait_for


async def test_search_finds_words_that_are_only_in_a_live_update():
    store = seeded_store()
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        full = len(app.timeline.rows)
        app.show_search("winds")
        await wait_for(pilot, lambda: len(app.timeline.rows) < full)
        update_rows = [r for r in app.timeline.rows if r.update_id is not None]
        assert [r.headline for r in update_rows] == ["Winds ease."]


async def test_the_header_says_articles_and_live_updates_apart():
    store = seeded_store()
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        title = app.screen.query_one("#timeline-title")
        articles = sum(1 for r in app.timeline.rows if r.update_id is None)
        updates = len(app.timeline.rows) - articles
        await wait_for(pilot, lambda: f"{articles} articles · {updates} live updates" in str(title.render()))
        assert articles == len(store.articles())  # the same articles the feed list counts
