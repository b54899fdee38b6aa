"""The one safety boundary for untrusted text: terminal controls out, only web links in.

Everything a stranger wrote (titles, authors, bodies, URLs) passes through here
before it is shown. No terminal control survives: escape sequences, C0/C1
controls and bidi overrides are removed, so a feed cannot retitle the window,
move the cursor, plant a hyperlink or reorder what the reader sees. Only http(s)
URLs with a host are ever opened.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

__all__ = ["clean", "clean_line", "safe_url"]

# -- control stripping --------------------------------------------------------

# One alternation, tried left to right at each control introducer:
#  1. string sequences (OSC, DCS, SOS, PM, APC) with their payload, up to BEL
#     or ST. After ESC, an unterminated one stops at the end of the line so a
#     stray introducer cannot swallow a whole article. An 8-bit introducer only
#     takes a payload that is terminated and free of C1 characters: a lone
#     U+0080-U+009F is far more often mojibake (UTF-8 read as Latin-1 turns
#     "”" into "â\x80\x9d") than an attack, and must not eat the text after it;
#  2. CSI with parameters, intermediates and final byte (7-bit and 8-bit);
#  3. any other ESC sequence (intermediates + final), or a lone ESC;
#  4. single characters: C0 except tab/newline, DEL, C1, bidi embeddings,
#     overrides, isolates and marks, lone surrogates (no UTF-8 can carry them).
#     ZWJ (U+200D) stays: emoji need it.
_CONTROL_RE = re.compile(
    "\x1b[\\]PX^_][^\x07\x1b\x9c\n]*(?:\x07|\x1b\\\\|\x9c)?"
    "|[\x90\x98\x9d\x9e\x9f][^\x00-\x1f\x7f-\x9f]*(?:\x07|\x1b\\\\|\x9c)"
    "|(?:\x1b\\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    "|\x1b[\x20-\x2f]*[\x30-\x7e]?"
    "|[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


# Every alternative of _CONTROL_RE starts with one of these characters: a text
# with none of them (nearly every title and body) skips the slow regex entirely.
# One character class is a single C loop; the alternation costs ~100x more.
_ANY_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def clean(s: str | None) -> str:
    """Remove every terminal control from ``s``; keep newlines, tabs become spaces."""
    if not s:
        return ""
    if "\r" in s:
        # A lone CR would return the cursor to column 0 and let text overwrite
        # itself; as a line break it is harmless and keeps old Mac line endings.
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    if _ANY_CONTROL.search(s):
        s = _CONTROL_RE.sub("", s)
    if "\t" in s:
        s = s.replace("\t", " ")
    if "\u2028" in s or "\u2029" in s:
        s = s.replace("\u2028", "\n").replace("\u2029", "\n")
    return s


def clean_line(s: str | None) -> str:
    """clean(), then one line: whitespace runs (newlines too) become one space."""
    s = clean(s)
    return " ".join(s.split()) if s else ""


_ALLOWED_SCHEMES = ("http", "https")


def safe_url(url: str | None, base: str = "") -> str | None:
    """``url`` resolved against ``base`` if it is an http(s) URL with a host, else None."""
    if not url:
        return None
    # Browsers drop tabs and newlines inside URLs ("java\nscript:" is javascript:);
    # doing the same, and dropping spaces, means what we check is what gets opened.
    url = "".join(clean(url).split())
    if not url:
        return None
    base = "".join(clean(base).split()) if base else ""
    try:
        if base:
            url = urljoin(base, url)
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unbalanced "[" in the host, or a bad port
        return None
    if parts.scheme.lower() not in _ALLOWED_SCHEMES or not host:
        return None
    return url


def web_url_problem(url: str) -> str:
    """Why ``url`` cannot be a feed or thread address, or "" when it can.

    Every URL that enters the program (``add``, ``thread``, a URL to follow, an
    OPML outline) passes here: an http(s) scheme, a host, a port that exists, and
    nothing a terminal or an HTTP request line would choke on (spaces, CR/LF,
    controls, lone surrogates from undecodable command-line bytes).
    """
    if not isinstance(url, str) or not url:
        return "empty URL"
    if len(url) > 8192:
        return "URL longer than 8192 characters"
    if any(c.isspace() or not c.isprintable() for c in url) or _CONTROL_RE.search(url):
        return "URL contains spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for 99999 or junk
        host = parts.hostname
    except ValueError as exc:
        return f"malformed URL ({exc})"
    if parts.scheme.lower() not in _ALLOWED_SCHEMES:
        return "not an http(s) URL"
    if not host:
        return "no host in the URL"
    if port == 0:
        return "port 0 is not a port"
    return ""
