"""The newsroom's HTTP side: routing, conditional GET, gzip. Stdlib only.

``route`` maps a request to a ``Page`` using the state; the handler adds the validators
(strong ETag from the body, Last-Modified from the content's own times), answers 304s
and compresses. The caller passes a ``render`` callable that runs under its lock.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tui.demo import render
from tui.demo.newsroom import LEDGER, WEATHER, WIRE, NewsroomState

RSS = "application/rss+xml; charset=UTF-8"
ATOM = "application/atom+xml; charset=utf-8"
JSON_FEED = "application/feed+json; charset=utf-8"
JSON = "application/json; charset=UTF-8"
HTML = "text/html; charset=UTF-8"
MAX_AGE = 2  # the demo publishes every few seconds; a longer hint would hide that


@dataclass
class Page:
    status: int = 200
    body: str = ""
    content_type: str = HTML
    last_modified: float | None = None
    headers: dict[str, str] = field(default_factory=dict)
    cacheable: bool = True  # send validators and answer conditional requests


def not_found() -> Page:
    return Page(404, "not found\n", "text/plain; charset=utf-8", cacheable=False)


def wp_error(code: str, message: str, status: int = 400) -> Page:
    body = json.dumps({"code": code, "message": message, "data": {"status": status}})
    return Page(status, body, JSON, cacheable=False)


def _int_param(query: dict[str, list[str]], name: str, default: int) -> int | None:
    raw = query.get(name, [str(default)])[0]
    try:
        return int(raw)
    except ValueError:
        return None


def rest_comments(state: NewsroomState, base: str, query: dict[str, list[str]]) -> Page:
    """GET /wp-json/wp/v2/comments, as WordPress answers it (oldest first here)."""
    per_page = _int_param(query, "per_page", 10)
    page = _int_param(query, "page", 1)
    if per_page is None or not 1 <= per_page <= 100:
        return wp_error("rest_invalid_param", "Invalid parameter(s): per_page")
    if page is None or page < 1:
        return wp_error("rest_invalid_param", "Invalid parameter(s): page")
    if "post" in query:
        ids = set()
        for raw in ",".join(query["post"]).split(","):
            if not raw.strip().isdigit():
                return wp_error("rest_invalid_param", "Invalid parameter(s): post")
            ids.add(int(raw))
        arts = [a for a in state.articles if a.id in ids]
    else:
        arts = list(state.articles)
    pairs = sorted(((c, a) for a in arts for c in a.comments), key=lambda p: (p[0].time, p[0].id))
    total = len(pairs)
    pages = math.ceil(total / per_page)
    if page > pages and total > 0:
        return wp_error(
            "rest_post_invalid_page_number",
            "The page number requested is larger than the number of pages available.",
        )
    chunk = pairs[(page - 1) * per_page : page * per_page]
    body = json.dumps([render.rest_comment(state, base, a, c) for c, a in chunk], ensure_ascii=False)
    headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
    links = []
    if page > 1:
        links.append(f'<{base}/wp-json/wp/v2/comments?{_query(query, page - 1)}>; rel="prev"')
    if page < pages:
        links.append(f'<{base}/wp-json/wp/v2/comments?{_query(query, page + 1)}>; rel="next"')
    if links:
        headers["Link"] = ", ".join(links)
    lm = max((a.modified for a in arts), default=None)
    return Page(200, body, JSON, lm, headers)


def _query(query: dict[str, list[str]], page: int) -> str:
    parts = [(k, v[0]) for k, v in query.items() if k != "page"] + [("page", str(page))]
    return "&".join(f"{k}={v}" for k, v in parts)


def route(state: NewsroomState, base: str, target: str, feeds: list[tuple[str, str, str]]) -> Page:
    split = urlsplit(target)
    path, query = split.path, parse_qs(split.query)
    if path == "/ledger/feed/":
        doc, lm = render.ledger_rss(state, base)
        return Page(200, doc, RSS, lm)
    if path == "/wire/atom.xml":
        doc, lm = render.wire_atom(state, base)
        return Page(200, doc, ATOM, lm)
    if path == "/weather/feed.json":
        doc, lm = render.weather_json(state, base)
        return Page(200, doc, JSON_FEED, lm)
    if path == "/wp-json/wp/v2/comments":
        return rest_comments(state, base, query)
    if path in ("/wp-json", "/wp-json/"):
        index = {
            "name": "The Harbour Ledger",
            "url": base,
            "namespaces": ["wp/v2"],
            "routes": {"/wp/v2/comments": {"methods": ["GET"]}},
        }
        return Page(200, json.dumps(index), JSON)
    if path == "/" and "p" in query:
        art = state.by_id(_int_param(query, "p", 0) or 0)
        if art is None:
            return not_found()
        return Page(301, "", HTML, headers={"Location": render.article_url(base, art)}, cacheable=False)
    if path in ("/", "/ledger/", "/wire/", "/weather/"):
        return Page(200, render.home_page(state, base, feeds), HTML, cacheable=False)
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] in (LEDGER, WIRE, WEATHER):
        art = state.by_slug(parts[0], parts[1])
        if art is None:
            return not_found()
        rest = parts[2:]
        if not rest and path.endswith("/"):
            doc, lm = render.article_page(state, base, art)
            return Page(200, doc, HTML, lm)
        if rest == ["feed"] and art.feed == LEDGER:
            doc, lm = render.comment_rss(state, base, art)
            return Page(200, doc, RSS, lm)
        if rest == ["replies.xml"] and art.feed == WIRE and art.threaded:
            doc, lm = render.replies_atom(state, base, art)
            return Page(200, doc, ATOM, lm)
    return not_found()


# -- validators ----------------------------------------------------------------------
def strong_etag(page: Page, body: bytes) -> str:
    digest = hashlib.sha256(body)
    for key in ("X-WP-Total", "X-WP-TotalPages"):  # a new total is news even on an unchanged page
        digest.update(page.headers.get(key, "").encode())
    return '"' + digest.hexdigest()[:32] + '"'


def not_modified(request_headers, etag: str, last_modified: float | None) -> bool:
    inm = request_headers.get("If-None-Match")
    if inm is not None:
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2); weak comparison.
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or etag in tags or etag[:-1] + '-gzip"' in tags
    ims = request_headers.get("If-Modified-Since")
    if ims is not None and last_modified is not None:
        try:
            return int(last_modified) <= parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def accepts_gzip(header: str | None) -> bool:
    for token in (header or "").split(","):
        name, _, params = token.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def make_server(render_page: Callable[[str], Page]) -> ThreadingHTTPServer:
    """An unstarted server on 127.0.0.1 and a free port; ``render_page(target)`` answers."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "ThreadlineDemo/1"

        def log_message(self, *args) -> None:  # the TUI owns the terminal
            pass

        def do_GET(self) -> None:
            self._answer(head=False)

        def do_HEAD(self) -> None:
            self._answer(head=True)

        def _answer(self, head: bool) -> None:
            page = render_page(self.path)
            body = page.body.encode("utf-8")
            headers = dict(page.headers)
            status = page.status
            if page.cacheable and status == 200:
                etag = strong_etag(page, body)
                headers["Cache-Control"] = f"max-age={MAX_AGE}"
                if page.last_modified is not None:
                    headers["Last-Modified"] = formatdate(page.last_modified, usegmt=True)
                if not_modified(self.headers, etag, page.last_modified):
                    status, body = 304, b""
                headers["Vary"] = "Accept-Encoding"
                if accepts_gzip(self.headers.get("Accept-Encoding")):
                    # A strong ETag names one representation: the gzip bytes get their own.
                    etag = etag[:-1] + '-gzip"'
                    if body:
                        body = gzip.compress(body, mtime=0)
                        headers["Content-Encoding"] = "gzip"
                headers["ETag"] = etag
            try:
                self.send_response(status)
                if status != 304:
                    self.send_header("Content-Type", page.content_type)
                for k, v in headers.items():
                    self.send_header(k, v)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head and status != 304:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    server = QuietHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


class QuietHTTPServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A reader that hangs up mid-request (the app quitting, a poll cut off) is
        # normal here; printing a traceback would land on the reader's terminal.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)
