from __future__ import annotations

import calendar
import hashlib
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from tui.model import Article, ParsedFeed

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


class FeedError(Exception):
    """The body is not a feed we can read; str() is a short reason for humans."""


def response_headers(headers: dict[str, str] | None, url: str) -> dict[str, str]:
    lower = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    if url:
        # A server's own Content-Location may be relative; the base for
        # relative links is wherever we actually fetched the document.
        lower["content-location"] = urljoin(url, lower.get("content-location", ""))
    return lower


def parsed_feed(feed: Any, entries: list[Any], namespaces: dict[str, str]) -> ParsedFeed:
    """ParsedFeed from feedparser's feed and entry dicts (or fastfeed's copies of them)."""
    return ParsedFeed(
        title=as_text(feed.get("title")),
        site_url=as_text(feed.get("link")),
        ttl=ttl_seconds(feed.get("ttl")),
        update_period=update_period(feed, namespaces),
        entries=[article_from_entry(e, namespaces) for e in entries],
    )


def article_from_entry(entry: Any, namespaces: dict[str, str]) -> Article:
    title = as_text(entry.get("title"))
    link = as_text(entry.get("link"))
    summary = entry.get("summary") or ""
    bodies = [c.get("value") or "" for c in entry.get("content") or []]
    content = max([summary, *bodies], key=len)
    guid = as_text(entry.get("id")) or fallback_guid(link, title, content)

    comment_feed = ns_value(entry, namespaces, NS_WFW, "commentrss")
    comment_count = to_int(ns_value(entry, namespaces, NS_SLASH, "comments"))
    for replies in reply_links(entry):
        if not comment_feed:
            comment_feed = as_text(replies.get("href"))
        if comment_count is None:
            comment_count = to_int(link_thr_count(replies, namespaces))
    if comment_count is None:
        comment_count = to_int(ns_value(entry, namespaces, NS_THREAD, "total"))

    return Article(
        guid=guid,
        title=title,
        link=link,
        author=as_text(entry.get("author")),
        # dict.get: FeedParserDict silently answers "updated" with the
        # published date (and warns); we want only what the feed said.
        published=struct_to_posix(dict.get(entry, "published_parsed")),
        updated=struct_to_posix(dict.get(entry, "updated_parsed")),
        content=content,
        summary=summary,
        comments_url=as_text(entry.get("comments")),
        comment_feed=as_text(comment_feed),
        comment_count=comment_count,
    )


def prefixes_for(namespaces: dict[str, str], uri: str) -> list[str]:
    wanted = norm_ns(uri)
    found = [p for p, u in namespaces.items() if p and norm_ns(u) == wanted]
    canonical = _FEEDPARSER_PREFIXES.get(uri)
    if canonical and canonical not in found:
        found.append(canonical)
    return found


def norm_ns(uri: str) -> str:
    return (uri or "").strip().rstrip("/").lower()


def ns_value(container: Any, namespaces: dict[str, str], uri: str, local: str) -> str:
    """A namespaced element's text, whatever prefix the document chose."""
    for prefix in prefixes_for(namespaces, uri):
        value = container.get(f"{prefix}_{local}".lower())
        if value:
            return as_text(value)
    return ""


def reply_links(entry: Any) -> Iterable[Any]:
    for link in entry.get("links") or []:
        if (link.get("rel") or "").lower() != "replies":
            continue
        kind = (link.get("type") or "application/atom+xml").lower()
        if "atom" in kind or "rss" in kind or "xml" in kind:
            yield link


def link_thr_count(link: Any, namespaces: dict[str, str]) -> str:
    for prefix in prefixes_for(namespaces, NS_THREAD):
        if link.get(f"{prefix}:count"):
            return link[f"{prefix}:count"]
    # feedparser also stores attributes under their bare local name.
    return link.get("count") or ""


def fallback_guid(link: str, title: str, content: str) -> str:
    if link or title:
        return f"{link}\n{title}"
    return hashlib.sha1(content.encode("utf-8", "surrogatepass")).hexdigest()


def ttl_seconds(value: Any) -> float | None:
    minutes = to_int(value)
    if minutes is None or minutes <= 0:
        return None
    return minutes * 60.0


def update_period(feed: Any, namespaces: dict[str, str]) -> float | None:
    period = ns_value(feed, namespaces, NS_SY, "updateperiod").lower()
    if period not in _PERIOD_SECONDS:
        return None
    frequency = to_int(ns_value(feed, namespaces, NS_SY, "updatefrequency"))
    if frequency is None or frequency <= 0:
        frequency = 1
    return _PERIOD_SECONDS[period] / frequency


def iso_to_posix(value: Any) -> float | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        # RFC 3339 requires an offset; a missing one is most often meant as UTC.
        moment = moment.replace(tzinfo=UTC)
    try:
        return plausible(moment.timestamp())
    except (OverflowError, OSError, ValueError):
        return None


def struct_to_posix(value: Any) -> float | None:
    if not value:
        return None
    try:
        # feedparser's *_parsed are already UTC; mktime would apply local time.
        return plausible(float(calendar.timegm(value)))
    except (OverflowError, TypeError, ValueError):
        return None


def plausible(stamp: float) -> float | None:
    if stamp < 0 or stamp > time.time() + _FUTURE_SLACK:
        return None
    return stamp


def dedupe_entries(entries: list[Article]) -> list[Article]:
    seen: set[str] = set()
    kept = []
    for article in entries:
        if article.guid in seen:
            continue
        seen.add(article.guid)
        kept.append(article)
    return kept


def to_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if number >= 0 else None


def as_text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


_REASON_MAX = 160


def one_line(exc: Any) -> str:
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
