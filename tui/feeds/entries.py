from __future__ import annotations

import calendar
import hashlib
import html
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from tui.model import Article, ParsedFeed
from tui.text.sanitize import clean_line
from tui.text.titles import html_line

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


def parsed_feed(feed: Any, entries: list[Any], namespaces: dict[str, str], version: str = "") -> ParsedFeed:
    """ParsedFeed from feedparser's feed and entry dicts (or fastfeed's copies of them).

    ``version`` is feedparser's name for the format ("atom10", "rss20", ...): Atom
    says what its text is (type="text", "html", "xhtml"); RSS does not, and its
    titles are escaped HTML in practice.
    """
    atom = version.startswith("atom")
    # RFC 4287 4.2.1: an entry with no author has its source's, else its feed's.
    feed_author = atom_authors(feed) if atom else ""
    return ParsedFeed(
        title=text_construct(feed.get("title"), feed.get("title_detail"), atom),
        site_url=as_text(feed.get("link")),
        ttl=ttl_seconds(feed.get("ttl")),
        update_period=update_period(feed, namespaces),
        entries=[article_from_entry(e, namespaces, atom, feed_author) for e in entries],
    )


def article_from_entry(
    entry: Any, namespaces: dict[str, str], atom: bool = False, feed_author: str = ""
) -> Article:
    title = text_construct(entry.get("title"), entry.get("title_detail"), atom)
    link = web_link(entry.get("link"), entry.get("id"))
    summary, summary_base = body_of(entry.get("summary"), summary_detail(entry), atom)
    bodies = [body_of(c.get("value"), c, atom) for c in entry.get("content") or []]
    content, base = max([(summary, summary_base), *bodies], key=lambda b: len(b[0]))
    content = with_base(content, base, link)
    summary = with_base(summary, summary_base, link)
    guid = as_text(entry.get("id")) or fallback_guid(link, title, content)
    if atom:
        source = entry.get("source")
        author = (
            atom_authors(entry) or (atom_authors(source) if isinstance(source, dict) else "") or feed_author
        )
    else:
        author = html_line(as_text(entry.get("author")))

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
        author=author,
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


# -- text and bodies by their declared type ---------------------------------------


def text_construct(value: Any, detail: Any, atom: bool) -> str:
    """A title as the plain text it shows, decoded once, at parse time.

    Atom says what it is: type="text" is text already (the XML parser decoded
    it), "html" and "xhtml" are markup. An RSS title is escaped HTML in practice
    (``<![CDATA[Q&amp;A]]>`` means "Q&A"), whatever it claims.
    """
    if not isinstance(value, str):
        return ""
    if atom and content_type(detail) in ("", "text/plain"):
        return clean_line(value)
    return html_line(value)  # html, xhtml, and types a title may not have


def content_type(detail: Any) -> str:
    kind = detail.get("type") if isinstance(detail, dict) else None
    return kind.lower() if isinstance(kind, str) else ""


def summary_detail(entry: Any) -> Any:
    """The summary's type and base. feedparser copies an entry's content into a
    missing summary without its details; they are then the content's."""
    detail = dict.get(entry, "summary_detail")
    if detail is not None:
        return detail
    summary = entry.get("summary")
    for c in entry.get("content") or []:
        if c.get("value") == summary:
            return c
    return None


def text_as_html(text: str) -> str:
    """Plain text as the HTML that shows it whole: "Vec<String>" stays."""
    return html.escape(text).replace("\n", "<br>\n") if text else ""


def body_of(value: Any, detail: Any, atom: bool) -> tuple[str, str]:
    """(a body as HTML, the base its relative links resolve against).

    Article bodies are kept as one format, HTML: an Atom type="text" body is
    escaped text and is escaped once more, so "Use the &lt;video&gt; element"
    shows that, instead of losing everything after "Use the".
    """
    body = value if isinstance(value, str) else ""
    if body and atom and content_type(detail) == "text/plain":
        body = text_as_html(body)
    base = detail.get("base") if isinstance(detail, dict) else None
    return body, base if isinstance(base, str) else ""


# href="...", src="..." and the like whose value is relative: neither a scheme
# ("https:", "mailto:"), nor "//host", nor a fragment of the page itself.
_RELATIVE_REF = re.compile(
    r"""\b(?:href|src|poster|data)\s*=\s*(?:"(?![A-Za-z][A-Za-z0-9+.-]*:|//|#|")|'(?![A-Za-z][A-Za-z0-9+.-]*:|//|#|')|(?![\s"'>]|[A-Za-z][A-Za-z0-9+.-]*:|//|#))""",
    re.I,
)


def with_base(body: str, base: str, link: str) -> str:
    """``body`` with a ``<base href>`` first when its relative links have a base
    of their own (xml:base, then Content-Location, then the feed's URL) that
    the article's link, which the reader resolves against, would get wrong."""
    if not body or not base or base == link or not _RELATIVE_REF.search(body):
        return body
    if not base.lower().startswith(("http://", "https://")):
        return body
    return f'<base href="{html.escape(base, quote=True)}">{body}'


_WEB_SCHEMES = ("http", "https")


def web_link(value: Any, entry_id: Any) -> str:
    """The entry's link, never an identifier: feedparser takes an Atom id (and an
    RSS guid not marked isPermaLink="false") for the link when there is none, and
    ``tag:`` and ``urn:`` ids lead nowhere."""
    link = as_text(value)
    scheme = link.partition(":")[0].lower() if ":" in link else ""
    if scheme in ("tag", "urn") or (scheme not in _WEB_SCHEMES and link == as_text(entry_id)):
        return ""
    return link


def atom_authors(context: Any) -> str:
    """Every Atom author, joined: "Ada, Grace (grace@example.org)"."""
    names = []
    for person in context.get("authors") or []:
        if not isinstance(person, dict):
            continue
        name = clean_line(as_str(person.get("name")))
        email = clean_line(as_str(person.get("email")))
        shown = f"{name} ({email})" if name and email else name or email
        if shown and shown not in names:
            names.append(shown)
    return ", ".join(names)


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
    """One entry per id: the newest by ``updated`` (RFC 4287 4.1.1: entries with
    the same id are the same entry over time), else the last one seen. It takes
    the place of the first copy, so the order of the rest stays."""
    slot: dict[str, int] = {}
    kept: list[Article] = []
    for article in entries:
        at = slot.get(article.guid)
        if at is None:
            slot[article.guid] = len(kept)
            kept.append(article)
        elif _newer_or_same(article, kept[at]):
            kept[at] = article
    return kept


def _newer_or_same(article: Article, other: Article) -> bool:
    if article.updated is None:
        return other.updated is None
    return other.updated is None or article.updated >= other.updated


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
