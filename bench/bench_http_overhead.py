"""What one request costs the process that makes it: Threadline's Fetcher (httpx
with one connection pool a host) beside aiohttp, when installed, in the same run.

Run:  python bench/bench_http_overhead.py [--feeds 500] [--repeats 3]
      pip install aiohttp      # only to add the aiohttp row (not an app dependency)

One loopback feed farm (bench/feed_farm.py, its own process, 20 ms latency, 100
addresses). For each client: every feed fetched once in full (gzip, bodies
decompressed, as a cold refresh) and once conditionally (all 304, as a warm
refresh), 2 requests a host and 32 in flight. Printed: wall seconds and CPU
seconds of this process (user+sys), and CPU milliseconds a request. The warm
row is what bounds a warm `threadline refresh` once Python has started.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
import time
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from feed_farm import get_json  # noqa: E402

from tui.net import Fetcher  # noqa: E402


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def with_fetcher(urls: list[str], etags: dict[str, str] | None) -> int:
    async with Fetcher(per_host=2, total=32) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(u, etag=(etags or {}).get(u)) for u in urls))
    return sum(1 for r in results if r.ok)


async def with_aiohttp(urls: list[str], etags: dict[str, str] | None) -> int:
    import aiohttp

    total = asyncio.Semaphore(32)
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=2)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:

        async def one(url: str) -> bool:
            headers = {"If-None-Match": etags[url]} if etags else {}
            headers["Accept-Encoding"] = "gzip"
            async with total, session.get(url, headers=headers) as response:
                raw = await response.read()
                if response.headers.get("Content-Encoding") == "gzip":
                    zlib.decompress(raw, 16 + zlib.MAX_WBITS)  # as the others inflate
                return response.status in (200, 304)

        return sum(await asyncio.gather(*map(one, urls)))


CLIENTS = {"threadline Fetcher": with_fetcher, "aiohttp": with_aiohttp}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--feeds", type=int, default=500)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        CLIENTS.pop("aiohttp")
        print("aiohttp is not installed: its row is left out (pip install aiohttp)")
    port = 18000 + int(time.time()) % 1000
    farm = subprocess.Popen(
        [sys.executable, str(HERE / "feed_farm.py"), "--feeds", str(a.feeds), "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        print(farm.stdout.readline().strip(), flush=True)  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        import urllib.request

        urls = urllib.request.urlopen(base + "/_urls").read().decode().split()
        # Every feed's ETag, read once with a plain client (not timed).
        etags = {u: urllib.request.urlopen(u).headers["ETag"] for u in urls}
        figures: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(a.repeats):
            for name, run in CLIENTS.items():  # interleaved, so that noise hits them alike
                for phase, tags in (("full", None), ("304", etags)):
                    get_json(base + "/_stats?reset=1")
                    wall, used = time.perf_counter(), cpu()
                    ok = asyncio.run(run(urls, tags))
                    wall, used = time.perf_counter() - wall, cpu() - used
                    if ok != len(urls):
                        print(f"  {name} {phase}: only {ok} of {len(urls)} answered")
                    figures.setdefault((name, phase), []).append((wall, used))
        print(f"\n{len(urls)} feeds, medians of {a.repeats}; CPU is this process's user+sys\n")
        print("| client               | requests | wall s | CPU s | CPU ms a request |")
        print("|----------------------|----------|--------|-------|------------------|")
        for (name, phase), runs in figures.items():
            wall = statistics.median(w for w, _ in runs)
            used = statistics.median(c for _, c in runs)
            print(
                f"| {name:20s} | {phase:8s} | {wall:6.2f} | {used:5.2f} | {used / len(urls) * 1000:16.2f} |"
            )
    finally:
        farm.terminate()
        farm.wait()


if __name__ == "__main__":
    main()
