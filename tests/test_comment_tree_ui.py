"""CommentTree and ThreadScreen, driven through real Textual rendering (Pilot).

The fixture thread has the seed's shape — ten comments, seven levels deep, one
reply from the article's author — with text of our own. Times are pinned with an
injected clock so relative times ("3h") and snapshots are stable.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.app import App
from textual.binding import Binding
from textual.widgets._footer import FooterKey

import tui.ui
from tui.config import Config
from tui.model import Comment
from tui.ui.screens.links import LinkChooser
from tui.ui.screens.thread import ThreadScreen
from tui.ui.widgets.comment_tree import CommentTree
from tui.ui.widgets.footer import LeadFooter

NOW = datetime(2026, 11, 26, 18, 0, tzinfo=UTC).timestamp()
HOUR = 3600.0


def clock() -> float:
    return NOW


def fixture_comments() -> list[Comment]:
    """c1 -> c2 -> c3 -> c4 -> c5 -> c6 -> c7 (seven levels), c8 under c1,
    c9 top-level with one link, c10 under c9 with two links and a javascript: one."""

    def c(cid, parent, author, hours, html, **kw):
        return Comment(cid, parent, author, NOW - hours * HOUR, html, f"https://news.example/c/{cid}", **kw)

    return [
        c(
            "c1",
            None,
            "alice",
            9,
            "<p>The relief column is said to be three kilometres out. "
            "Has anyone seen footage that is not from a state outlet?</p>",
        ),
        c(
            "c2",
            "c1",
            "bob",
            8,
            "<p>Only the clip from this morning, and the skyline in it "
            "does not match the city at all.</p><p>I would wait for daylight pictures.</p>",
        ),
        c("c3", "c2", "carol", 7.5, "<p>The water tower is visible at 0:42. It matches.</p>"),
        c("c4", "c3", "dave", 7, "<p>Which tower? There are two on the east side.</p>"),
        c("c5", "c4", "erin", 6, "<p>The one by the airport road.</p>"),
        c("c6", "c5", "frank", 5, "<p>Then the column is closer than three kilometres.</p>"),
        c(
            "c7",
            "c6",
            "grace",
            4,
            "<p>Author here: we have updated the post with the new distance.</p>",
            by_author=True,
        ),
        c(
            "c8",
            "c1",
            "heidi",
            3,
            "<p>Every offensive is announced as a breakthrough the week before it stalls.</p>",
        ),
        c(
            "c9",
            None,
            "ivan",
            2,
            '<p>Background reading: <a href="https://maps.example/east">the frontline map</a>.</p>',
        ),
        c(
            "c10",
            "c9",
            "judy",
            1,
            '<p>Two more: <a href="https://a.example/one">one</a> and '
            '<a href="https://b.example/two">two</a>, and a trap: '
            '<a href="javascript:alert(1)">click me</a>.</p>',
        ),
    ]


class Source:
    """A loader the test controls: returns whatever ``comments`` holds now."""

    def __init__(self, comments: list[Comment], fail: bool = False) -> None:
        self.comments = comments
        self.fail = fail
        self.calls = 0

    async def __call__(self) -> list[Comment]:
        self.calls += 1
        if self.fail:
            raise ConnectionError("loopback said no")
        return list(self.comments)


class Host(App):
    """Pushes one ThreadScreen; records the messages tests care about."""

    CSS_PATH = str(Path(tui.ui.__file__).parent / "app.tcss")  # the app's own styles

    def __init__(self, source: Source, **screen_kw) -> None:
        super().__init__()
        self.source = source
        self.screen_kw = {"poll_every": None, "clock": clock, **screen_kw}
        self.opened: list[str] = []
        self.seen_reports: list[set[str]] = []

    def on_mount(self) -> None:
        self.push_screen(
            ThreadScreen(
                "Pro-government forces close on the city  [live]",
                self.source,
                kind="WordPress",
                on_seen=self.seen_reports.append,
                **self.screen_kw,
            )
        )

    def on_comment_tree_open_link(self, event: CommentTree.OpenLink) -> None:
        self.opened.append(event.url)


async def ready(pilot) -> CommentTree:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return pilot.app.screen.query_one(CommentTree)


def screen_lines(tree: CommentTree) -> list[str]:
    return [tree.render_line(y).text for y in range(tree.size.height)]


def host(comments=None, **kw) -> Host:
    return Host(Source(fixture_comments() if comments is None else comments), **kw)


# -- keys ----------------------------------------------------------------------


async def test_opens_with_cursor_on_first_comment_and_all_shown():
    async with host().run_test(size=(100, 40)) as pilot:
        tree = await ready(pilot)
        assert tree.cursor_id == "c1"
        assert tree.visible_count == 10
        assert tree.has_focus
        text = "\n".join(screen_lines(tree))
        assert "alice" in text and "relief column" in text
        assert "OP" in text  # grace, the author, is on screen at 100x40? at least the badge
        title = pilot.app.screen.query_one("#thread-title").render()
        assert "10 comments" in str(title)


@pytest.mark.parametrize(
    "keys, expected",
    [
        (["j"], "c2"),
        (["down", "down"], "c3"),
        (["j", "j", "k"], "c2"),
        (["j", "up"], "c1"),
        (["J"], "c9"),  # next sibling of c1 (top level)
        (["j", "J"], "c8"),  # c2's next sibling
        (["j", "J", "K"], "c2"),
        (["J", "K"], "c1"),
        (["j", "j", "j", "p"], "c3"),  # c4's parent
        (["n"], "c9"),
        (["j", "j", "n"], "c9"),
        (["n", "N"], "c1"),
        (["j", "j", "N"], "c1"),  # inside c1's subtree: back to its top
        (["G"], "c10"),
        (["end"], "c10"),
        (["G", "g"], "c1"),
        (["G", "home"], "c1"),
        (["pagedown"], None),
        (["ctrl+d"], None),
    ],
)
async def test_navigation_keys(keys, expected):
    async with host().run_test(size=(100, 24)) as pilot:
        tree = await ready(pilot)
        for key in keys:
            await pilot.press(key)
        if expected is not None:
            assert tree.cursor_id == expected
        else:  # paging moves forward by about a screen
            assert tree.thread.index[tree.cursor_id] > 0


async def test_paging_back_returns():
    async with host().run_test(size=(100, 24)) as pilot:
        tree = await ready(pilot)
        await pilot.press("pagedown", "pagedown")
        assert tree.cursor_id != "c1"
        await pilot.press("pageup", "pageup", "pageup")
        assert tree.cursor_id == "c1"
        await pilot.press("ctrl+d")
        down = tree.cursor_id
        assert down != "c1"
        await pilot.press("ctrl+u", "ctrl+u")
        assert tree.cursor_id == "c1"


async def test_moving_keeps_cursor_comment_on_screen():
    async with host().run_test(size=(100, 16)) as pilot:
        tree = await ready(pilot)
        for _ in range(9):
            await pilot.press("j")
            first, _end = tree.row_span(tree.cursor_id)
            assert tree.scroll_y <= first < tree.scroll_y + tree.size.height
        await pilot.press("g")
        assert tree.scroll_y == 0


async def test_space_folds_and_shows_reply_count():
    async with host().run_test(size=(100, 40)) as pilot:
        tree = await ready(pilot)
        await pilot.press("space")
        assert tree.folded == {"c1"}
        assert tree.visible_count == 3  # c1, c9, c10
        text = "\n".join(screen_lines(tree))
        assert "[+7 replies]" in text
        assert "bob" not in text and "heidi" not in text
        await pilot.press("j")
        assert tree.cursor_id == "c9"  # j skips the folded subtree
        await pilot.press("k", "space")
        assert tree.folded == set()
        assert tree.visible_count == 10
        assert "[+7 replies]" not in "\n".join(screen_lines(tree))


async def test_h_folds_then_goes_to_parent_and_l_unfolds():
    async with host().run_test(size=(100, 40)) as pilot:
        tree = await ready(pilot)
        await pilot.press("j", "j")  # c3, which has replies
        await pilot.press("h")
        assert tree.folded == {"c3"} and tree.cursor_id == "c3"
        assert "[+4 replies]" in "\n".join(screen_lines(tree))
        await pilot.press("h")  # already folded: to the parent
        assert tree.cursor_id == "c2"
        await pilot.press("j", "l")
        assert tree.cursor_id == "c3" and tree.folded == set()
        await pilot.press("G", "h")  # c10 is a leaf: h goes to c9
        assert tree.cursor_id == "c9"


async def test_z_folds_to_top_level_and_Z_unfolds_all():
    async with host().run_test(size=(100, 40)) as pilot:
        tree = await ready(pilot)
        await pilot.press("j", "j", "j")  # c4, deep inside c1
        await pilot.press("z")
        assert tree.folded == {"c1", "c9"}
        assert tree.cursor_id == "c1"
        assert tree.visible_count == 2
        text = "\n".join(screen_lines(tree))
        assert "[+7 replies]" in text and "[+1 reply]" in text
        await pilot.press("Z")
        assert tree.folded == set() and tree.visible_count == 10
        assert tree.cursor_id == "c1"


async def test_new_marks_and_bracket_keys():
    seen = {f"c{i}" for i in range(1, 11)} - {"c5", "c10"}
    async with host(seen=seen).run_test(size=(100, 40)) as pilot:
        tree = await ready(pilot)
        assert tree.new_ids == {"c5", "c10"}
        assert "● new" in "\n".join(screen_lines(tree))
        await pilot.press("z")  # hide c5 inside a fold: ] must unfold its ancestors
        await pilot.press("right_square_bracket")
        assert tree.cursor_id == "c5"
        assert "c1" not in tree.folded
        await pilot.press("right_square_bracket")
        assert tree.cursor_id == "c10"
        await pilot.press("right_square_bracket")
        assert tree.cursor_id == "c10"  # no more: stays
        await pilot.press("left_square_bracket")
        assert tree.cursor_id == "c5"
        title = str(pilot.app.screen.query_one("#thread-title").render())
        assert "2 new" in title


async def test_first_visit_marks_nothing_new():
    async with host(seen=None).run_test(size=(100, 40)) as pilot:
        tree = await ready(pilot)
        assert tree.new_ids == set()
        assert "● new" not in "\n".join(screen_lines(tree))


async def test_o_with_one_link_opens_it():
    async with host().run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await pilot.press("n", "o")  # c9 has exactly one link
        await pilot.pause()
        assert pilot.app.opened == ["https://maps.example/east"]


async def test_o_with_several_links_offers_only_http_and_opens_choice():
    async with host().run_test(size=(100, 40)) as pilot:
        tree = await ready(pilot)
        await pilot.press("G")
        assert [url for url, _ in tree.cursor_links()] == [
            "https://a.example/one",
            "https://b.example/two",
        ]
        await pilot.press("o")
        await pilot.pause()
        chooser = pilot.app.screen
        assert isinstance(chooser, LinkChooser)
        assert all("javascript" not in link.url for link in chooser.links)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert pilot.app.opened == ["https://b.example/two"]
        assert isinstance(pilot.app.screen, ThreadScreen)


async def test_o_with_several_links_asks_the_screen_which_answers_with_the_chooser():
    """The tree never pushes a screen: it posts LinksRequested, the ThreadScreen
    pushes the LinkChooser and the choice comes back as the tree's OpenLink."""
    requested: list[CommentTree.LinksRequested] = []

    def hook(message):
        if isinstance(message, CommentTree.LinksRequested) and message not in requested:
            requested.append(message)

    async with host().run_test(size=(100, 40), message_hook=hook) as pilot:
        await ready(pilot)
        await pilot.press("G", "o")
        await pilot.pause()
        assert len(requested) == 1
        links = requested[0].links
        assert [(link.number, link.url) for link in links] == [
            (1, "https://a.example/one"),
            (2, "https://b.example/two"),
        ]
        assert requested[0]._stop_propagation  # answered by the screen, not passed on
        chooser = pilot.app.screen
        assert isinstance(chooser, LinkChooser) and chooser.links == links
        await pilot.press("1")
        await pilot.pause()
        assert pilot.app.opened == ["https://a.example/one"]
        assert isinstance(pilot.app.screen, ThreadScreen)


async def test_cursor_time_is_shown_in_the_configured_zone():
    app = host()
    app.config = Config(timezone="Asia/Tokyo")  # what ThreadlineApp carries
    async with app.run_test(size=(100, 40)) as pilot:
        tree = await ready(pilot)
        header = tree.render_line(0).text  # c1, the cursor: 09:00 UTC
        assert "alice · 2026-11-26 18:00 JST" in header
        await pilot.press("j")
        assert "alice · 9h" in tree.render_line(0).text  # away from the cursor: relative


async def test_o_without_links_posts_nothing():
    async with host().run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await pilot.press("o")
        await pilot.pause()
        assert pilot.app.opened == []
        assert isinstance(pilot.app.screen, ThreadScreen)


async def test_click_moves_cursor_and_header_click_folds():
    async with host().run_test(size=(100, 40)) as pilot:
        tree = await ready(pilot)
        first, _ = tree.row_span("c2")
        # a body line of c2: cursor moves, nothing folds
        await pilot.click(CommentTree, offset=(10, first + 1 - round(tree.scroll_y)))
        assert tree.cursor_id == "c2" and tree.folded == set()
        # c2's header: folds it
        await pilot.click(CommentTree, offset=(10, first - round(tree.scroll_y)))
        assert tree.cursor_id == "c2" and tree.folded == {"c2"}


async def test_cursor_messages_are_posted():
    moved: list[str | None] = []

    def hook(message):
        # The hook sees a message at every node it bubbles through: count it once.
        if isinstance(message, CommentTree.CursorMoved) and (not moved or moved[-1] != message.comment_id):
            moved.append(message.comment_id)

    async with host().run_test(size=(100, 40), message_hook=hook) as pilot:
        await ready(pilot)
        await pilot.press("j", "G")
        assert moved[-2:] == ["c2", "c10"]


# -- live merge ------------------------------------------------------------------


async def test_live_merge_keeps_cursor_folds_and_screen_row():
    source = Source(fixture_comments())
    app = Host(source)
    async with app.run_test(size=(100, 30)) as pilot:
        tree = await ready(pilot)
        await pilot.press("n", "space")  # fold c9 (elsewhere)
        await pilot.press("g", "j", "j", "j", "j")  # cursor on c5
        assert tree.cursor_id == "c5" and tree.folded == {"c9"}
        row_before = tree.row_span("c5")[0] - round(tree.scroll_y)
        # a reply arrives deep in the tree, above the cursor (under c3, after c7)
        reply = Comment(
            "c11",
            "c3",
            "mallory",
            NOW - 60,
            "<p>A late reply, long enough to "
            "wrap over more than one line of the pane when it is drawn.</p>" * 3,
        )
        source.comments = fixture_comments()[:7] + [reply] + fixture_comments()[7:]
        await pilot.press("r")
        tree = await ready(pilot)
        assert tree.cursor_id == "c5"
        assert tree.folded == {"c9"}
        assert tree.row_span("c5")[0] - round(tree.scroll_y) == row_before
        assert "c11" in tree.thread.index and tree.row_span("c11") is not None
        assert "c11" in tree.new_ids
        assert tree.arrived == 1
        status = str(pilot.app.screen.query_one("#thread-status").render())
        assert "1 new comment arrived" in status
        await pilot.press("right_square_bracket")
        assert tree.cursor_id == "c11"
        assert tree.arrived == 0
        assert "arrived" not in str(pilot.app.screen.query_one("#thread-status").render())


async def test_live_merge_into_folded_subtree_stays_hidden_and_counts():
    source = Source(fixture_comments())
    async with Host(source).run_test(size=(100, 30)) as pilot:
        tree = await ready(pilot)
        await pilot.press("space")  # fold c1
        source.comments = fixture_comments() + [Comment("c12", "c6", "oscar", NOW, "<p>hi</p>")]
        await pilot.press("r")
        tree = await ready(pilot)
        assert tree.folded == {"c1"} and tree.cursor_id == "c1"
        assert tree.row_span("c12") is None  # hidden under the fold
        assert "[+8 replies]" in "\n".join(screen_lines(tree))
        assert tree.arrived == 1


async def test_merge_when_cursor_comment_vanishes_goes_to_ancestor():
    source = Source(fixture_comments())
    async with Host(source).run_test(size=(100, 30)) as pilot:
        tree = await ready(pilot)
        await pilot.press("j", "j", "j")  # c4
        source.comments = [c for c in fixture_comments() if c.id not in ("c4", "c5", "c6", "c7")]
        await pilot.press("r")
        tree = await ready(pilot)
        assert tree.cursor_id == "c3"


async def test_polling_merges_and_reports_seen():
    source = Source(fixture_comments())
    app = Host(source, poll_every=0.05)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        source.comments = fixture_comments() + [Comment("c13", None, "pat", NOW, "<p>new</p>")]
        for _ in range(100):
            await asyncio.sleep(0.02)
            if source.calls >= 2 and "c13" in app.screen.query_one(CommentTree).thread.index:
                break
        tree = app.screen.query_one(CommentTree)
        assert "c13" in tree.thread.index
        assert tree.arrived == 1
        assert app.seen_reports and "c13" in app.seen_reports[-1]


async def test_initial_is_shown_then_loader_merges():
    gate = asyncio.Event()

    class Slow(Source):
        async def __call__(self):
            await gate.wait()
            return await super().__call__()

    source = Slow(fixture_comments())
    app = Host(source, initial=fixture_comments()[:3])
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(50):
            await pilot.pause(0.01)
            if app.screen.query_one(CommentTree).visible_count:
                break
        tree = app.screen.query_one(CommentTree)
        assert tree.visible_count == 3
        gate.set()
        await ready(pilot)
        assert tree.visible_count == 10
        assert tree.arrived == 7


async def test_loader_failure_keeps_thread_and_says_so():
    source = Source(fixture_comments())
    async with Host(source).run_test(size=(100, 30)) as pilot:
        tree = await ready(pilot)
        source.fail = True
        await pilot.press("r")
        tree = await ready(pilot)
        assert tree.visible_count == 10
        status = str(pilot.app.screen.query_one("#thread-status").render())
        assert "loopback said no" in status


async def test_escape_goes_back_and_reports_seen():
    app = host()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ThreadScreen)
        assert app.seen_reports[-1] == {f"c{i}" for i in range(1, 11)}


# -- search -------------------------------------------------------------------------


async def test_search_jumps_to_matches_and_unfolds():
    async with host().run_test(size=(100, 30)) as pilot:
        tree = await ready(pilot)
        await pilot.press("z")
        await pilot.press("slash")
        await pilot.press(*"TOWER")  # case-insensitive
        await pilot.press("enter")
        tree = await ready(pilot)
        assert tree.cursor_id == "c3"
        assert "c1" not in tree.folded
        await pilot.press("enter")
        tree = await ready(pilot)
        assert tree.cursor_id == "c4"  # "Which tower?"
        await pilot.press("escape")
        assert tree.has_focus
        assert not pilot.app.screen.query_one("#thread-search").has_class("-open")
        await pilot.press("slash", *"judy", "enter")  # authors are searched too
        tree = await ready(pilot)
        assert tree.cursor_id == "c10"


# -- hostile text -------------------------------------------------------------------


async def test_hostile_text_renders_literally():
    comments = [
        Comment(
            "x1",
            None,
            "[@click=app.quit]x",
            NOW - 60,
            "<p>close [/] and open [bold never closed \x1b]0;pwned\x07 "
            "[link=https://evil.example]here[/link]</p>",
            "https://news.example/x1",
        ),
        Comment("x2", "x1", "\x1b[31mred\x1b[0m [b]bold[/b]", NOW, "<p>[/]</p>"),
    ]
    app = host(comments)
    async with app.run_test(size=(100, 20)) as pilot:
        tree = await ready(pilot)
        lines = screen_lines(tree)
        text = "\n".join(lines)
        assert "[@click=app.quit]x" in text
        assert "[/]" in text and "[bold never closed" in text
        assert "[link=https://evil.example]here[/link]" in text
        assert "[b]bold[/b]" in text
        assert "\x1b" not in text and "\x07" not in text and "pwned" not in text
        await pilot.click(CommentTree, offset=(5, 0))  # clicking the author does nothing bad
        await pilot.press("j", "k")
        assert app.is_running
        svg = app.export_screenshot()
        assert "\x1b" not in svg and "[@click=app.quit]x" in svg.replace("&#160;", " ")


# -- big threads ------------------------------------------------------------------------


async def test_ten_thousand_deep_chain_opens_and_navigates():
    chain = [Comment("d0", None, "root", NOW, "<p>start</p>")]
    chain += [Comment(f"d{i}", f"d{i - 1}", f"u{i}", NOW, f"<p>reply {i}</p>") for i in range(1, 10_000)]
    async with host(chain).run_test(size=(100, 30)) as pilot:
        tree = await ready(pilot)
        assert tree.visible_count == 10_000
        await pilot.press("G")
        assert tree.cursor_id == "d9999"
        text = "\n".join(screen_lines(tree))
        assert "↳9999" in text and "reply 9999" in text
        await pilot.press("p", "n", "N", "z")
        assert tree.cursor_id == "d0" and tree.visible_count == 1


async def test_five_thousand_siblings_open_and_navigate():
    flat = [Comment("r", None, "root", NOW, "<p>root</p>")]
    flat += [Comment(f"s{i}", "r", f"u{i}", NOW, f"<p>sibling {i}</p>") for i in range(5_000)]
    async with host(flat).run_test(size=(100, 30)) as pilot:
        tree = await ready(pilot)
        await pilot.press("j", "J", "J")
        assert tree.cursor_id == "s2"
        await pilot.press("G", "K")
        assert tree.cursor_id == "s4998"
        await pilot.press("p", "space")
        assert tree.visible_count == 1


# -- snapshots ----------------------------------------------------------------------


def snapshot_app() -> Host:
    seen = {f"c{i}" for i in range(1, 11)} - {"c8", "c10"}
    return host(seen=seen)


async def _loaded(pilot) -> None:
    await ready(pilot)


def test_snapshot_unfolded(snap_compare):
    assert snap_compare(snapshot_app(), terminal_size=(100, 32), press=["j", "j"], run_before=_loaded)


def test_snapshot_folded(snap_compare):
    assert snap_compare(
        snapshot_app(), terminal_size=(100, 32), press=["space", "n", "space"], run_before=_loaded
    )


# -- marks, long threads, resizing ------------------------------------------------------


async def test_orphan_cycle_deleted_and_dead_are_marked():
    comments = [
        Comment("a", None, "ann", NOW, "<p>top</p>"),
        Comment("o", "missing", "olga", NOW, "<p>my parent is gone</p>"),
        Comment("y1", "y2", "yan", NOW, "<p>loop one</p>"),
        Comment("y2", "y1", "yul", NOW, "<p>loop two</p>"),
        Comment("d", "a", "", NOW, "", deleted=True),
        Comment("k", "a", "kim", NOW, "<p>flagged</p>", dead=True),
    ]
    async with host(comments).run_test(size=(100, 30)) as pilot:
        tree = await ready(pilot)
        text = "\n".join(screen_lines(tree))
        assert "↳ reply to a missing comment" in text
        assert "↳ reply loop cut here" in text
        assert "[deleted]" in text and "kim [dead]" in text


def long_thread(n: int) -> list[Comment]:
    """Bodies from one line to about fifteen at 100 columns, so estimates are off."""
    out = []
    for i in range(n):
        parent = None if i % 7 == 0 else f"t{i - 1}"
        words = " ".join(f"w{i}x{j}" for j in range(3 + (i * 37) % 160))
        out.append(Comment(f"t{i}", parent, f"u{i}", NOW, f"<p>{words}</p>"))
    return out


async def test_far_jumps_show_the_whole_comment_with_estimated_heights():
    async with host(long_thread(2_000)).run_test(size=(100, 30)) as pilot:
        tree = await ready(pilot)
        for keys in (["G"], ["g"], ["G", "k"], ["g", "n", "n", "n"], ["pagedown"] * 5):
            for key in keys:
                await pilot.press(key)
            first, end = tree.row_span(tree.cursor_id)
            top = round(tree.scroll_y)
            assert top <= first, keys
            if end - first <= tree.size.height:
                assert end - 1 <= top + tree.size.height, keys
            header = tree.render_line(first - top).text
            assert f"u{tree.thread.index[tree.cursor_id]} " in header, keys


async def test_resize_rewraps_and_keeps_the_cursor_on_screen():
    async with host(long_thread(300)).run_test(size=(120, 30)) as pilot:
        tree = await ready(pilot)
        for _ in range(20):
            await pilot.press("j")
        cid = tree.cursor_id
        before = tree.row_span(cid)
        await pilot.resize_terminal(60, 30)
        await pilot.pause()
        after = tree.row_span(cid)
        assert tree.cursor_id == cid
        assert after[1] - after[0] > before[1] - before[0]  # narrower: more lines
        top = round(tree.scroll_y)
        assert top <= after[0] < top + tree.size.height
        assert f"u{tree.thread.index[cid]} " in tree.render_line(after[0] - top).text


async def test_escape_while_the_thread_is_loading_does_not_crash():
    """The load finishes after its screen is gone: nothing may touch the old screen
    (it raised NoMatches('#thread-title') and ended the app)."""
    gate = asyncio.Event()

    class Slow(Source):
        async def __call__(self) -> list[Comment]:
            await gate.wait()
            return await super().__call__()

    class Base(App):
        def on_mount(self) -> None:
            self.push_screen(ThreadScreen("slow", Slow(fixture_comments()), poll_every=None, clock=clock))

    app = Base()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        assert isinstance(app.screen, ThreadScreen)
        await pilot.press("escape")
        await pilot.pause(0.1)
        gate.set()
        await pilot.pause(0.3)
        assert app.is_running and not isinstance(app.screen, ThreadScreen)


@pytest.mark.parametrize(
    "keys, said",
    [
        (["K"], "No earlier reply at this level."),
        (["G", "J"], "No next reply at this level."),
        (["p"], "Already at the top level."),
    ],
)
async def test_a_key_with_nowhere_to_go_says_so(keys, said):
    async with host().run_test(size=(100, 24)) as pilot:
        tree = await ready(pilot)
        for key in keys:
            await pilot.press(key)
        before = tree.cursor_id
        await pilot.pause()
        messages = [n.message for n in pilot.app._notifications]
        assert said in messages
        assert tree.cursor_id == before


async def test_the_thread_footer_shows_one_way_back():
    """esc (the screen's) and q (the app's) both go back: the footer shows one."""

    class WithQ(Host):
        BINDINGS = [Binding("q", "go_back", "Back")]

        def action_go_back(self) -> None:
            self.pop_screen()

    async with WithQ(Source(fixture_comments())).run_test(size=(100, 24)) as pilot:
        await ready(pilot)
        footer = pilot.app.screen.query_one(LeadFooter)
        labels = [key.description for key in footer.query(FooterKey)]
        assert labels.count("Back") == 1
        assert "Search" in labels


async def test_moderators_and_admins_are_marked_beside_their_names():
    comments = fixture_comments()
    comments[0].role = "moderator"
    comments[1].role = "admin"
    comments[2].role = "special"  # not a role the tree marks
    async with host(comments).run_test(size=(100, 40)) as pilot:
        tree = await ready(pilot)
        lines = screen_lines(tree)
        header = {name: next(line for line in lines if name in line) for name in ("alice", "bob", "carol")}
        assert "alice  MOD  ·" in header["alice"]
        assert "bob  ADMIN  ·" in header["bob"]
        assert "MOD" not in header["carol"] and "ADMIN" not in header["carol"]
