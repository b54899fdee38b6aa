"""Titles and names written as HTML -> the one line of plain text they show.

Feeds send titles as markup more often than not (RSS titles are escaped HTML in
practice, Atom says type="html"). ``html_line`` decodes such a title once, at
parse time, so what is stored is text: entities decoded, tags dropped, controls
out (``sanitize.clean_line``). It is a single linear pass, never a parser that
rescans: a title is a stranger's text like any other.
"""

from __future__ import annotations

import html as html_module
import re

from tui.text.sanitize import clean_line

__all__ = ["html_line"]

# Only the characters that can start a tag, end tag, comment or declaration make
# a string HTML; "1 < 2" and "a <= b" stay plain text.
_TAG_START = re.compile(r"<(?:[A-Za-z]|/[A-Za-z]|!)")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


# The elements of HTML (current and obsolete). A title's tags that name one of
# these are markup and dropped; anything else in angle brackets ("Vec<String>",
# "<Ctrl>") is text a publisher forgot to escape, and is kept as written.
_HTML_ELEMENTS = frozenset(
    """a abbr acronym address applet area article aside audio b base basefont bdi bdo
    bgsound big blink blockquote body br button canvas caption center cite code col
    colgroup data datalist dd del details dfn dialog dir div dl dt em embed fieldset
    figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header
    hgroup hr html i iframe img input ins kbd keygen label legend li link main map mark
    marquee math menu meta meter nav nobr noembed noframes noscript object ol optgroup
    option output p param picture plaintext pre progress q rb rp rt rtc ruby s samp
    script search section select slot small source span strike strong style sub summary
    sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul
    var video wbr xmp""".split()
)
# Their content is not text: a title never shows it.
_LINE_SKIP = frozenset(("script", "style", "template", "noscript", "iframe", "svg", "math", "title"))


# A tag, a comment's start, or a declaration / processing instruction. A quote
# with no partner is a character of an unquoted value (href=x.example/"), and
# the possessive *+ never tries it both ways. No part may cross a "<", so a stranger's "<a <a <a ..." costs one pass, not one per "<"
# (HTMLParser rescans the rest of the text at every unterminated tag).
_LINE_TOKEN = re.compile(r"<!--|<(/?)([A-Za-z][A-Za-z0-9:-]*)(?:\"[^\"<]*\"|'[^'<]*'|[^<>])*+>|<[!?][^<>]*>")


def _decode_entities(text: str) -> str:
    # Only complete entities, so "AT&T" and "a&b=c" stay as written.
    if "&" not in text:
        return text
    return _ENTITY.sub(lambda m: html_module.unescape(m.group(0)), text)


def _line_text(source: str) -> str:
    parts: list[str] = []
    skip = ""  # inside <script> and the like: nothing shows until its end tag
    pos = 0
    end = len(source)
    while pos < end:
        m = _LINE_TOKEN.search(source, pos)
        if m is None:
            if not skip:
                parts.append(_decode_entities(source[pos:]))
            break
        if not skip:
            parts.append(_decode_entities(source[pos : m.start()]))
        token = m.group(0)
        pos = m.end()
        if token == "<!--":
            close = source.find("-->", pos)
            pos = end if close < 0 else close + 3  # an open comment runs to the end
            continue
        name = (m.group(2) or "").lower()
        closing = m.group(1) == "/"
        if skip:
            if closing and name == skip:
                skip = ""
        elif not name:
            continue  # <!DOCTYPE ...>, <?xml ...?>, <![CDATA[ ...
        elif name in _LINE_SKIP and not closing and not token.endswith("/>"):
            skip = name
        elif name not in _HTML_ELEMENTS:
            parts.append(token)
        elif name == "br":
            parts.append(" ")
    return "".join(parts)


def html_line(source: str | None) -> str:
    """A title or name written as HTML, as the one line of plain text it shows.

    Entities are decoded once ("Don&#8217;t" is "Don’t", "&amp;amp;" is "&amp;"),
    markup is dropped ("Release <b>2.0</b>" is "Release 2.0"), and the result
    passes ``clean_line``: no controls, one line. Never markup.
    """
    if not source:
        return ""
    if _TAG_START.search(source) is None:
        return clean_line(_decode_entities(source))
    return clean_line(_line_text(source))
