"""Pilot tests of the main screens, with a real store and (where it polls) a real
loopback server behind the real poller."""

from __future__ import annotations

import time

from loopback import Reply

from tui.config import Config
from tui.live.follow import record_live_updates
from tui.model import STATUS_ERROR, Article, ParsedFeed
from tui.store import Store
from tui.ui.app import ThreadlineApp
from tui.ui.screens.article import ArticleScreen
from tui.ui.screens.help import HelpScreen

NOW = 1_795_000_000.0  # a fixed clock keeps relative times (and snapshots) stable


def rss(items: list[tuple[str, str]], title: str = "Harbour Ledger") -> str:
    body = "".join(
        f"<item><title>{t}</title><link>http://news.test/{g}</link><guid>{g}</guid>"
        f"<pubDate>Thu, 26 Nov 2026 {10 + i // 60:02d}:{i % 60:02d}:00 GMT</pubDate>"
        f"<description>&lt;p&gt;Text of {t}.&lt;/p&gt;</description></item>"
        for i, (g, t) in enumerate(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{body}</channel></rss>'


def seeded_store() -> Store:
    store = Store.memory()
    feed = store.add_feed("http://news.test/feed", title="Harbour Ledger")
    broken = store.add_feed("http://broken.test/feed", title="Tide Tables")
    broken.status, broken.error = STATUS_ERROR, "HTTP 500"
    store.save_poll(broken, None)
    entries = [
        Article(
            guid=f"g{i}",
            title=f"Ferry timetable change {i}",
            link=f"https://news.test/{i}",
            content=f"<p>Paragraph about ferries {i}. <a href='https://news.test/more{i}'>more</a> "
            f"<a href='javascript:alert(1)'>bad</a></p><ul><li>first</li><li>second</li></ul>",
            published=NOW - 3600 * i,
        )
        for i in range(1, 8)
    ]
    entries.append(
        Article(
            guid="live",
            title="LIVE: Storm over the bay",
            link="https://news.test/live",
            content="<p><strong>UPDATE 1705 GMT:</strong> Ferries resume.</p>"
            "<p><strong>UPDATE 1600 GMT:</strong> Winds ease.</p><p>The storm arrived at dawn.</p>",
            published=NOW - 7200,
        )
    )
    res = store.save_poll(feed, ParsedFeed(entries=entries))
    record_live_updates(store, res.new_ids)
    return store


def make_app(store: Store, **kw) -> ThreadlineApp:
    kw.setdefault("poll", False)
    kw.setdefault("clock", lambda: NOW)
    kw.setdefault("opener", lambda url: None)
    return ThreadlineApp(store, Config(timezone="UTC"), **kw)


def select(app, title: str) -> None:
    app.timeline.cursor = next(
        i for i, r in enumerate(app.timeline.rows) if r.title == title and r.update_id is None
    )


async def wait_for(pilot, predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)


async def test_timeline_and_feed_list_work_offline_from_the_store():
    app = make_app(seeded_store())
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        titles = [r.title for r in app.timeline.rows]
        assert titles.count("LIVE: Storm over the bay") == 3  # the article and its two updates
        times = [r.time for r in app.timeline.rows]
        assert times == sorted(times, reverse=True)
        feed_list = app.screen.query_one("#feeds")
        prompts = [str(o.prompt) for o in feed_list.options]
        assert any("Tide Tables" in p and "HTTP 500" in p for p in prompts)
        assert "offline" in str(app.screen.query_one("#status").render())


async def test_enter_opens_article_marks_it_read_and_o_opens_only_http_links():
    opened = []
    store = seeded_store()
    app = make_app(store, opener=opened.append)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        select(app, "Ferry timetable change 1")
        row = app.timeline.current
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen))
        assert store.article(row.article_id).read is True
        body = str(app.screen.query_one("#article-body").render())
        assert "Paragraph about ferries 1" in body and "• first" in body
        assert [l.url for l in app.screen.links] == ["https://news.test/more1"]
        await pilot.press("o")
        await pilot.press("1")
        await wait_for(pilot, lambda: opened)
        assert opened == ["https://news.test/more1"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ArticleScreen))


async def test_enter_on_a_live_update_opens_the_article_at_that_update():
    app = make_app(seeded_store())
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        index = next(i for i, r in enumerate(app.timeline.rows) if r.update_id and "Winds" in r.headline)
        app.timeline.cursor = index
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen))
        screen = app.screen
        assert screen.focus_update == app.timeline.rows[index].update_key
        assert screen.view.index(screen.focus_update) == 1  # 1705 first, then 1600, then the story
        drawn = [str(w.render()) for w in screen.part_widgets()]
        assert "◆ 2026-11-18 17:05 UTC" in drawn[0] and "◆ 2026-11-18 16:00 UTC" in drawn[1]
        assert "◆" not in drawn[2] and "The storm arrived at dawn." in drawn[2]


async def test_help_lists_the_keys_of_the_timeline():
    app = make_app(seeded_store())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        shown = [(where, b.key, b.description) for where, b in app.screen.bindings_here]
        keys = {k for _, k, _ in shown}
        for key in ("enter", "c", "o", "m", "f", "q", "r", "slash"):
            assert any(key in k.split(",") for k in keys), key
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_search_filters_the_timeline_and_escape_restores_it():
    app = make_app(seeded_store())
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        full = len(app.timeline.rows)
        await pilot.press("slash")
        await pilot.press(*"storm")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.timeline.rows) == 1)
        assert app.timeline.rows[0].title == "LIVE: Storm over the bay"
        await pilot.press("slash", "escape")
        await wait_for(pilot, lambda: len(app.timeline.rows) == full)


async def test_m_toggles_read_and_f_follows():
    store = seeded_store()
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        select(app, "Ferry timetable change 2")
        row = app.timeline.current
        await pilot.press("m")
        await wait_for(pilot, lambda: store.article(row.article_id).read)
        await pilot.press("m")
        await wait_for(pilot, lambda: not store.article(row.article_id).read)
        await pilot.press("f")
        await wait_for(pilot, lambda: store.article(row.article_id).followed)


async def test_hostile_titles_are_shown_literally():
    store = Store.memory()
    feed = store.add_feed("http://x.test/feed", title="[@click=app.quit]feed")
    store.save_poll(
        feed,
        ParsedFeed(
            entries=[
                Article(
                    guid="1",
                    title="[bold]not bold[/] \x1b]0;pwned\x07 [link=file:///etc/passwd]x[/link]",
                    published=NOW,
                ),
            ]
        ),
    )
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) == 1)
        await pilot.pause(0.1)
        line = "".join(seg.text for seg in app.timeline.render_line(0))
        assert "[bold]not bold[/]" in line and "[link=file:///etc/passwd]x[/link]" in line
        assert "\x1b" not in line and "\x07" not in line and "pwned" not in line  # the whole OSC goes
        await pilot.click("#timeline", offset=(10, 0))
        assert app.is_running


async def test_new_items_arrive_from_the_poller_while_the_cursor_stays(server):
    items = [(f"i{n}", f"Harbour notice {n}") for n in range(40)]
    state = {"items": items}
    server.route("/feed", lambda req: Reply(body=rss(state["items"]), etag=f'"{len(state["items"])}"'))
    store = Store.memory()
    store.add_feed(server.url("/feed"))
    app = make_app(store, poll=True, interval=0.3, clock=time.time)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) == 40)
        await pilot.press("j", "j", "j")
        before = app.timeline.current
        assert before.title == "Harbour notice 36"
        screen_row = app.timeline.cursor - int(app.timeline.scroll_y)
        state["items"] = items + [("d", "Bridge closed"), ("e", "Lighthouse relit")]
        await wait_for(pilot, lambda: len(app.timeline.rows) == 42)
        assert app.timeline.current.key == before.key
        assert app.timeline.cursor - int(app.timeline.scroll_y) == screen_row
        assert app.timeline.arrived == 2
        assert app.timeline.rows[0].title == "Lighthouse relit"
        await wait_for(pilot, lambda: "2 new above" in str(app.screen.query_one("#status").render()))
        # The poller kept polling politely: later requests were conditional.
        assert any("if-none-match" in r.headers for r in server.hits("/feed")[1:])


def test_snapshot_main_screen(snap_compare):
    assert snap_compare(make_app(seeded_store()), terminal_size=(110, 28))


def test_snapshot_article_view(snap_compare):
    assert snap_compare(make_app(seeded_store()), terminal_size=(110, 28), press=["enter"])


def test_snapshot_help(snap_compare):
    assert snap_compare(make_app(seeded_store()), terminal_size=(110, 36), press=["question_mark"])


def test_snapshot_main_screen_80x24(snap_compare):
    # Below 100 columns the feed list folds away; the headline keeps 40 cells or more.
    assert snap_compare(make_app(seeded_store()), terminal_size=(80, 24))


def test_snapshot_main_screen_160x50(snap_compare):
    assert snap_compare(make_app(seeded_store()), terminal_size=(160, 50))


def test_snapshot_main_screen_light(snap_compare):
    async def run_before(pilot):
        pilot.app.theme = "textual-light"

    assert snap_compare(make_app(seeded_store()), terminal_size=(110, 28), run_before=run_before)


def test_snapshot_article_view_light(snap_compare):
    async def run_before(pilot):
        pilot.app.theme = "textual-light"

    assert snap_compare(
        make_app(seeded_store()), terminal_size=(110, 28), press=["enter"], run_before=run_before
    )


async def test_keys_rebind_from_config(tmp_path):
    from tui.config import load_config

    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[keys]\n"timeline.toggle_read" = "x"\n[keys.timeline]\nfollow = "F"\n[display]\ntimezone = "UTC"\n'
    )
    config = load_config(cfg)
    assert config.keys == {"timeline.toggle_read": "x", "timeline.follow": "F"}
    store = seeded_store()
    app = ThreadlineApp(store, config, poll=False, clock=lambda: NOW, opener=lambda url: None)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        select(app, "Ferry timetable change 3")
        row = app.timeline.current
        await pilot.press("m")  # no longer bound
        await pilot.pause(0.1)
        assert not store.article(row.article_id).read
        await pilot.press("x")
        await wait_for(pilot, lambda: store.article(row.article_id).read)
        await pilot.press("F")
        await wait_for(pilot, lambda: store.article(row.article_id).followed)


async def test_a_store_that_cannot_write_is_reported_not_raised():
    store = seeded_store()
    store._db.execute("PRAGMA query_only=ON")  # every write now fails as on a read-only home
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        select(app, "Ferry timetable change 4")
        row = app.timeline.current
        await pilot.press("m", "f", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen))
        assert app.is_running
        messages = [n.message for n in app._notifications]
        assert any("read-only" in m for m in messages), messages
        assert store.article(row.article_id).read is False
