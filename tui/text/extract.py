"""Reader mode's extraction: an article's web page -> its main text, as HTML.

Pure and headless (no I/O, no Textual); the caller runs it in a thread, since a
large page costs milliseconds of lxml work. The text it returns is still
untrusted HTML: it is drawn through ``html.html_to_text`` like any feed body.

trafilatura does the extraction. It was chosen by measurement over
readability-lxml on the pages in tests/fixtures/reader (bench/bench_reader_extract.py):
both kept every main-text phrase, trafilatura let in fewer boilerplate phrases
(navigation tickers, sponsored boxes) and it drops comment sections on request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.text.html import html_to_plain

# What a page may be served as and still be read as HTML.
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_LOOKS_HTML = re.compile(
    rb"^\s*(?:\xef\xbb\xbf)?\s*<(?:!doctype|html|head|body|!--|\?xml|meta|title|div|p)\b", re.I
)
# Past this, a page is not an article: lxml's cost grows with it and the text is lost in it.
MAX_PAGE_BYTES = 5 * 1024 * 1024
_TOO_LITTLE = 40  # characters of plain text: fewer is a cookie wall or an empty shell


@dataclass(frozen=True)
class Extracted:
    html: str  # the main text as HTML; '' when there is none
    error: str = ""  # one line when there is none: why

    @property
    def ok(self) -> bool:
        return bool(self.html) and not self.error


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _decode(body: bytes, content_type: str) -> str | bytes:
    """Text when the server named a charset Python knows; else the bytes, which the
    extractor decodes from the page's own <meta charset> or by guessing."""
    found = _CHARSET.search(content_type)
    if found:
        try:
            return body.decode(found.group(1), errors="replace")
        except LookupError:
            pass
    return body


def extract_main(body: bytes | str, content_type: str = "", *, url: str = "", title: str = "") -> Extracted:
    """The main text of a web page, without navigation, asides, footers, banners
    and comments. ``title``, when given, drops a leading heading that repeats it
    (the article view shows the title already)."""
    kind = media_type(content_type)
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else body
    if kind and kind not in _HTML_TYPES:
        return Extracted("", f"the page is not HTML ({kind[:40]})")
    if not kind and not _LOOKS_HTML.match(raw[:512]):
        return Extracted("", "the page is not HTML")
    if len(raw) > MAX_PAGE_BYTES:
        return Extracted("", f"the page is too large to read ({len(raw) // (1024 * 1024)} MB)")
    page = body if isinstance(body, str) else _decode(raw, content_type)
    try:
        import trafilatura

        found = trafilatura.extract(
            page,
            url=url or None,
            output_format="html",
            include_links=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
        )
    except Exception as exc:  # a page that breaks the parser costs only itself
        return Extracted("", f"the page could not be read ({type(exc).__name__})")
    if not found or len(" ".join(html_to_plain(found).split())) < _TOO_LITTLE:
        return Extracted("", "no article text found on the page")
    return Extracted(_drop_repeated_title(found, title))


_LEADING_HEADING = re.compile(r"^\s*(?:<html>\s*)?(?:<body>\s*)?<h1>(.*?)</h1>", re.S | re.I)


def _drop_repeated_title(found: str, title: str) -> str:
    match = _LEADING_HEADING.match(found)
    if match and title and " ".join(html_to_plain(match.group(1)).split()) == " ".join(title.split()):
        return found[: match.start(1) - len("<h1>")] + found[match.end() :]
    return found
