"""How the comment tree scales: 100 to 50,000 comments.

Run:  python bench/bench_thread_ui.py [SIZES...]     (default 100 1000 10000 50000)

Each size runs in its own subprocess, so the peak RSS is that size's alone.

What is measured, per size (all wall-clock, ``time.perf_counter``):

* build    ``build_thread(comments)`` on the synthetic flat list (off the event
           loop in the real screen; shown because it is what "opening" waits for).
* gc       one full ``gc.collect()`` right after the build. Python runs one such
           generation-2 pass on its own soon after 50,000 comments' worth of objects
           appear (and not again until the heap grows by a quarter); wherever it
           lands, that frame pays this once. Done up front here so it is reported
           on its own instead of inside whichever figure it happens to hit.
* paint    inside ``App.run_test(size=(120, 40))``: from the moment the built
           Thread is handed to ``CommentTree.set_thread`` (data local, widget
           mounted) to the end of the widget's first ``render_lines`` call, i.e.
           the first painted screen of comments. Textual's own start-up is not in it.
* merge    ``set_thread`` with the same thread plus one new reply deep in the
           tree (a live poll), including the first repaint after it.
* keys     per keystroke, median (and 95th percentile) of 50: call the action
           method directly (``action_cursor_next`` for ``j``, ``action_next_sibling``
           for ``J``, ``action_next_top`` for ``n``, ``action_last`` for ``G``,
           ``action_toggle_fold`` on the comment with the largest subtree for
           ``space``), then ``render_lines`` over the whole 120x40 pane with every
           line marked dirty, so every visible line goes through ``render_line``.
           Message dispatch and the compositor's write to the terminal are not
           included (they do not depend on the thread's size). ``G`` is timed from
           the first comment each time (the cursor is put back untimed); ``space``
           alternates fold and unfold.
* rss      peak resident set size of the process (``resource.getrusage``), MB.

Synthetic threads: ~30% top-level comments, replies attach to a recent comment
or continue a reply chain (so chains run hundreds deep), one long chain of
N/20 comments, bodies of 1–20 lines at 120 columns (mostly short), fixed seed.
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import resource
import statistics
import subprocess
import sys
import time

from textual.app import App, ComposeResult
from textual.geometry import Region

from tui.comments.tree import build_thread
from tui.model import Comment
from tui.ui.widgets.comment_tree import CommentTree

SIZES = (100, 1_000, 10_000, 50_000)
WIDTH, HEIGHT = 120, 40
SAMPLES = 50
WORDS = (
    "the column siege airport road city east water tower footage state media relief "
    "forces report claim map update night morning local source confirmed denied"
).split()


def synthetic(n: int, seed: int = 7) -> list[Comment]:
    rng = random.Random(seed)
    now = 1_790_000_000.0
    out: list[Comment] = []
    chain_len = max(1, n // 20)
    for i in range(n):
        cid = f"c{i}"
        if i == 0 or rng.random() < 0.3:
            parent = None
        elif 0 < i <= chain_len:
            parent = f"c{i - 1}"  # one long chain at the start
        elif rng.random() < 0.4:
            parent = f"c{i - 1}"
        else:
            parent = f"c{rng.randrange(max(0, i - 50), i)}"
        lines = min(20, int(rng.expovariate(1 / 3)) + 1)
        words = " ".join(rng.choice(WORDS) for _ in range(lines * 16))
        html = f"<p>{words}</p>"
        if rng.random() < 0.1:
            html += '<p><a href="https://example.org/x">a link</a></p>'
        out.append(Comment(cid, parent, f"user{rng.randrange(5000)}", now - (n - i) * 7, html))
    return out


class Timed(CommentTree):
    painted_at: float | None = None

    def render_lines(self, crop):
        lines = super().render_lines(crop)
        if self.painted_at is None and self.visible_count:
            self.painted_at = time.perf_counter()
        return lines


class BenchApp(App):
    def compose(self) -> ComposeResult:
        yield Timed()


def keystroke(tree: CommentTree, action, before=None) -> list[float]:
    region = Region(0, 0, tree.size.width, tree.size.height)
    times = []
    for _ in range(SAMPLES):
        if before is not None:
            before()
            tree.render_lines(region)
        t0 = time.perf_counter()
        action()
        tree._set_dirty()
        strips = tree.render_lines(region)
        times.append(time.perf_counter() - t0)
        assert len(strips) == tree.size.height
    return times


async def measure(n: int) -> dict:
    comments = synthetic(n)
    t0 = time.perf_counter()
    thread = build_thread(comments)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    gc.collect()
    collect = time.perf_counter() - t0

    app = BenchApp()
    result: dict = {"n": n, "build": build, "gc": collect}
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        tree = app.query_one(Timed)
        await pilot.pause()
        t0 = time.perf_counter()
        tree.set_thread(thread)
        for _ in range(200):
            await asyncio.sleep(0)
            if tree.painted_at is not None:
                break
            await pilot.pause(0.001)
        result["paint"] = tree.painted_at - t0

        # a live poll: the same thread plus a reply deep in the first chain
        deep = thread.nodes[min(len(thread.nodes) - 1, max(0, n // 40))].comment.id
        grown = build_thread(comments + [Comment("late", deep, "late", 0.0, "<p>late reply</p>")])
        region = Region(0, 0, tree.size.width, tree.size.height)
        t0 = time.perf_counter()
        tree.set_thread(grown)
        tree._set_dirty()
        tree.render_lines(region)
        result["merge"] = time.perf_counter() - t0

        def home() -> None:
            tree.action_first()

        result["j"] = keystroke(tree, tree.action_cursor_next, before=None)
        home()
        result["J"] = keystroke(tree, tree.action_next_sibling)
        home()
        result["n"] = keystroke(tree, tree.action_next_top)
        result["G"] = keystroke(tree, tree.action_last, before=home)
        largest = max(range(len(grown.nodes)), key=lambda i: grown.nodes[i].size)
        tree.move_to(grown.nodes[largest].comment.id)
        result["space"] = keystroke(tree, tree.action_toggle_fold)
        result["largest"] = grown.nodes[largest].size
    result["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def ms(x: float) -> str:
    return f"{x * 1000:7.2f}"


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] == "--one":
        print(json.dumps(asyncio.run(measure(int(args[1])))))
        return
    sizes = [int(a) for a in args] or list(SIZES)
    print(f"comment tree, {WIDTH}x{HEIGHT}, times in ms; keys: median / p95 of {SAMPLES}")
    head = f"{'comments':>9} {'build':>7} {'gc':>7} {'paint':>7} {'merge':>7}"
    for key in ("j", "J", "n", "G", "space"):
        head += f" {key + ' med':>9} {'p95':>6}"
    print(head + f" {'rss MB':>7}")
    for n in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        row = f"{n:>9,} {ms(r['build'])} {ms(r['gc'])} {ms(r['paint'])} {ms(r['merge'])}"
        for key in ("j", "J", "n", "G", "space"):
            xs = sorted(r[key])
            row += f"   {ms(statistics.median(xs))} {xs[int(len(xs) * 0.95) - 1] * 1000:6.2f}"
        print(row + f" {r['rss']:7.1f}")


if __name__ == "__main__":
    main()
