"""The Google Reader backend against a loopback fake of FreshRSS and Miniflux.

No server implementing the Google Reader API can be installed here, so the fake
below answers in the shapes FreshRSS's ``p/api/greader.php`` and Miniflux's
``internal/googlereader`` send (their documentation and source): ClientLogin's
``SID``/``LSID``/``Auth`` lines, ``itemRefs`` with decimal ids and a
continuation (FreshRSS: the last id sent; Miniflux: a numeric offset as a
string), contents with long-form ids and the marks among ``categories``
(``user/-/`` for FreshRSS, ``user/1/`` for Miniflux), ``OK`` for writes, and, for
Miniflux, ``[]`` from any endpoint it does not implement.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from cli_run import run_cli
from loopback import LoopbackServer, Reply

from tui.config import SyncConfig
from tui.net import Fetcher
from tui.polling.poller import Poller
from tui.store import Store
from tui.sync import greader
from tui.sync.account import account_key
from tui.sync.base import Http
from tui.sync.engine import sync_once
from tui.sync.greader import GReaderBackend, item_id, long_id

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "s3cret-Pa55word"


@dataclass
class Item:
    id: int
    feed: str
    title: str
    content: str = "<p>text</p>"
    published: int = 1_764_630_000
    read: bool = False
    starred: bool = False


@dataclass
class Sub:
    id: str
    url: str
    title: str
    folder: str


@dataclass
class Logged:
    method: str
    path: str
    query: list[tuple[str, str]]
    form: list[tuple[str, str]]
    headers: dict[str, str]


class FakeGReader:
    """A Google Reader API server holding one user's feeds and items."""

    def __init__(self, flavour: str = "freshrss", user: str = "reader", password: str = PASSWORD) -> None:
        assert flavour in ("freshrss", "miniflux")
        self.flavour = flavour
        self.user, self.password = user, password
        self.auth = f"{user}/0f3e2d1c4b5a69788796a5b4c3d2e1f0"
        self.token = ("9a8b7c6d5e4f3a2b1c0d" * 3)[:57] if flavour == "freshrss" else self.auth
        self.subs: list[Sub] = []
        self._feeds_made = 0
        self.items: dict[int, Item] = {}
        self.log: list[Logged] = []
        self.throttle: list[tuple[int, str | None]] = []  # (status, Retry-After) for the next requests
        self.lock = threading.Lock()
        self._next = 1_764_600_000_000_000 if flavour == "freshrss" else 1000
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                fake.handle(self, "GET")

            def do_POST(self) -> None:
                fake.handle(self, "POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.root = f"http://127.0.0.1:{self.httpd.server_address[1]}" + (
            "/api/greader.php" if flavour == "freshrss" else ""
        )
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- the server's data ---------------------------------------------------------
    def add_feed(self, url: str, title: str, folder: str = "") -> str:
        self._feeds_made += 1
        sid = f"feed/{self._feeds_made}"
        self.subs.append(Sub(sid, url, title, folder))
        return sid

    def add_item(self, feed: str, title: str, **kw) -> int:
        with self.lock:
            self._next += 1 if self.flavour == "miniflux" else 1_000_003
            self.items[self._next] = Item(self._next, feed, title, **kw)
            return self._next

    # -- answers ---------------------------------------------------------------------
    def _user(self) -> str:
        return "user/-" if self.flavour == "freshrss" else "user/1"

    def _item_json(self, item: Item) -> dict:
        sub = next((s for s in self.subs if s.id == item.feed), None)
        cats = [f"{self._user()}/state/com.google/reading-list"]
        if sub and sub.folder:
            cats.append(f"{self._user()}/label/{sub.folder}")
        if item.read:
            cats.append(f"{self._user()}/state/com.google/read")
        if item.starred:
            cats.append(f"{self._user()}/state/com.google/starred")
        out = {
            "id": f"tag:google.com,2005:reader/item/{item.id:016x}",
            "crawlTimeMsec": str(item.published * 1000),
            "timestampUsec": str(item.published * 1_000_000),
            "published": item.published,
            "title": item.title,
            "summary": {"content": item.content},
            "alternate": [{"href": f"https://news.example/{item.id}"}],
            "categories": cats,
            "origin": {"streamId": item.feed, "title": sub.title if sub else ""},
        }
        if self.flavour == "miniflux":
            out["content"] = {"direction": "ltr", "content": item.content}
            out["updated"] = item.published
        return out

    def _select(self, stream: str, exclude: list[str]) -> list[Item]:
        items = sorted(self.items.values(), key=lambda i: i.id, reverse=True)
        if stream.endswith("/state/com.google/starred"):
            items = [i for i in items if i.starred]
        elif stream.startswith("feed/"):
            items = [i for i in items if i.feed == stream]
        if any(x.endswith("/state/com.google/read") for x in exclude):
            items = [i for i in items if not i.read]
        return items

    def _ids(self, query: dict[str, list[str]]) -> dict:
        items = self._select(query["s"][0], query.get("xt", []))
        n = int(query.get("n", ["20"])[0])
        c = query.get("c", [""])[0]
        if self.flavour == "freshrss":
            if c:  # the continuation is the last id sent; the next page starts after it
                items = [i for i in items if i.id < int(c)]
            page = items[:n]
            out: dict = {"itemRefs": [{"id": str(i.id)} for i in page]}
            if len(page) >= n and page:
                out["continuation"] = str(page[-1].id)
        else:
            offset = int(c) if c else 0
            page = items[offset : offset + n]
            out = {"itemRefs": [{"id": str(i.id)} for i in page]}
            if offset + n < len(items):
                out["continuation"] = str(offset + n)
        return out

    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length).decode() if length else ""
        query = parse_qsl(parts.query)
        form = parse_qsl(body) if method == "POST" else []
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self.lock:
            self.log.append(Logged(method, parts.path, query, form, headers))
            throttled = self.throttle.pop(0) if self.throttle else None
        if throttled is not None:
            status, retry = throttled
            self._send(h, status, "Slow down", extra={"Retry-After": retry} if retry else None)
            return
        prefix = urlsplit(self.root).path
        path = parts.path[len(prefix) :]
        q: dict[str, list[str]] = {}
        for k, v in query + form:
            q.setdefault(k, []).append(v)
        if path == "/accounts/ClientLogin":
            if q.get("Email") == [self.user] and q.get("Passwd") == [self.password]:
                lsid = "null" if self.flavour == "freshrss" else self.auth
                self._send(h, 200, f"SID={self.auth}\nLSID={lsid}\nAuth={self.auth}\n")
            elif self.flavour == "miniflux":
                self._send(h, 401, json.dumps({"error_message": "access unauthorized"}), "application/json")
            else:
                self._send(h, 401, "Unauthorized!")
            return
        if not path.startswith("/reader/api/0/"):
            self._send(h, 404, "not found")
            return
        if headers.get("authorization") != f"GoogleLogin auth={self.auth}":
            self._send(h, 401, "Unauthorized", extra={"X-Reader-Google-Bad-Token": "true"})
            return
        if method == "POST" and q.get("T") != [self.token]:
            self._send(h, 401, "Unauthorized")
            return
        endpoint = path[len("/reader/api/0/") :]
        answer = self.answer(endpoint, method, q)
        if answer is None:
            if self.flavour == "miniflux":
                self._send(h, 200, "[]", "application/json")
            else:
                self._send(h, 400, "Bad Request!")
        elif isinstance(answer, str):
            self._send(h, 200, answer)
        else:
            self._send(h, 200, json.dumps(answer), "application/json")

    def answer(self, endpoint: str, method: str, q: dict[str, list[str]]):
        with self.lock:
            if endpoint == "token" and method == "GET":
                return self.token + "\n"
            if endpoint == "subscription/list":
                return {
                    "subscriptions": [
                        {
                            "id": s.id,
                            "title": s.title,
                            "categories": [{"id": f"{self._user()}/label/{s.folder}", "label": s.folder}]
                            if s.folder
                            else [],
                            "url": s.url,
                            "htmlUrl": s.url.rsplit("/", 1)[0] + "/",
                            "iconUrl": "",
                        }
                        for s in self.subs
                    ]
                }
            if endpoint == "tag/list":
                folders = sorted({s.folder for s in self.subs if s.folder})
                return {
                    "tags": [{"id": f"{self._user()}/state/com.google/starred"}]
                    + [{"id": f"{self._user()}/label/{f}", "label": f, "type": "folder"} for f in folders]
                }
            if endpoint == "unread-count" and self.flavour == "freshrss":
                rows = [
                    {
                        "id": s.id,
                        "count": sum(1 for i in self.items.values() if i.feed == s.id and not i.read),
                    }
                    for s in self.subs
                ]
                return {"max": 0, "unreadcounts": rows}
            if endpoint == "stream/items/ids" and method == "GET":
                return self._ids(q)
            if endpoint == "stream/items/contents" and method == "POST":
                wanted = [int(item_id(i)) for i in q.get("i", []) if item_id(i)]
                found = [self.items[i] for i in sorted(wanted, reverse=True) if i in self.items]
                return {
                    "id": "user/-/state/com.google/reading-list",
                    "updated": 1_764_633_600,
                    "items": [self._item_json(i) for i in found],
                }
            if endpoint == "edit-tag" and method == "POST":
                ids = [int(item_id(i)) for i in q.get("i", [])]
                for tag, value in [(t, True) for t in q.get("a", [])] + [(t, False) for t in q.get("r", [])]:
                    for i in ids:
                        if i in self.items:
                            if tag.endswith("/state/com.google/read"):
                                self.items[i].read = value
                            elif tag.endswith("/state/com.google/starred"):
                                self.items[i].starred = value
                return "OK"
            if endpoint == "mark-all-as-read" and method == "POST":
                stream = q["s"][0]
                for i in self._select(stream, []):
                    i.read = True
                return "OK"
            if endpoint == "subscription/edit" and method == "POST":
                if q["ac"] == ["unsubscribe"]:
                    self.subs = [s for s in self.subs if s.id not in q["s"]]
                elif q["ac"] == ["subscribe"]:
                    url = q["s"][0][len("feed/") :]
                    folder = q.get("a", [""])[0].rsplit("/label/", 1)[-1]
                    self._feeds_made += 1
                    self.subs.append(Sub(f"feed/{self._feeds_made}", url, url, folder))
                return "OK"
        return None

    @staticmethod
    def _send(h, status: int, body: str, ctype: str = "text/plain; charset=UTF-8", extra=None) -> None:
        data = body.encode()
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def requests_to(self, endpoint: str) -> list[Logged]:
        return [r for r in self.log if r.path.endswith("/" + endpoint)]


@pytest.fixture(params=["freshrss", "miniflux"])
def fake(request):
    server = FakeGReader(request.param)
    yield server
    server.close()


@pytest.fixture
def store():
    s = Store.memory()
    yield s
    s.close()


def config_for(fake: FakeGReader, **kw) -> SyncConfig:
    return SyncConfig(kind="greader", url=fake.root, user=fake.user, password_env="TL_TEST_PW", **kw)


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def run_sync(store, fake, password: str = PASSWORD, sleep=None):
    return sync_once(store, config_for(fake), password=password, http=Http(sleep=sleep or Sleeps()))


def feed_by_title(store: Store, title: str):
    return next(f for f in store.feeds() if f.title == title)


def fill(fake: FakeGReader) -> tuple[str, str]:
    a = fake.add_feed("https://a.example/feed.xml", "Alpha", "Tech")
    b = fake.add_feed("https://b.example/rss", "Beta")
    fake.add_item(a, "A one", read=True)
    fake.add_item(a, "A two", starred=True)
    fake.add_item(b, "B one")
    return a, b


# -- ids and shapes ------------------------------------------------------------------------


def test_item_ids_in_the_long_and_the_short_form():
    assert item_id("tag:google.com,2005:reader/item/000000000000048c") == "1164"
    assert item_id("tag:google.com,2005:reader/item/00064c1b2a3f8e01") == str(0x00064C1B2A3F8E01)
    assert item_id("1164") == "1164"
    assert item_id(1164) == "1164"
    assert long_id("1164") == "tag:google.com,2005:reader/item/000000000000048c"
    for junk in ("", "tag:google.com,2005:reader/item/zz", "12a", "-5", None, 1.5, "٣"):
        assert item_id(junk) == ""


@pytest.mark.parametrize(
    "name, expect",
    [
        (
            "greader_freshrss_contents.json",
            [
                ("Harbour ferry timetable changes", "feed/3", True, True),
                ("Lighthouse open day", "feed/3", False, False),
            ],
        ),
        ("greader_miniflux_contents.json", [("Comet visible after sunset", "feed/42", False, True)]),
    ],
)
def test_contents_fixtures_read_as_documented(name, expect):
    data = json.loads((FIXTURES / name).read_text())
    items = [GReaderBackend._item(row) for row in data["items"]]
    got = [(i.title, i.feed_id, i.read, i.starred) for i in items if i is not None]
    assert got == expect
    first = next(i for i in items if i is not None)
    assert first.link.startswith("https://")
    assert first.content.startswith("<p>")
    if "miniflux" in name:
        assert first.id == "1164"
        assert first.content == "<p>Look west, low on the horizon.</p>"  # content over summary


# -- both directions -------------------------------------------------------------------------


def test_first_sync_brings_feeds_folders_items_and_marks(store, fake):
    fill(fake)
    report = run_sync(store, fake)
    assert report.ok, report.error
    assert sorted(report.feeds_added) == ["Alpha", "Beta"]
    assert report.items_new == 3
    alpha = feed_by_title(store, "Alpha")
    assert alpha.folder == "Tech"
    assert feed_by_title(store, "Beta").folder == ""
    rows = {r.title: r for r in store.timeline()}
    assert rows["A one"].read and not rows["A one"].saved
    assert rows["A two"].saved and not rows["A two"].read
    assert not rows["B one"].read
    assert report.queued_left == 0
    # The auth header on every API request, the token on every write.
    api = [r for r in fake.log if "/reader/api/0/" in r.path and not r.path.endswith("/token")]
    assert api and all(r.headers["authorization"] == f"GoogleLogin auth={fake.auth}" for r in api)


def test_local_marks_reach_the_server(store, fake):
    fill(fake)
    run_sync(store, fake)
    rows = {r.title: r for r in store.timeline()}
    store.set_read(rows["B one"].article_id)
    store.set_saved(rows["B one"].article_id)
    store.set_read(rows["A one"].article_id, False)
    store.set_saved(rows["A two"].article_id, False)
    assert store.queue_count() == 4
    report = run_sync(store, fake)
    assert report.ok, report.error
    assert report.sent == {"read": 1, "star": 1, "unread": 1, "unstar": 1}
    by_title = {i.title: i for i in fake.items.values()}
    assert by_title["B one"].read and by_title["B one"].starred
    assert not by_title["A one"].read
    assert not by_title["A two"].starred
    assert store.queue_count() == 0
    edits = fake.requests_to("edit-tag")
    assert edits and all(("T", fake.token) in r.form for r in edits)
    assert all(any(k == "i" and v.startswith(greader.ITEM_PREFIX) for k, v in r.form) for r in edits)


def test_server_marks_reach_the_store(store, fake):
    fill(fake)
    run_sync(store, fake)
    for item in fake.items.values():
        item.read, item.starred = not item.read, not item.starred
    report = run_sync(store, fake)
    assert report.ok, report.error
    rows = {r.title: r for r in store.timeline()}
    assert not rows["A one"].read and rows["A one"].saved
    assert rows["A two"].read and not rows["A two"].saved
    assert rows["B one"].read and rows["B one"].saved
    assert (report.received.read, report.received.unread) == (2, 1)
    assert (report.received.starred, report.received.unstarred) == (2, 1)


def test_a_queued_local_change_wins_over_the_server(store, fake):
    fill(fake)
    run_sync(store, fake)
    rows = {r.title: r for r in store.timeline()}
    store.set_read(rows["B one"].article_id)  # queued, not sent
    fake.throttle = [(500, None)]  # the send fails: the change stays queued
    report = run_sync(store, fake)
    assert not report.ok
    assert store.queue_count() == 1
    assert store.article(rows["B one"].article_id).read  # still the reader's


def test_subscriptions_follow_the_server(store, fake):
    a, b = fill(fake)
    run_sync(store, fake)
    fake.subs[0].title, fake.subs[0].folder = "Alpha renamed", "News"
    fake.subs = [s for s in fake.subs if s.id != b]
    c = fake.add_feed("https://c.example/atom", "Gamma", "News")
    fake.add_item(c, "C one")
    report = run_sync(store, fake)
    assert report.feeds_added == ["Gamma"]
    assert report.feeds_removed == ["Beta"]
    assert report.feeds_changed == ["Alpha renamed"]
    titles = {f.title: f.folder for f in store.feeds()}
    assert titles == {"Alpha renamed": "News", "Gamma": "News"}
    assert "B one" not in {r.title for r in store.timeline()}


def test_removing_a_synced_feed_unsubscribes_it_on_the_server(store, fake):
    fill(fake)
    run_sync(store, fake)
    assert store.remove_feed("https://b.example/rss")
    report = run_sync(store, fake)
    assert report.sent.get("unsubscribe") == 1
    assert [s.title for s in fake.subs] == ["Alpha"]
    assert report.feeds_added == []  # not brought back


def test_paging_with_each_servers_continuation(store, fake, monkeypatch):
    monkeypatch.setattr(greader, "IDS_PAGE", 3)
    feed = fake.add_feed("https://a.example/feed.xml", "Alpha")
    for n in range(10):
        fake.add_item(feed, f"item {n}", read=n % 2 == 0)
    report = run_sync(store, fake)
    assert report.ok, report.error
    assert report.items_new == 10
    pages = [
        r
        for r in fake.requests_to("stream/items/ids")
        if ("s", greader.READING_LIST) in r.query and "xt" not in dict(r.query)
    ]
    continuations = [dict(r.query).get("c") for r in pages]
    assert continuations[0] is None and len(continuations) >= 4
    if fake.flavour == "miniflux":
        assert continuations[1:4] == ["3", "6", "9"]  # a numeric offset
    else:
        assert all(c and int(c) > 10**15 for c in continuations[1:])  # the last id sent
    assert sum(1 for r in store.timeline() if not r.read) == 5


def test_a_second_sync_fetches_only_what_is_new(store, fake):
    a, _ = fill(fake)
    run_sync(store, fake)
    fake.log.clear()
    new = fake.add_item(a, "A three")
    report = run_sync(store, fake)
    assert report.items_new == 1
    asked = [v for r in fake.requests_to("stream/items/contents") for k, v in r.form if k == "i"]
    assert asked == [long_id(str(new))]


def test_nothing_changed_costs_a_handful_of_requests(store, fake):
    fill(fake)
    run_sync(store, fake)
    fake.log.clear()
    report = run_sync(store, fake)
    assert report.ok and not report.changed
    # login, subscriptions, the newest ids, unread ids, starred ids: no contents, no writes
    assert report.requests == len(fake.log) == 5
    assert fake.requests_to("stream/items/contents") == []
    assert all(r.method == "GET" or r.path.endswith("ClientLogin") for r in fake.log)


def test_an_endpoint_miniflux_lacks_answers_empty_list():
    fake = FakeGReader("miniflux")
    try:
        backend = GReaderBackend(fake.root, fake.user, PASSWORD, Http())
        fake.add_feed("https://a.example/feed.xml", "Alpha", "Tech")
        subs = backend.subscriptions()
        assert [(s.title, s.folder) for s in subs] == [("Alpha", "Tech")]
        assert backend.folders() == ["Tech"]
        assert backend.unread_counts() is None  # unread-count answers [] here
        backend.close()
    finally:
        fake.close()


def test_mark_all_as_read(fake):
    a, _ = fill(fake)
    backend = GReaderBackend(fake.root, fake.user, PASSWORD, Http())
    backend.mark_all_read(a)
    backend.close()
    assert all(i.read for i in fake.items.values() if i.feed == a)
    assert not all(i.read for i in fake.items.values())


# -- trouble -------------------------------------------------------------------------------


def test_retry_after_is_obeyed(store, fake):
    fill(fake)
    sleeps = Sleeps()
    fake.throttle = [(429, "2"), (503, "1")]
    report = run_sync(store, fake, sleep=sleeps)
    assert report.ok, report.error
    assert sleeps.calls == [2.0, 1.0]
    assert report.items_new == 3


def test_503_without_retry_after_backs_off_then_gives_up(store, fake):
    fill(fake)
    sleeps = Sleeps()
    fake.throttle = [(503, None)] * 10
    report = run_sync(store, fake, sleep=sleeps)
    assert "unavailable (503)" in report.error
    assert sleeps.calls == [1.0, 2.0, 4.0]


def test_a_long_retry_after_defers_the_next_sync(store, fake):
    fill(fake)
    fake.throttle = [(429, "3600")]
    report = run_sync(store, fake)
    assert "retry in 60 min" in report.error
    fake.log.clear()
    again = run_sync(store, fake)
    assert "asked to wait" in again.error
    assert fake.log == []  # not one request before the server's time


def test_login_refused_keeps_the_queue(store, fake):
    fill(fake)
    run_sync(store, fake)
    store.set_read(store.timeline()[0].article_id, not store.timeline()[0].read)
    report = run_sync(store, fake, password="wrong")
    assert report.error == "login refused (wrong user or password)"
    assert report.queued_left == 1


def test_unreachable_server_keeps_the_queue_across_a_reopen(tmp_path, fake):
    fill(fake)
    home = tmp_path / "home"
    with Store.open(home) as st:
        run_sync(st, fake)
        row = next(r for r in st.timeline() if r.title == "B one")
        st.set_saved(row.article_id)
    root = fake.root
    fake.close()
    with Store.open(home) as st:
        cfg = SyncConfig(kind="greader", url=root, user="reader", password_env="X")
        report = sync_once(st, cfg, password=PASSWORD, http=Http(sleep=Sleeps()))
        assert report.error.startswith("server unreachable")
        assert report.queued_left == 1
    with Store.open(home) as st:
        assert st.queue_count() == 1


def test_hostile_answers_cost_only_themselves(store, fake):
    a, _ = fill(fake)
    original = fake._item_json

    def broken(item):
        out = original(item)
        if item.title == "A two":
            out["id"] = {"not": "an id"}
        if item.title == "B one":
            out["title"] = ["a", "list"]
            out["published"] = "soon"
        return out

    fake._item_json = broken
    report = run_sync(store, fake)
    assert report.ok, report.error
    assert report.items_new == 2
    assert any("skipped" in e for e in report.errors)


def test_an_answer_that_is_not_json_is_one_line(store, fake):
    fill(fake)
    original = fake.answer
    fake.answer = lambda endpoint, method, q: (
        "<html>maintenance</html>" if endpoint == "subscription/list" else original(endpoint, method, q)
    )
    report = run_sync(store, fake)
    assert report.error == "the server did not answer JSON (HTTP 200)"
    assert store.feeds() == []


def test_subscribe_and_unsubscribe_through_the_backend(fake):
    backend = GReaderBackend(fake.root, fake.user, PASSWORD, Http())
    backend.subscribe("https://new.example/feed.xml", "Tech")
    [sub] = backend.subscriptions()
    assert (sub.url, sub.folder) == ("https://new.example/feed.xml", "Tech")
    backend.unsubscribe(sub.id)
    assert backend.subscriptions() == []
    backend.close()


# -- live articles, local feeds ------------------------------------------------------------

LIVE = (
    "<p>Storm reaches the coast.</p>"
    "<p>UPDATE 1700 GMT: Ferries are cancelled for the evening.</p>"
    "<p>UPDATE 1800 GMT: The harbour wall holds.</p>"
)


def test_live_splitting_works_on_a_synced_article(store, fake):
    feed = fake.add_feed("https://live.example/feed", "Live desk")
    fake.add_item(feed, "Storm live", content=LIVE)
    report = run_sync(store, fake)
    assert report.ok, report.error
    article = next(a for a in store.articles() if a.title == "Storm live")
    updates = store.updates(article.id)
    assert any("Ferries are cancelled" in u.html for u in updates)
    assert len(updates) >= 3
    assert any(r.update_id is not None for r in store.timeline())
    assert store.search("harbour wall")


async def test_a_local_feed_beside_synced_ones_keeps_being_polled(store, fake):
    fill(fake)
    run_sync(store, fake)
    with LoopbackServer() as srv:
        rss = (
            "<?xml version='1.0'?><rss version='2.0'><channel><title>Local</title>"
            "<item><guid>l1</guid><title>Local one</title></item></channel></rss>"
        )
        srv.route("/local.xml", Reply(body=rss))
        store.add_feed(srv.url("/local.xml"))
        due = store.due_feeds(now=1e17)
        assert [f.url for f in due] == [srv.url("/local.xml")]
        async with Fetcher() as fetcher:
            poller = Poller(store, fetcher)
            results = await poller.refresh_all()
        assert [r.feed.url for r in results] == [srv.url("/local.xml")]
        assert [r.bare_path for r in srv.requests] == ["/local.xml"]
    assert "Local one" in {r.title for r in store.timeline()}


# -- the command line: the password is never printed -----------------------------------


def _write_config(home: Path, fake_root: str, user: str = "reader") -> None:
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(
        f'[sync]\nkind = "greader"\nurl = "{fake_root}"\nuser = "{user}"\npassword_env = "TL_TEST_PW"\n'
    )


@pytest.mark.slow
def test_cli_sync_prints_changes_and_never_the_password(tmp_path):
    fake = FakeGReader("freshrss")
    try:
        fill(fake)
        home = tmp_path / "home"
        _write_config(home, fake.root)
        done = run_cli(home, "sync", env_extra={"TL_TEST_PW": PASSWORD})
        assert done.returncode == 0, done.stderr
        assert "2 feeds added" in done.stdout and "3 new items" in done.stdout
        assert PASSWORD not in done.stdout + done.stderr
        js = run_cli(home, "sync", "--json", env_extra={"TL_TEST_PW": PASSWORD})
        assert js.returncode == 0, js.stderr
        data = json.loads(js.stdout)
        assert data["items_new"] == 0 and data["error"] == ""
        assert PASSWORD not in js.stdout + js.stderr
        bad = run_cli(home, "sync", env_extra={"TL_TEST_PW": PASSWORD + "x"})
        assert bad.returncode == 1
        assert bad.stderr.strip().splitlines() == ["threadline: sync: login refused (wrong user or password)"]
        assert PASSWORD not in bad.stdout + bad.stderr
        badjs = run_cli(home, "sync", "--json", env_extra={"TL_TEST_PW": PASSWORD + "x"})
        assert badjs.returncode == 1 and PASSWORD not in badjs.stdout + badjs.stderr
    finally:
        fake.close()


@pytest.mark.slow
def test_cli_sync_unreachable_exits_non_zero_with_one_line(tmp_path):
    home = tmp_path / "home"
    _write_config(home, "http://127.0.0.1:9")
    done = run_cli(home, "sync", env_extra={"TL_TEST_PW": PASSWORD})
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("threadline: sync: server unreachable")
    assert PASSWORD not in done.stdout + done.stderr


def test_account_key_holds_no_secret():
    cfg = SyncConfig(kind="greader", url="https://rss.example/api/greader.php/", user="me", password_env="PW")
    assert account_key(cfg) == "greader:me@https://rss.example/api/greader.php"


# -- the app -------------------------------------------------------------------------------


async def test_the_app_syncs_in_the_background_and_on_r_off_the_event_loop(monkeypatch):
    import threading

    from test_app import select, wait_for
    from test_ui_bridge import RecordingStore

    from tui.config import Config
    from tui.ui.app import ThreadlineApp

    fake = FakeGReader("freshrss")
    try:
        fill(fake)
        monkeypatch.setenv("TL_TEST_PW", PASSWORD)
        seeded = Store.memory()
        store = RecordingStore(seeded._db, None)
        store.calls_on = []
        config = Config(timezone="UTC", sync=config_for(fake))
        app = ThreadlineApp(store, config, poll=True, opener=lambda url: None)
        async with app.run_test(size=(120, 30)) as pilot:
            loop_thread = threading.current_thread().name
            store.armed = True
            await wait_for(pilot, lambda: {"A one", "A two", "B one"} <= {r.title for r in app.timeline.rows})
            assert "synced" in app.screen_stack[0].query_one("#status").render().plain
            select(app, "B one")
            await pilot.press("m")  # read, on a synced article: queued
            await wait_for(pilot, lambda: seeded.queue_count() == 1)  # not recorded
            fake.add_item(fake.subs[0].id, "A three")
            await pilot.press("r")
            await wait_for(pilot, lambda: "A three" in {r.title for r in app.timeline.rows})
            await wait_for(pilot, lambda: seeded.queue_count() == 0)  # not recorded
            assert next(i for i in fake.items.values() if i.title == "B one").read
            store.armed = False
        on_loop = [n for n, t in store.calls_on if t == loop_thread]
        assert on_loop == []
        assert {"save_synced_items", "apply_remote_state"} <= {n for n, _ in store.calls_on}
    finally:
        fake.close()
