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

import calendar
import codecs
import functools
import hashlib
import html
import io
import json
import re
import time
from datetime import datetime, timezone
from typing import Any, Iterable
from urllib.parse import urljoin

from .model import Article, ParsedFeed
from .text import search_text


@functools.cache
def _feedparser():
    """feedparser, imported on first use: a process that only fetches and stores
    (parsing runs in worker processes) never pays its import or its ~10 MB."""
    import feedparser
    import feedparser.api

    # feedparser first tries the libxml2 SAX driver, which is not installed: the
    # failed import runs under the import lock on every parse, and parser threads
    # queue behind it. The standard expat driver is the one used anyway.
    feedparser.api.PREFERRED_XML_PARSERS = []
    return feedparser

__all__ = ["FeedError", "parse_feed", "content_hash"]

NS_SLASH = "http://purl.org/rss/1.0/modules/slash/"
NS_WFW = "http://wellformedweb.org/CommentAPI/"
NS_SY = "http://purl.org/rss/1.0/modules/syndication/"
NS_THREAD = "http://purl.org/syndication/thread/1.0"

# feedparser renames the namespaces it knows to these prefixes whatever the
# document calls them; unknown ones (threading) keep the document's prefix.
_FEEDPARSER_PREFIXES = {NS_SLASH: "slash", NS_WFW: "wfw", NS_SY: "sy"}

_PERIOD_SECONDS = {
    "hourly": 3600.0,
    "daily": 86400.0,
    "weekly": 7 * 86400.0,
    "monthly": 30 * 86400.0,
    "yearly": 365 * 86400.0,
}

# Publishers' clocks drift and some stamp scheduled posts ahead; beyond this a
# date is treated as junk so it cannot pin an item to the top of the timeline.
_FUTURE_SLACK = 2 * 86400.0

_JSONFEED_VERSION_PREFIX = "https://jsonfeed.org/version/"
_REASON_MAX = 160


class FeedError(Exception):
    """The body is not a feed we can read; str() is a short reason for humans."""


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


def parse_feed(
    body: bytes, headers: dict[str, str] | None = None, url: str = ""
) -> ParsedFeed:
    """Parse one fetched feed body. Raises FeedError when it is not a feed."""
    if not body or not body.strip():
        raise FeedError("empty response")
    lower = _response_headers(headers, url)
    content_type = lower.get("content-type", "").split(";", 1)[0].strip().lower()

    if _looks_like_json(body, content_type):
        parsed = _parse_json_feed(body, content_type, lower.get("content-location", url))
        parsed.entries = _dedupe(parsed.entries)
        return parsed
    # The fast path answers only when it is sure to give feedparser's result.
    parsed = fastfeed.parse_fast(body, headers, url)
    if parsed is None:
        parsed = _parse_with_feedparser(body, headers, url)
    return parsed


def _response_headers(headers: dict[str, str] | None, url: str) -> dict[str, str]:
    lower = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    if url:
        # A server's own Content-Location may be relative; the base for
        # relative links is wherever we actually fetched the document.
        lower["content-location"] = urljoin(url, lower.get("content-location", ""))
    return lower


def _parse_with_feedparser(
    body: bytes, headers: dict[str, str] | None = None, url: str = ""
) -> ParsedFeed:
    """parse_feed for an XML body, always through feedparser."""
    lower = _response_headers(headers, url)
    content_type = lower.get("content-type", "").split(";", 1)[0].strip().lower()
    body = _utf8_from_bom(body, lower)
    parsed = _parse_xml_feed(body, lower, content_type)
    parsed.entries = _dedupe(parsed.entries)
    return parsed


# -- XML via feedparser ------------------------------------------------------


def _parse_xml_feed(body: bytes, headers: dict[str, str], content_type: str) -> ParsedFeed:
    # sanitize_html=False: tui/text.py turns entry HTML into plain terminal
    # text and never into markup, so feedparser's sanitizer buys us nothing,
    # and it is most of feedparser's cost (tens of ms per ordinary feed).
    # resolve_relative_uris=False: text.py resolves links in the body itself
    # against the article link. Link elements are still resolved by feedparser
    # against xml:base / the content-location header set in parse_feed.
    d = _feedparser().parse(
        io.BytesIO(body),
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    feed = d.get("feed", {}) or {}
    entries = d.get("entries", []) or []
    title = _text(feed.get("title"))
    version = d.get("version", "") or ""
    if not entries and not title:
        if not version or d.get("bozo"):
            raise FeedError(_not_a_feed_reason(body, content_type, d))

    parsed = _parsed_feed(feed, entries, d.get("namespaces", {}) or {})
    if d.get("bozo"):
        parsed.bozo = _one_line(d.get("bozo_exception")) or "feed is not well-formed"
    return parsed


def _parsed_feed(feed: Any, entries: list[Any], namespaces: dict[str, str]) -> ParsedFeed:
    """ParsedFeed from feedparser's feed and entry dicts (or fastfeed's copies of them)."""
    return ParsedFeed(
        title=_text(feed.get("title")),
        site_url=_text(feed.get("link")),
        ttl=_ttl_seconds(feed.get("ttl")),
        update_period=_update_period(feed, namespaces),
        entries=[_article_from_entry(e, namespaces) for e in entries],
    )


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


def _not_a_feed_reason(body: bytes, content_type: str, d: Any) -> str:
    head = body[:1024].lstrip().lower()
    if (
        content_type in ("text/html", "application/xhtml+xml")
        or head.startswith(b"<!doctype html")
        or head.startswith(b"<html")
    ):
        return "not a feed (got an HTML page)"
    exc = d.get("bozo_exception")
    if exc is not None:
        return f"malformed XML: {_one_line(exc)}"
    return "not a feed"


def _article_from_entry(entry: Any, namespaces: dict[str, str]) -> Article:
    title = _text(entry.get("title"))
    link = _text(entry.get("link"))
    summary = entry.get("summary") or ""
    bodies = [c.get("value") or "" for c in entry.get("content") or []]
    content = max([summary, *bodies], key=len)
    guid = _text(entry.get("id")) or _fallback_guid(link, title, content)

    comment_feed = _ns_value(entry, namespaces, NS_WFW, "commentrss")
    comment_count = _to_int(_ns_value(entry, namespaces, NS_SLASH, "comments"))
    for replies in _reply_links(entry):
        if not comment_feed:
            comment_feed = _text(replies.get("href"))
        if comment_count is None:
            comment_count = _to_int(_link_thr_count(replies, namespaces))
    if comment_count is None:
        comment_count = _to_int(_ns_value(entry, namespaces, NS_THREAD, "total"))

    return Article(
        guid=guid,
        title=title,
        link=link,
        author=_text(entry.get("author")),
        # dict.get: FeedParserDict silently answers "updated" with the
        # published date (and warns); we want only what the feed said.
        published=_struct_to_posix(dict.get(entry, "published_parsed")),
        updated=_struct_to_posix(dict.get(entry, "updated_parsed")),
        content=content,
        summary=summary,
        comments_url=_text(entry.get("comments")),
        comment_feed=_text(comment_feed),
        comment_count=comment_count,
    )


def _prefixes_for(namespaces: dict[str, str], uri: str) -> list[str]:
    wanted = _norm_ns(uri)
    found = [p for p, u in namespaces.items() if p and _norm_ns(u) == wanted]
    canonical = _FEEDPARSER_PREFIXES.get(uri)
    if canonical and canonical not in found:
        found.append(canonical)
    return found


def _norm_ns(uri: str) -> str:
    return (uri or "").strip().rstrip("/").lower()


def _ns_value(container: Any, namespaces: dict[str, str], uri: str, local: str) -> str:
    """A namespaced element's text, whatever prefix the document chose."""
    for prefix in _prefixes_for(namespaces, uri):
        value = container.get(f"{prefix}_{local}".lower())
        if value:
            return _text(value)
    return ""


def _reply_links(entry: Any) -> Iterable[Any]:
    for link in entry.get("links") or []:
        if (link.get("rel") or "").lower() != "replies":
            continue
        kind = (link.get("type") or "application/atom+xml").lower()
        if "atom" in kind or "rss" in kind or "xml" in kind:
            yield link


def _link_thr_count(link: Any, namespaces: dict[str, str]) -> str:
    for prefix in _prefixes_for(namespaces, NS_THREAD):
        if link.get(f"{prefix}:count"):
            return link[f"{prefix}:count"]
    # feedparser also stores attributes under their bare local name.
    return link.get("count") or ""


def _fallback_guid(link: str, title: str, content: str) -> str:
    if link or title:
        return f"{link}\n{title}"
    return hashlib.sha1(content.encode("utf-8", "surrogatepass")).hexdigest()


def _ttl_seconds(value: Any) -> float | None:
    minutes = _to_int(value)
    if minutes is None or minutes <= 0:
        return None
    return minutes * 60.0


def _update_period(feed: Any, namespaces: dict[str, str]) -> float | None:
    period = _ns_value(feed, namespaces, NS_SY, "updateperiod").lower()
    if period not in _PERIOD_SECONDS:
        return None
    frequency = _to_int(_ns_value(feed, namespaces, NS_SY, "updatefrequency"))
    if frequency is None or frequency <= 0:
        frequency = 1
    return _PERIOD_SECONDS[period] / frequency


# -- JSON Feed ---------------------------------------------------------------


def _looks_like_json(body: bytes, content_type: str) -> bool:
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start == b"<":
        return False  # servers mislabel XML feeds as JSON more often than the reverse
    is_json_type = content_type in ("application/feed+json", "application/json") or content_type.endswith("+json")
    return is_json_type or start == b"{"


def _parse_json_feed(body: bytes, content_type: str, base_url: str) -> ParsedFeed:
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FeedError("malformed JSON: not UTF-8") from None
    except (ValueError, RecursionError) as exc:
        raise FeedError(f"malformed JSON: {_one_line(exc)}") from None
    version = doc.get("version") if isinstance(doc, dict) else None
    if not (isinstance(version, str) and version.startswith(_JSONFEED_VERSION_PREFIX)):
        raise FeedError("not a feed (JSON without a JSON Feed version)")

    feed_base = _str(doc.get("feed_url")) or base_url
    site_url = _str(doc.get("home_page_url"))
    if site_url and feed_base:
        site_url = urljoin(feed_base, site_url)
    items = doc.get("items")
    entries = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            entries.append(_article_from_json_item(item, doc, feed_base))
    return ParsedFeed(title=_str(doc.get("title")).strip(), site_url=site_url, entries=entries)


def _article_from_json_item(item: dict, doc: dict, base: str) -> Article:
    title = _str(item.get("title")).strip()
    link = _str(item.get("url")).strip() or _str(item.get("external_url")).strip()
    if link and base:
        link = urljoin(base, link)
    content_html = _str(item.get("content_html"))
    content_text = _str(item.get("content_text"))
    # Keep Article.content one format (HTML) for text.py.
    text_as_html = html.escape(content_text).replace("\n", "<br>\n") if content_text else ""
    summary = _str(item.get("summary"))
    content = max([content_html, text_as_html, html.escape(summary)], key=len)
    raw_id = item.get("id")
    guid = str(raw_id).strip() if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) else ""
    return Article(
        guid=guid or _fallback_guid(link, title, content),
        title=title,
        link=link,
        author=_json_author(item) or _json_author(doc),
        published=_iso_to_posix(item.get("date_published")),
        updated=_iso_to_posix(item.get("date_modified")),
        content=content,
        summary=summary,
    )


def _json_author(obj: dict) -> str:
    authors = obj.get("authors")  # 1.1
    if not isinstance(authors, list):
        authors = [obj.get("author")]  # 1.0
    names = [_str(a.get("name")).strip() for a in authors if isinstance(a, dict)]
    return ", ".join(n for n in names if n)


def _iso_to_posix(value: Any) -> float | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        # RFC 3339 requires an offset; a missing one is most often meant as UTC.
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return _plausible(moment.timestamp())
    except (OverflowError, OSError, ValueError):
        return None


# -- shared helpers -----------------------------------------------------------


def _struct_to_posix(value: Any) -> float | None:
    if not value:
        return None
    try:
        # feedparser's *_parsed are already UTC; mktime would apply local time.
        return _plausible(float(calendar.timegm(value)))
    except (OverflowError, TypeError, ValueError):
        return None


def _plausible(stamp: float) -> float | None:
    if stamp < 0 or stamp > time.time() + _FUTURE_SLACK:
        return None
    return stamp


def _dedupe(entries: list[Article]) -> list[Article]:
    seen: set[str] = set()
    kept = []
    for article in entries:
        if article.guid in seen:
            continue
        seen.add(article.guid)
        kept.append(article)
    return kept


def _to_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if number >= 0 else None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _one_line(exc: Any) -> str:
    if exc is None:
        return ""
    if hasattr(exc, "getMessage"):
        # SAX errors: str() carries a "<unknown>:line:col" prefix, and the line
        # is off by one because feedparser re-writes the XML declaration.
        message = exc.getMessage()
    else:
        message = str(exc)
    message = " ".join(message.split()) or type(exc).__name__
    return message[:_REASON_MAX]


# Last, and as a module: fastfeed builds on the helpers above and imports this
# module for them, whichever of the two is imported first.
from . import fastfeed  # noqa: E402
