"""From launch to the first comment on screen, and the event loop under a big thread.

Run:  python bench/bench_thread_open.py [--repeats 5] [--comments 10000] [--big 50000]
      python bench/bench_thread_open.py --repeats 1 --big 0          # a quick check
      python bench/bench_thread_open.py --tree /tmp/old              # a copy of the code from before a change

A loopback server in this process (HTTP/1.1 keep-alive, one thread per
connection) serves threads in the sources' public shapes, all rendered before
any timing:

* Hacker News: Algolia ``/api/v1/items/<id>``, the whole nested tree of
  ``--comments`` comments in one response;
* WordPress: ``/wp-json/wp/v2/comments?post=ID&per_page=100&page=N`` with
  ``X-WP-Total`` / ``X-WP-TotalPages`` (``--comments`` / 100 pages) and
  ``/wp-json/wp/v2/posts/ID``; the server records how many requests were in
  flight at once, to show the pages were fetched concurrently within the
  per-host limit (``[poll] per_host``, 2 by default).

Launch figures: each run is a fresh ``python -m tui --home HOME thread URL`` in a
pseudo-terminal of 120x40 (Python start, imports, the real Linux driver: all of
it), timed from this process's ``time.monotonic()`` just before ``Popen`` to the
moment the comment tree first draws a comment row, which the app writes to the
file named by ``THREADLINE_STAMP_FIRST_COMMENT`` (tui/ui/thread_stamp.py; unset, it
costs one environment lookup). CLOCK_MONOTONIC is one clock for every process.

* ``hn 10k, network``: a fresh home each run (no cache);
* ``wordpress 10k, network``: likewise, 100 REST pages;
* ``... from the cache``: the home the network run filled, with the server gone
  (its port refuses connections), so what is drawn first is the cached copy.

For scale: ``python -c pass`` and ``python -c "import textual.app"``.

Event loop stalls (``--big``, 50,000 by default): a driver process runs
``ThreadlineApp`` headless (``App.run_test``) on a 50,000-comment HN thread with a
task that sleeps 1 ms in a loop and records how late each wake-up is. Phases:
open (the app started and settled on its timeline for 1 s, then the thread opened
as from a link, to loaded and drawn, then 1 s idle) and
re-poll (the server now holds one comment more; ``r`` to the merge drawn, then
1 s idle). Printed: the longest stall in each phase, and the three longest; first
for a 3-comment thread, the floor of opening any thread screen.

Runs are interleaved (each repeat runs every case once); min and median are
printed, because the machine is shared. Nothing here is a pass/fail check.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import faulthandler
import fcntl
import gc
import json
import os
import pty
import random
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from loop_probe import callback_name

ROOT = Path(__file__).resolve().parent.parent
TREE = [ROOT]  # the code tree launched: ``--tree`` names another (a copy from before a change)
STAMP_ENV = "THREADLINE_STAMP_FIRST_COMMENT"
STORY = 42_000_000
POST = 4242
T0 = 1_795_712_280
WIDTH, HEIGHT = 120, 40

WORDS = (
    "the harbour council said on tuesday that the quay would stay shut while divers "
    "checked the piles and a second survey of the seawall is due before the storm season"
).split()


def body(rng: random.Random) -> str:
    paras = []
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        paras.append("<p>" + " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 60))) + "</p>")
    return "".join(paras)


def shape(n: int, seed: int = 7) -> list[int]:
    """Parent index of each comment (-1 top level): ~30 % top level, replies to a
    recent comment, some long chains."""
    rng = random.Random(seed)
    parents: list[int] = []
    for i in range(n):
        if i == 0 or rng.random() < 0.3:
            parents.append(-1)
        else:
            parents.append(rng.randint(max(0, i - 40), i - 1))
    return parents


def hn_payload(n: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    parents = shape(n, seed)
    items: list[dict] = []
    for i, parent in enumerate(parents):
        items.append(
            {
                "id": STORY + 1 + i,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(T0 + 30 * i)),
                "created_at_i": T0 + 30 * i,
                "type": "comment",
                "author": f"user{rng.randint(1, 3000)}",
                "text": body(rng),
                "points": None,
                "parent_id": STORY if parent < 0 else STORY + 1 + parent,
                "story_id": STORY,
                "children": [],
                "options": [],
            }
        )
    top = []
    for i, parent in enumerate(parents):
        (top if parent < 0 else items[parent]["children"]).append(items[i])
    story = {
        "id": STORY,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(T0 - 3600)),
        "created_at_i": T0 - 3600,
        "type": "story",
        "author": "harbourmaster",
        "title": "The quay stays shut",
        "url": "https://harbour.example/quay",
        "text": None,
        "points": 812,
        "parent_id": None,
        "story_id": STORY,
        "children": top,
        "options": [],
    }
    return json.dumps(story).encode()


def wp_pages(n: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    parents = shape(n, seed)
    comments = [
        {
            "id": 1000 + i,
            "post": POST,
            "parent": 0 if parent < 0 else 1000 + parent,
            "author": 0,
            "author_name": f"reader{rng.randint(1, 3000)}",
            "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(T0 + 30 * i)),
            "date_gmt": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(T0 + 30 * i)),
            "content": {"rendered": body(rng)},
            "link": f"https://harbour.example/quay/#comment-{1000 + i}",
            "status": "approved",
            "type": "comment",
        }
        for i, parent in enumerate(parents)
    ]
    return [json.dumps(comments[k : k + 100]).encode() for k in range(0, n, 100)] or [b"[]"]


class Farm:
    """The loopback server: HN and WordPress routes, with a count of requests in flight."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.hn = b"{}"
        self.pages: list[bytes] = []
        self.total = 0
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.requests = 0
        farm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in separate writes: without this, Nagle's
            # algorithm and the client's delayed ACK add ~40 ms to every answer.
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with farm.lock:
                    farm.in_flight += 1
                    farm.requests += 1
                    farm.most_in_flight = max(farm.most_in_flight, farm.in_flight)
                try:
                    status, data = farm.answer(self.path)
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                    self.send_header("Content-Length", str(len(data)))
                    if self.path.startswith("/wp-json/wp/v2/comments"):
                        self.send_header("X-WP-Total", str(farm.total))
                        self.send_header("X-WP-TotalPages", str(len(farm.pages)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    with farm.lock:
                        farm.in_flight -= 1

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, path: str) -> tuple[int, bytes]:
        parts = urlsplit(path)
        if parts.path == f"/api/v1/items/{STORY}":
            return 200, self.hn
        if parts.path == "/wp-json/wp/v2/comments":
            page = int(parse_qs(parts.query).get("page", ["1"])[0])
            if 1 <= page <= len(self.pages):
                return 200, self.pages[page - 1]
            return 400, b'{"code":"rest_post_invalid_page_number"}'
        if parts.path == f"/wp-json/wp/v2/posts/{POST}":
            return 200, json.dumps({"id": POST, "author": 1}).encode()
        return 404, b"{}"

    def reset_counts(self) -> None:
        with self.lock:
            self.most_in_flight = self.requests = 0

    def start(self) -> Farm:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"


def make_home(port: int, host: str = "127.0.0.1") -> Path:
    home = Path(tempfile.mkdtemp(prefix="threadline-bench-open-"))
    base = f"http://{host}:{port}"
    (home / "config.toml").write_text(
        "[poll]\nthread_every = 3600\n\n[sources]\n"
        f'hn_algolia = "{base}"\nhn_firebase = "{base}"\nhn_hosts = "{host}:{port}"\n',
        encoding="utf-8",
    )
    return home


def cached(home: Path) -> bool:
    """Whether the home's store holds a cached thread yet."""
    try:
        with sqlite3.connect(f"file:{home / 'threadline.db'}?mode=ro", uri=True, timeout=1) as db:
            return bool(db.execute("SELECT count(*) FROM threads").fetchone()[0])
    except sqlite3.Error:
        return False


def launch(home: Path, url: str, timeout: float = 60.0, keep: bool = False) -> float | None:
    """Seconds from Popen to the first comment drawn, in a 120x40 pty; None if never.
    ``keep``: let the app write its offline copy before it is stopped."""
    stamp = home / "first-comment"
    stamp.unlink(missing_ok=True)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", HEIGHT, WIDTH, 0, 0))
    # PYTHONDONTWRITEBYTECODE (set on some build machines) would make every launch compile
    # the code again: a reader's install keeps its bytecode, so the bench does too.
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "PYTHONDONTWRITEBYTECODE")}
    env.update({STAMP_ENV: str(stamp), "TERM": "xterm-256color"})
    began = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "--home", str(home), "thread", url],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=TREE[0],
        start_new_session=True,
    )
    os.close(slave)

    def drain() -> None:  # the app must never block on a full terminal
        try:
            while os.read(master, 65536):
                pass
        except OSError:
            pass

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    seen: float | None = None
    deadline = began + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            text = stamp.read_text(encoding="ascii")
        except OSError:
            text = ""
        if text.endswith("\n"):
            seen = float(text) - began
            break
        time.sleep(0.005)
    while keep and seen is not None and time.monotonic() < deadline and not cached(home):
        time.sleep(0.05)
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    os.close(master)
    reader.join(2)
    return seen


def plain_start(code: str) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    began = time.monotonic()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env)
    return time.monotonic() - began


def fmt(values: list[float]) -> str:
    if not values:
        return "never drawn"
    return f"min {min(values):.3f} s  median {statistics.median(values):.3f} s  (n={len(values)})"


# -- the stall driver (a subprocess: its own interpreter, its own loop) ---------------------


def stall_driver(port: int, home: str) -> None:
    sys.path.insert(0, str(TREE[0]))
    from tui.config import load_config, resolve_paths
    from tui.store import Store
    from tui.ui.app import ThreadlineApp
    from tui.ui.screens.thread import ThreadScreen

    paths = resolve_paths(home)
    config = load_config(paths.config)
    store = Store.open(paths.data)
    url = f"http://127.0.0.1:{port}/item?id={STORY}"

    async def main() -> dict:
        lags: list[tuple[float, str]] = []
        phase = ["start"]
        running = [True]

        async def watch() -> None:
            while running[0]:
                before = time.perf_counter()
                await asyncio.sleep(0.001)
                late = time.perf_counter() - before - 0.001
                lags.append((late, phase[0]))
                if watchdog:  # every thread's stack, written by C, if the loop stops for 0.3 s
                    faulthandler.dump_traceback_later(0.3, file=watchdog)
                if late > 0.04 and os.environ.get("BENCH_GC_DEBUG"):
                    sys.stderr.write(f"LAG {time.perf_counter():.3f} {late * 1000:.0f} ms {phase[0]}\n")

        gc_pauses: list[tuple[float, str, int]] = []
        gc_began = [0.0]

        def gc_pause(stage: str, info: dict) -> None:  # a collection holds the interpreter
            if stage == "start":
                gc_began[0] = time.perf_counter()
            elif (took := time.perf_counter() - gc_began[0]) > 0.01:
                gc_pauses.append((took, phase[0], info["generation"]))
                if os.environ.get("BENCH_GC_DEBUG"):
                    sys.stderr.write(
                        f"GC {time.perf_counter():.3f} {took * 1000:.0f} ms gen {info['generation']}\n"
                    )

        gc.callbacks.append(gc_pause)
        slow_calls = os.environ.get("BENCH_GC_DEBUG")
        watchdog = open(os.environ["BENCH_WATCHDOG"], "w") if os.environ.get("BENCH_WATCHDOG") else None
        if slow_calls:  # which loop callbacks ran long, and when
            run = asyncio.events.Handle._run

            def timed(handle: asyncio.events.Handle) -> None:
                t = time.perf_counter()
                run(handle)
                if (
                    took := time.perf_counter() - t
                ) > 0.03 and threading.current_thread() is threading.main_thread():
                    sys.stderr.write(
                        f"CALL {time.perf_counter():.3f} {took * 1000:.0f} ms {callback_name(handle)}\n"
                    )

            asyncio.events.Handle._run = timed  # type: ignore[method-assign]
        watcher = asyncio.create_task(watch())
        # The app starts on its (empty) timeline and settles; the thread is then
        # opened as from a link: start-up (imports, styles, the first frames) is
        # not the thread's to answer for.
        phase[0] = "start"
        app = ThreadlineApp(store, config, poll=False)
        async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
            await pilot.pause(1.0)
            phase[0] = "open"
            began = time.perf_counter()
            open_profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE_OPEN") else None
            if open_profile is not None:
                open_profile.enable()
            app.open_thread_url(url)
            while not (isinstance(app.screen, ThreadScreen) and app.screen.comment_tree.visible_count):
                await pilot.pause(0.01)
            screen = app.screen
            while screen._loading:
                await pilot.pause(0.01)
            opened = time.perf_counter() - began
            if open_profile is not None:
                open_profile.disable()
                open_profile.dump_stats(os.environ["BENCH_PROFILE_OPEN"])
            await pilot.pause(1.0)
            phase[0] = "repoll"
            before = len(screen.comment_tree.thread.nodes)
            sys.stdout.write("REPOLL\n")
            sys.stdout.flush()
            sys.stdin.readline()  # the parent has changed the thread on the server
            began = time.perf_counter()
            profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
            if profile is not None:  # the event loop's thread only: what stalls it
                profile.enable()
            await pilot.press("r")
            while len(screen.comment_tree.thread.nodes) == before or screen._loading:
                await pilot.pause(0.01)
            merged = time.perf_counter() - began
            await pilot.pause(0.5)
            if profile is not None:
                profile.disable()
                profile.dump_stats(os.environ["BENCH_PROFILE"])
            await pilot.pause(1.0)
        running[0] = False
        await watcher
        out: dict = {"opened": opened, "merged": merged, "comments": len(screen.comment_tree.thread.nodes)}
        for name in ("open", "repoll"):
            worst = sorted((lag for lag, p in lags if p == name), reverse=True)
            out[name] = worst[:3]
            out[f"gc_{name}"] = sorted(((t, g) for t, p, g in gc_pauses if p == name), reverse=True)[:3]
        return out

    result = asyncio.run(main())
    store.close()
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")


def run_stalls(farm: Farm, n: int, repeats: int) -> None:
    farm.hn = hn_payload(n)
    grown = hn_payload(n + 1)
    rows: list[dict] = []
    for _ in range(repeats):
        home = make_home(farm.port)
        farm.hn = hn_payload(n) if not rows else farm.hn
        proc = subprocess.Popen(
            [sys.executable, __file__, "--tree", str(TREE[0]), "--stall-driver", str(farm.port), str(home)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert proc.stdin is not None and proc.stdout is not None
        saved = farm.hn
        for line in proc.stdout:
            if line.startswith("REPOLL"):
                farm.hn = grown
                proc.stdin.write("go\n")
                proc.stdin.flush()
            elif line.startswith("RESULT "):
                rows.append(json.loads(line[7:]))
        proc.wait()
        farm.hn = saved
        shutil.rmtree(home, ignore_errors=True)
    print(f"\n{n:,}-comment HN thread, headless app, event-loop stalls (1 ms probe):")
    for name, label in (("open", "open"), ("repoll", "re-poll")):
        worst = [r[name][0] * 1000 for r in rows if r[name]]
        tops = ", ".join(f"{v * 1000:.0f}" for v in rows[-1][name]) if rows else ""
        collections = (
            ", ".join(f"{t * 1000:.0f} (gen {g})" for t, g in rows[-1][f"gc_{name}"]) if rows else ""
        )
        print(
            f"  {label:8} longest stall: min {min(worst):.0f} ms  median {statistics.median(worst):.0f} ms"
            f"   (last run's three longest: {tops} ms; garbage collections over 10 ms: {collections or 'none'})"
        )
    print(
        f"  open to drawn and loaded: median {statistics.median(r['opened'] for r in rows):.2f} s;"
        f" re-poll to merged: median {statistics.median(r['merged'] for r in rows):.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=50_000, help="stall run size; 0 skips it")
    parser.add_argument("--only", default="", help="comma list of: hn,wp,cache,stall")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the code tree to launch (default: this one)")
    parser.add_argument("--stall-driver", nargs=2, metavar=("PORT", "HOME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    TREE[0] = args.tree.resolve()
    if args.stall_driver:
        stall_driver(int(args.stall_driver[0]), args.stall_driver[1])
        return
    only = set(filter(None, args.only.split(","))) or {"hn", "wp", "cache", "stall"}

    # Two hosts, as in life: HN's on 127.0.0.1, the WordPress site on 127.0.0.2.
    farm, wp, small = Farm().start(), Farm("127.0.0.2").start(), Farm("127.0.0.3").start()
    small.hn = hn_payload(3)
    farm.hn = hn_payload(args.comments)
    wp.pages = wp_pages(args.comments)
    wp.total = args.comments
    print(
        f"HN payload {len(farm.hn) / 1e6:.1f} MB in one response; WordPress {len(wp.pages)} pages, "
        f"{sum(map(len, wp.pages)) / 1e6:.1f} MB; pty {WIDTH}x{HEIGHT}; {os.cpu_count()} cores"
    )
    hn_url = farm.url(f"/item?id={STORY}")
    wp_url = wp.url(f"/?p={POST}")
    times: dict[str, list[float]] = {}
    in_flight: list[int] = []
    requests: list[int] = []
    homes: list[tuple[Path, Path]] = []
    for _ in range(args.repeats):
        times.setdefault("python -c pass", []).append(plain_start("pass"))
        times.setdefault("python -c 'import textual.app'", []).append(plain_start("import textual.app"))
        floor_home = make_home(small.port, small.host)
        t = launch(floor_home, small.url(f"/item?id={STORY}"))
        shutil.rmtree(floor_home, ignore_errors=True)
        if t is not None:
            times.setdefault("hn 3 comments (start-up alone)", []).append(t)
        hn_home, wp_home = make_home(farm.port), make_home(farm.port)
        homes.append((hn_home, wp_home))
        if only & {"hn", "cache"}:
            t = launch(hn_home, hn_url, keep="cache" in only)
            if t is not None:
                times.setdefault(f"hn {args.comments:,}, network (1 request)", []).append(t)
        if only & {"wp", "cache"}:
            wp.reset_counts()
            t = launch(wp_home, wp_url, keep="cache" in only)
            if t is not None:
                times.setdefault(f"wordpress {args.comments:,}, network ({len(wp.pages)} pages)", []).append(
                    t
                )
            in_flight.append(wp.most_in_flight)
            requests.append(wp.requests)
    farm_port, wp_port = farm.port, wp.port
    farm.stop()
    wp.stop()
    small.stop()
    if "cache" in only:
        # The same homes, now with a cached copy each; the port refuses connections.
        for hn_home, wp_home in homes:
            t = launch(hn_home, f"http://127.0.0.1:{farm_port}/item?id={STORY}")
            if t is not None:
                times.setdefault(f"hn {args.comments:,}, from the cache", []).append(t)
            t = launch(wp_home, f"http://127.0.0.2:{wp_port}/?p={POST}")
            if t is not None:
                times.setdefault(f"wordpress {args.comments:,}, from the cache", []).append(t)
    for hn_home, wp_home in homes:
        shutil.rmtree(hn_home, ignore_errors=True)
        shutil.rmtree(wp_home, ignore_errors=True)

    print("\nlaunch to the first comment drawn (fresh process in a pty):")
    for name, values in times.items():
        print(f"  {name:42} {fmt(values)}")
    if in_flight:
        print(
            f"  wordpress requests in flight at once: most {max(in_flight)} (per-host limit 2);"
            f" requests per open: {requests[0]}"
        )
    if "stall" in only and args.big:
        farm = Farm().start()
        run_stalls(farm, 3, max(1, min(args.repeats, 3)))  # the floor: a screen opening at all
        run_stalls(farm, args.big, max(1, min(args.repeats, 3)))
        farm.stop()


if __name__ == "__main__":
    main()
