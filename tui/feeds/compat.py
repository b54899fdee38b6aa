"""feedparser's own rules that the fast path must reproduce exactly.

Read off feedparser 6.0.14 (encodings.convert_to_utf8, urls.py, html.py, its
namespace table and date handlers) and repeated here so that the fast path never
imports feedparser. ``Unsure`` raised anywhere means "let feedparser decide".
tests/test_fastfeed.py checks these against feedparser itself.
"""

from __future__ import annotations

import codecs
import re
import urllib.parse
from datetime import datetime, timedelta
from typing import Any

# feedparser's table of namespaces it knows (URI lower-cased -> its prefix).
# Elements in these are dispatched by this prefix whatever the document says.
KNOWN_NAMESPACES = {
    "": "",
    "http://backend.userland.com/rss": "",
    "http://blogs.law.harvard.edu/tech/rss": "",
    "http://purl.org/rss/1.0/": "",
    "http://my.netscape.com/rdf/simple/0.9/": "",
    "http://example.com/newformat#": "",
    "http://example.com/necho": "",
    "http://purl.org/echo/": "",
    "uri/of/echo/namespace#": "",
    "http://purl.org/pie/": "",
    "http://purl.org/atom/ns#": "",
    "http://www.w3.org/2005/atom": "",
    "http://purl.org/rss/1.0/modules/rss091#": "",
    "http://webns.net/mvcb/": "admin",
    "http://purl.org/rss/1.0/modules/aggregation/": "ag",
    "http://purl.org/rss/1.0/modules/annotate/": "annotate",
    "http://media.tangent.org/rss/1.0/": "audio",
    "http://backend.userland.com/blogchannelmodule": "blogChannel",
    "http://creativecommons.org/ns#license": "cc",
    "http://web.resource.org/cc/": "cc",
    "http://cyber.law.harvard.edu/rss/creativecommonsrssmodule.html": "creativeCommons",
    "http://backend.userland.com/creativecommonsrssmodule": "creativeCommons",
    "http://purl.org/rss/1.0/modules/company": "co",
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://my.theinfo.org/changed/1.0/rss/": "cp",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://purl.org/rss/1.0/modules/email/": "email",
    "http://purl.org/rss/1.0/modules/event/": "ev",
    "http://rssnamespace.org/feedburner/ext/1.0": "feedburner",
    "http://freshmeat.net/rss/fm/": "fm",
    "http://xmlns.com/foaf/0.1/": "foaf",
    "http://www.w3.org/2003/01/geo/wgs84_pos#": "geo",
    "http://www.georss.org/georss": "georss",
    "http://www.opengis.net/gml": "gml",
    "http://postneo.com/icbm/": "icbm",
    "http://purl.org/rss/1.0/modules/image/": "image",
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "http://example.com/dtds/podcast-1.0.dtd": "itunes",
    "http://purl.org/rss/1.0/modules/link/": "l",
    "http://search.yahoo.com/mrss": "media",
    "http://search.yahoo.com/mrss/": "media",
    "http://madskills.com/public/xml/rss/module/pingback/": "pingback",
    "http://prismstandard.org/namespaces/1.2/basic/": "prism",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs",
    "http://purl.org/rss/1.0/modules/reference/": "ref",
    "http://purl.org/rss/1.0/modules/richequiv/": "reqv",
    "http://purl.org/rss/1.0/modules/search/": "search",
    "http://purl.org/rss/1.0/modules/slash/": "slash",
    "http://schemas.xmlsoap.org/soap/envelope/": "soap",
    "http://purl.org/rss/1.0/modules/servicestatus/": "ss",
    "http://hacks.benhammersley.com/rss/streaming/": "str",
    "http://purl.org/rss/1.0/modules/subscription/": "sub",
    "http://purl.org/rss/1.0/modules/syndication/": "sy",
    "http://schemas.pocketsoap.com/rss/mydescmodule/": "szf",
    "http://purl.org/rss/1.0/modules/taxonomy/": "taxo",
    "http://purl.org/rss/1.0/modules/threading/": "thr",
    "http://purl.org/rss/1.0/modules/textinput/": "ti",
    "http://madskills.com/public/xml/rss/module/trackback/": "trackback",
    "http://wellformedweb.org/commentapi/": "wfw",
    "http://purl.org/rss/1.0/modules/wiki/": "wiki",
    "http://www.w3.org/1999/xhtml": "xhtml",
    "http://www.w3.org/1999/xlink": "xlink",
    "http://www.w3.org/xml/1998/namespace": "xml",
    "http://podlove.org/simple-chapters": "psc",
}


CANONICAL_PREFIXES = {p.lower() for p in KNOWN_NAMESPACES.values() if p}


# feedparser's URL handling (feedparser/urls.py), repeated so that the fast path
# never imports feedparser.
_ACCEPTABLE_URI_SCHEMES = (
    "file",
    "ftp",
    "gopher",
    "h323",
    "hdl",
    "http",
    "https",
    "imap",
    "magnet",
    "mailto",
    "mms",
    "news",
    "nntp",
    "prospero",
    "rsync",
    "rtsp",
    "rtspu",
    "sftp",
    "shttp",
    "sip",
    "sips",
    "snews",
    "svn",
    "svn+ssh",
    "telnet",
    "wais",
    "aim",
    "callto",
    "cvs",
    "facetime",
    "feed",
    "git",
    "gtalk",
    "irc",
    "ircs",
    "irc6",
    "itms",
    "mms",
    "msnim",
    "skype",
    "ssh",
    "smb",
    "svn",
    "ymsg",
)


_URIFIXER = re.compile("^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")


# feedparser/encodings.py
_RE_XML_DECLARATION = re.compile(r"^<\?xml[^>]*?>")


_RE_XML_PI_ENCODING = re.compile(rb"^<\?.*encoding=[\'\"](.*?)[\'\"].*\?>")


_NEW_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>"


_NOT_UTF8_STARTS = (
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF16_BE,
    codecs.BOM_UTF16_LE,
    b"\x4c\x6f\xa7\x94",
    b"\x00\x3c\x00\x3f",
    b"\x3c\x00\x3f\x00",
    b"\x00\x00\x00\x3c",
    b"\x3c\x00\x00\x00",
)


# feedparser/html.py: C1 code points read as windows-1252.
CP1252 = {
    128: "\u20ac",
    130: "\u201a",
    131: "\u0192",
    132: "\u201e",
    133: "\u2026",
    134: "\u2020",
    135: "\u2021",
    136: "\u02c6",
    137: "\u2030",
    138: "\u0160",
    139: "\u2039",
    140: "\u0152",
    142: "\u017d",
    145: "\u2018",
    146: "\u2019",
    147: "\u201c",
    148: "\u201d",
    149: "\u2022",
    150: "\u2013",
    151: "\u2014",
    152: "\u02dc",
    153: "\u2122",
    154: "\u0161",
    155: "\u203a",
    156: "\u0153",
    158: "\u017e",
    159: "\u0178",
}


C1 = re.compile("[\x80-\x9f]")


_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


_ZONES = {
    "gmt": 0,
    "ut": 0,
    "utc": 0,
    "z": 0,
    "edt": -4,
    "est": -5,
    "cdt": -5,
    "cst": -6,
    "mdt": -6,
    "mst": -7,
    "pdt": -7,
    "pst": -8,
}


# Shapes both feedparser's date handlers and these regexes read the same way;
# anything looser (two-digit years, swapped day and month, odd zones) is left to it.
_RFC822 = re.compile(
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun), )?(\d{1,2}) ([a-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) "
    r"(gmt|ut|utc|z|[ecmp][sd]t|[+-]\d{4})"
)


_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?")


class Unsure(Exception):
    """Raised anywhere below to mean "let feedparser decide"."""


def as_feedparser_sees_it(body: bytes, headers: dict[str, str]) -> bytes:
    """The UTF-8 bytes feedparser's convert_to_utf8 hands to expat, when it does
    so without complaint (a complaint is a bozo flag the fast path cannot give)."""
    data = body
    if data.startswith(_NOT_UTF8_STARTS):
        raise Unsure
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[3:]
        data.decode("utf-8")  # feedparser stops looking for a declaration otherwise
    match = _RE_XML_PI_ENCODING.match(data)
    xml_encoding = match.group(1).decode("ascii").lower() if match else ""
    if bom and xml_encoding not in ("", "utf-8"):
        raise Unsure
    mime, http_encoding = content_type(headers.get("content-type") or "")
    if mime in ("application/xml", "application/xml-dtd", "application/xml-external-parsed-entity") or (
        mime.startswith("application/") and mime.endswith("+xml")
    ):
        encoding = http_encoding or xml_encoding or "utf-8"
    elif mime in ("text/xml", "text/xml-external-parsed-entity") or (
        mime.startswith("text/") and mime.endswith("+xml")
    ):
        encoding = http_encoding or "us-ascii"
    elif headers:
        raise Unsure  # feedparser: NonXMLContentType
    else:
        encoding = xml_encoding or "utf-8"
    if encoding.lower() == "gb2312":
        raise Unsure
    text = data.decode(encoding)  # failing: feedparser would override it, with a bozo
    if _RE_XML_DECLARATION.search(text):
        text = _RE_XML_DECLARATION.sub(_NEW_DECLARATION, text)
    else:
        text = _NEW_DECLARATION + "\n" + text
    return text.encode("utf-8")


def content_type(line: str) -> tuple[str, str]:
    chunks = line.split(";")
    mime = chunks[0].strip()
    charset = ""
    for chunk in chunks[1:]:
        key, _, value = chunk.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
    return mime, charset


def urljoin(base: str, uri: str) -> str:
    uri = _URIFIXER.sub(r"\1\3", uri)
    try:
        return urllib.parse.urljoin(base, uri)
    except ValueError:
        return ""


def safe_absolute(base: str, rel: str | None = None) -> str:
    if not base:
        return rel or ""
    if not rel:
        try:
            scheme = urllib.parse.urlparse(base)[0]
        except ValueError:
            return ""
        return base if not scheme or scheme in _ACCEPTABLE_URI_SCHEMES else ""
    uri = urljoin(base, rel)
    if uri.strip().split(":", 1)[0] not in _ACCEPTABLE_URI_SCHEMES:
        return ""
    return uri


def base_uri(content_location: str) -> str:
    base = safe_absolute("", content_location) or safe_absolute(content_location) or ""
    # feedparser re-derives the base at every element; a base that the rule does
    # not leave unchanged would drift through the document.
    if base and (safe_absolute(base, base) or base) != base:
        raise Unsure
    return base


def date_of_text(text: str) -> Any:
    """feedparser's *_parsed value for a date's text, or Unsure."""
    if not text:
        return None
    low = text.lower()
    m = _RFC822.fullmatch(low)
    if m:
        day, month, year, hour, minute, second, zone = m.groups()
        if month not in _MONTHS:
            raise Unsure
        if zone[0] in "+-":
            hours, minutes = int(zone[1:3]), int(zone[3:])
            if zone[0] == "-":
                hours, minutes = -hours, -minutes
        else:
            hours, minutes = _ZONES[zone], 0
        fields: tuple[int, ...] = (int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second))
    else:
        m = _RFC3339.fullmatch(text)
        if not m:
            raise Unsure
        *ymdhms, zone = m.groups()
        fields = tuple(int(x) for x in ymdhms)
        hours = minutes = 0
        if zone and zone != "Z":
            hours, minutes = int(zone[1:3]), int(zone[4:])
            if zone[0] == "-":
                hours, minutes = -hours, -minutes
    try:
        year_, month_, day_, hour_, minute_, second_ = fields
        stamp = datetime(year_, month_, day_, hour_, minute_, second_) - timedelta(
            hours=hours, minutes=minutes
        )
        return stamp.utctimetuple()
    except (ValueError, OverflowError):
        raise Unsure from None  # feedparser would try its other date readers
