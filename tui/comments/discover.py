"""Where a thread lives: from a URL, a stored feed entry or a fetched page.

Discovery is pure for feed entries and URLs; only ``discover_from_page`` fetches,
and only the page it was given. Loading a found source is tui.comments.registry.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urldefrag, urljoin, urlsplit

from tui.comments.base import (
    CommentsError,
    SourceConfig,
    ThreadSource,
    fetch_bytes,
    parse_time,
)
from tui.model import Article
from tui.net import Fetcher
from tui.text.htmlguard import defuse_unclosed

__all__ = [
    "ThreadSource",
    "SourceConfig",
    "CommentsError",
    "parse_time",
    "source_from_url",
    "discover",
    "discover_from_page",
]

_PAGE_LIMIT = 4 * 1024 * 1024
_WP_API_REL = "https://api.w.org/"
_LINK_HEADER_MAX = 16 * 1024
_REDDIT_PATH = re.compile(r"^/(?:(?:r|u|user)/[^/]+/)?comments/([a-z0-9]+)(?:/|$)", re.I)
_LOBSTERS_PATH = re.compile(r"^/s/([a-z0-9]+)(?:/|$|\.json$)", re.I)
_POSTID_CLASS = re.compile(r"(?:^|\s)postid-(\d+)(?:\s|$)")
_POST_ARTICLE_ID = re.compile(r"^post-(\d+)$")
# One link of an HTTP Link header (RFC 8288): <target>; param=value; param="value"
_LINK_VALUE = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,=\s]+\s*(?:=\s*(?:\"[^\"]*\"|[^;,\s]*))?)*)")
_LINK_PARAM = re.compile(r';\s*([^;,=\s]+)\s*(?:=\s*(?:"([^"]*)"|([^;,\s]*)))?')


# -- URLs ------------------------------------------------------------------


def _host_in(netloc: str, hosts: tuple) -> bool:
    netloc = netloc.lower()
    bare = netloc.rsplit("@", 1)[-1]
    hostname = bare.split(":", 1)[0] if not bare.startswith("[") else bare
    wanted = {h.lower() for h in hosts}
    return bare in wanted or hostname in wanted


def source_from_url(url: str, config: SourceConfig) -> ThreadSource | None:
    """The thread a URL names, without fetching anything; None if it names none."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    path = parts.path or "/"
    query = parse_qs(parts.query)
    site = f"{parts.scheme.lower()}://{parts.netloc.lower()}"

    if _host_in(parts.netloc, config.hn_hosts):
        item = (query.get("id") or [""])[0]
        if path.rstrip("/") == "/item" and item.isdigit():
            return ThreadSource("hackernews", item, config.hn_algolia, f"{site}/item?id={item}")
        return None
    if _host_in(parts.netloc, config.reddit_hosts):
        m = _REDDIT_PATH.match(path)
        if m:
            return ThreadSource("reddit", m.group(1).lower(), config.reddit, urldefrag(url)[0])
        return None
    if _host_in(parts.netloc, config.lobsters_hosts):
        m = _LOBSTERS_PATH.match(path)
        if m:
            return ThreadSource("lobsters", m.group(1), config.lobsters, urldefrag(url)[0])
        return None

    post = (query.get("p") or [""])[0]
    if post.isdigit() and path.endswith(("/", "/index.php")):
        # A plain-permalink WordPress post; the site may live in a sub-folder.
        folder = path[: -len("index.php")] if path.endswith("/index.php") else path
        api_base = site + folder.rstrip("/")
        return ThreadSource("wordpress", post, api_base, urldefrag(url)[0])
    return None


# -- feed entries -----------------------------------------------------------


def discover(article: Article, config: SourceConfig, site_url: str = "") -> ThreadSource | None:
    """The best thread source a stored feed entry points at, or None.

    Preference: a link that names a discussion site (HN, reddit, Lobsters), the
    WordPress post id in the guid, a threaded Atom comment feed, an RSS comment
    feed, and last the comments page (kind "page", discovered when opened).
    """
    page_url = article.link or article.comments_url
    for url in (article.comments_url, article.link):
        found = source_from_url(url, config)
        if found is not None and found.kind != "wordpress":
            return found

    feed_kind = _feed_kind(article.comment_feed) if article.comment_feed else ""
    post_refs = tuple(("post", r) for r in (article.guid, article.link) if r)
    fallback = (("feed", article.comment_feed), ("feed_kind", feed_kind)) if feed_kind else ()

    base = site_url or article.link
    for candidate in (article.guid, article.link):
        if not candidate:
            continue
        found = source_from_url(urljoin(base, candidate) if base else candidate, config)
        if found is not None and found.kind == "wordpress":
            return ThreadSource("wordpress", found.ref, found.api_base, page_url or found.page_url, fallback)

    if feed_kind:
        return ThreadSource(feed_kind, article.comment_feed, "", page_url, post_refs)
    if article.comments_url.startswith(("http://", "https://")):
        return ThreadSource("page", article.comments_url, "", article.comments_url)
    return None


def _feed_kind(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        return ""
    lowered = urlsplit(url).path.lower()
    # Feed URLs rarely say what they are; an "atom" in the path is the hint
    # WordPress and Blogger give. The parser reads both either way.
    return "atom" if "atom" in lowered else "rss"


# -- pages ------------------------------------------------------------------


class _HeadScanner(HTMLParser):
    """Collects the <link> tags, the body class and <article id> of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, str]] = []
        self.body_class = ""
        self.article_ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "link":
            self.links.append(values)
        elif tag == "body":
            self.body_class = values.get("class", "")
        elif tag == "article" and values.get("id"):
            self.article_ids.append(values["id"])

    handle_startendtag = handle_starttag


def header_links(value: str) -> list[dict[str, str]]:
    """The links of an HTTP ``Link`` header, shaped like <link> tags' attributes
    (WordPress sends ``rel="https://api.w.org/"`` and ``rel=shortlink`` there)."""
    links = []
    for m in _LINK_VALUE.finditer(value[:_LINK_HEADER_MAX]):
        link = {"href": m.group(1).strip()}
        for p in _LINK_PARAM.finditer(m.group(2)):
            link.setdefault(p.group(1).lower(), p.group(2) if p.group(2) is not None else (p.group(3) or ""))
        links.append(link)
    return links


def _rels(link: dict[str, str]) -> list[str]:
    return [r.lower() for r in link.get("rel", "").split()]


async def discover_from_page(fetcher: Fetcher, url: str, config: SourceConfig) -> ThreadSource | None:
    """Fetch a human page and find the thread under it; None if there is none."""
    direct = source_from_url(url, config)
    if direct is not None and direct.kind != "wordpress":
        return direct
    body, headers, final_url = await fetch_bytes(
        fetcher, url, accept="text/html,application/xhtml+xml;q=0.9,*/*;q=0.5", limit=_PAGE_LIMIT
    )
    moved = source_from_url(final_url, config)
    if moved is not None and moved.kind != "wordpress":
        return moved

    scanner = _HeadScanner()
    try:
        scanner.feed(defuse_unclosed(body.decode(_charset(headers.get("content-type", "")), "replace")))
        scanner.close()
    except (AssertionError, ValueError):
        pass  # what was read before the parser choked is still useful
    page_url = urldefrag(url)[0]

    api_root = ""
    post_id = ""
    # The headers first: they are the server's own word, a theme may drop the tags.
    links = header_links(headers.get("link", "")) + scanner.links
    for link in links:
        rels, href = _rels(link), link.get("href", "").strip()
        if not href:
            continue
        if _WP_API_REL in rels and not api_root:
            api_root = urljoin(final_url, href)
        elif "shortlink" in rels and not post_id:
            post_id = (parse_qs(urlsplit(href).query).get("p") or [""])[0]
            if not post_id.isdigit():
                post_id = ""
    if not post_id:
        m = _POSTID_CLASS.search(scanner.body_class)
        post_id = m.group(1) if m else ""
    if not post_id:
        for article_id in scanner.article_ids:
            m = _POST_ARTICLE_ID.match(article_id.strip())
            if m:
                post_id = m.group(1)
                break
    feed = _comment_feed_link(links, final_url)
    fallback = (("feed", feed[1]), ("feed_kind", feed[0])) if feed else ()
    if api_root and post_id:
        return ThreadSource("wordpress", post_id, api_root, page_url, fallback)
    if direct is not None:  # "?p=ID" but no REST root advertised: try the usual one
        return ThreadSource("wordpress", direct.ref, direct.api_base, page_url, fallback)
    if feed:
        return ThreadSource(feed[0], feed[1], "", page_url, (("post", page_url),))
    return None


def _comment_feed_link(links: list[dict[str, str]], page_url: str) -> tuple[str, str] | None:
    """(kind, url) of the page's own comment feed, not the site's feeds."""
    page_path = urlsplit(page_url).path.rstrip("/")
    best: tuple[float, str, str] | None = None
    for link in links:
        if "alternate" not in _rels(link):
            continue
        kind_type = link.get("type", "").lower()
        if "rss" in kind_type:
            kind = "rss"
        elif "atom" in kind_type:
            kind = "atom"
        else:
            continue
        href = urljoin(page_url, link.get("href", "").strip())
        if not href.startswith(("http://", "https://")):
            continue
        path = urlsplit(href).path.rstrip("/")
        title = link.get("title", "").lower()
        # WordPress puts the post's comment feed at <post>/feed/; the site's
        # own feeds (/feed/, /comments/feed/) sit at the root and do not count.
        if page_path and path.startswith(page_path + "/"):
            score = 2.0
        elif "comment" in title and not path.endswith("/comments/feed"):
            score = 1.0
        else:
            continue
        if kind == "atom":
            score += 0.5  # threaded beats flat
        if best is None or score > best[0]:
            best = (score, kind, href)
    return (best[1], best[2]) if best else None


def _charset(content_type: str) -> str:
    m = re.search(r"charset=([\w.:-]+)", content_type, re.I)
    if m:
        try:
            "".encode(m.group(1))
            return m.group(1)
        except LookupError:
            pass
    return "utf-8"
