"""Sync against a real Tiny Tiny RSS, measured: a first sync of N feeds x M items,
then a sync with nothing changed (target: 1 s or less on loopback).

Uses the test harness (tests/ttrss_server.py; install the server once with
``sudo bash .ci/ttrss-setup``): it empties the harness user's tt-rss data, serves
N RSS feeds through the harness's proxy, subscribes to each, and runs tt-rss's own
update script so the server holds N x M articles. Each sync then runs in a fresh
Python process (so its peak RSS is the sync's own) against a new Threadline home,
and prints wall time, requests made and peak RSS. Asserts nothing.

    python bench/bench_sync.py [--feeds 500] [--items 50]
"""

from __future__ import annotations

import argparse
import email.utils
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _rss(feed: int, items: int) -> str:
    parts = []
    for n in range(items):
        date = email.utils.formatdate(1_764_000_000 + feed * 7 + n * 60, usegmt=True)
        parts.append(
            f"<item><guid isPermaLink='false'>f{feed}-i{n}</guid><title>Feed {feed} story {n}</title>"
            f"<link>https://news.example/{feed}/{n}</link><pubDate>{date}</pubDate>"
            f"<description><![CDATA[<p>Story {n} of feed {feed}: a paragraph of ordinary news text "
            f"long enough to look like an article body, with <b>some</b> markup.</p>]]></description></item>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Bench feed {feed}</title><link>https://news.example/{feed}/</link>"
        f"{''.join(parts)}</channel></rss>"
    )


def _peak_rss_kb() -> int:
    """This process's peak resident set: VmHWM, which a new program starts afresh
    (ru_maxrss keeps the parent's peak from before the exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _child(home: str, url: str, user: str) -> None:
    """One sync in this process; prints its figures as JSON."""
    from tui.config import SyncConfig
    from tui.store import Store
    from tui.sync import base
    from tui.sync.engine import sync_once

    # Time spent waiting on the server, by API call: the rest is Threadline's.
    waited: dict[str, list[float]] = {}
    request = base.Http.request

    def timed(self, method, target, **kw):
        started = time.perf_counter()
        try:
            return request(self, method, target, **kw)
        finally:
            op = str((kw.get("json_body") or {}).get("op", "?"))
            waited.setdefault(op, []).append(time.perf_counter() - started)

    base.Http.request = timed  # type: ignore[method-assign]
    config = SyncConfig(kind="ttrss", url=url, user=user, password_env="BENCH_TTRSS_PW")
    with Store.open(home) as store:
        opened_kb = _peak_rss_kb()
        started = time.perf_counter()
        report = sync_once(store, config)
        wall = time.perf_counter() - started
        peak_kb = _peak_rss_kb()
        articles = store.article_count()
    print(
        json.dumps(
            {
                "wall": wall,
                "requests": report.requests,
                "peak_rss_mb": peak_kb / 1024,
                "opened_rss_mb": opened_kb / 1024,
                "items_new": report.items_new,
                "feeds_added": len(report.feeds_added),
                "articles": articles,
                "error": report.error,
                "server": {op: [len(t), round(sum(t), 3)] for op, t in waited.items()},
            }
        )
    )


def _measure(home: str, url: str, user: str, password: str) -> dict:
    env = {**os.environ, "BENCH_TTRSS_PW": password, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, __file__, "--child", home, url, user],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
    )
    if done.returncode != 0:
        raise SystemExit(f"the sync process failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument(
        "--reuse", action="store_true", help="sync with what the tt-rss already holds (no reset, no set-up)"
    )
    parser.add_argument("--child", nargs=3, metavar=("HOME", "URL", "USER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return

    sys.path.insert(0, str(ROOT / "tests"))
    from ttrss_server import TtrssServer, ttrss_available

    reason = ttrss_available()
    if reason:
        raise SystemExit(f"no tt-rss here: {reason}")
    server = TtrssServer()
    try:
        server.start()
        if not args.reuse:
            server.reset()
            started = time.perf_counter()
            for n in range(args.feeds):
                server.subscribe(server.serve_feed(f"/bench/{n}.xml", _rss(n, args.items)))
            subscribed = time.perf_counter() - started
            started = time.perf_counter()
            server.update_feeds()
            updated = time.perf_counter() - started
            print(f"tt-rss: feeds subscribed in {subscribed:.1f} s; its update script took {updated:.1f} s")
        held = len(server.content("getFeeds", cat_id=-3))
        articles = server.content("getCounters")[0].get("counter")
        print(f"tt-rss holds {held} feeds and {articles} unread articles")
        with tempfile.TemporaryDirectory(prefix="threadline-bench-sync-") as home:
            first = _measure(home, server.base_url, server.user, server.password)
            again = _measure(home, server.base_url, server.user, server.password)
        for name, figures in (("first sync", first), ("nothing changed", again)):
            if figures["error"]:
                print(f"{name}: stopped: {figures['error']}")
            print(
                f"{name:<16} {figures['wall']:7.2f} s  {figures['requests']:5d} requests  "
                f"peak RSS {figures['peak_rss_mb']:6.1f} MB (at open {figures['opened_rss_mb']:.1f})  "
                f"{figures['feeds_added']} feeds added, {figures['items_new']} new items "
                f"({figures['articles']} articles stored)"
            )
            waits = figures["server"]
            total = sum(t for _, t in waits.values())
            calls = ", ".join(f"{op} {n}x {t:.2f} s" for op, (n, t) in sorted(waits.items()))
            print(f"{'':<16} waiting on tt-rss {total:.2f} s: {calls}")
    finally:
        server.close()


if __name__ == "__main__":
    main()
