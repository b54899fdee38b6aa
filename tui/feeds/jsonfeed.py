from __future__ import annotations

import html
import json
from urllib.parse import urljoin

from tui.feeds.entries import (
    FeedError,
    as_str,
    fallback_guid,
    iso_to_posix,
    one_line,
    text_as_html,
    with_base,
)
from tui.model import Article, ParsedFeed

_JSONFEED_VERSION_PREFIX = "https://jsonfeed.org/version/"


def looks_like_json(body: bytes, content_type: str) -> bool:
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start == b"<":
        return False  # servers mislabel XML feeds as JSON more often than the reverse
    is_json_type = content_type in ("application/feed+json", "application/json") or content_type.endswith(
        "+json"
    )
    return is_json_type or start == b"{"


def parse_json_feed(body: bytes, content_type: str, base_url: str) -> ParsedFeed:
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FeedError("malformed JSON: not UTF-8") from None
    except (ValueError, RecursionError) as exc:
        raise FeedError(f"malformed JSON: {one_line(exc)}") from None
    version = doc.get("version") if isinstance(doc, dict) else None
    if not (isinstance(version, str) and version.startswith(_JSONFEED_VERSION_PREFIX)):
        raise FeedError("not a feed (JSON without a JSON Feed version)")

    feed_base = as_str(doc.get("feed_url")) or base_url
    site_url = as_str(doc.get("home_page_url"))
    if site_url and feed_base:
        site_url = urljoin(feed_base, site_url)
    items = doc.get("items")
    entries = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            entries.append(_article_from_json_item(item, doc, feed_base))
    # JSON Feed's titles and names are plain text already (its HTML is only
    # content_html): nothing to decode. Controls go at display, and a lone
    # surrogate becomes U+FFFD in the store, costing that character only.
    return ParsedFeed(title=as_str(doc.get("title")).strip(), site_url=site_url, entries=entries)


def _article_from_json_item(item: dict, doc: dict, base: str) -> Article:
    title = as_str(item.get("title")).strip()
    link = as_str(item.get("url")).strip() or as_str(item.get("external_url")).strip()
    if link and base:
        link = urljoin(base, link)
    content_html = as_str(item.get("content_html"))
    content_text = as_str(item.get("content_text"))
    # Keep Article.content one format (HTML) for text.py: content_text is text,
    # kept whole ("Vec<String>" stays), and so is the summary.
    summary = as_str(item.get("summary"))
    content = max([content_html, text_as_html(content_text), html.escape(summary)], key=len)
    # Relative links in content_html resolve against the feed's URL.
    content = with_base(content, base, link)
    raw_id = item.get("id")
    guid = str(raw_id).strip() if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) else ""
    return Article(
        guid=guid or fallback_guid(link, title, content),
        title=title,
        link=link,
        author=_json_author(item) or _json_author(doc),
        published=iso_to_posix(item.get("date_published")),
        updated=iso_to_posix(item.get("date_modified")),
        content=content,
        summary=summary,
    )


def _json_author(obj: dict) -> str:
    authors = obj.get("authors")  # 1.1
    if not isinstance(authors, list):
        authors = [obj.get("author")]  # 1.0
    names = [as_str(a.get("name")).strip() for a in authors if isinstance(a, dict)]
    return ", ".join(n for n in names if n)
