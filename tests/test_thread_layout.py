"""ThreadLayout, the comment tree's layout model, tested without Textual.

Bodies are measured by a fake that returns a fixed number of lines per comment
(and counts its calls), so every height and offset is known exactly.
"""

from __future__ import annotations

import subprocess
import sys
from itertools import accumulate

from tui.comments.tree import build_thread
from tui.model import Comment
from tui.ui.thread_layout import FOLDED_HEIGHT, Pin, ThreadLayout

HEIGHT = 10  # viewport lines


def comments(extra: list[Comment] | None = None) -> list[Comment]:
    """c1 -> c2 -> c3 -> c4 -> c5; c6 under c1; c7 top level with c8; c9 top level."""
    shape = [
        ("c1", None),
        ("c2", "c1"),
        ("c3", "c2"),
        ("c4", "c3"),
        ("c5", "c4"),
        ("c6", "c1"),
        ("c7", None),
        ("c8", "c7"),
        ("c9", None),
    ]
    out = [Comment(cid, parent, f"u{cid}", 0.0, f"<p>{cid} body</p>") for cid, parent in shape]
    return out + (extra or [])


class Lines:
    """A measure: comment cN has N % 3 + 1 body lines; calls are recorded."""

    def __init__(self) -> None:
        self.layout: ThreadLayout | None = None
        self.calls: list[str] = []

    def __call__(self, pos: int) -> int:
        assert self.layout is not None
        cid = self.layout.thread.nodes[pos].comment.id
        self.calls.append(cid)
        return int(cid.lstrip("cx")) % 3 + 1


def make(items: list[Comment] | None = None, width: int = 80, **kw) -> tuple[ThreadLayout, Lines]:
    lines = Lines()
    layout = ThreadLayout(measure=lines, **kw)
    lines.layout = layout
    layout.set_width(width, 0)
    layout.set_thread(build_thread(comments() if items is None else items), height=HEIGHT)
    return layout, lines


def exact(layout: ThreadLayout) -> None:
    """Make every row's height exact (a screen tall enough for all of them)."""
    layout.settle(0, 0, 10_000)


def height_of(cid: str) -> int:
    return int(cid[1:]) % 3 + 1 + 2  # body + header + blank line


def ids(layout: ThreadLayout, positions: list[int]) -> list[str]:
    return [layout.thread.nodes[p].comment.id for p in positions]


def visible_ids(layout: ThreadLayout) -> list[str]:
    return ids(layout, layout.visible)


def test_first_load_puts_the_cursor_on_the_first_comment_at_the_top():
    layout = ThreadLayout(measure=lambda pos: 1)
    layout.set_width(80, 0)
    pin = layout.set_thread(build_thread(comments()), height=HEIGHT)
    assert pin == Pin(0, 0)
    assert layout.cursor_id == "c1" and layout.loaded
    assert layout.visible_count == 9
    assert layout.scroll_for(pin, 0, HEIGHT) == 0


def test_empty_thread_has_no_cursor_and_no_rows():
    layout = ThreadLayout(measure=lambda pos: 1)
    layout.set_width(80, 0)
    assert layout.set_thread(build_thread([]), height=HEIGHT) is None
    assert layout.cursor == -1 and layout.cursor_id is None
    assert layout.visible == [] and layout.total_lines == 0
    assert layout.at_line(0) is None
    assert layout.step(1) is None and layout.next_top() is None and layout.first() is None


def test_offsets_rows_and_lookups_once_exact():
    totals: list[int] = []
    layout, _ = make(on_lines=totals.append)
    exact(layout)
    heights = [height_of(c) for c in visible_ids(layout)]
    assert layout.rowh == heights
    assert layout.off == list(accumulate(heights, initial=0))
    assert totals[-1] == layout.total_lines == sum(heights)
    first, end = layout.row_span("c3")
    assert (first, end) == (layout.off[2], layout.off[3])
    assert layout.row_at(first) == 2 and layout.row_at(end - 1) == 2
    assert layout.at_line(end - 1) == (2, 2)
    assert layout.at_line(layout.total_lines) is None
    assert layout.row_at(10**9) == layout.visible_count - 1  # clamped
    assert layout.row_of(4) == 4


def test_heights_start_as_estimates_and_only_what_is_shown_is_measured():
    many = [Comment(f"x{i}", None, "u", 0.0, "<p>" + "word " * 40 + "</p>") for i in range(500)]
    layout, lines = make(many, width=60)
    assert lines.calls == []  # nothing measured before it is needed
    layout.settle(0, 0, HEIGHT)
    assert 0 < len(lines.calls) <= HEIGHT  # only rows that reach the screen
    measured = len(lines.calls)
    layout.settle(0, 0, HEIGHT)
    assert len(lines.calls) == measured  # cached per width
    assert layout.rowh[0] == int("0") % 3 + 1 + 2


def test_heights_are_cached_per_width_and_remeasured_after_a_resize():
    layout, lines = make()
    exact(layout)
    assert sorted(lines.calls) == sorted(visible_ids(layout))
    lines.calls.clear()
    exact(layout)
    assert lines.calls == []
    layout.set_width(40, 0)
    exact(layout)
    assert sorted(lines.calls) == sorted(visible_ids(layout))


def test_fold_hides_the_subtree_and_unfold_brings_it_back():
    layout, _ = make()
    exact(layout)
    version = layout.version
    pin = layout.fold("c1", True, 0)
    assert pin == Pin(0, 0, show=True)
    assert layout.version > version
    assert layout.folded == {"c1"}
    assert visible_ids(layout) == ["c1", "c7", "c8", "c9"]
    assert layout.fold_rows == {0}
    assert layout.rowh[0] == FOLDED_HEIGHT
    assert layout.row_span("c3") is None
    assert layout.fold("c1", True, 0) is None  # already folded: nothing to do
    assert layout.fold("c9", True, 0) is None  # no replies: nothing to fold
    layout.fold("c1", False, 0)
    assert layout.folded == set() and layout.visible_count == 9
    assert layout.rowh[0] == height_of("c1")


def test_inner_folds_survive_an_outer_fold_and_rejoin():
    layout, _ = make()
    layout.fold("c3", True, 0)
    assert visible_ids(layout) == ["c1", "c2", "c3", "c6", "c7", "c8", "c9"]
    layout.fold("c1", True, 0)
    assert visible_ids(layout) == ["c1", "c7", "c8", "c9"]
    layout.fold("c1", False, 0)
    assert visible_ids(layout) == ["c1", "c2", "c3", "c6", "c7", "c8", "c9"]
    assert layout.folded == {"c3"}


def test_folding_an_ancestor_of_the_cursor_takes_the_cursor():
    layout, _ = make()
    layout.move(3)  # c4
    layout.fold("c2", True, 0)
    assert layout.cursor_id == "c2"


def test_fold_all_and_unfold_all():
    layout, _ = make()
    exact(layout)
    layout.move(layout.thread.index["c4"])
    pin = layout.fold_all(0)
    assert layout.folded == {"c1", "c7"}
    assert layout.cursor_id == "c1"  # the cursor's top-level comment takes it
    assert pin is not None and pin.row == 0
    assert visible_ids(layout) == ["c1", "c7", "c9"]
    layout.unfold_all(0)
    assert layout.folded == set() and layout.visible_count == 9
    assert layout.cursor_id == "c1"
    assert layout.unfold_all(0) is None


def test_reveal_unfolds_the_ancestors_of_a_hidden_comment():
    layout, _ = make()
    layout.fold("c3", True, 0)
    layout.fold("c1", True, 0)
    c5 = layout.thread.index["c5"]
    assert layout.move(c5) is None  # hidden: the cursor stays
    assert layout.cursor_id == "c1"
    assert layout.reveal(c5, 0) is not None
    assert layout.folded == set()
    assert layout.move(c5) == Pin(layout.row_of(c5), None, show=True)
    assert layout.cursor_id == "c5"
    assert layout.reveal(c5, 0) is None  # nothing hides it now


def test_navigation_helpers():
    layout, _ = make()
    at = layout.thread.index

    def on(cid: str) -> None:
        layout.move(at[cid])

    def name(pos: int | None) -> str | None:
        return None if pos is None else layout.thread.nodes[pos].comment.id

    on("c1")
    assert name(layout.step(1)) == "c2" and name(layout.step(-1)) == "c1"
    assert name(layout.step(100)) == "c9"  # clamped to the last row
    assert name(layout.next_sibling()) == "c7"
    assert name(layout.previous_sibling()) is None
    assert name(layout.parent()) is None
    assert name(layout.next_top()) == "c7"
    assert name(layout.previous_top()) is None
    on("c2")
    assert name(layout.next_sibling()) == "c6"
    assert name(layout.parent()) == "c1"
    assert name(layout.previous_top()) == "c1"  # inside c1: back to its top
    on("c6")
    assert name(layout.previous_sibling()) == "c2"
    assert name(layout.next_sibling()) is None
    on("c9")
    assert name(layout.previous_sibling()) == "c7"  # top level goes by tops
    assert name(layout.previous_top()) == "c7"
    assert name(layout.next_top()) is None
    assert name(layout.first()) == "c1" and name(layout.last()) == "c9"
    layout.fold("c7", True, 0)
    on("c7")
    assert name(layout.step(1)) == "c9"  # the folded reply is skipped


def test_page_moves_the_cursor_by_about_a_screen():
    layout, _ = make()
    exact(layout)
    new_scroll, pos = layout.page(1, 0, HEIGHT)
    assert new_scroll == HEIGHT
    assert layout.row_of(pos) == layout.row_at(HEIGHT)
    layout.move(pos)
    new_scroll, pos = layout.page(-1, new_scroll, HEIGHT)
    assert new_scroll == 0 and layout.thread.nodes[pos].comment.id == "c1"
    layout.move(layout.last())
    bottom = layout.total_lines - HEIGHT
    new_scroll, pos = layout.page(1, bottom, HEIGHT)
    assert new_scroll == bottom and pos == layout.last()  # nothing further


def test_merge_keeps_cursor_folds_and_screen_line_and_marks_arrivals():
    layout, _ = make()
    exact(layout)
    layout.fold("c7", True, 0)
    layout.move(layout.thread.index["c5"])
    scroll_y = 10
    line_before = layout.row_span("c5")[0] - scroll_y
    assert 0 <= line_before < HEIGHT  # on screen
    late = Comment("c10", "c1", "late", 0.0, "<p>late</p>")
    grown = comments()
    grown.insert(1, late)  # c1's first reply: above the cursor
    pin = layout.set_thread(build_thread(grown), scroll_y=scroll_y, height=HEIGHT)
    assert layout.cursor_id == "c5"
    assert layout.folded == {"c7"}
    assert layout.new == {"c10"} and layout.arrived == 1
    assert layout.new_pos == [layout.thread.index["c10"]]
    assert pin is not None and pin.line == line_before
    top = layout.scroll_for(pin, scroll_y, HEIGHT)
    assert layout.row_span("c5")[0] - top == line_before
    assert top > scroll_y  # the arrival above pushed the view down with it


def test_merge_pins_the_top_comment_when_the_cursor_is_off_screen():
    layout, _ = make()
    exact(layout)
    scroll_y = layout.row_span("c6")[0]
    late = Comment("c10", "c1", "late", 0.0, "<p>late</p>")
    pin = layout.set_thread(build_thread([late, *comments()]), scroll_y=scroll_y, height=HEIGHT)
    assert layout.cursor_id == "c1"
    assert pin == Pin(layout.row_of(layout.thread.index["c6"]), 0)


def test_merge_keeps_exact_heights_of_unchanged_comments():
    layout, lines = make()
    exact(layout)
    lines.calls.clear()
    layout.set_thread(build_thread(comments([Comment("c10", None, "u", 0.0, "<p>new</p>")])), height=HEIGHT)
    exact(layout)
    assert lines.calls == ["c10"]


def test_merge_when_the_cursor_vanishes_goes_to_its_nearest_ancestor():
    layout, _ = make()
    layout.move(layout.thread.index["c4"])
    layout.set_thread(build_thread([c for c in comments() if c.id not in ("c4", "c5")]), height=HEIGHT)
    assert layout.cursor_id == "c3"
    layout.set_thread(build_thread([c for c in comments() if c.id in ("c7", "c8", "c9")]), height=HEIGHT)
    assert layout.cursor_id == "c7"  # no ancestor left: the next survivor
    layout.set_thread(build_thread([]), height=HEIGHT)
    assert layout.cursor_id is None


def test_merge_into_a_folded_subtree_stays_hidden_and_puts_the_cursor_on_the_fold():
    layout, _ = make()
    layout.move(layout.thread.index["c3"])
    layout.fold("c1", True, 0)
    assert layout.cursor_id == "c1"
    layout.set_thread(build_thread(comments([Comment("c10", "c4", "u", 0.0, "<p>x</p>")])), height=HEIGHT)
    assert layout.folded == {"c1"} and layout.cursor_id == "c1"
    assert layout.row_span("c10") is None
    assert layout.thread.nodes[0].size == 6


def test_new_comments_from_an_earlier_visit_and_jumping_between_them():
    layout = ThreadLayout(measure=lambda pos: 1)
    layout.set_width(80, 0)
    layout.set_thread(build_thread(comments()), {"c4", "c8", "nope"}, height=HEIGHT)
    assert layout.new == {"c4", "c8"} and layout.arrived == 0
    at = layout.thread.index
    assert layout.next_new() == at["c4"]
    layout.move(at["c4"])
    assert layout.next_new() == at["c8"]
    assert layout.next_new(forward=False) is None
    layout.move(at["c9"])
    assert layout.next_new(forward=False) == at["c8"]
    assert layout.next_new() is None


def test_the_default_measure_wraps_real_text_narrower_into_more_lines():
    body = "<p>" + " ".join(f"word{i}" for i in range(60)) + "</p>"
    layout = ThreadLayout()
    layout.set_width(120, 0)
    layout.set_thread(build_thread([Comment("a", None, "u", 0.0, body)]), height=HEIGHT)
    layout.settle(0, 0, HEIGHT)
    wide = layout.rowh[0]
    layout.set_width(40, 0)
    layout.settle(0, 0, HEIGHT)
    assert layout.rowh[0] > wide > 2
    assert layout.rowh[0] == len(layout.wrap_lines(0)) + 2


def test_links_are_http_only_and_unique():
    html = (
        '<p><a href="https://a.example/1">one</a> <a href="javascript:alert(1)">x</a> '
        '<a href="https://a.example/1">again</a> <a href="http://b.example/">two</a></p>'
    )
    layout = ThreadLayout()
    layout.set_width(80, 0)
    layout.set_thread(build_thread([Comment("a", None, "u", 0.0, html, "https://news.example/")]))
    assert [url for url, _ in layout.links(0)] == ["https://a.example/1", "http://b.example/"]


def test_the_layout_does_not_import_textual():
    code = "import sys, tui.ui.thread_layout; sys.exit(any(m.startswith('textual') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_a_shape_made_in_a_thread_is_what_set_thread_would_compute():
    """build_shaped's work, done off the loop, gives the same layout; a shape
    made at another width is not used."""
    from tui.ui.thread_shape import build_shaped

    items = comments([Comment("c10", "c9", html="<p>" + "word " * 80 + "</p>")])
    items += [Comment("s1", "c7", more=40), Comment("s2", None, more=3)]
    plain, _ = make(items)
    thread, shape = build_shaped(items, 80)
    assert (shape.stubs, shape.hidden, shape.tops) == (2, 43, plain.tops)
    shaped = ThreadLayout(measure=Lines())
    shaped.set_width(80, 0)
    shaped.set_thread(thread, height=HEIGHT, shape=shape)
    assert (shaped.h, shaped.visible, shaped.off, shaped.stubs, shaped.hidden) == (
        plain.h,
        plain.visible,
        plain.off,
        plain.stubs,
        plain.hidden,
    )
    narrow = ThreadLayout(measure=Lines())
    narrow.set_width(30, 0)
    narrow.set_thread(thread, height=HEIGHT, shape=shape)  # made at 80: estimated again
    assert narrow.h != shape.heights
    assert narrow.h == build_shaped(items, 30)[1].heights
