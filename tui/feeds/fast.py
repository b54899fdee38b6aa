"""A fast path for the common feed shapes: plain RSS 2.0 and Atom 1.0.

feedparser is most of the cost of a cold refresh, and nearly all of it goes on
its pure-Python SAX handler. This module reads the same documents with the C
ElementTree and rebuilds the very dicts feedparser would have produced for the
fields tui/feeds.py reads, then hands them to feeds.py's own converters; so the
two paths share every rule after parsing (guid fallback, date range, counts).

The promise is "same result or None": whenever a document holds anything whose
effect on feedparser is not reproduced here exactly, parse_fast answers None and
the caller uses feedparser. What is reproduced was read off feedparser 6.0.14's
source (encodings.convert_to_utf8, mixin.pop, namespaces/_base.py) and is
checked by tests/test_fastfeed.py against feedparser itself. Things that make
it give up include: a DOCTYPE or ENTITY anywhere (ElementTree never sees a DTD),
any element or attribute not on the allow-lists below, a repeated field, xml:base,
xhtml or non-text content, a date not in the strict RFC 822 / RFC 3339 shapes,
and any encoding or media type for which feedparser would report a problem.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from typing import Any

from tui.feeds import entries as rules
from tui.feeds.compat import (
    C1,
    CANONICAL_PREFIXES,
    CP1252,
    KNOWN_NAMESPACES,
    Unsure,
    as_feedparser_sees_it,
    base_uri,
    date_of_text,
    urljoin,
)
from tui.model import ParsedFeed

__all__ = ["parse_fast"]

ATOM = "http://www.w3.org/2005/Atom"
NS_XML = "http://www.w3.org/XML/1998/namespace"
NS_CONTENT = "http://purl.org/rss/1.0/modules/content/"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_MEDIA = "http://search.yahoo.com/mrss/"
NS_FEEDBURNER = "http://rssnamespace.org/feedburner/ext/1.0"


# feeds.py finds these by a loosened URI (case, trailing slash); only their
# exact spellings are handled here, the variants go to feedparser.
_WATCHED = {rules.norm_ns(u): u for u in (rules.NS_SLASH, rules.NS_WFW, rules.NS_SY, rules.NS_THREAD)}

# (namespace prefix as feedparser names it, lower-cased local name)
# Leaves whose feedparser handlers touch nothing that feeds.py reads.
_HARMLESS_ITEM = {
    ("", "category"),
    ("", "enclosure"),
    ("", "source"),
    ("dc", "subject"),
    ("dc", "rights"),
    ("dc", "language"),
    ("dc", "identifier"),
    ("dc", "format"),
    ("dc", "type"),
    ("media", "content"),
    ("media", "thumbnail"),
    ("media", "credit"),
    ("media", "category"),
    ("media", "keywords"),
    ("media", "rating"),
    ("wfw", "comment"),
    ("feedburner", "origlink"),
}
_HARMLESS_CHANNEL = {
    ("", "description"),
    ("", "language"),
    ("", "copyright"),
    ("", "managingeditor"),
    ("", "webmaster"),
    ("", "category"),
    ("", "generator"),
    ("", "docs"),
    ("", "cloud"),
    ("", "rating"),
    ("dc", "language"),
    ("dc", "rights"),
    ("dc", "creator"),
    ("dc", "publisher"),
    ("dc", "subject"),
    ("sy", "updatebase"),
}
_CHANNEL_DATES = {("", "pubdate"), ("", "lastbuilddate"), ("dc", "date")}
_IMAGE_CHILDREN = {"url", "title", "link", "width", "height", "description"}
_HARMLESS_ATOM_FEED = {
    ("", "subtitle"),
    ("", "generator"),
    ("", "icon"),
    ("", "logo"),
    ("", "rights"),
    ("", "category"),
    ("sy", "updatebase"),
}
_HARMLESS_ATOM_ENTRY = {("", "category"), ("", "rights")}
_ATOM_LINK_ATTRS = {"href", "rel", "type", "title", "hreflang", "length"}
_TEXT_TYPES = {None: "text/plain", "text": "text/plain", "html": "text/html"}

_LINK_ENTITY = re.compile("&([A-Za-z0-9_]+);")


_DTD = re.compile(rb"<!(?i:doctype|entity)")


def parse_fast(body: bytes, headers: dict | None = None, url: str = "") -> ParsedFeed | None:
    """parse_feed's result for a plain RSS 2.0 / Atom 1.0 body, or None when unsure."""
    try:
        return _parse(body, headers, url)
    except Exception:  # Unsure, ParseError, or a shape not foreseen: feedparser decides
        return None


def _parse(body: bytes, headers: dict | None, url: str) -> ParsedFeed:
    lower = rules.response_headers(headers, url)
    data = as_feedparser_sees_it(body, lower)
    if _DTD.search(data):
        # No DTD may reach ElementTree, and feedparser rewrites DOCTYPEs anyway.
        raise Unsure
    events = ET.iterparse(io.BytesIO(data), events=("start-ns",))
    declared = [event for _, event in events]
    root = events.root  # type: ignore[attr-defined]
    for el in root.iter():
        for key in el.attrib:
            if key.rpartition("}")[2].lower() == "base":
                raise Unsure  # xml:base (feedparser also honours a bare "base")
    base = base_uri(lower.get("content-location", ""))
    if root.tag == "rss":
        doc = _Doc(declared, default_ns=None, base=base)
        feed, entries = _read_rss(root, doc)
        version = "rss20"
    elif root.tag == f"{{{ATOM}}}feed":
        doc = _Doc(declared, default_ns=ATOM, base=base)
        feed, entries = _read_atom(root, doc)
        version = "atom10"
    else:
        raise Unsure
    parsed = rules.parsed_feed(feed, entries, doc.namespaces_in_use, version)
    parsed.entries = rules.dedupe_entries(parsed.entries)
    return parsed


# -- bytes as feedparser decodes them ---------------------------------------------


# -- URLs as feedparser resolves them ------------------------------------------------


# -- the document's namespaces -------------------------------------------------------


class _Doc:
    def __init__(self, declared: list[tuple[str, str]], default_ns: str | None, base: str) -> None:
        self.base = base
        self.namespaces_in_use: dict[str, str] = {}
        self.prefix_of: dict[str, str] = {}  # URI -> feedparser's prefix for its elements
        by_prefix: dict[str, str] = {}
        by_uri: dict[str, str] = {}
        lowered: dict[str, str] = {}
        for prefix, uri in declared:
            prefix = prefix or ""
            low = uri.lower()
            if (
                by_prefix.setdefault(prefix, uri) != uri
                or by_uri.setdefault(uri, prefix) != prefix
                or lowered.setdefault(prefix.lower(), prefix) != prefix
                or "backend.userland.com/rss" in low
            ):
                raise Unsure
            if not prefix:
                if uri != default_ns:
                    raise Unsure
            elif (
                low in KNOWN_NAMESPACES
                and KNOWN_NAMESPACES[low] != prefix
                and prefix.lower() in CANONICAL_PREFIXES
            ):
                # feedparser maps this prefix to the URI's own name for every
                # element, so elements of the namespace named like it are misrouted.
                raise Unsure
            norm = rules.norm_ns(uri)
            if norm in _WATCHED and _WATCHED[norm] != uri:
                raise Unsure
            if not uri:
                continue
            if low in KNOWN_NAMESPACES:
                self.namespaces_in_use[KNOWN_NAMESPACES[low]] = uri
                self.prefix_of[uri] = KNOWN_NAMESPACES[low]
            else:
                self.namespaces_in_use[prefix] = uri
                self.prefix_of[uri] = prefix.lower()
        self.prefix_of[""] = ""
        self.thread = self.prefix_of.get(rules.NS_THREAD)

    def name(self, el: ET.Element) -> tuple[str, str]:
        """(prefix, local) as feedparser dispatches the element."""
        tag = el.tag
        if not isinstance(tag, str):
            raise Unsure
        if tag[0] != "{":
            return "", tag.lower()
        uri, _, local = tag[1:].partition("}")
        prefix = self.prefix_of.get(uri)
        if prefix is None:
            raise Unsure
        return prefix, local.lower()

    def resolve(self, uri: str) -> str:
        return urljoin(self.base, uri)


def _attrs(el: ET.Element, allowed: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """An element's attributes by lower-cased name; xml:lang is let through
    (feedparser uses it only for a language), anything not allowed is refused."""
    out = {}
    for key, value in el.attrib.items():
        if key == f"{{{NS_XML}}}lang":
            continue
        if key[0] == "{":
            if key == f"{{{rules.NS_THREAD}}}count" and "thr:count" in allowed:
                out["count"] = value
                continue
            if key == f"{{{rules.NS_THREAD}}}updated" and "thr:count" in allowed:
                continue  # kept by feedparser as the link's "updated", never read
            raise Unsure
        name = key.lower()
        if name not in allowed or name in out:
            raise Unsure
        out[name] = value
    return out


# -- text as feedparser's pop() leaves it ----------------------------------------------


def _raw(el: ET.Element) -> str:
    if len(el):
        raise Unsure  # children would be dispatched as elements of their own
    return (el.text or "").strip()


def _finish(text: str) -> str:
    if text.isascii():
        return text  # both repairs below leave ASCII alone; most text is ASCII
    try:
        # feedparser's repair for UTF-8 read as Latin-1 and encoded again
        text = text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    if C1.search(text):
        text = text.translate(CP1252)
    return text


def _text(el: ET.Element) -> str:
    return _finish(_raw(el))


def _url_text(el: ET.Element, doc: _Doc) -> str:
    text = _raw(el)
    if text:
        text = doc.resolve(text)
    return _finish(text)


def _date(el: ET.Element) -> Any:
    """feedparser's *_parsed value (a UTC struct_time or None)."""
    return date_of_text(_text(el))


class _Once:
    """Fields that may appear once: feedparser's handling of repeats depends on
    order and depth in ways not worth reproducing."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, key: str) -> None:
        if key in self.seen:
            raise Unsure
        self.seen.add(key)


def _plain(el: ET.Element) -> None:
    if el.attrib and _attrs(el):
        raise Unsure


# -- RSS 2.0 ---------------------------------------------------------------------------


def _read_rss(root: ET.Element, doc: _Doc) -> tuple[dict, list[dict]]:
    attrs = _attrs(root, {"version"})
    if attrs.get("version") != "2.0" or len(root) != 1 or root[0].tag != "channel":
        raise Unsure
    channel = root[0]
    _plain(channel)
    feed: dict[str, Any] = {}
    entries: list[dict] = []
    once = _Once()
    for el in channel:
        name = doc.name(el)
        if name == ("", "item"):
            entries.append(_read_rss_item(el, doc))
        elif name == ("", "link") and el.attrib:
            # atom:link (or any <link> with attributes) is feedparser's Atom-style
            # link; with an href and a rel other than alternate it touches
            # nothing we read.
            attrs = _attrs(el, _ATOM_LINK_ATTRS)
            if "href" not in attrs or attrs.get("rel", "alternate").lower() == "alternate":
                raise Unsure
            _raw(el)
        elif name in (
            ("", "title"),
            ("", "link"),
            ("", "ttl"),
            ("sy", "updateperiod"),
            ("sy", "updatefrequency"),
        ):
            once(name[1])
            _plain(el)
            if name == ("", "link"):
                feed["link"] = _LINK_ENTITY.sub(r"&\g<1>", _url_text(el, doc))
            else:
                feed["_".join(p for p in name if p)] = _text(el)
        elif name in _CHANNEL_DATES:
            _plain(el)
            _date(el)
        elif name in _HARMLESS_CHANNEL:
            _raw(el)
        elif name == ("", "image"):
            _plain(el)
            for child in el:
                if doc.name(child)[0] or doc.name(child)[1] not in _IMAGE_CHILDREN:
                    raise Unsure
                _plain(child)
                _raw(child)
        elif name in (("", "skiphours"), ("", "skipdays")):
            _plain(el)
            for child in el:
                if doc.name(child) not in (("", "hour"), ("", "day")):
                    raise Unsure
                _raw(child)
        else:
            raise Unsure
    return feed, entries


def _read_rss_item(item: ET.Element, doc: _Doc) -> dict:
    _plain(item)
    entry: dict[str, Any] = {}
    once = _Once()
    for el in item:
        name = doc.name(el)
        if name == ("", "guid"):
            once("guid")
            attrs = _attrs(el, {"ispermalink"})
            is_link = attrs.get("ispermalink", "true") == "true"
            value = _url_text(el, doc) if is_link else _text(el)
            entry["id"] = value
            if is_link:
                entry.setdefault("link", value)
        elif name == ("", "link"):
            once("link")
            _plain(el)
            value = _url_text(el, doc).replace("&amp;", "&")
            entry["link"] = _LINK_ENTITY.sub(r"&\g<1>", value)
        elif name == ("", "title"):
            once("title")
            _plain(el)
            entry["title"] = _text(el)
        elif name == ("", "description"):
            once("description")
            _plain(el)
            entry["summary"] = _text(el)
            entry["summary_detail"] = {"type": "text/html", "base": doc.base}
        elif name == ("content", "encoded"):
            once("content")
            _plain(el)
            value = _text(el)
            entry["content"] = [{"value": value, "type": "text/html", "base": doc.base}]
            entry.setdefault("summary", value)
        elif name in (("", "author"), ("dc", "creator")):
            once("author")
            _plain(el)
            entry["author"] = _text(el)
        elif name == ("", "pubdate"):
            once("published")
            _plain(el)
            entry["published_parsed"] = _date(el)
        elif name == ("dc", "date"):
            once("updated")
            _plain(el)
            entry["updated_parsed"] = _date(el)
        elif name == ("", "comments"):
            once("comments")
            _plain(el)
            entry["comments"] = _url_text(el, doc)
        elif name == ("wfw", "commentrss"):
            once("commentrss")
            _plain(el)
            entry["wfw_commentrss"] = _url_text(el, doc)
        elif name == ("slash", "comments"):
            once("slash")
            _plain(el)
            entry["slash_comments"] = _text(el)
        elif doc.thread is not None and name == (doc.thread, "total"):
            once("total")
            _plain(el)
            entry[f"{doc.thread}_total"] = _text(el)
        elif name in _HARMLESS_ITEM:
            _raw(el)
        else:
            raise Unsure
    return entry


# -- Atom 1.0 ---------------------------------------------------------------------------


def _atom_text(el: ET.Element) -> str:
    return _atom_typed(el)[0]


def _atom_typed(el: ET.Element) -> tuple[str, str]:
    """A text construct's value and its type as feedparser names it."""
    kind = _attrs(el, {"type"}).get("type")
    if kind is not None:
        kind = kind.lower()
    if kind not in _TEXT_TYPES:
        raise Unsure  # xhtml (feedparser rebuilds the markup) and other media types
    return _text(el), _TEXT_TYPES[kind]


def _atom_link(el: ET.Element, doc: _Doc, context: dict) -> None:
    attrs = _attrs(el, _ATOM_LINK_ATTRS | {"thr:count"})
    if "href" not in attrs:
        raise Unsure  # feedparser would read the element's text as the link
    _raw(el)
    rel = attrs.get("rel", "alternate").lower()
    kind = attrs.get("type", "application/atom+xml" if rel == "self" else "text/html").lower()
    link = {"rel": rel, "type": kind, "href": doc.resolve(attrs["href"])}
    if "count" in attrs:
        link["count"] = attrs["count"]
    context.setdefault("links", []).append(link)
    mapped = {"html": "text/html", "xhtml": "application/xhtml+xml"}.get(kind, kind)
    if rel == "alternate" and mapped in ("text/html", "application/xhtml+xml"):
        context["link"] = link["href"]


def _atom_id(el: ET.Element, doc: _Doc, context: dict) -> None:
    _plain(el)
    # Atom ids carry no isPermaLink, so feedparser takes each for a link.
    value = _url_text(el, doc)
    context["id"] = value
    context.setdefault("link", value)


def _atom_author(el: ET.Element, doc: _Doc, context: dict) -> None:
    """One more of the context's authors, as feedparser lists them."""
    _plain(el)
    if (el.text or "").strip():
        raise Unsure
    parts: dict[str, str] = {}
    for child in el:
        prefix, local = doc.name(child)
        if (
            prefix
            or local not in ("name", "email", "uri")
            or local in parts
            or (child.tail and child.tail.strip())
        ):
            raise Unsure
        _plain(child)
        parts[local] = _raw(child)  # feedparser takes these without its text repairs
    context.setdefault("authors", []).append(parts)


def _read_atom(root: ET.Element, doc: _Doc) -> tuple[dict, list[dict]]:
    _plain(root)
    feed: dict[str, Any] = {}
    entries: list[dict] = []
    once = _Once()
    for el in root:
        name = doc.name(el)
        if name == ("", "entry"):
            entries.append(_read_atom_entry(el, doc))
        elif name == ("", "title"):
            once("title")
            feed["title"], kind = _atom_typed(el)
            feed["title_detail"] = {"type": kind}
        elif name == ("", "link"):
            _atom_link(el, doc, feed)
        elif name == ("", "id"):
            once("id")
            _atom_id(el, doc, feed)
        elif name == ("", "updated"):
            once("updated")
            _plain(el)
            _date(el)
        elif name == ("", "author"):
            _atom_author(el, doc, feed)
        elif name in (("sy", "updateperiod"), ("sy", "updatefrequency")):
            once(name[1])
            _plain(el)
            feed[f"sy_{name[1]}"] = _text(el)
        elif name in _HARMLESS_ATOM_FEED:
            _atom_text(el) if name[0] == "" and name[1] in ("subtitle", "rights") else _raw(el)
        else:
            raise Unsure
    return feed, entries


def _read_atom_entry(entry_el: ET.Element, doc: _Doc) -> dict:
    _plain(entry_el)
    entry: dict[str, Any] = {}
    once = _Once()
    for el in entry_el:
        name = doc.name(el)
        if name == ("", "id"):
            once("id")
            _atom_id(el, doc, entry)
        elif name == ("", "link"):
            _atom_link(el, doc, entry)
        elif name == ("", "title"):
            once("title")
            entry["title"], kind = _atom_typed(el)
            entry["title_detail"] = {"type": kind}
        elif name == ("", "summary"):
            once("summary")
            entry["summary"], kind = _atom_typed(el)
            entry["summary_detail"] = {"type": kind, "base": doc.base}
        elif name == ("", "content"):
            once("content")
            value, kind = _atom_typed(el)
            entry["content"] = [{"value": value, "type": kind, "base": doc.base}]
            entry.setdefault("summary", value)
        elif name == ("", "published"):
            once("published")
            _plain(el)
            entry["published_parsed"] = _date(el)
        elif name == ("", "updated"):
            once("updated")
            _plain(el)
            entry["updated_parsed"] = _date(el)
        elif name == ("", "author"):
            _atom_author(el, doc, entry)
        elif doc.thread is not None and name == (doc.thread, "total"):
            once("total")
            _plain(el)
            entry[f"{doc.thread}_total"] = _text(el)
        elif name in _HARMLESS_ATOM_ENTRY:
            _atom_text(el) if name[1] == "rights" else _raw(el)
        else:
            raise Unsure
    return entry
