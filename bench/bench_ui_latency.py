"""Keystroke latency in the timeline while a 500-feed refresh runs in the background.

Run:  python bench/bench_ui_latency.py [--feeds 500] [--repeats 3] [--live-share 0.2] [--profile FILE]
      python bench/bench_ui_latency.py --feeds 50 --repeats 1                # a quick check

Each repeat: a fresh home subscribed to every feed of the loopback farm
(bench/feed_farm.py, its own process) plus one local feed of 500 stored
articles (status "gone", so never polled) so the timeline has rows from the
first frame, as a reader's store would. ``ThreadlineApp(store, interval=3600)``
runs under ``App.run_test(size=(120, 40))`` with polling on: its poller polls
every feed once (cold: download, parse, store) and then sleeps for an hour.

From the first frame on, ``j`` and ``k`` alternate, one every 20 ms (or right
away when the previous one took longer). Per key, latency is measured from just
before the key event is handed to the app the way the terminal driver hands it
over (``driver.send_message(events.Key(...))``; ``pilot.press`` would also wait
for the app to go idle, which it hardly does while poll results pour in) to the end of the first ``Timeline.render_lines``
that follows the cursor's change (``watch_cursor``): key event queued, handled,
cursor moved, visible lines rendered by the compositor. Keys pressed while the
poller still has polls to finish count as "during refresh"; then 100 more are
pressed with the poller idle, in the same app, as the baseline.

A loop-lag probe (a task sleeping 5 ms and recording how late it wakes) shows
how long the event loop was blocked, whether or not a key happened to land then.

``--profile FILE`` wraps the first repeat's refresh in pyinstrument (main
thread, i.e. the event loop: what blocks it) and writes its text report.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from feed_farm import get_json  # noqa: E402
from loop_probe import callback_name  # noqa: E402
from textual import events  # noqa: E402

PERIOD = 0.020


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def seed_store(store, n: int = 500) -> None:
    from tui.model import STATUS_GONE, Article, ParsedFeed

    feed = store.add_feed("http://127.0.0.1:9/local.xml", title="Local archive")
    feed.status = STATUS_GONE
    feed.next_poll = float("inf")
    now = time.time()
    entries = [
        Article(
            guid=f"local-{i}",
            title=f"Stored story {i}",
            link=f"https://local.example/{i}",
            published=now - 86400 * 400 - i * 60,
            content=f"<p>body {i}</p>",
        )
        for i in range(n)
    ]
    store.save_poll(feed, ParsedFeed(title="Local archive", entries=entries))


async def one_run(urls: list[str], profile: str | None) -> dict:
    from tui.config import Config
    from tui.store import Store
    from tui.ui.app import ThreadlineApp
    from tui.ui.widgets.timeline import Timeline

    state = {"moved": None, "painted": None}
    orig_watch, orig_render = Timeline.watch_cursor, Timeline.render_lines

    def watch_cursor(self, old, new):
        orig_watch(self, old, new)
        state["moved"] = time.perf_counter()

    def render_lines(self, crop):
        strips = orig_render(self, crop)
        if state["moved"] is not None and state["painted"] is None:
            state["painted"] = time.perf_counter()
        return strips

    Timeline.watch_cursor, Timeline.render_lines = watch_cursor, render_lines
    home = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    store = Store.open(home)
    for u in urls:
        store.add_feed(u)
    seed_store(store)

    lags: list[float] = []

    async def lag_probe() -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.005)
            lags.append(time.perf_counter() - t - 0.005)

    slow: list[tuple[float, str]] = []
    original_run = asyncio.events.Handle._run
    if SLOW_MS:

        def timed_run(handle: asyncio.events.Handle) -> None:
            t = time.perf_counter()
            original_run(handle)
            took = time.perf_counter() - t
            if took * 1000 >= SLOW_MS and threading.current_thread() is threading.main_thread():
                slow.append((took, callback_name(handle)))

        asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]

        def gc_pause(phase: str, info: dict) -> None:
            if phase == "start":
                gc_started[0] = time.perf_counter()
            elif (took := time.perf_counter() - gc_started[0]) * 1000 >= SLOW_MS:
                slow.append((took, f"garbage collection, generation {info['generation']}"))

        gc_started = [0.0]
        gc.callbacks.append(gc_pause)

    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001, async_mode="disabled")
    during: list[float] = []
    idle: list[float] = []
    try:
        app = ThreadlineApp(store, Config(), interval=3600.0)
        # As `threadline` does before the app takes over stdio: lets the poller
        # start its parser processes (tui/cli.py, _start_process_helpers).
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
        async with app.run_test(size=(120, 40)) as pilot:
            probe = asyncio.create_task(lag_probe())
            while not app.timeline.rows:
                await asyncio.sleep(0.005)
            if profiler:
                profiler.start()
            t_start = time.perf_counter()
            keys = ("j", "k")
            i = 0
            deadline = t_start + 180
            lag_mark = len(lags)

            missed = [0]

            async def press(into: list[float]) -> None:
                nonlocal i
                state["moved"] = state["painted"] = None
                key = keys[i % 2]
                # k on the first row does nothing; the cursor starts on row 0.
                if key == "k" and app.timeline.cursor == 0:
                    key = "j"
                i += 1
                event = events.Key(key, key)
                event.set_sender(app)
                t0 = time.perf_counter()
                # As the terminal driver does it. pilot.press would also wait for the
                # app to go idle, which it hardly ever does while results pour in.
                app._driver.send_message(event)
                while state["painted"] is None and time.perf_counter() - t0 < 5:
                    await asyncio.sleep(0.0005)
                if state["painted"] is not None:
                    into.append(state["painted"] - t0)
                else:
                    missed[0] += 1
                wait = PERIOD - (time.perf_counter() - t0)
                if wait > 0:
                    await asyncio.sleep(wait)

            def refreshing() -> bool:
                return app.poll_count < len(urls) or (app.poller is not None and app.poller.busy)

            while refreshing() and time.perf_counter() < deadline:
                await press(during)
            refresh_wall = time.perf_counter() - t_start
            lag_during = lags[lag_mark:]
            if profiler:
                profiler.stop()
                Path(profile).write_text(
                    profiler.output_text(
                        unicode=True, color=False, show_all=bool(os.environ.get("BENCH_PROFILE_ALL"))
                    )
                )
            await pilot.pause(0.5)  # the last reload lands
            lag_mark = len(lags)
            for _ in range(100):
                await press(idle)
            lag_idle = lags[lag_mark:]
            probe.cancel()
            rows = len(app.timeline.rows)
            if missed[0]:
                print(f"  note: {missed[0]} keys moved nothing on screen within 5 s (not counted)")
            polls = app.poll_count
            await pilot.press("q")
    finally:
        Timeline.watch_cursor, Timeline.render_lines = orig_watch, orig_render
        asyncio.events.Handle._run = original_run  # type: ignore[method-assign]
        if SLOW_MS:
            gc.callbacks.remove(gc_pause)
        if slow:
            report_slow(slow)
        store.close()
    return {
        "during": during,
        "idle": idle,
        "refresh_wall": refresh_wall,
        "rows": rows,
        "polls": polls,
        "lag_during": lag_during,
        "lag_idle": lag_idle,
    }


SLOW_MS = 0.0


def report_slow(slow: list[tuple[float, str]]) -> None:
    """The loop callbacks that ran longer than --slow, grouped by what they ran."""
    groups: dict[str, list[float]] = {}
    for took, name in slow:
        groups.setdefault(name.split(" at ")[0], []).append(took * 1000)
    print(f"  event-loop callbacks over {SLOW_MS:.0f} ms: {len(slow)}")
    for name, took in sorted(groups.items(), key=lambda kv: -sum(kv[1]))[:12]:
        print(f"    {len(took):4d} x  max {max(took):6.0f} ms  sum {sum(took):7.0f} ms  {name}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    p = argparse.ArgumentParser(description="timeline keystroke latency during a refresh")
    p.add_argument("--feeds", type=int, default=500)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--profile", metavar="FILE", help="pyinstrument report of the first refresh")
    p.add_argument("--slow", type=float, default=0.0, metavar="MS", help="list loop callbacks over MS")
    p.add_argument(
        "--live-share", type=float, default=0.2, help="share of the farm's items that are live (0 to 1)"
    )
    a = p.parse_args()
    global SLOW_MS
    SLOW_MS = a.slow
    started = time.perf_counter()
    port = free_port()
    farm = subprocess.Popen(
        [sys.executable, str(HERE / "feed_farm.py"), "--feeds", str(a.feeds), "--port", str(port)]
        + ["--live-share", str(a.live_share)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        print(farm.stdout.readline().strip(), flush=True)
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_urls", timeout=10) as r:  # loopback
            urls = [u for u in r.read().decode().split("\n") if u]
        runs = []
        for rep in range(a.repeats):
            get_json(f"http://127.0.0.1:{port}/_stats?reset=1")
            r = asyncio.run(one_run(urls, a.profile if rep == 0 else None))
            stats = get_json(f"http://127.0.0.1:{port}/_stats")
            runs.append(r)
            d = [x * 1000 for x in r["during"]]
            print(
                f"  [{rep + 1}/{a.repeats}] refresh {r['refresh_wall']:.1f} s, {r['polls']} polls, "
                f"{stats['requests']} requests, {r['rows']} rows; {len(d)} keys during: "
                f"p50 {pct(d, 0.5):.1f} ms p95 {pct(d, 0.95):.1f} ms max {max(d, default=float('nan')):.1f} ms; "
                f"longest loop stall {max(r['lag_during'], default=0) * 1000:.0f} ms",
                flush=True,
            )

        med = statistics.median
        print(f"\n{a.feeds} feeds, medians over {a.repeats} repeat(s) of each repeat's figure (ms):\n")
        print("| phase           | keys | p50   | p95   | max   | loop stalls >50 ms | longest stall |")
        print("|-----------------|------|-------|-------|-------|--------------------|---------------|")
        for phase, lag in (("during refresh", "lag_during"), ("poller idle", "lag_idle")):
            key = "during" if phase == "during refresh" else "idle"
            keys = med([len(r[key]) for r in runs])
            p50 = med([pct(r[key], 0.5) for r in runs]) * 1000
            p95 = med([pct(r[key], 0.95) for r in runs]) * 1000
            mx = med([max(r[key], default=float("nan")) for r in runs]) * 1000
            stalls = med([sum(1 for x in r[lag] if x > 0.05) for r in runs])
            longest = med([max(r[lag], default=0) for r in runs]) * 1000
            print(
                f"| {phase:<15} | {keys:4.0f} | {p50:5.1f} | {p95:5.1f} | {mx:5.0f} | {stalls:18.0f} | {longest:13.0f} |"
            )
        print(
            f"\nrefresh wall under the app (median): {med([r['refresh_wall'] for r in runs]):.1f} s; "
            f"total runtime {time.perf_counter() - started:.0f} s"
        )
        if a.profile:
            print(f"pyinstrument report of the first refresh: {a.profile}")
    finally:
        farm.terminate()
        farm.wait(10)


if __name__ == "__main__":
    main()
