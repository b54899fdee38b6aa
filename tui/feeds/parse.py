"""Feed documents (RSS 0.9x/1.0/2.0, Atom, JSON Feed) -> model.ParsedFeed.

The body always comes from our own fetcher as bytes. feedparser is only ever
handed an ``io.BytesIO``: given a ``str`` it treats the value as a path or a URL
and would read files or go to the network on a stranger's say-so.

Entity attacks were checked against feedparser 6.0.14 with expat 2.5: feedparser
strips every ``<!ENTITY>`` whose value is not a plain literal before the XML
parser sees the document, and turns off external general entities. A
billion-laughs document and a ``SYSTEM "file:///..."`` entity both parse in a
few milliseconds and leave the reference as literal text (``&x;``), so no
pre-scan is done here; tests/test_feeds.py keeps that promise checked.
"""

from __future__ import annotations

import hashlib

from tui.feeds import fast
from tui.feeds.classic import parse_with_feedparser
from tui.feeds.entries import FeedError, dedupe_entries, response_headers
from tui.feeds.jsonfeed import looks_like_json, parse_json_feed
from tui.model import ParsedFeed
from tui.text.html import search_text

__all__ = ["FeedError", "parse_feed", "content_hash"]


def content_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def parse_for_store(body: bytes, headers: dict[str, str] | None = None, url: str = "") -> ParsedFeed:
    """parse_feed, plus each entry's plain text for the search index.

    Done here so that a worker process does it along with the parsing, instead
    of the process that writes to the store.
    """
    parsed = parse_feed(body, headers, url)
    for entry in parsed.entries:
        entry.search_text = search_text(entry.content or entry.summary)
    return parsed


def parse_feed(body: bytes, headers: dict[str, str] | None = None, url: str = "") -> ParsedFeed:
    """Parse one fetched feed body. Raises FeedError when it is not a feed."""
    if not body or not body.strip():
        raise FeedError("empty response")
    lower = response_headers(headers, url)
    content_type = lower.get("content-type", "").split(";", 1)[0].strip().lower()

    if looks_like_json(body, content_type):
        parsed = parse_json_feed(body, content_type, lower.get("content-location", url))
        parsed.entries = dedupe_entries(parsed.entries)
        return parsed
    # The fast path answers only when it is sure to give feedparser's result.
    quick = fast.parse_fast(body, headers, url)
    return quick if quick is not None else parse_with_feedparser(body, headers, url)
