"""Start-up with a big store: 300 feeds and 100,000 articles, against an empty store.

Run:  python bench/bench_startup.py [--feeds 300] [--articles 100000] [--repeats 5]
      python bench/bench_startup.py --articles 5000 --repeats 2          # a quick check

The store is built once in a temp home, straight through ``Store.save_poll``
with synthetic ``ParsedFeed`` entries (titles, links, ~600 bytes of HTML each),
so it holds what polls would have left: articles, their full-text index rows.

Then, in fresh subprocesses, each timed from the parent's ``time.monotonic()``
just before ``Popen`` (CLOCK_MONOTONIC is one clock for every process, so the
child can stamp its own moments on it), ``--repeats`` times, interleaved:

* ``python -c pass``                the interpreter alone;
* ``python -c "import textual.app"`` Textual's own import time;
* first frame, empty store / big store: a driver (this script, ``--driver HOME``)
  opens the store and runs ``ThreadlineApp(store, poll=False)`` under
  ``App.run_test(size=(120, 40))`` (headless: the compositor renders every frame,
  only the write to a terminal is skipped). The first frame is the end of the
  timeline's first ``render_lines`` after ``Timeline.set_rows`` was first called,
  i.e. the first screen that shows the stored rows. The driver stamps that moment
  and its RSS (VmRSS) and peak RSS (VmHWM) right then, and exits.

Targets from issue 5: first frame <= Textual import + 0.3 s, RSS <= 150 MB, and
no growth with the store.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def build_store(home: Path, feeds: int, articles: int, seed: int = 5) -> float:
    from tui.model import Article, ParsedFeed
    from tui.store import Store

    rng = random.Random(seed)
    words = "river council airport siege harbour report vote storm rescue court summit energy".split()
    started = time.perf_counter()
    per_feed = articles // feeds
    now = time.time()
    with Store.open(home) as store:
        for f in range(feeds):
            feed = store.add_feed(f"http://127.0.0.{f % 100 + 1}:9/feeds/{f}.xml", title=f"Feed {f}")
            feed.status = "ok"
            feed.last_success = now
            feed.next_poll = now + 3600
            count = per_feed + (1 if f < articles - per_feed * feeds else 0)
            entries = []
            for n in range(count):
                title = " ".join(rng.choice(words) for _ in range(8)).capitalize()
                body = "".join(
                    f"<p>{' '.join(rng.choice(words) for _ in range(16))} "
                    f'<a href="https://ref.example/{n}">source</a>.</p>'
                    for _ in range(4)
                )
                entries.append(
                    Article(
                        guid=f"g-{f}-{n}",
                        title=title,
                        link=f"https://site{f}.example/{n}",
                        published=now - 86400 * 30 + (n * feeds + f) * 2.0,
                        content=body,
                    )
                )
            store.save_poll(feed, ParsedFeed(title=f"Feed {f}", entries=entries))
    return time.perf_counter() - started


def driver(home: str) -> None:
    """Run in the child: start the app on HOME, report the first frame and exit."""
    import asyncio

    from tui.config import Config
    from tui.store import Store
    from tui.ui.app import ThreadlineApp
    from tui.ui.widgets.timeline import Timeline

    state = {"rows_set": False, "painted": None}
    original_set_rows = Timeline.set_rows
    original_render_lines = Timeline.render_lines

    def set_rows(self, rows, **kw):
        state["rows_set"] = True
        state["rows"] = len(rows)
        return original_set_rows(self, rows, **kw)

    def render_lines(self, crop):
        strips = original_render_lines(self, crop)
        if state["rows_set"] and state["painted"] is None:
            state["painted"] = time.monotonic()
        return strips

    Timeline.set_rows = set_rows
    Timeline.render_lines = render_lines

    def vm(field: str) -> float:
        for line in open("/proc/self/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        return float("nan")

    store = Store.open(home)

    async def run() -> dict:
        app = ThreadlineApp(store, Config(), poll=False)
        async with app.run_test(size=(120, 40)) as pilot:
            deadline = time.monotonic() + 30
            while state["painted"] is None and time.monotonic() < deadline:
                await asyncio.sleep(0.002)
            out = {
                "painted": state["painted"],
                "rss": vm("VmRSS"),
                "hwm": vm("VmHWM"),
                "rows": state.get("rows", 0),
            }
            await pilot.press("q")
        return out

    out = asyncio.run(run())
    store.close()
    print("RESULT " + json.dumps(out), flush=True)


def timed(argv: list[str]) -> tuple[float, dict | None]:
    t0 = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{argv} failed:\n{proc.stderr[-2000:]}")
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            data = json.loads(line[len("RESULT ") :])
            data["first_frame"] = data["painted"] - t0
            return wall, data
    return wall, None


def main() -> None:
    p = argparse.ArgumentParser(description="time to first frame with a big store")
    p.add_argument("--feeds", type=int, default=300)
    p.add_argument("--articles", type=int, default=100_000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--driver", metavar="HOME", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.driver:
        driver(a.driver)
        return

    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    try:
        big, empty = work / "big", work / "empty"
        big.mkdir()
        empty.mkdir()
        from tui.store import Store

        Store.open(empty).close()
        seconds = build_store(big, a.feeds, a.articles)
        size = sum(f.stat().st_size for f in big.iterdir()) / 1e6
        print(
            f"store: {a.feeds} feeds, {a.articles} articles built in {seconds:.1f} s ({size:.0f} MB on disk)"
        )

        py = sys.executable
        cases = {
            "python -c pass": [py, "-c", "pass"],
            "import textual.app": [py, "-c", "import textual.app"],
            "first frame, empty store": [py, __file__, "--driver", str(empty)],
            f"first frame, {a.articles:,} articles": [py, __file__, "--driver", str(big)],
        }
        walls: dict[str, list[float]] = {k: [] for k in cases}
        frames: dict[str, list[dict]] = {k: [] for k in cases}
        for rep in range(a.repeats):
            for name, argv in cases.items():
                wall, data = timed(argv)
                walls[name].append(wall)
                if data:
                    frames[name].append(data)
            print(f"  repeat {rep + 1}/{a.repeats} done", flush=True)

        med = statistics.median
        imp = med(walls["import textual.app"])
        print(f"\nmedians of {a.repeats}, seconds from spawn (RSS at the first frame):\n")
        print(
            "| case                          | to first frame s | process wall s | rows | RSS MB | peak RSS MB | minus Textual import s |"
        )
        print(
            "|-------------------------------|------------------|----------------|------|--------|-------------|------------------------|"
        )
        for name in cases:
            fr = frames[name]
            if fr:
                ff = med([d["first_frame"] for d in fr])
                print(
                    f"| {name:<29} | {ff:16.3f} | {med(walls[name]):14.3f} | {fr[0]['rows']:4d} | "
                    f"{med([d['rss'] for d in fr]):6.0f} | {med([d['hwm'] for d in fr]):11.0f} | {ff - imp:+22.3f} |"
                )
            else:
                print(
                    f"| {name:<29} | {'':16} | {med(walls[name]):14.3f} | {'':4} | {'':6} | {'':11} | {'':22} |"
                )
        names = list(cases)
        e, b = (
            med([d["first_frame"] for d in frames[names[2]]]),
            med([d["first_frame"] for d in frames[names[3]]]),
        )
        print(
            f"\nbig / empty store first frame: {b / e:.2f}x; total runtime {time.perf_counter() - started:.0f} s"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
