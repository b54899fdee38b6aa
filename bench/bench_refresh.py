"""Following feeds, side by side with newsboat, against one loopback feed farm.

Set-up (benchmark only, not a dependency of the app):
    apt-get update && apt-get install -y newsboat

Run:  python bench/bench_refresh.py                      # 500 feeds, 3 repeats, scale 100,250
      python bench/bench_refresh.py --feeds 50 --repeats 1 --scale ""   # a quick check

One farm (bench/feed_farm.py, in its own process: 50 items of ~100 KB a feed,
20 ms latency, 100 addresses) serves every contestant in the same run. Each
repeat gives every contestant a fresh home and runs it three times in a row:

* cold   empty home / cache: every feed is downloaded and parsed;
* warm1  right away again, nothing changed on the farm;
* warm2  once more (newsboat 2.21 stores its validators so that they are only
         sent from the second run after a cold one; warm1 shows that).

Contestants, interleaved in every repeat so that noise hits them alike:

* ``threadline``          ``threadline --home H refresh`` (defaults: per host 2,
                          16 in flight, parsing in threads). Subscribed beforehand
                          with ``threadline --home H import farm.opml`` (not timed).
* ``threadline-process``  the CLI cannot choose where feeds are parsed, so this is
                          this script's own driver (``--driver-process H``), doing
                          what ``refresh`` does with ``Poller(parse_in="process")``.
* ``newsboat-8``          ``newsboat -x reload -u urls -c cache.db -C config`` with
                          ``reload-threads 8`` (HOME pointed at the fresh dir).
* ``newsboat-1``          the same with newsboat's default config (1 thread).

Per run: wall seconds (Popen to reaping), CPU seconds (user+sys from
``os.wait4``: the child and every child it reaped, e.g. parser processes), peak
RSS (``ru_maxrss`` from ``os.wait4``, the largest single process of the tree)
and peak tree RSS (the sum of VmRSS over the child and its descendants, sampled
every 20 ms from /proc), and the farm's counters for exactly that run: requests,
conditional requests, 304s, bytes sent. Figures are medians over the repeats.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from feed_farm import get_json, self_test  # noqa: E402

PHASES = ("cold", "warm1", "warm2")


# -- the parse_in="process" driver (runs in the child) ---------------------------


def driver_process(home: str) -> int:
    """``threadline --home HOME refresh``'s work (tui.refresh), called in-process:
    a cross-check that the command line adds nothing to the refresh itself."""
    from tui.config import load_config, resolve_paths
    from tui.polling.refresh import refresh_feeds
    from tui.store import Store

    paths = resolve_paths(home)
    config = load_config(paths.config)

    with Store.open(paths.data) as store:
        results = asyncio.run(refresh_feeds(store, config, parse_in="process"))
    new = sum(len(r.new_ids) for r in results)
    parsed = sum(1 for r in results if r.parsed)
    failed = sum(1 for r in results if r.outcome in ("error", "gone"))
    print(f"{len(results)} feeds: {new} new items, {failed} failed; {parsed} parsed")
    return 0


# -- measuring one child ---------------------------------------------------------


def _tree_rss_kb(pid: int) -> int:
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mb: float
    tree_rss_mb: float
    requests: int
    conditional: int
    not_modified: int
    bytes_sent: int
    rc: int
    tail: str = ""


def measure(argv: list[str], farm: str, env: dict | None = None, cwd: str | None = None) -> Run:
    get_json(f"{farm}/_stats?reset=1")
    peak = [0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
    )
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = proc.stdout.read()  # the child ends; reading first keeps a full pipe from stalling it
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stats = get_json(f"{farm}/_stats")
    lines = out.decode("utf-8", "replace").strip().splitlines()
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        rss_mb=usage.ru_maxrss / 1024,
        tree_rss_mb=peak[0] / 1024,
        requests=stats["requests"],
        conditional=stats["conditional"],
        not_modified=stats["not_modified"],
        bytes_sent=stats["bytes_sent"],
        rc=proc.returncode,
        tail=lines[-1] if lines else "",
    )


# -- contestants ---------------------------------------------------------------------


@dataclass
class Contestant:
    name: str
    kind: str  # "threadline" | "newsboat"
    process: bool = False
    threads: int | None = None
    runs: dict[str, list[Run]] = field(default_factory=lambda: {p: [] for p in PHASES})

    def prepare(self, work: Path, urls: list[str], opml: str) -> tuple[list[str], dict, str]:
        home = Path(tempfile.mkdtemp(prefix=self.name + "-", dir=work))
        env = dict(os.environ)
        if self.kind == "threadline":
            (home / "farm.opml").write_text(opml)
            subprocess.run(
                [
                    shutil.which("threadline") or "threadline",
                    "--home",
                    str(home),
                    "import",
                    str(home / "farm.opml"),
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            if self.process:
                argv = [sys.executable, __file__, "--driver-process", str(home)]
            else:
                argv = [shutil.which("threadline") or "threadline", "--home", str(home), "refresh"]
        else:
            (home / "urls").write_text("\n".join(urls) + "\n")
            (home / "config").write_text(f"reload-threads {self.threads}\n" if self.threads else "")
            argv = ["newsboat", "-x", "reload", "-u", "urls", "-c", "cache.db", "-C", "config"]
            env["HOME"] = str(home)  # newsboat keeps history and locks under HOME
        return argv, env, str(home)


def med(values) -> float:
    return statistics.median(values) if values else float("nan")


def row(name: str, phase: str, runs: list[Run]) -> str:
    r = runs
    return (
        f"| {name:<18} | {phase:<5} | {med([x.wall for x in r]):7.2f} | {med([x.cpu for x in r]):7.2f} | "
        f"{med([x.rss_mb for x in r]):6.0f} | {med([x.tree_rss_mb for x in r]):6.0f} | "
        f"{med([x.bytes_sent for x in r]) / 1e6:7.2f} | {med([x.requests for x in r]):5.0f} | "
        f"{med([x.conditional for x in r]):5.0f} | {med([x.not_modified for x in r]):5.0f} |"
    )


HEADER = (
    "| contestant         | run   | wall s  |  CPU s  | RSS MB | tree MB | MB sent | reqs  | cond  | 304   |\n"
    "|--------------------|-------|---------|---------|--------|---------|---------|-------|-------|-------|"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_farm(feeds: int, port: int, live_share: float = 0.0) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "feed_farm.py"),
            "--feeds",
            str(feeds),
            "--port",
            str(port),
            "--live-share",
            str(live_share),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise SystemExit("the feed farm did not start")
    print(line.strip(), flush=True)
    return proc


def main() -> None:
    p = argparse.ArgumentParser(description="threadline refresh vs newsboat -x reload")
    p.add_argument("--feeds", type=int, default=500)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument(
        "--scale", default="100,250", help="also time cold runs at these feed counts ('' for none)"
    )
    p.add_argument("--only", default="", help="comma-separated contestant names")
    p.add_argument(
        "--live-share", type=float, default=0.0, help="share of the farm's items that are live (0 to 1)"
    )
    p.add_argument("--driver-process", metavar="HOME", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.driver_process:
        raise SystemExit(driver_process(a.driver_process))

    if shutil.which("newsboat") is None:
        raise SystemExit("newsboat is missing: apt-get update && apt-get install -y newsboat")
    started = time.perf_counter()
    port = free_port()
    farm_proc = start_farm(a.feeds, port, a.live_share)
    farm = f"http://127.0.0.1:{port}"
    work = Path(tempfile.mkdtemp(prefix="bench-refresh-"))
    try:
        all_urls = [u for u in (get_url_list(farm)) if u]
        opml_all = _opml(all_urls)

        test = self_test(all_urls)
        print(
            "farm self-test (lean client, 100 connections): "
            + ", ".join(f"{k} {v['seconds']:.2f} s" for k, v in test.items())
            + f" for {len(all_urls)} feeds",
            flush=True,
        )

        contestants = [
            Contestant("threadline", "threadline"),
            Contestant("threadline-process", "threadline", process=True),
            Contestant("newsboat-8", "newsboat", threads=8),
            Contestant("newsboat-1", "newsboat"),
        ]
        if a.only:
            keep = set(a.only.split(","))
            contestants = [c for c in contestants if c.name in keep]
        for rep in range(a.repeats):
            for c in contestants:
                argv, env, cwd = c.prepare(work, all_urls, opml_all)
                for phase in PHASES:
                    r = measure(argv, farm, env=env, cwd=cwd)
                    c.runs[phase].append(r)
                    print(
                        f"  [{rep + 1}/{a.repeats}] {c.name:<18} {phase:<5} {r.wall:6.2f} s wall "
                        f"{r.cpu:6.2f} s CPU {r.rss_mb:5.0f} MB  {r.requests} req "
                        f"{r.conditional} cond {r.not_modified} x304 rc={r.rc}  | {r.tail[:90]}",
                        flush=True,
                    )
                shutil.rmtree(cwd, ignore_errors=True)

        print(f"\n{a.feeds} feeds x 50 items, {a.live_share:.0%} live, medians of {a.repeats} repeat(s):\n")
        print(HEADER)
        for c in contestants:
            for phase in PHASES:
                print(row(c.name, phase, c.runs[phase]))

        byname = {c.name: c for c in contestants}
        if "newsboat-8" in byname:
            nb = byname["newsboat-8"]
            print("\nratios to newsboat-8 in the same run (wall, CPU, peak RSS, tree RSS):\n")
            print("| contestant         | run   | wall  | CPU   | RSS   | tree  |")
            print("|--------------------|-------|-------|-------|-------|-------|")
            for c in contestants:
                if c is nb:
                    continue
                for phase in PHASES:

                    def ratio(attr, c=c, phase=phase):
                        return med([getattr(x, attr) for x in c.runs[phase]]) / med(
                            [getattr(x, attr) for x in nb.runs[phase]]
                        )

                    print(
                        f"| {c.name:<18} | {phase:<5} | {ratio('wall'):5.2f} | {ratio('cpu'):5.2f} | "
                        f"{ratio('rss_mb'):5.2f} | {ratio('tree_rss_mb'):5.2f} |"
                    )
        for c in contestants:
            if c.kind == "threadline":
                cold = med([x.wall for x in c.runs["cold"]])
                warm = med([x.wall for x in c.runs["warm2"]])
                print(f"\n{c.name}: warm2 / own cold wall = {warm / cold:.3f}")

        sizes = sorted({int(s) for s in a.scale.split(",") if s.strip()} | {a.feeds})
        sizes = [n for n in sizes if n <= a.feeds]
        if len(sizes) > 1:
            scalers = [c for c in contestants if c.name in ("threadline", "newsboat-8")]
            cold: dict[tuple[str, int], list[float]] = {}
            for n in sizes:
                if n == a.feeds:
                    for c in scalers:
                        cold[(c.name, n)] = [x.wall for x in c.runs["cold"]]
                    continue
                urls = all_urls[:n]
                for rep in range(a.repeats):
                    for c in scalers:
                        argv, env, cwd = c.prepare(work, urls, _opml(urls))
                        r = measure(argv, farm, env=env, cwd=cwd)
                        cold.setdefault((c.name, n), []).append(r.wall)
                        print(
                            f"  [{rep + 1}/{a.repeats}] {c.name:<12} cold {n:4d} feeds {r.wall:6.2f} s",
                            flush=True,
                        )
                        shutil.rmtree(cwd, ignore_errors=True)
            print("\ncold wall time by number of feeds (medians):\n")
            print("| feeds | " + " | ".join(f"{c.name} s | ms/feed" for c in scalers) + " | ratio |")
            print("|-------|" + "|".join("------|------" for _ in scalers) + "|-------|")
            for n in sizes:
                cells, walls = [], []
                for c in scalers:
                    w = med(cold[(c.name, n)])
                    walls.append(w)
                    cells.append(f"{w:6.2f} | {w / n * 1000:6.1f}")
                ratio = walls[0] / walls[1] if len(walls) == 2 else float("nan")
                print(f"| {n:5d} | " + " | ".join(cells) + f" | {ratio:5.2f} |")
        print(f"\nfarm: {get_json(farm + '/_stats')}  total runtime {time.perf_counter() - started:.0f} s")
    finally:
        farm_proc.terminate()
        farm_proc.wait(10)
        shutil.rmtree(work, ignore_errors=True)


def get_url_list(farm: str) -> list[str]:
    import urllib.request

    with urllib.request.urlopen(farm + "/_urls", timeout=10) as r:  # loopback only
        return r.read().decode().split("\n")


def _opml(urls: list[str]) -> str:
    body = "\n".join(f'<outline type="rss" text="f{i}" xmlUrl="{u}"/>' for i, u in enumerate(urls))
    return f'<?xml version="1.0"?><opml version="2.0"><head/><body>\n{body}\n</body></opml>\n'


if __name__ == "__main__":
    main()
