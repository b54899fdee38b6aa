"""Folding a thread by level (issue 12, point 7): the level keys, the folds a big
thread opens with ([threads] in config.toml), and both surviving a live merge
with the cursor on its comment. Driven through real Textual (Pilot) on the
seven-level fixture thread of test_comment_tree_ui.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from test_comment_tree_ui import NOW, Host, Source, fixture_comments, ready

from tui.comments.tree import build_thread
from tui.config import Config, ConfigError, load_config
from tui.model import Comment
from tui.ui.keymap import all_scopes, check_keymap
from tui.ui.screens.help import HelpScreen
from tui.ui.thread_folds import deepest_shown, level_folds, one_level_more, opening_folds
from tui.ui.widgets.comment_tree import CommentTree

# c1 -> c2 -> c3 -> c4 -> c5 -> c6 -> c7, c8 under c1, c9 -> c10 (see fixture_comments).
ALL = ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10"]


class ConfiguredHost(Host):
    """The test host with an app config, as ThreadlineApp has one."""

    def __init__(self, source: Source, config: Config, **screen_kw) -> None:
        super().__init__(source, **screen_kw)
        self.config = config
        self.moves: list[str | None] = []
        if config.keys:
            self.set_keymap(dict(config.keys))

    def on_comment_tree_cursor_moved(self, event: CommentTree.CursorMoved) -> None:
        self.moves.append(event.comment_id)


def shown(tree: CommentTree) -> list[str]:
    nodes = tree.thread.nodes
    return [nodes[p].comment.id for p in tree.layout_model.visible]


def host(config: Config | None = None, comments: list[Comment] | None = None) -> ConfiguredHost:
    return ConfiguredHost(Source(fixture_comments() if comments is None else comments), config or Config())


# -- the pure rules ----------------------------------------------------------------------


def test_level_folds_fold_the_last_shown_level_and_keep_deeper_folds_only():
    thread = build_thread(fixture_comments())
    assert level_folds(thread, 1) == {"c1", "c9"}  # top level: those with replies
    assert level_folds(thread, 2) == {"c2"}  # c8 and c10 have no replies to hide
    # A fold deeper than the new level stays, one shallower goes.
    assert level_folds(thread, 3, keep={"c1", "c5"}) == {"c3", "c5"}
    assert deepest_shown(thread, {"c3", "c5"}) == 3
    assert one_level_more(thread, {"c3", "c5"}) == {"c5"}
    assert one_level_more(thread, set()) == set()
    assert opening_folds(thread, 0, 0) == set()
    assert opening_folds(thread, 0, 3) == {"c1", "c2", "c3"}  # 7, 5 and 4 replies under them
    assert opening_folds(thread, 2, 5) == {"c2", "c1"}


# -- the keys ------------------------------------------------------------------------------


async def test_digit_keys_show_that_many_levels_and_plus_unfolds_one_more():
    async with host().run_test(size=(100, 40)) as pilot:
        tree = await ready(pilot)
        await pilot.press("2")
        assert tree.folded == {"c2"}
        assert shown(tree) == ["c1", "c2", "c8", "c9", "c10"]
        await pilot.press("1")
        assert shown(tree) == ["c1", "c9"]
        await pilot.press("plus")  # one level more: back to two, c2's deeper fold was kept
        assert tree.folded == {"c2"} and shown(tree) == ["c1", "c2", "c8", "c9", "c10"]
        await pilot.press("plus")
        assert tree.folded == set() and shown(tree) == ALL
        await pilot.press("4")
        assert tree.folded == {"c4"} and len(shown(tree)) == 7
        await pilot.press("Z")
        assert shown(tree) == ALL


async def test_minus_folds_everything_deeper_than_the_cursor_and_the_cursor_stays_put():
    async with host().run_test(size=(100, 40)) as pilot:
        tree = await ready(pilot)
        tree.move_to("c3")
        await pilot.pause()
        line = tree.layout_model.cursor_anchor(round(tree.scroll_y))
        await pilot.press("minus")
        assert tree.folded == {"c3"} and tree.cursor_id == "c3"
        assert tree.layout_model.cursor_anchor(round(tree.scroll_y)) == line  # not moved on screen
        assert shown(tree) == ["c1", "c2", "c3", "c8", "c9", "c10"]
        # From deep inside, showing one level takes the cursor to the fold that hides it.
        await pilot.press("Z")
        tree.move_to("c6")
        await pilot.pause()
        pilot.app.moves.clear()
        await pilot.press("1")
        assert tree.cursor_id == "c1" and pilot.app.moves == ["c1"]
        assert "[+7 replies]" in tree.render_line(0).text or any(
            "[+7 replies]" in tree.render_line(y).text for y in range(tree.size.height)
        )


async def test_level_keys_are_rebindable_by_id_and_listed_in_help():
    check = check_keymap({"comments.fold_deeper": "x", "comments.levels_3": "F3"}, *all_scopes())
    assert check.warnings == [] and check.errors == []
    config = Config(keys={"comments.fold_deeper": "x", "comments.levels_3": "f3"})
    async with host(config).run_test(size=(120, 40)) as pilot:
        tree = await ready(pilot)
        tree.move_to("c2")
        await pilot.pause()
        await pilot.press("x")
        assert tree.folded == {"c2"}
        await pilot.press("f3")
        assert tree.folded == {"c3"}
        # The footer keeps its room for the ways in and out; the level keys are in help.
        footer = [w.description for w in pilot.app.screen.query("FooterKey")]
        assert "Search" in footer and "Fold deeper levels" not in footer
        active = pilot.app.screen.active_bindings.values()
        pilot.app.push_screen(HelpScreen([(ns, b) for ns, b, enabled, _tip in active if enabled]))
        await pilot.pause()
        console = Console(file=io.StringIO(), width=200)
        for static in pilot.app.screen.query("Static"):
            console.print(static.content)
        text = console.file.getvalue()
        for words in ("Fold deeper levels", "Unfold a level", "Show 3 levels", "comments.levels_9"):
            assert words in text


# -- the config option -----------------------------------------------------------------------


async def test_a_thread_opens_folded_below_the_configured_depth():
    async with host(Config(fold_below_depth=2)).run_test(size=(100, 40)) as pilot:
        tree = await ready(pilot)
        assert tree.folded == {"c2"} and tree.cursor_id == "c1"
        assert shown(tree) == ["c1", "c2", "c8", "c9", "c10"]


async def test_a_thread_opens_with_big_subtrees_folded():
    async with host(Config(fold_over_replies=4)).run_test(size=(100, 40)) as pilot:
        tree = await ready(pilot)
        assert tree.folded == {"c1", "c2"}  # 7 and 5 replies; c3 (4) and c9 (1) stay open
        assert shown(tree) == ["c1", "c9", "c10"]


def test_the_fold_settings_refuse_hostile_values_in_one_line(tmp_path: Path):
    path = tmp_path / "config.toml"
    for value in ("-1", "65", '"2"', "2.5", "true", "9" * 400):
        path.write_text(f"[threads]\nfold_below_depth = {value}\n")
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        message = str(caught.value)
        assert "threads.fold_below_depth" in message and "\n" not in message and len(message) < 200
    path.write_text("[threads]\nfold_below_depth = 3\nfold_over_replies = 200\n")
    config = load_config(path)
    assert (config.fold_below_depth, config.fold_over_replies) == (3, 200)


# -- folds and the live merge ------------------------------------------------------------------


def reply(cid: str, parent: str | None, hours: float = 0.5) -> Comment:
    return Comment(cid, parent, "newcomer", NOW - hours * 3600, f"<p>{cid} arrives</p>", "")


async def test_level_folds_and_opening_folds_survive_new_comments_and_keep_the_cursor():
    app = host(Config(fold_below_depth=3))
    async with app.run_test(size=(100, 40)) as pilot:
        tree = await ready(pilot)
        assert tree.folded == {"c3"}
        tree.move_to("c8")
        await pilot.pause()
        line = tree.layout_model.cursor_anchor(round(tree.scroll_y))
        # New comments: one inside the folded c3, a new big subtree at the top level,
        # one under c8 (the cursor's comment).
        app.source.comments += [
            reply("n1", "c4"),
            reply("t1", None),
            *[reply(f"t1-{i}", "t1") for i in range(6)],
            reply("n2", "c8"),
        ]
        await pilot.press("r")
        await ready(pilot)
        assert "n1" in tree.thread.index and "t1" in tree.thread.index
        assert tree.folded == {"c3"}  # the opening rule is not applied again to what arrives
        assert tree.cursor_id == "c8"
        assert tree.layout_model.cursor_anchor(round(tree.scroll_y)) == line
        assert "n1" not in shown(tree) and "n2" in shown(tree)  # n1 arrived inside the fold
        # Folds made with the level keys survive a merge the same way.
        await pilot.press("2")
        app.source.comments += [reply("n3", "c2"), reply("n4", "c9")]
        await pilot.press("r")
        await ready(pilot)
        # Level 2: c2 and c8 (which has n2 now) fold, c3's deeper fold stays.
        assert tree.folded == {"c2", "c3", "c8"} and tree.cursor_id == "c8"
        assert "n3" not in shown(tree) and "n4" in shown(tree)  # under c9, which is not folded
