"""Issue 14: a reader's daily tools (unread-only, next unread, mark the view read and
undo, Saved, add/remove/rename feeds), leaving with q and Q, and any terminal size."""

from __future__ import annotations

from test_app import make_app, seeded_store, select, wait_for

from tui.model import Article, ParsedFeed
from tui.store import Store
from tui.ui.screens.article import ArticleScreen
from tui.ui.screens.feed_dialogs import AddFeedDialog, ConfirmDialog, EditFeedDialog
from tui.ui.screens.help import HelpScreen
from tui.ui.widgets.feed_list import SAVED, FeedList


def two_feed_store() -> Store:
    store = seeded_store()
    other = store.add_feed("http://other.test/feed", title="Calder Coast Wire")
    store.save_poll(
        other,
        ParsedFeed(
            entries=[
                Article(guid=f"w{i}", title=f"Wire story {i}", published=1_794_990_000.0 - i)
                for i in range(2)
            ]
        ),
    )
    return store


def choose_feed(app, feed_id: int) -> None:
    """Move to a feed in the feed list, as the reader does."""
    feeds = app.screen.query_one(FeedList)
    feeds.highlighted = feeds.get_option_index(str(feed_id))


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_u_shows_unread_only_and_is_remembered():
    store = seeded_store()
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        select(app, "Ferry timetable change 2")
        await pilot.press("m")
        await wait_for(pilot, lambda: any(r.read for r in app.timeline.rows))
        await pilot.press("u")
        await wait_for(pilot, lambda: app.unread_only and all(not r.read for r in app.timeline.rows))
        assert "Ferry timetable change 2" not in [r.title for r in app.timeline.rows]
        assert "(unread only)" in str(app.screen.query_one("#timeline-title").render())
    assert store.setting("unread_only") == "1"
    again = make_app(store)  # a new session starts in the view the reader left
    async with again.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: again.unread_only and len(again.timeline.rows) > 0)
        assert all(not r.read for r in again.timeline.rows)


async def test_n_and_N_move_between_unread_rows_and_cross_feeds():
    store = two_feed_store()
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        harbour = store.feed_by_url("http://news.test/feed")
        for row in store.timeline(feed_id=harbour.id)[:-1]:  # all but the oldest harbour row
            if row.update_id is None:
                store.set_read(row.article_id)
            else:
                store.set_update_read(row.update_id)
        choose_feed(app, harbour.id)
        await wait_for(
            pilot, lambda: app.timeline.rows and all(r.feed_id == harbour.id for r in app.timeline.rows)
        )
        await wait_for(pilot, lambda: any(not r.read for r in app.timeline.rows))
        await pilot.press("n")
        assert app.timeline.current is not None and not app.timeline.current.read
        assert app.timeline.cursor == len(app.timeline.rows) - 1
        await pilot.press("n")  # none left in this feed: on to the next feed with unread
        wire = store.feed_by_url("http://other.test/feed")
        await wait_for(
            pilot,
            lambda: (
                app.feed_filter == wire.id and app.timeline.rows and app.timeline.rows[0].feed_id == wire.id
            ),
        )
        assert not app.timeline.current.read
        assert any("on to Calder Coast Wire" in n for n in notes(app))
        await pilot.press("N")  # back: the last unread of the harbour feed
        await wait_for(
            pilot,
            lambda: (
                app.feed_filter == harbour.id
                and app.timeline.rows
                and app.timeline.rows[0].feed_id == harbour.id
            ),
        )
        await wait_for(pilot, lambda: app.timeline.current is not None and not app.timeline.current.read)


async def test_A_marks_the_view_read_and_U_undoes_exactly_that():
    store = two_feed_store()
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        select(app, "Ferry timetable change 3")
        await pilot.press("m")  # read before: the undo must leave it read
        harbour = store.feed_by_url("http://news.test/feed")
        choose_feed(app, harbour.id)
        await wait_for(
            pilot, lambda: app.timeline.rows and all(r.feed_id == harbour.id for r in app.timeline.rows)
        )
        await pilot.press("A")
        await wait_for(pilot, lambda: all(r.read for r in app.timeline.rows))
        assert any("(U undoes)" in n for n in notes(app))
        assert all(not r.read for r in store.timeline(feed_id=store.feed_by_url("http://other.test/feed").id))
        await pilot.press("U")
        await wait_for(pilot, lambda: sum(1 for r in app.timeline.rows if r.read) == 1)
        assert [r.title for r in app.timeline.rows if r.read] == ["Ferry timetable change 3"]
        await pilot.press("U")
        await wait_for(pilot, lambda: "nothing to undo" in notes(app))


async def test_s_saves_into_the_saved_view_from_timeline_and_article():
    store = seeded_store()
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        select(app, "Ferry timetable change 4")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.saved_count == 1)
        feeds = app.screen.query_one(FeedList)
        assert "Saved 1" in str(feeds.get_option(SAVED).prompt)
        assert any(r.saved for r in app.timeline.rows if r.title == "Ferry timetable change 4")
        select(app, "Ferry timetable change 5")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen))
        await pilot.press("s")
        await wait_for(pilot, lambda: app.saved_count == 2)
        await pilot.press("q")  # back, not out
        await wait_for(pilot, lambda: not isinstance(app.screen, ArticleScreen))
        assert app.is_running
        feeds.highlighted = feeds.get_option_index(SAVED)
        await wait_for(pilot, lambda: app.saved_view and len(app.timeline.rows) == 2)
        assert {r.title for r in app.timeline.rows} == {
            "Ferry timetable change 4",
            "Ferry timetable change 5",
        }
        assert "★ Saved" in str(app.screen.query_one("#timeline-title").render())
        app.timeline.cursor = 0
        await pilot.press("s")  # unsave from the Saved view
        await wait_for(pilot, lambda: len(app.timeline.rows) == 1)


async def test_a_adds_a_feed_after_checking_its_url():
    store = seeded_store()
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddFeedDialog))
        await pilot.press(*"ftp://x.test/feed", "enter")
        error = str(app.screen.query_one("#feed-url-error").render())
        assert "not added" in error and "http" in error
        assert isinstance(app.screen, AddFeedDialog)
        app.screen.query_one("#feed-url").value = "https://new.test/feed.xml"
        await pilot.press("enter")
        await wait_for(pilot, lambda: store.feed_by_url("https://new.test/feed.xml") is not None)
        await wait_for(pilot, lambda: any("not polling (offline)" in n for n in notes(app)))
        await wait_for(pilot, lambda: any(f.url == "https://new.test/feed.xml" for f in app.feeds))


async def test_d_removes_a_feed_after_asking_and_e_renames_and_moves_it():
    store = two_feed_store()
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        feeds = app.screen.query_one(FeedList)
        wire = store.feed_by_url("http://other.test/feed")
        feeds.focus()
        feeds.highlighted = feeds.get_option_index(str(wire.id))
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditFeedDialog))
        app.screen.query_one("#feed-title").value = "The Wire"
        app.screen.query_one("#feed-folder").value = "Coast"
        await pilot.press("enter")
        await wait_for(pilot, lambda: store.feed_by_id(wire.id).title == "The Wire")
        assert store.feed_by_id(wire.id).folder == "Coast"
        await wait_for(pilot, lambda: any("Coast" in str(o.prompt) for o in feeds.options))
        feeds.highlighted = feeds.get_option_index(str(wire.id))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")  # no: nothing happens
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmDialog))
        assert store.feed_by_id(wire.id) is not None
        feeds.highlighted = feeds.get_option_index(str(wire.id))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: store.feed_by_id(wire.id) is None)
        await wait_for(pilot, lambda: all(f.id != wire.id for f in app.feeds))
        feeds.highlighted = 0
        await pilot.press("d")  # on "All feeds": said, not silent
        await wait_for(pilot, lambda: any("move to a feed first" in n for n in notes(app)))


async def test_the_empty_state_says_to_press_a():
    app = make_app(Store.memory())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "Press a" in app.timeline.empty_message)


async def test_q_goes_back_one_level_and_Q_quits_from_anywhere():
    app = make_app(seeded_store())
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: len(app.screen_stack) == 1)
        assert app.is_running
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen))
        await pilot.press("Q")
        await wait_for(pilot, lambda: not app.is_running)


async def test_q_on_the_main_screen_quits():
    app = make_app(seeded_store())
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)


async def test_escape_from_search_returns_to_the_row_the_reader_was_on():
    app = make_app(seeded_store())
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        select(app, "Ferry timetable change 6")
        before = app.timeline.current.key
        await pilot.press("slash", *"storm", "enter")
        await wait_for(pilot, lambda: app.search_query == "storm" and app.timeline.current.key != before)
        await pilot.press("slash", "escape")
        await wait_for(pilot, lambda: app.search_query is None and app.timeline.current is not None)
        await wait_for(pilot, lambda: app.timeline.current.key == before)


async def test_narrow_terminal_folds_the_feed_list_and_backslash_shows_it():
    app = make_app(seeded_store())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        feeds = app.screen.query_one(FeedList)
        assert not feeds.display
        timeline = app.timeline
        width = timeline.scrollable_content_region.width
        assert width - 7 - timeline.feed_column(width) - 1 >= 40  # a headline keeps 40 cells
        assert timeline.feed_column(width) >= len("Harbour Ledger")
        await pilot.press("backslash")
        assert feeds.display and feeds.has_focus
        await pilot.press("backslash")
        assert not feeds.display and timeline.has_focus
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        await pilot.resize_terminal(200, 50)
        await pilot.pause()
        assert not feeds.display  # the reader's choice holds at any width
        await pilot.press("backslash")
        assert feeds.display
        assert timeline.feed_column(timeline.scrollable_content_region.width) == len("Harbour Ledger")


def test_save_theme_keeps_every_other_setting(tmp_path):
    from tui.config import load_config, save_theme

    path = tmp_path / "config.toml"
    assert save_theme(path, "nord") == ""  # no file yet: one is made
    assert load_config(path).theme == "nord"
    text = '# mine\n[poll]\nperiod = 600 # ten minutes\n\n[display]\nbell = true\n\n[keys]\n"timeline.comments" = "C"\n'
    path.write_text(text)
    assert save_theme(path, "textual-light") == ""
    written = path.read_text()
    assert written.startswith("# mine\n[poll]\nperiod = 600 # ten minutes\n")
    assert 'theme = "textual-light"' in written and '"timeline.comments" = "C"' in written
    config = load_config(path)
    assert (config.theme, config.bell, config.period, config.keys) == (
        "textual-light",
        True,
        600.0,
        {"timeline.comments": "C"},
    )
    assert save_theme(path, "nord") == ""  # the one line replaced, not added again
    assert path.read_text().count("theme =") == 1 and load_config(path).theme == "nord"
    assert save_theme(path, 'x"\n[evil]') != ""  # never a name that would edit the file
    assert load_config(path).theme == "nord"


async def test_theme_comes_from_config_and_the_palette_choice_is_saved(tmp_path):
    from test_app import NOW

    from tui.config import Config, load_config
    from tui.ui.app import ThreadlineApp

    path = tmp_path / "config.toml"
    path.write_text('[display]\ntimezone = "UTC"\ntheme = "textual-light"\n')
    app = ThreadlineApp(
        seeded_store(), load_config(path), poll=False, clock=lambda: NOW, opener=lambda u: None
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        assert app.theme == "textual-light"
        app.theme = "nord"
        await wait_for(pilot, lambda: load_config(path).theme == "nord")
        assert load_config(path).timezone == "UTC"
    assert Config().path is None  # a config not read from a file is never written


async def test_q_leaves_a_comment_thread_back_to_the_timeline():
    from test_app import NOW

    from tui.model import Comment
    from tui.ui.screens.thread import ThreadScreen

    app = make_app(seeded_store())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)

        async def loader():
            return [Comment("c1", None, "ann", NOW, "<p>hello</p>", "https://news.test/c1")]

        app.push_screen(ThreadScreen("t", loader, poll_every=None, clock=lambda: NOW))
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: len(app.screen_stack) == 1)
        assert app.is_running


async def test_f_on_an_article_that_is_not_live_says_so():
    app = make_app(seeded_store())
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        select(app, "Ferry timetable change 1")
        await pilot.press("f")
        await wait_for(pilot, lambda: any("no live updates in it so far" in n for n in notes(app)))
        select(app, "LIVE: Storm over the bay")
        await pilot.press("f")
        await wait_for(pilot, lambda: any(n == "following LIVE: Storm over the bay" for n in notes(app)))


# -- screenshots, the link chooser, the feed list (issue 14 points 5 and 7) ------------


async def test_the_palettes_screenshot_is_saved_in_the_home_and_said(tmp_path):
    from tui.model import Article as A

    store = Store.open(tmp_path / "home")
    feed = store.add_feed("http://news.test/feed", title="Harbour Ledger")
    store.save_poll(feed, ParsedFeed(entries=[A(guid="a", title="Ferry news", published=1_794_990_000.0)]))
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"screenshot")
        await pilot.pause(0.5)
        await pilot.press("enter")
        folder = tmp_path / "home" / "screenshots"
        await wait_for(pilot, lambda: folder.is_dir() and any(folder.glob("*.svg")))
        saved = next(folder.glob("*.svg"))
        assert "Ferry&#160;news" in saved.read_text(encoding="utf-8")  # the timeline, as an SVG
        status = str(app.screen.query_one("#status").render())
        assert "screenshot saved" in status and saved.name in status
    store.close()


async def test_a_screenshot_that_cannot_be_saved_says_why(tmp_path):
    store = Store.open(tmp_path / "home")
    (tmp_path / "home" / "screenshots").write_text("a file where the folder should be")
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.feeds == [] and app.timeline.empty_message.startswith("No feeds"))
        app.action_screenshot()
        await pilot.pause(0.1)
        said = [n for n in notes(app) if n.startswith("screenshot not saved")]
        assert said and "\n" not in said[0] and "screenshots" in said[0]
        assert "screenshot not saved" in str(app.screen.query_one("#status").render())
    store.close()


async def link_chooser(app, pilot, links):
    from tui.text.html import Link
    from tui.ui.screens.links import LinkChooser

    app.choose_link([Link(i + 1, url, text) for i, (url, text) in enumerate(links)])
    await wait_for(
        pilot, lambda: isinstance(app.screen, LinkChooser) and bool(app.screen.query("OptionList"))
    )
    await pilot.pause(0.05)
    return app.screen


async def test_question_mark_in_the_link_chooser_shows_its_own_help_and_footer():
    app = make_app(seeded_store())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        chooser = await link_chooser(
            app, pilot, [("https://news.test/a", "first"), ("https://news.test/b", "b")]
        )
        footer = [b.id for (_, b, _, _) in chooser.active_bindings.values() if b.show]
        assert "links.dismiss" in footer and "links.help" in footer
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        ids = {b.id for _, b in app.screen.bindings_here if b.id}
        assert {"links.dismiss", "links.help", "links.down", "links.up"} <= ids
        assert not any(i.startswith(("timeline.", "article.")) for i in ids)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is chooser)
        await pilot.press("j", "enter")
        await wait_for(pilot, lambda: app.opened_links == ["https://news.test/b"])


async def test_link_labels_use_the_free_width_and_end_at_a_word():
    from tui.ui.screens.links import word_cut

    words = "The harbour master warns of more gales next week and the ferries may stop again on Friday"
    assert word_cut(words, 30) == "The harbour master warns of…"
    assert word_cut("short", 30) == "short"
    app = make_app(seeded_store())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        chooser = await link_chooser(app, pilot, [("https://news.test/gales", words)])
        label = chooser.label_of(0)
        assert label.startswith("[1] The harbour master warns of more gales next week")  # past 50 columns
        shown, url = label.removeprefix("[1] ").split("\n")
        assert shown.endswith("…") and words.startswith(shown[:-1]) and words[len(shown) - 1] == " "
        assert url.strip() == "https://news.test/gales"
    app = make_app(seeded_store())
    async with app.run_test(size=(100, 30)) as pilot:  # room for both: one line
        await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
        chooser = await link_chooser(app, pilot, [("https://news.test/gales", "Gales next week")])
        assert chooser.label_of(0) == "[1] Gales next week  https://news.test/gales"


async def test_a_long_failing_feed_title_stays_on_one_line_with_its_mark():
    from tui.model import STATUS_ERROR

    store = Store.memory()
    feed = store.add_feed("https://a-very-long-host-name.example.org/some/deep/path/to/the/feed.xml?x=1")
    feed.status, feed.error = STATUS_ERROR, "could not connect: the host name was not found anywhere"
    store.save_poll(feed, None)
    store.add_feed("http://short.test/feed", title="Short")
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_for(pilot, lambda: len(app.feeds) == 2)
        await pilot.pause(0.2)
        feeds = app.screen.query_one(FeedList)
        lines = [feeds.render_line(y).text.rstrip() for y in range(6)]
        assert lines[2].startswith("! https://a-very-long-host") and lines[2].endswith("…")
        assert lines[3].startswith("  could not connect") and "Short" in lines[4:]
