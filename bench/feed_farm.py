"""A loopback feed farm: many RSS 2.0 feeds spread over 127.0.0.1 … 127.0.0.100.

Run:  python bench/feed_farm.py [--feeds 500] [--items 50] [--port 8800]
      [--hosts 100] [--latency 0.02] [--seed 1]        serves until killed

As a library::

    with FeedFarm(feeds=500, port=0) as farm:   # port 0: pick a free port
        farm.urls()        # one URL per feed
        farm.stats()       # counters (a dict); farm.reset_stats()

``GET /_stats`` on any address answers the counters as JSON (not counted);
``GET /_stats?reset=1`` answers them and starts counting again from zero;
``GET /_opml`` answers an OPML file of every feed; ``GET /_urls`` a plain list.

Why it is built this way:

* Every feed body (about 90 KB with 50 items: titles, links, guids, pubDates,
  content:encoded with paragraphs and links) is rendered once at start-up from
  the seed, and its gzip form is made and cached at start-up too, so serving
  costs a memory copy and the farm is never what a benchmark measures.
  ``self_test`` checks that claim by fetching the whole farm with a lean client.
* One asyncio server on each of the ``hosts`` addresses (same port on each):
  a client's per-host politeness sees 100 hosts, as it would on the web.
* 20 ms of latency is added before every answer (304s included), with
  ``asyncio.sleep``, so hundreds of requests wait at once without threads.
* Strong ETag and Last-Modified on every feed; If-None-Match (exact, or ``*``)
  and If-Modified-Since (as a date, not as a string: curl rewrites it) get 304.
* HTTP/1.1 keep-alive; gzip only when the request's Accept-Encoding allows it.
"""

from __future__ import annotations

import argparse
import asyncio
import email.utils
import gzip
import hashlib
import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from html import escape

WORDS = (
    "minister council airport column siege harbour bridge report officials said "
    "footage confirmed denied local sources overnight morning evening statement "
    "residents border talks ceasefire aid convoy hospital power grid water supply "
    "election count turnout parliament vote budget inflation market shares index "
    "storm flood warning rescue teams village road closed rail strike union pay "
    "court ruling appeal judge verdict police arrest suspect investigation witness "
    "climate summit delegates agreement emissions target energy prices winter gas"
).split()
BASE_TIME = 1_735_689_600  # 2025-01-01 UTC: fixed, so bodies are deterministic
SITE = "https://news{host}.example"


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 20))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraph_pool(seed: int, size: int = 1500) -> list[str]:
    # Drawing every word of 45 MB from the RNG would take seconds; items pick
    # their paragraphs from a pool instead, which is just as hard to parse.
    rng = random.Random(seed)
    pool = []
    for i in range(size):
        text = " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))
        if i % 3 == 0:
            cut = text.find(" ", len(text) // 2)
            word = rng.choice(WORDS)
            text = f'{text[:cut]} <a href="https://ref.example/{word}/{i}">{word} coverage</a>{text[cut:]}'
        if i % 5 == 0:
            text = text.replace(" said", " <em>said</em>", 1)
        pool.append(f"<p>{text}</p>")
    return pool


def render_feed(
    index: int, items: int, seed: int, pool: list[str], host: int, live_share: float = 0.0
) -> tuple[bytes, int]:
    """One RSS 2.0 document and its newest item's time (for Last-Modified).

    ``live_share`` of the items (0 to 1) are live: their body opens with three
    "UPDATE hhmm GMT:" paragraphs, newest first, as a live article's does.
    """
    rng = random.Random(seed * 1_000_003 + index)
    live_rng = random.Random(seed * 7_000_003 + index)  # apart, so 0 % live renders as before
    site = SITE.format(host=host)
    newest = BASE_TIME + index * 37
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
        f"<title>Farm feed {index}: {escape(rng.choice(WORDS).title())} desk</title>\n"
        f"<link>{site}/desk/{index}/</link>\n"
        f"<description>Synthetic feed {index} for benchmarks</description>\n"
        "<language>en</language>\n"
        f"<lastBuildDate>{email.utils.formatdate(newest, usegmt=True)}</lastBuildDate>\n"
    ]
    for n in range(items):
        when = newest - n * 1800 - rng.randint(0, 900)
        slug = "-".join(rng.choice(WORDS) for _ in range(5))
        link = f"{site}/{index}/{n}/{slug}"
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12))).capitalize()
        body = "\n".join(rng.choice(pool) for _ in range(rng.randint(3, 5)))
        if live_share and live_rng.random() < live_share:
            stamps = sorted((live_rng.randint(0, 23 * 60) for _ in range(3)), reverse=True)
            body = (
                "\n".join(
                    f"<p><strong>UPDATE {m // 60:02d}{m % 60:02d} GMT:</strong> {live_rng.choice(pool)[3:-4]}</p>"
                    for m in stamps
                )
                + "\n"
                + body
            )
        description = escape(body[3:200].split("<", 1)[0]) + "…"
        parts.append(
            "<item>\n"
            f"<title>{escape(title)}</title>\n"
            f"<link>{link}</link>\n"
            f'<guid isPermaLink="false">farm-{index}-{n}</guid>\n'
            f"<pubDate>{email.utils.formatdate(when, usegmt=True)}</pubDate>\n"
            f"<dc:creator>Reporter {rng.randint(1, 60)}</dc:creator>\n"
            f"<category>{rng.choice(WORDS)}</category>\n"
            f"<description>{description}</description>\n"
            f"<content:encoded><![CDATA[{body}]]></content:encoded>\n"
            f"<comments>{link}#comments</comments>\n"
            "</item>\n"
        )
    parts.append("</channel>\n</rss>\n")
    return "".join(parts).encode("utf-8"), newest


@dataclass
class _Feed:
    body: bytes
    gz: bytes
    etag: str
    last_modified: str
    modified_at: int


@dataclass
class Stats:
    requests: int = 0
    conditional: int = 0  # carried If-None-Match or If-Modified-Since
    not_modified: int = 0  # answered 304
    full: int = 0  # answered 200 with a body
    gzip: int = 0  # of those, gzip-encoded
    bytes_sent: int = 0  # headers and bodies on the wire
    body_bytes: int = 0
    not_found: int = 0
    max_concurrent: int = 0
    _in_flight: int = field(default=0, repr=False)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


class FeedFarm:
    def __init__(
        self,
        feeds: int = 500,
        items: int = 50,
        *,
        port: int = 8800,
        hosts: int = 100,
        latency: float = 0.02,
        seed: int = 1,
        live_share: float = 0.0,
    ) -> None:
        if not 1 <= hosts <= 100:
            raise ValueError("hosts must be 1..100 (127.0.0.1 … 127.0.0.100)")
        self.n_feeds, self.items, self.hosts = feeds, items, hosts
        self.port, self.latency, self.seed = port, latency, seed
        self.live_share = live_share
        self.stats_ = Stats()
        self._feeds: list[_Feed] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.AbstractServer] = []
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self.render_seconds = 0.0

    # -- content -----------------------------------------------------------
    def host_of(self, index: int) -> str:
        return f"127.0.0.{index % self.hosts + 1}"

    def url(self, index: int) -> str:
        return f"http://{self.host_of(index)}:{self.port}/feeds/{index}.xml"

    def urls(self) -> list[str]:
        return [self.url(i) for i in range(self.n_feeds)]

    def opml(self) -> str:
        outlines = "\n".join(
            f'    <outline type="rss" text="Farm feed {i}" xmlUrl="{self.url(i)}"/>'
            for i in range(self.n_feeds)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n'
            "  <head><title>feed farm</title></head>\n  <body>\n"
            f"{outlines}\n  </body>\n</opml>\n"
        )

    def render(self) -> None:
        started = time.perf_counter()
        pool = _paragraph_pool(self.seed)
        for i in range(self.n_feeds):
            body, newest = render_feed(i, self.items, self.seed, pool, i % self.hosts + 1, self.live_share)
            self._feeds.append(
                _Feed(
                    body=body,
                    gz=gzip.compress(body, compresslevel=6, mtime=0),
                    etag='"' + hashlib.sha256(body).hexdigest()[:24] + '"',
                    last_modified=email.utils.formatdate(newest, usegmt=True),
                    modified_at=newest,
                )
            )
        self.render_seconds = time.perf_counter() - started

    @property
    def total_body_bytes(self) -> int:
        return sum(len(f.body) for f in self._feeds)

    # -- counters ----------------------------------------------------------
    def stats(self) -> dict:
        return self.stats_.as_dict()

    def reset_stats(self) -> None:
        in_flight = self.stats_._in_flight
        self.stats_ = Stats()
        self.stats_._in_flight = in_flight

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> FeedFarm:
        if not self._feeds:
            self.render()
        self._thread = threading.Thread(target=self._run, name="feed-farm", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FeedFarm:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _run(self) -> None:
        asyncio.run(self.serve())

    async def serve(self) -> None:
        """Serve until ``stop()`` (or until the task is cancelled)."""
        if not self._feeds:
            self.render()
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            first = await asyncio.start_server(
                self._client, "127.0.0.1", self.port, reuse_address=True, backlog=1024
            )
            self._servers = [first]
            if self.port == 0:
                self.port = first.sockets[0].getsockname()[1]
            for h in range(2, self.hosts + 1):
                self._servers.append(
                    await asyncio.start_server(
                        self._client, f"127.0.0.{h}", self.port, reuse_address=True, backlog=1024
                    )
                )
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            raise
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            for s in self._servers:
                s.close()

    # -- HTTP ----------------------------------------------------------------
    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            # Headers and body go out in one write, but a 304 after a body must not
            # wait for a delayed ACK either.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                keep = await self._answer(head, writer)
                if not keep:
                    return
        finally:
            writer.close()

    async def _answer(self, head: bytes, writer: asyncio.StreamWriter) -> bool:
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            return False
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        keep = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
        path = target.split("?", 1)[0]
        if path.startswith("/_"):
            return await self._control(path, target, method, writer, keep)

        st = self.stats_
        st.requests += 1
        st._in_flight += 1
        st.max_concurrent = max(st.max_concurrent, st._in_flight)
        try:
            feed = self._lookup(path)
            inm = headers.get("if-none-match")
            ims = headers.get("if-modified-since")
            if inm or ims:
                st.conditional += 1
            if self.latency:
                await asyncio.sleep(self.latency)
            if feed is None:
                st.not_found += 1
                self._send(writer, 404, [], b"not found\n", method, keep)
                return keep
            common = [
                ("ETag", feed.etag),
                ("Last-Modified", feed.last_modified),
                ("Cache-Control", "max-age=0"),
            ]
            if self._fresh(feed, inm, ims):
                st.not_modified += 1
                self._send(writer, 304, common, b"", method, keep)
                return keep
            accepts_gzip = "gzip" in headers.get("accept-encoding", "").lower()
            body = feed.gz if accepts_gzip else feed.body
            extra = [("Content-Type", "application/rss+xml; charset=utf-8"), ("Vary", "Accept-Encoding")]
            if accepts_gzip:
                extra.append(("Content-Encoding", "gzip"))
                st.gzip += 1
            st.full += 1
            st.body_bytes += len(body) if method != "HEAD" else 0
            self._send(writer, 200, common + extra, body, method, keep)
            await writer.drain()
            return keep
        finally:
            st._in_flight -= 1

    def _lookup(self, path: str) -> _Feed | None:
        if not (path.startswith("/feeds/") and path.endswith(".xml")):
            return None
        try:
            i = int(path[len("/feeds/") : -len(".xml")])
        except ValueError:
            return None
        return self._feeds[i] if 0 <= i < len(self._feeds) else None

    @staticmethod
    def _fresh(feed: _Feed, inm: str | None, ims: str | None) -> bool:
        # RFC 9110: If-None-Match, when present, decides alone.
        if inm is not None:
            tags = [t.strip() for t in inm.split(",")]
            return "*" in tags or feed.etag in tags
        if ims:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError, IndexError, OverflowError):
                return False
            return feed.modified_at <= since
        return False

    def _send(self, writer, status: int, headers: list, body: bytes, method: str, keep: bool) -> None:
        reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}.get(status, "OK")
        out = [f"HTTP/1.1 {status} {reason}", "Server: feed-farm"]
        out += [f"{k}: {v}" for k, v in headers]
        if status != 304:
            out.append(f"Content-Length: {len(body)}")
        out.append("Connection: keep-alive" if keep else "Connection: close")
        raw = ("\r\n".join(out) + "\r\n\r\n").encode("latin-1")
        if method != "HEAD" and status != 304:
            raw += body
        self.stats_.bytes_sent += len(raw)
        writer.write(raw)

    async def _control(self, path, target, method, writer, keep) -> bool:
        if path == "/_stats":
            # The counters as they were, then zeroed: no request can fall between.
            body = json.dumps(self.stats()).encode()
            if "reset=1" in target:
                self.reset_stats()
            kind = "application/json"
        elif path == "/_opml":
            body, kind = self.opml().encode(), "text/x-opml"
        elif path == "/_urls":
            body, kind = ("\n".join(self.urls()) + "\n").encode(), "text/plain"
        else:
            body, kind = b"not found\n", "text/plain"
        head = (
            f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
            f"Connection: {'keep-alive' if keep else 'close'}\r\n\r\n"
        ).encode()
        writer.write(head + (body if method != "HEAD" else b""))
        await writer.drain()
        return keep


# -- helpers for the bench scripts ----------------------------------------------


def get_json(url: str, timeout: float = 10.0) -> dict:
    import urllib.request

    with urllib.request.urlopen(url, timeout=timeout) as r:  # loopback only
        return json.loads(r.read())


async def _fetch_all(urls: list[str], concurrency: int, extra: dict[str, str]) -> tuple[int, int]:
    """A lean keep-alive HTTP/1.1 client: one connection per worker and host."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for u in urls:
        queue.put_nowait(u)
    done = [0, 0]  # responses, body bytes

    async def worker() -> None:
        conns: dict[str, tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}
        try:
            while not queue.empty():
                url = queue.get_nowait()
                hostport, _, path = url[len("http://") :].partition("/")
                if hostport not in conns:
                    host, port = hostport.split(":")
                    conns[hostport] = await asyncio.open_connection(host, int(port))
                reader, writer = conns[hostport]
                lines = [f"GET /{path} HTTP/1.1", f"Host: {hostport}"]
                lines += [f"{k}: {v}" for k, v in extra.items()]
                writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                done[0] += 1
                done[1] += length
        finally:
            for _, w in conns.values():
                w.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done[0], done[1]


def self_test(urls: list[str], etag_of=None, concurrency: int = 100) -> dict:
    """Seconds for the farm to serve every feed to a lean client (plain, gzip, and 304)."""
    out = {}
    for label, extra in (
        ("plain", {}),
        ("gzip", {"Accept-Encoding": "gzip"}),
        ("304", {"If-None-Match": "*"}),
    ):
        t0 = time.perf_counter()
        n, size = asyncio.run(_fetch_all(urls, concurrency, extra))
        out[label] = {"seconds": time.perf_counter() - t0, "responses": n, "bytes": size}
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--feeds", type=int, default=500)
    p.add_argument("--items", type=int, default=50)
    p.add_argument("--port", type=int, default=8800)
    p.add_argument("--hosts", type=int, default=100)
    p.add_argument("--latency", type=float, default=0.02, help="seconds added to every answer")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--live-share", type=float, default=0.0, help="share of items that are live (0 to 1)")
    p.add_argument("--self-test", action="store_true", help="measure the farm's own speed and exit")
    a = p.parse_args()
    farm = FeedFarm(
        a.feeds, a.items, port=a.port, hosts=a.hosts, latency=a.latency, seed=a.seed, live_share=a.live_share
    )
    farm.start()
    size = farm.total_body_bytes
    print(
        f"feed farm: {a.feeds} feeds x {a.items} items, {size / a.feeds / 1024:.0f} KB a feed "
        f"({size / 1e6:.1f} MB), rendered in {farm.render_seconds:.1f} s; "
        f"127.0.0.1..127.0.0.{a.hosts}:{farm.port}; stats at http://127.0.0.1:{farm.port}/_stats",
        flush=True,
    )
    try:
        if a.self_test:
            for label, r in self_test(farm.urls()).items():
                print(f"self-test {label:>5}: {r['responses']} responses in {r['seconds']:.2f} s")
            return
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        farm.stop()


if __name__ == "__main__":
    main()
