"""The hostile corpus: what strangers put in feeds and comment threads, and what
misbehaving servers send. Data only; the tests in tests/test_hostile_*.py feed
every entry through the real code paths (parser, store, poller, CLI, widgets).

Each text payload is wrapped between two visible anchors (``LEFT`` and
``RIGHT``) by ``framed``: after cleaning, the anchors must still be there (the
text is shown, not swallowed) and no control character may be.
"""

from __future__ import annotations

import gzip
import random
import re

LEFT, RIGHT = "Left", "Right"

# Anything a terminal would act on: C0 except newline, DEL, C1, and the bidi
# controls that reorder what the reader sees.
FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Words that live only inside a control sequence's payload: if one is visible,
# the sequence was only partly removed.
SECRET_WORDS = ("pwned", "evil.example", "Y3VybA")

# -- terminal escapes ---------------------------------------------------------

ESCAPES: dict[str, str] = {
    "csi-colour": "\x1b[31mred\x1b[0m",
    "csi-clear-screen": "\x1b[2J\x1b[H",
    "csi-cursor-move": "\x1b[10;1H\x1b[1A",
    "osc0-title-bel": "\x1b]0;pwned\x07",
    "osc2-title-st": "\x1b]2;pwned\x1b\\",
    "osc8-hyperlink": "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "osc52-clipboard": "\x1b]52;c;Y3VybA==\x07",
    "bel": "\x07\x07",
    "c1-controls": "\x85\x8d\x9f",
    "csi-8bit": "\x9b2J\x9b31m",
    "osc-8bit": "\x9d0;pwned\x9c",
    "nul": "\x00\x00",
    "backspace-del": "\x08\x08\x7f",
    "cr-overwrite": "\rEVIL",
    "bidi-override": "\u202eevil\u202c",
    "bidi-isolate": "\u2066x\u2069\u2067y\u2069",
}


def framed(payload: str) -> str:
    return f"{LEFT} {payload} {RIGHT}"


# -- markup --------------------------------------------------------------------

MARKUP: list[str] = [
    "[@click=app.quit]quit[/]",
    "[/]",
    "[/bold]",
    "[link=file:///etc/passwd]x[/link]",
    "[bold",
    "[@click=app.bell]ring",
    "$accent [$accent]var[/]",
]

# -- links ---------------------------------------------------------------------

# Never opened: not http(s), or made to look like it.
BAD_LINKS: dict[str, str] = {
    "javascript": "javascript:alert(1)",
    "javascript-mixed-case": "JaVaScRiPt:alert(1)",
    "javascript-leading-space": "  javascript:alert(1)",
    "javascript-newline": "java\nscript:alert(1)",
    "javascript-tab": "java\tscript:alert(1)",
    "javascript-control": "\x01javascript:alert(1)",
    "javascript-bidi": "\u202ejavascript:alert(1)",
    "file": "file:///etc/passwd",
    "file-upper": "FILE:///etc/passwd",
    "data": "data:text/html,<script>alert(1)</script>",
    "data-base64": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript": "vbscript:msgbox(1)",
    "vbscript-mixed-case": "VbScript:msgbox(1)",
    "ftp": "ftp://files.example/x",
    "http-without-host": "http:///etc/passwd",
    "about": "about:blank",
}
# Bad links as they appear inside an HTML attribute, entity-obfuscated.
BAD_HREFS: dict[str, str] = {
    **{
        name: url.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        for name, url in BAD_LINKS.items()
    },
    "javascript-entity-colon": "javascript&#58;alert(1)",
    "javascript-entity-tab": "jav&#x09;ascript:alert(1)",
}
GOOD_LINKS = ["https://news.test/a", "http://news.test/b?x=1&y=2"]

# -- XML and bodies ----------------------------------------------------------------


def rss(items: list[tuple[str, str]], title: str = "Feed", extra: str = "") -> str:
    body = "".join(
        f"<item><title>{t}</title><link>http://news.test/{g}</link><guid>{g}</guid>"
        f"<description>Body of {t}</description></item>"
        for g, t in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title>{extra}{body}</channel></rss>"
    )


def _billion_laughs() -> bytes:
    ents = ['<!ENTITY lol "lol">']
    for i in range(1, 10):
        prev = f"&lol{i - 1};" if i > 1 else "&lol;"
        ents.append(f'<!ENTITY lol{i} "{prev * 10}">')
    return (
        '<?xml version="1.0"?><!DOCTYPE rss [' + "".join(ents) + "]>"
        '<rss version="2.0"><channel><title>Laughs</title>'
        "<item><guid>bl</guid><title>&lol9;</title><description>&lol9;</description></item>"
        "</channel></rss>"
    ).encode()


def _xxe() -> bytes:
    return (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>XXE</title>'
        b"<item><guid>xxe</guid><title>t &xxe;</title><description>&xxe;</description></item>"
        b"</channel></rss>"
    )


def gzip_bomb(expanded: int = 50 * 1024 * 1024) -> bytes:
    return gzip.compress(b"\0" * expanded, compresslevel=9)


# name -> (body, content type, extra headers, expected: "ok" or a substring of the reason)
# Bodies that are big are built lazily by the tests (see BIG_BODIES).
BODIES: dict[str, tuple[bytes, str, dict[str, str], str]] = {
    "malformed-xml": (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Cut',
        "application/rss+xml",
        {},
        "malformed XML",
    ),
    "mismatched-tags": (
        b"<rss><channel><title>x</channel></title></rss>",
        "application/rss+xml",
        {},
        "malformed XML",
    ),
    "wrong-encoding-latin1-as-utf8": (
        rss([("we1", "Caf\u00e9 cr\u00e8me")], title="Caf\u00e9").encode("latin-1"),
        "application/rss+xml; charset=utf-8",
        {},
        "ok",
    ),
    "wrong-encoding-header-says-latin1": (
        rss([("we2", "Na\u00efve \u2014 \u00fcber")]).encode("utf-8"),
        "application/rss+xml; charset=iso-8859-1",
        {},
        "ok",
    ),
    "missing-encoding-utf16": (
        rss([("we3", "UTF-16 item")]).replace(' encoding="utf-8"', "").encode("utf-16"),
        "application/xml",
        {},
        "ok",
    ),
    "missing-encoding-utf32": (
        rss([("we5", "UTF-32 item")]).replace(' encoding="utf-8"', "").encode("utf-32"),
        "application/rss+xml; charset=utf-8",
        {},
        "ok",
    ),
    "unknown-encoding": (
        rss([("we4", "Bogus charset")]).replace("utf-8", "x-no-such-charset").encode(),
        "application/rss+xml; charset=x-no-such-charset",
        {},
        "ok",
    ),
    "billion-laughs": (_billion_laughs(), "application/rss+xml", {}, "ok"),
    "xxe-file": (_xxe(), "application/rss+xml", {}, "ok"),
    "html-page": (
        b"<!DOCTYPE html><html><head><title>Welcome</title></head><body><p>Sign in</p></body></html>",
        "text/html; charset=utf-8",
        {},
        "HTML page",
    ),
    "empty-200": (b"", "application/rss+xml", {}, "empty response"),
    "whitespace-200": (b" \r\n\t\n", "application/rss+xml", {}, "empty response"),
    "binary-junk": (
        bytes([0x89]) + random.Random(6).randbytes(8192),
        "application/octet-stream",
        {},
        "malformed XML",
    ),
    "json-not-a-feed": (b'{"hello": "world"}', "application/json", {}, "JSON Feed"),
}

# Built on demand (tens of MB): name -> expected reason.
BIG_BODIES = {
    "body-50mb": "body over 20 MB",
    "body-50mb-no-length": "body over 20 MB",
    "gzip-bomb": "body over 20 MB",
    "single-5mb-line": "ok",
}

# -- HTTP faults ---------------------------------------------------------------------

# name -> expected outcome and a substring of the reason (the tests build the server side).
HTTP_FAULTS = {
    "connect-timeout": ("error", "timed out connecting"),
    "read-timeout": ("error", "timed out"),
    "trickle-1-byte-per-second": ("error", "timed out"),
    "connection-reset": ("error", "connection"),
    "http-500": ("error", "HTTP 500"),
    "429-retry-after-seconds": ("error", "rate limited (429), retry in 120 s"),
    "429-retry-after-date": ("error", "rate limited (429), retry in"),
    "503-retry-after-seconds": ("error", "unavailable (503), retry in 120 s"),
    "503-retry-after-date": ("error", "unavailable (503), retry in"),
    "redirect-loop": ("error", "redirect loop"),
    "too-many-redirects": ("error", "too many redirects"),
    "redirect-to-file-url": ("error", "redirect to a non-web URL"),
    "301": ("new", ""),
    "302": ("new", ""),
    "307": ("new", ""),
    "308": ("new", ""),
    "410": ("gone", "410"),
    "wrong-content-type-text-plain": ("new", ""),
    "wrong-content-type-octet-stream": ("new", ""),
    "wrong-content-type-text-html": ("new", ""),
    "wrong-content-type-json-for-xml": ("new", ""),
}

# -- dates -----------------------------------------------------------------------------

# RSS pubDate / JSON Feed date values; None in the expectation means "no date".
DATES_RSS = {
    "missing": None,
    "invalid-words": "sometime last week",
    "invalid-numbers": "99/99/9999 99:99",
    "far-future": "Fri, 01 Jan 2999 00:00:00 GMT",
    "year-1": "Mon, 01 Jan 0001 00:00:00 GMT",
    "year-9999": "Fri, 31 Dec 9999 23:59:59 GMT",
    "naive-iso": "2024-05-01T10:00:00",
    "aware-offset": "Wed, 01 May 2024 10:00:00 +0530",
    "aware-gmt": "Wed, 01 May 2024 10:00:00 GMT",
}
DATES_JSON = {
    "missing": None,
    "invalid": "not a date",
    "far-future": "2999-01-01T00:00:00Z",
    "year-1": "0001-01-01T00:00:00Z",
    "year-9999": "9999-12-31T23:59:59Z",
    "naive": "2024-05-01T10:00:00",
    "aware": "2024-05-01T10:00:00+05:30",
    "number": 1714557600,
}
