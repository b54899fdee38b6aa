"""Reader mode (R, issue 14 point 6): a summary-only article's page fetched through
the app's Fetcher from a loopback server, its main text extracted, cached in the
store and drawn like any article; failures said in one line with the teaser kept."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from loopback import Reply
from test_app import make_app, wait_for

from tui.model import Article, ParsedFeed
from tui.store import SCHEMA_VERSION, Store
from tui.store.schema import MIGRATIONS
from tui.text.extract import extract_main
from tui.ui.screens.article import ArticleScreen
from tui.ui.screens.help import HelpScreen

FIXTURES = Path(__file__).parent / "fixtures" / "reader"
NOW = 1_795_000_000.0
TEASER = "<p>The bridge reopened on Tuesday. Read the full story on the site.</p>"


# -- extraction ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(json.loads((FIXTURES / "expected.json").read_text()).keys()))
def test_extraction_keeps_the_story_and_drops_the_boilerplate(name):
    want = json.loads((FIXTURES / "expected.json").read_text())[name]
    got = extract_main((FIXTURES / name).read_bytes(), "text/html; charset=utf-8")
    assert got.ok, got.error
    from tui.text.html import html_to_plain

    text = " ".join(html_to_plain(got.html).split())
    assert [p for p in want["keep"] if p not in text] == []
    leaked = [p for p in want["drop"] if p in text]
    assert len(leaked) <= 2, leaked  # the <div>-only page keeps its footer line and an advert


def test_extraction_says_why_when_there_is_nothing_to_read():
    assert extract_main(b"%PDF-1.7 ...", "application/pdf").error == "the page is not HTML (application/pdf)"
    assert extract_main(b"just words, no markup", "").error == "the page is not HTML"
    shell = b"<html><body><nav><a href='/'>Home</a></nav><script>app()</script></body></html>"
    assert extract_main(shell, "text/html").error == "no article text found on the page"
    deep = b"<html><body>" + b"<div>" * 50_000 + b"<p>" + b"word " * 40 + b"</p></body></html>"
    assert isinstance(extract_main(deep, "text/html").error, str)  # no exception, whatever it found


def test_a_leading_heading_that_repeats_the_title_is_dropped():
    page = (FIXTURES / "german.html").read_bytes()
    got = extract_main(page, "text/html", title="Neue Fähre verbindet die Inseln")
    assert "<h1>" not in got.html and "Elektrofähre" in got.html


# -- the store -----------------------------------------------------------------------


def test_reader_pages_are_kept_and_go_with_their_article(tmp_path):
    store = Store.open(tmp_path)
    feed = store.add_feed("http://news.test/feed")
    store.save_poll(feed, ParsedFeed(entries=[Article(guid="a", title="A", published=NOW)]))
    article_id = store.timeline()[0].article_id
    store.save_reader_page(article_id, "http://news.test/a", "<p>text</p>")
    page = store.reader_page(article_id)
    assert page is not None and page.ok and page.html == "<p>text</p>"
    store.save_reader_page(article_id, "http://news.test/a", "", "the page is not HTML")
    assert store.reader_page(article_id).error == "the page is not HTML"
    store.remove_feed(feed.url)
    assert store.reader_page(article_id) is None
    assert store.schema_version == SCHEMA_VERSION


def test_a_version_6_database_gains_the_reader_table(tmp_path):
    db = sqlite3.connect(tmp_path / "threadline.db")
    for migration in MIGRATIONS[:6]:  # the shape the release before reader mode left
        db.executescript(migration)
    db.execute("PRAGMA user_version=6")
    db.commit()
    db.close()
    store = Store.open(tmp_path)
    assert store.schema_version == SCHEMA_VERSION
    assert store.reader_page(1) is None


# -- the key -------------------------------------------------------------------------


def teaser_store(link: str) -> Store:
    store = Store.memory()
    feed = store.add_feed("http://news.test/feed", title="Coastline Courier")
    article = Article(
        guid="bridge",
        title="Harbour bridge reopens after storm repairs",
        link=link,
        summary=TEASER,
        published=NOW - 600,
    )
    store.save_poll(feed, ParsedFeed(entries=[article]))
    return store


def body_text(screen: ArticleScreen) -> str:
    return "\n".join(w.part.text.plain for w in screen.part_widgets())


def note_of(screen: ArticleScreen) -> str:
    note = screen.query_one("#article-note")
    return str(note.render()) if note.display else ""


async def open_first(app, pilot) -> ArticleScreen:
    await wait_for(pilot, lambda: len(app.timeline.rows) > 0)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ArticleScreen))
    return app.screen


async def test_R_shows_the_pages_main_text_with_links_and_caches_it(server):
    page = (
        (FIXTURES / "news.html")
        .read_text()
        .replace("just under six million,", "just under <a href='/budget'>six million</a>,")
    )
    server.route("/bridge", Reply(body=page, content_type="text/html; charset=utf-8"))
    store = teaser_store(server.url("/bridge"))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_first(app, pilot)
        assert "Read the full story" in body_text(screen)
        await pilot.press("R")
        await wait_for(pilot, lambda: screen.full_text)
        text = body_text(screen)
        assert "Engineers worked through the night" in text
        assert "We use cookies" not in text and "Most read" not in text
        assert "Read the full story" not in text
        assert [link.url for link in screen.links] == [server.url("/budget")]  # numbered as usual
        assert "[1]" in text
        assert "full text from" in note_of(screen)
        assert len(server.hits("/bridge")) == 1
        await pilot.press("R")  # back to the feed's text, without asking the server
        await wait_for(pilot, lambda: "Read the full story" in body_text(screen))
        await pilot.press("R")
        await wait_for(pilot, lambda: "Engineers worked" in body_text(screen))
        await pilot.press("q")
        await wait_for(pilot, lambda: not isinstance(app.screen, ArticleScreen))
        screen = await open_first(app, pilot)  # a new visit: the store has the text
        await pilot.press("R")
        await wait_for(pilot, lambda: screen.full_text)
        assert "Engineers worked" in body_text(screen)
    assert len(server.hits("/bridge")) == 1
    cached = store.reader_page(store.timeline()[0].article_id)
    assert cached is not None and cached.ok and cached.url == server.url("/bridge")


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (
            Reply(status=404, body=b"gone", content_type="text/plain"),
            "could not fetch the page: not found (404)",
        ),
        (Reply(body=b"%PDF-1.7", content_type="application/pdf"), "the page is not HTML (application/pdf)"),
        (
            Reply(body=b"<html><body><nav>Home</nav></body></html>", content_type="text/html"),
            "no article text found on the page",
        ),
    ],
)
async def test_R_says_why_in_one_line_and_keeps_the_teaser(server, reply, said):
    server.route("/bridge", reply)
    store = teaser_store(server.url("/bridge"))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_first(app, pilot)
        await pilot.press("R")
        await wait_for(pilot, lambda: said in note_of(screen))
        assert "the feed's text is shown" in note_of(screen)
        assert "\n" not in note_of(screen)
        assert "Read the full story" in body_text(screen)
        assert not screen.full_text
        await pilot.press("R")  # a failure is not cached as an answer: R asks again
        await wait_for(pilot, lambda: len(server.hits("/bridge")) == 2)


async def test_R_on_an_article_without_a_link_says_so():
    store = teaser_store("")
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_first(app, pilot)
        await pilot.press("R")
        await wait_for(pilot, lambda: "no web page to read" in note_of(screen))


async def test_R_is_in_the_footer_in_help_and_rebindable(server):
    server.route("/bridge", Reply(body=(FIXTURES / "blog.html").read_bytes(), content_type="text/html"))
    store = teaser_store(server.url("/bridge"))
    app = make_app(store)
    app.set_keymap({"article.reader": "F"})
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_first(app, pilot)
        footer_keys = [b.id for (_, b, _, _) in screen.active_bindings.values() if b.show]
        assert "article.reader" in footer_keys
        await pilot.press("R")
        await pilot.pause(0.2)
        assert server.hits("/bridge") == []  # R now belongs to nothing here
        await pilot.press("F")
        await wait_for(pilot, lambda: screen.full_text)
        assert "proprietary outliner" in body_text(screen)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        ids = [b.id for _, b in app.screen.bindings_here]
        assert "article.reader" in ids


async def test_a_hostile_page_is_drawn_as_plain_text(server):
    page = (
        "<html><body><nav>Home</nav><article><h1>Story</h1>"
        "<p>Press [@click=app.quit]here[/] for more; [bold]not markup[/bold] and a bell \x07 and "
        "an escape \x1b]0;pwned\x07 in the middle of a sentence that is long enough to keep.</p>"
        "<p>A second paragraph, also long enough to count as the article's main text here.</p>"
        "<p><a href='javascript:alert(1)'>a script link</a> and <a href='/next'>a real one</a>.</p>"
        "</article></body></html>"
    )
    server.route("/bridge", Reply(body=page, content_type="text/html; charset=utf-8"))
    app = make_app(teaser_store(server.url("/bridge")))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_first(app, pilot)
        await pilot.press("R")
        await wait_for(pilot, lambda: screen.full_text)
        text = body_text(screen)
        assert "[@click=app.quit]here[/]" in text and "[bold]not markup[/bold]" in text
        assert "\x1b" not in text and "\x07" not in text
        assert [link.url for link in screen.links] == [server.url("/next")]
        assert app.is_running
