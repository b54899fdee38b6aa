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

import codecs
import io
import re
import urllib.parse
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from typing import Any

from . import feeds as _feeds
from .model import ParsedFeed

__all__ = ["parse_fast"]

ATOM = "http://www.w3.org/2005/Atom"
NS_XML = "http://www.w3.org/XML/1998/namespace"
NS_CONTENT = "http://purl.org/rss/1.0/modules/content/"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_MEDIA = "http://search.yahoo.com/mrss/"
NS_FEEDBURNER = "http://rssnamespace.org/feedburner/ext/1.0"

# feedparser's table of namespaces it knows (URI lower-cased -> its prefix).
# Elements in these are dispatched by this prefix whatever the document says.
_KNOWN = {
    "": "", "http://backend.userland.com/rss": "", "http://blogs.law.harvard.edu/tech/rss": "",
    "http://purl.org/rss/1.0/": "", "http://my.netscape.com/rdf/simple/0.9/": "",
    "http://example.com/newformat#": "", "http://example.com/necho": "", "http://purl.org/echo/": "",
    "uri/of/echo/namespace#": "", "http://purl.org/pie/": "", "http://purl.org/atom/ns#": "",
    "http://www.w3.org/2005/atom": "", "http://purl.org/rss/1.0/modules/rss091#": "",
    "http://webns.net/mvcb/": "admin", "http://purl.org/rss/1.0/modules/aggregation/": "ag",
    "http://purl.org/rss/1.0/modules/annotate/": "annotate", "http://media.tangent.org/rss/1.0/": "audio",
    "http://backend.userland.com/blogchannelmodule": "blogChannel",
    "http://creativecommons.org/ns#license": "cc", "http://web.resource.org/cc/": "cc",
    "http://cyber.law.harvard.edu/rss/creativecommonsrssmodule.html": "creativeCommons",
    "http://backend.userland.com/creativecommonsrssmodule": "creativeCommons",
    "http://purl.org/rss/1.0/modules/company": "co", "http://purl.org/rss/1.0/modules/content/": "content",
    "http://my.theinfo.org/changed/1.0/rss/": "cp", "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms", "http://purl.org/rss/1.0/modules/email/": "email",
    "http://purl.org/rss/1.0/modules/event/": "ev", "http://rssnamespace.org/feedburner/ext/1.0": "feedburner",
    "http://freshmeat.net/rss/fm/": "fm", "http://xmlns.com/foaf/0.1/": "foaf",
    "http://www.w3.org/2003/01/geo/wgs84_pos#": "geo", "http://www.georss.org/georss": "georss",
    "http://www.opengis.net/gml": "gml", "http://postneo.com/icbm/": "icbm",
    "http://purl.org/rss/1.0/modules/image/": "image", "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "http://example.com/dtds/podcast-1.0.dtd": "itunes", "http://purl.org/rss/1.0/modules/link/": "l",
    "http://search.yahoo.com/mrss": "media", "http://search.yahoo.com/mrss/": "media",
    "http://madskills.com/public/xml/rss/module/pingback/": "pingback",
    "http://prismstandard.org/namespaces/1.2/basic/": "prism",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf", "http://www.w3.org/2000/01/rdf-schema#": "rdfs",
    "http://purl.org/rss/1.0/modules/reference/": "ref", "http://purl.org/rss/1.0/modules/richequiv/": "reqv",
    "http://purl.org/rss/1.0/modules/search/": "search", "http://purl.org/rss/1.0/modules/slash/": "slash",
    "http://schemas.xmlsoap.org/soap/envelope/": "soap", "http://purl.org/rss/1.0/modules/servicestatus/": "ss",
    "http://hacks.benhammersley.com/rss/streaming/": "str", "http://purl.org/rss/1.0/modules/subscription/": "sub",
    "http://purl.org/rss/1.0/modules/syndication/": "sy", "http://schemas.pocketsoap.com/rss/mydescmodule/": "szf",
    "http://purl.org/rss/1.0/modules/taxonomy/": "taxo", "http://purl.org/rss/1.0/modules/threading/": "thr",
    "http://purl.org/rss/1.0/modules/textinput/": "ti",
    "http://madskills.com/public/xml/rss/module/trackback/": "trackback",
    "http://wellformedweb.org/commentapi/": "wfw", "http://purl.org/rss/1.0/modules/wiki/": "wiki",
    "http://www.w3.org/1999/xhtml": "xhtml", "http://www.w3.org/1999/xlink": "xlink",
    "http://www.w3.org/xml/1998/namespace": "xml", "http://podlove.org/simple-chapters": "psc",
}
_CANONICAL_PREFIXES = {p.lower() for p in _KNOWN.values() if p}

# feeds.py finds these by a loosened URI (case, trailing slash); only their
# exact spellings are handled here, the variants go to feedparser.
_WATCHED = {
    _feeds._norm_ns(u): u for u in (_feeds.NS_SLASH, _feeds.NS_WFW, _feeds.NS_SY, _feeds.NS_THREAD)
}

# (namespace prefix as feedparser names it, lower-cased local name)
# Leaves whose feedparser handlers touch nothing that feeds.py reads.
_HARMLESS_ITEM = {
    ("", "category"), ("", "enclosure"), ("", "source"),
    ("dc", "subject"), ("dc", "rights"), ("dc", "language"), ("dc", "identifier"), ("dc", "format"),
    ("dc", "type"),
    ("media", "content"), ("media", "thumbnail"), ("media", "credit"), ("media", "category"),
    ("media", "keywords"), ("media", "rating"),
    ("wfw", "comment"), ("feedburner", "origlink"),
}
_HARMLESS_CHANNEL = {
    ("", "description"), ("", "language"), ("", "copyright"), ("", "managingeditor"), ("", "webmaster"),
    ("", "category"), ("", "generator"), ("", "docs"), ("", "cloud"), ("", "rating"),
    ("dc", "language"), ("dc", "rights"), ("dc", "creator"), ("dc", "publisher"), ("dc", "subject"),
    ("sy", "updatebase"),
}
_CHANNEL_DATES = {("", "pubdate"), ("", "lastbuilddate"), ("dc", "date")}
_IMAGE_CHILDREN = {"url", "title", "link", "width", "height", "description"}
_HARMLESS_ATOM_FEED = {
    ("", "subtitle"), ("", "generator"), ("", "icon"), ("", "logo"), ("", "rights"), ("", "category"),
    ("sy", "updatebase"),
}
_HARMLESS_ATOM_ENTRY = {("", "category"), ("", "rights")}
_ATOM_LINK_ATTRS = {"href", "rel", "type", "title", "hreflang", "length"}
_TEXT_TYPES = {None: "text/plain", "text": "text/plain", "html": "text/html"}

# feedparser's URL handling (feedparser/urls.py), repeated so that the fast path
# never imports feedparser.
_ACCEPTABLE_URI_SCHEMES = (
    "file", "ftp", "gopher", "h323", "hdl", "http", "https", "imap", "magnet",
    "mailto", "mms", "news", "nntp", "prospero", "rsync", "rtsp", "rtspu",
    "sftp", "shttp", "sip", "sips", "snews", "svn", "svn+ssh", "telnet",
    "wais", "aim", "callto", "cvs", "facetime", "feed", "git", "gtalk", "irc", "ircs",
    "irc6", "itms", "mms", "msnim", "skype", "ssh", "smb", "svn", "ymsg",
)
_URIFIXER = re.compile("^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")
_LINK_ENTITY = re.compile("&([A-Za-z0-9_]+);")

# feedparser/encodings.py
_RE_XML_DECLARATION = re.compile(r"^<\?xml[^>]*?>")
_RE_XML_PI_ENCODING = re.compile(rb"^<\?.*encoding=[\'\"](.*?)[\'\"].*\?>")
_NEW_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>"
_NOT_UTF8_STARTS = (
    codecs.BOM_UTF32_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE,
    b"\x4C\x6F\xA7\x94", b"\x00\x3C\x00\x3F", b"\x3C\x00\x3F\x00", b"\x00\x00\x00\x3C", b"\x3C\x00\x00\x00",
)

# feedparser/html.py: C1 code points read as windows-1252.
_CP1252 = {
    128: "\u20ac", 130: "\u201a", 131: "\u0192", 132: "\u201e", 133: "\u2026", 134: "\u2020",
    135: "\u2021", 136: "\u02c6", 137: "\u2030", 138: "\u0160", 139: "\u2039", 140: "\u0152",
    142: "\u017d", 145: "\u2018", 146: "\u2019", 147: "\u201c", 148: "\u201d", 149: "\u2022",
    150: "\u2013", 151: "\u2014", 152: "\u02dc", 153: "\u2122", 154: "\u0161", 155: "\u203a",
    156: "\u0153", 158: "\u017e", 159: "\u0178",
}

_C1 = re.compile("[\x80-\x9f]")

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_ZONES = {"gmt": 0, "ut": 0, "utc": 0, "z": 0, "edt": -4, "est": -5, "cdt": -5, "cst": -6,
          "mdt": -6, "mst": -7, "pdt": -7, "pst": -8}
# Shapes both feedparser's date handlers and these regexes read the same way;
# anything looser (two-digit years, swapped day and month, odd zones) is left to it.
_RFC822 = re.compile(
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun), )?(\d{1,2}) ([a-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) "
    r"(gmt|ut|utc|z|[ecmp][sd]t|[+-]\d{4})"
)
_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?")


_DTD = re.compile(rb"<!(?i:doctype|entity)")


class _Unsure(Exception):
    """Raised anywhere below to mean "let feedparser decide"."""


def parse_fast(body: bytes, headers: dict | None = None, url: str = "") -> ParsedFeed | None:
    """parse_feed's result for a plain RSS 2.0 / Atom 1.0 body, or None when unsure."""
    try:
        return _parse(body, headers, url)
    except Exception:  # _Unsure, ParseError, or a shape not foreseen: feedparser decides
        return None


def _parse(body: bytes, headers: dict | None, url: str) -> ParsedFeed:
    lower = _feeds._response_headers(headers, url)
    data = _as_feedparser_sees_it(body, lower)
    if _DTD.search(data):
        # No DTD may reach ElementTree, and feedparser rewrites DOCTYPEs anyway.
        raise _Unsure
    events = ET.iterparse(io.BytesIO(data), events=("start-ns",))
    declared = [event for _, event in events]
    root = events.root  # type: ignore[attr-defined]
    for el in root.iter():
        for key in el.attrib:
            if key.rpartition("}")[2].lower() == "base":
                raise _Unsure  # xml:base (feedparser also honours a bare "base")
    base = _base_uri(lower.get("content-location", ""))
    if root.tag == "rss":
        doc = _Doc(declared, default_ns=None, base=base)
        feed, entries = _read_rss(root, doc)
    elif root.tag == f"{{{ATOM}}}feed":
        doc = _Doc(declared, default_ns=ATOM, base=base)
        feed, entries = _read_atom(root, doc)
    else:
        raise _Unsure
    parsed = _feeds._parsed_feed(feed, entries, doc.namespaces_in_use)
    parsed.entries = _feeds._dedupe(parsed.entries)
    return parsed


# -- bytes as feedparser decodes them ---------------------------------------------


def _as_feedparser_sees_it(body: bytes, headers: dict[str, str]) -> bytes:
    """The UTF-8 bytes feedparser's convert_to_utf8 hands to expat, when it does
    so without complaint (a complaint is a bozo flag the fast path cannot give)."""
    data = body
    if data.startswith(_NOT_UTF8_STARTS):
        raise _Unsure
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[3:]
        data.decode("utf-8")  # feedparser stops looking for a declaration otherwise
    match = _RE_XML_PI_ENCODING.match(data)
    xml_encoding = match.group(1).decode("ascii").lower() if match else ""
    if bom and xml_encoding not in ("", "utf-8"):
        raise _Unsure
    mime, http_encoding = _content_type(headers.get("content-type") or "")
    if mime in ("application/xml", "application/xml-dtd", "application/xml-external-parsed-entity") or (
        mime.startswith("application/") and mime.endswith("+xml")
    ):
        encoding = http_encoding or xml_encoding or "utf-8"
    elif mime in ("text/xml", "text/xml-external-parsed-entity") or (
        mime.startswith("text/") and mime.endswith("+xml")
    ):
        encoding = http_encoding or "us-ascii"
    elif headers:
        raise _Unsure  # feedparser: NonXMLContentType
    else:
        encoding = xml_encoding or "utf-8"
    if encoding.lower() == "gb2312":
        raise _Unsure
    text = data.decode(encoding)  # failing: feedparser would override it, with a bozo
    if _RE_XML_DECLARATION.search(text):
        text = _RE_XML_DECLARATION.sub(_NEW_DECLARATION, text)
    else:
        text = _NEW_DECLARATION + "\n" + text
    return text.encode("utf-8")


def _content_type(line: str) -> tuple[str, str]:
    chunks = line.split(";")
    mime = chunks[0].strip()
    charset = ""
    for chunk in chunks[1:]:
        key, _, value = chunk.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
    return mime, charset


# -- URLs as feedparser resolves them ------------------------------------------------


def _urljoin(base: str, uri: str) -> str:
    uri = _URIFIXER.sub(r"\1\3", uri)
    try:
        return urllib.parse.urljoin(base, uri)
    except ValueError:
        return ""


def _safe_absolute(base: str, rel: str | None = None) -> str:
    if not base:
        return rel or ""
    if not rel:
        try:
            scheme = urllib.parse.urlparse(base)[0]
        except ValueError:
            return ""
        return base if not scheme or scheme in _ACCEPTABLE_URI_SCHEMES else ""
    uri = _urljoin(base, rel)
    if uri.strip().split(":", 1)[0] not in _ACCEPTABLE_URI_SCHEMES:
        return ""
    return uri


def _base_uri(content_location: str) -> str:
    base = _safe_absolute("", content_location) or _safe_absolute(content_location) or ""
    # feedparser re-derives the base at every element; a base that the rule does
    # not leave unchanged would drift through the document.
    if base and (_safe_absolute(base, base) or base) != base:
        raise _Unsure
    return base


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
                raise _Unsure
            if not prefix:
                if uri != default_ns:
                    raise _Unsure
            elif low in _KNOWN and _KNOWN[low] != prefix and prefix.lower() in _CANONICAL_PREFIXES:
                # feedparser maps this prefix to the URI's own name for every
                # element, so elements of the namespace named like it are misrouted.
                raise _Unsure
            norm = _feeds._norm_ns(uri)
            if norm in _WATCHED and _WATCHED[norm] != uri:
                raise _Unsure
            if not uri:
                continue
            if low in _KNOWN:
                self.namespaces_in_use[_KNOWN[low]] = uri
                self.prefix_of[uri] = _KNOWN[low]
            else:
                self.namespaces_in_use[prefix] = uri
                self.prefix_of[uri] = prefix.lower()
        self.prefix_of[""] = ""
        self.thread = self.prefix_of.get(_feeds.NS_THREAD)

    def name(self, el: ET.Element) -> tuple[str, str]:
        """(prefix, local) as feedparser dispatches the element."""
        tag = el.tag
        if not isinstance(tag, str):
            raise _Unsure
        if tag[0] != "{":
            return "", tag.lower()
        uri, _, local = tag[1:].partition("}")
        prefix = self.prefix_of.get(uri)
        if prefix is None:
            raise _Unsure
        return prefix, local.lower()

    def resolve(self, uri: str) -> str:
        return _urljoin(self.base, uri)


def _attrs(el: ET.Element, allowed: set[str] = frozenset()) -> dict[str, str]:
    """An element's attributes by lower-cased name; xml:lang is let through
    (feedparser uses it only for a language), anything not allowed is refused."""
    out = {}
    for key, value in el.attrib.items():
        if key == f"{{{NS_XML}}}lang":
            continue
        if key[0] == "{":
            if key == f"{{{_feeds.NS_THREAD}}}count" and "thr:count" in allowed:
                out["count"] = value
                continue
            if key == f"{{{_feeds.NS_THREAD}}}updated" and "thr:count" in allowed:
                continue  # kept by feedparser as the link's "updated", never read
            raise _Unsure
        name = key.lower()
        if name not in allowed or name in out:
            raise _Unsure
        out[name] = value
    return out


# -- text as feedparser's pop() leaves it ----------------------------------------------


def _raw(el: ET.Element) -> str:
    if len(el):
        raise _Unsure  # children would be dispatched as elements of their own
    return (el.text or "").strip()


def _finish(text: str) -> str:
    if text.isascii():
        return text  # both repairs below leave ASCII alone; most text is ASCII
    try:
        # feedparser's repair for UTF-8 read as Latin-1 and encoded again
        text = text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    if _C1.search(text):
        text = text.translate(_CP1252)
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
    text = _text(el)
    if not text:
        return None
    low = text.lower()
    m = _RFC822.fullmatch(low)
    if m:
        day, month, year, hour, minute, second, zone = m.groups()
        if month not in _MONTHS:
            raise _Unsure
        if zone[0] in "+-":
            hours, minutes = int(zone[1:3]), int(zone[3:])
            if zone[0] == "-":
                hours, minutes = -hours, -minutes
        else:
            hours, minutes = _ZONES[zone], 0
        fields = (int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second))
    else:
        m = _RFC3339.fullmatch(text)
        if not m:
            raise _Unsure
        *ymdhms, zone = m.groups()
        fields = tuple(int(x) for x in ymdhms)
        hours = minutes = 0
        if zone and zone != "Z":
            hours, minutes = int(zone[1:3]), int(zone[4:])
            if zone[0] == "-":
                hours, minutes = -hours, -minutes
    try:
        stamp = datetime(*fields) - timedelta(hours=hours, minutes=minutes)
        return stamp.utctimetuple()
    except (ValueError, OverflowError):
        raise _Unsure from None  # feedparser would try its other date readers


class _Once:
    """Fields that may appear once: feedparser's handling of repeats depends on
    order and depth in ways not worth reproducing."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, key: str) -> None:
        if key in self.seen:
            raise _Unsure
        self.seen.add(key)


def _plain(el: ET.Element) -> None:
    if el.attrib and _attrs(el):
        raise _Unsure


# -- RSS 2.0 ---------------------------------------------------------------------------


def _read_rss(root: ET.Element, doc: _Doc) -> tuple[dict, list[dict]]:
    attrs = _attrs(root, {"version"})
    if attrs.get("version") != "2.0" or len(root) != 1 or root[0].tag != "channel":
        raise _Unsure
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
                raise _Unsure
            _raw(el)
        elif name in (("", "title"), ("", "link"), ("", "ttl"), ("sy", "updateperiod"), ("sy", "updatefrequency")):
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
                    raise _Unsure
                _plain(child)
                _raw(child)
        elif name in (("", "skiphours"), ("", "skipdays")):
            _plain(el)
            for child in el:
                if doc.name(child) not in (("", "hour"), ("", "day")):
                    raise _Unsure
                _raw(child)
        else:
            raise _Unsure
    return feed, entries


def _read_rss_item(item: ET.Element, doc: _Doc) -> dict:
    _plain(item)
    entry: dict[str, Any] = {}
    once = _Once()
    for el in item:
        name = doc.name(el)
        prefix, local = name
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
        elif name == ("content", "encoded"):
            once("content")
            _plain(el)
            value = _text(el)
            entry["content"] = [{"value": value}]
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
            raise _Unsure
    return entry


# -- Atom 1.0 ---------------------------------------------------------------------------


def _atom_text(el: ET.Element) -> str:
    kind = _attrs(el, {"type"}).get("type")
    if kind is not None:
        kind = kind.lower()
    if kind not in _TEXT_TYPES:
        raise _Unsure  # xhtml (feedparser rebuilds the markup) and other media types
    return _text(el)


def _atom_link(el: ET.Element, doc: _Doc, context: dict) -> None:
    attrs = _attrs(el, _ATOM_LINK_ATTRS | {"thr:count"})
    if "href" not in attrs:
        raise _Unsure  # feedparser would read the element's text as the link
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


def _atom_author(el: ET.Element, doc: _Doc) -> str:
    _plain(el)
    if (el.text or "").strip():
        raise _Unsure
    parts: dict[str, str] = {}
    for child in el:
        prefix, local = doc.name(child)
        if prefix or local not in ("name", "email", "uri") or local in parts or child.tail and child.tail.strip():
            raise _Unsure
        _plain(child)
        parts[local] = _raw(child)  # feedparser takes these without its text repairs
    name, email = parts.get("name"), parts.get("email")
    if name and email:
        return f"{name} ({email})"
    return name or email or ""


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
            feed["title"] = _atom_text(el)
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
            once("author")
            _atom_author(el, doc)
        elif name in (("sy", "updateperiod"), ("sy", "updatefrequency")):
            once(name[1])
            _plain(el)
            feed[f"sy_{name[1]}"] = _text(el)
        elif name in _HARMLESS_ATOM_FEED:
            _atom_text(el) if name[0] == "" and name[1] in ("subtitle", "rights") else _raw(el)
        else:
            raise _Unsure
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
            entry["title"] = _atom_text(el)
        elif name == ("", "summary"):
            once("summary")
            entry["summary"] = _atom_text(el)
        elif name == ("", "content"):
            once("content")
            value = _atom_text(el)
            entry["content"] = [{"value": value}]
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
            once("author")
            entry["author"] = _atom_author(el, doc)
        elif doc.thread is not None and name == (doc.thread, "total"):
            once("total")
            _plain(el)
            entry[f"{doc.thread}_total"] = _text(el)
        elif name in _HARMLESS_ATOM_ENTRY:
            _atom_text(el) if name[1] == "rights" else _raw(el)
        else:
            raise _Unsure
    return entry
