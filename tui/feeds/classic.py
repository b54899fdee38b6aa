from __future__ import annotations

import codecs
import functools
import io
import re
from typing import Any

from tui.feeds.entries import (
    FeedError,
    as_text,
    dedupe_entries,
    one_line,
    parsed_feed,
    response_headers,
)
from tui.model import ParsedFeed


@functools.cache
def feedparser_module():
    """feedparser, imported on first use: a process that only fetches and stores
    (parsing runs in worker processes) never pays its import or its ~10 MB."""
    import feedparser
    import feedparser.api

    # feedparser first tries the libxml2 SAX driver, which is not installed: the
    # failed import runs under the import lock on every parse, and parser threads
    # queue behind it. The standard expat driver is the one used anyway.
    feedparser.api.PREFERRED_XML_PARSERS = []
    return feedparser


def parse_with_feedparser(body: bytes, headers: dict[str, str] | None = None, url: str = "") -> ParsedFeed:
    """parse_feed for an XML body, always through feedparser."""
    lower = response_headers(headers, url)
    content_type = lower.get("content-type", "").split(";", 1)[0].strip().lower()
    body = _utf8_from_bom(body, lower)
    body = _utf8_from_guess(body, lower)
    parsed = _parse_xml_feed(body, lower, content_type)
    parsed.entries = dedupe_entries(parsed.entries)
    return parsed


def _parse_xml_feed(body: bytes, headers: dict[str, str], content_type: str) -> ParsedFeed:
    # sanitize_html=False: tui/text.py turns entry HTML into plain terminal
    # text and never into markup, so feedparser's sanitizer buys us nothing,
    # and it is most of feedparser's cost (tens of ms per ordinary feed).
    # resolve_relative_uris=False: feedparser would rewrite every body to do it.
    # Each body's base (xml:base, else the content-location header set in
    # response_headers, which is the fetch URL when the server sent none) is in
    # its detail's "base"; entries.with_base puts it in front of the body for
    # text/html.py. Link elements are still resolved by feedparser.
    d = feedparser_module().parse(
        io.BytesIO(body),
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    feed = d.get("feed", {}) or {}
    entries = d.get("entries", []) or []
    title = as_text(feed.get("title"))
    version = d.get("version", "") or ""
    if not entries and not title and (not version or d.get("bozo")):
        raise FeedError(_not_a_feed_reason(body, content_type, d))

    parsed = parsed_feed(feed, entries, d.get("namespaces", {}) or {}, version)
    if d.get("bozo"):
        parsed.bozo = one_line(d.get("bozo_exception")) or "feed is not well-formed"
    return parsed


# UTF-32 first: its little-endian BOM begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def _utf8_from_bom(body: bytes, headers: dict[str, str]) -> bytes:
    """A UTF-16/32 document with a byte order mark, as UTF-8.

    XML needs no declared encoding when a BOM is there, but feedparser 6 reads
    such a body as UTF-8 and gives up on it. The BOM wins over any charset the
    server named, as it does for browsers.
    """
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            try:
                text = body.decode(encoding)
            except UnicodeDecodeError:
                return body
            text = _XML_DECL.sub("", text.lstrip("\ufeff"), count=1)
            kind = headers.get("content-type", "").split(";", 1)[0].strip() or "application/xml"
            headers["content-type"] = f"{kind}; charset=utf-8"
            return b'<?xml version="1.0" encoding="utf-8"?>' + text.encode("utf-8", "surrogatepass")
    return body


_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*\bencoding\s*=", re.I)

# Below this confidence ("chaos" above it) a guess is worse than feedparser's own
# fallback, which reads the bytes as windows-1252.
_GUESS_CHAOS = 0.3
_NEAR_TIE = 0.1


def _utf8_from_guess(body: bytes, headers: dict[str, str]) -> bytes:
    """A body that names no encoding and is not UTF-8, as UTF-8 by a guess.

    Neither the server (charset=) nor the XML declaration (encoding=) named one,
    so XML would read it as UTF-8; it is not, and feedparser then falls back to
    windows-1252, which turns Shift-JIS, EUC-JP or KOI8-R into mojibake.
    charset-normalizer guesses the way browsers do; a declared encoding is never
    second-guessed, and a body that is valid UTF-8 is left alone.
    """
    if body.startswith((codecs.BOM_UTF8, *(bom for bom, _ in _BOMS))):
        return body
    if _charset_param(headers.get("content-type", "")) or _DECLARED_ENCODING.match(body):
        return body
    try:
        body.decode("utf-8")
        return body
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only the rare undeclared body pays its import

    matches = list(from_bytes(body))
    if not matches or matches[0].chaos > _GUESS_CHAOS or matches[0].encoding in ("utf_8", "ascii"):
        return body
    best = matches[0]
    # Short Western text fits every Latin code page about as well; windows-1252
    # is the web's default for it (WHATWG), so it wins any near tie.
    for match in matches:
        if match.encoding == "cp1252" and match.chaos <= best.chaos + _NEAR_TIE:
            best = match
            break
    text = _XML_DECL.sub("", str(best).lstrip("\ufeff"), count=1)
    kind = headers.get("content-type", "").split(";", 1)[0].strip() or "application/xml"
    headers["content-type"] = f"{kind}; charset=utf-8"
    return b'<?xml version="1.0" encoding="utf-8"?>' + text.encode("utf-8", "surrogatepass")


def _charset_param(content_type: str) -> str:
    for chunk in content_type.split(";")[1:]:
        key, _, value = chunk.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'")
    return ""


def _not_a_feed_reason(body: bytes, content_type: str, d: Any) -> str:
    head = body[:1024].lstrip().lower()
    if content_type in ("text/html", "application/xhtml+xml") or head.startswith(
        (b"<!doctype html", b"<html")
    ):
        return "not a feed (got an HTML page)"
    exc = d.get("bozo_exception")
    if exc is not None:
        return f"malformed XML: {one_line(exc)}"
    return "not a feed"
