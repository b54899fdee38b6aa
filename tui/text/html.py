"""Untrusted HTML -> safe terminal text (rich ``Text`` with spans).

Every output keeps two promises:

* no terminal control survives: all text passes ``sanitize.clean``;
* nothing becomes markup: styled text is a ``rich.text.Text`` built from plain
  strings and ``Style`` objects, never parsed from a string, and no style ever
  carries a link or click metadata.

The HTML renderer is event-driven (stdlib ``HTMLParser``) with explicit stacks,
so hostile nesting depth costs memory, never recursion.
"""

from __future__ import annotations

import html as html_module
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from rich.style import Style
from rich.text import Span, Text

from tui.text.htmlguard import defuse_unclosed
from tui.text.sanitize import clean, clean_line, safe_url

_WS_RUN = re.compile(r"\s+")
# What a browser collapses in normal flow: ASCII whitespace only (not NBSP).
_HTML_WS = re.compile(r"[ \t\n\r\f]+")

__all__ = [
    "Link",
    "Rendered",
    "first_line",
    "html_to_plain",
    "html_to_text",
]

# -- results -------------------------------------------------------------------


@dataclass
class Link:
    number: int
    url: str  # already passed safe_url()
    text: str


@dataclass
class Rendered:
    text: Text
    links: list[Link] = field(default_factory=list)
    plain: str = ""


# -- HTML rendering -------------------------------------------------------------

# Deeper nesting still renders, but only the innermost levels draw a prefix, so
# a hostile 10,000-deep quote does not push the text off the screen.
MAX_PREFIX_DEPTH = 12

_QUOTE_BAR = "▌ "
_RULE = "─" * 24
_BULLET = "• "

_DIM = Style(dim=True)

_VOID = frozenset("area base br col embed hr img input keygen link meta param source track wbr".split())
# Dropped with everything inside them: code, styling, embedded documents and
# fallback content that is not part of the text.
# <object>, <applet>, <video>, <audio> and <canvas> are not here: what they hold
# is fallback content, which a browser shows when it cannot play the media (and a
# terminal never can), so they are transparent containers, like <span>.
_DROP = frozenset("script style template noscript iframe svg math title textarea select".split())
_BLOCK = frozenset(
    "p div section article header footer main nav aside address figure figcaption "
    "details summary fieldset form center hgroup dl dt caption legend "
    "h1 h2 h3 h4 h5 h6 blockquote pre ul ol menu table".split()
)
# Elements that may sit inside a <p> without ending it; anything else starting
# a block closes an open paragraph, as browsers do.
_PHRASING = frozenset(
    "a abbr b bdi bdo big cite code data del dfn em font i ins kbd label mark nobr "
    "q s samp small span strike strong sub sup time tt u var".split()
)
_LIST = frozenset(("ul", "ol", "menu"))

# Formatting flags each element turns on while open.
_FORMAT: dict[str, tuple[str, ...]] = {
    "b": ("bold",),
    "strong": ("bold",),
    "th": ("bold",),
    "dt": ("bold",),
    "summary": ("bold",),
    "h1": ("bold", "underline"),
    "h2": ("bold", "underline"),
    "h3": ("bold",),
    "h4": ("bold",),
    "h5": ("bold",),
    "h6": ("bold",),
    "i": ("italic",),
    "em": ("italic",),
    "cite": ("italic",),
    "var": ("italic",),
    "dfn": ("italic",),
    "figcaption": ("italic",),
    "caption": ("italic",),
    "u": ("underline",),
    "ins": ("underline",),
    "s": ("strike",),
    "strike": ("strike",),
    "del": ("strike",),
    "code": ("code",),
    "kbd": ("code",),
    "samp": ("code",),
    "tt": ("code",),
    "pre": ("code",),
    "a": ("link",),
}
_FLAGS = ("bold", "italic", "underline", "strike", "code", "link")
_CODE_COLOR = "cyan"

# Start tags that implicitly end an open element: tag -> (what it closes, where
# the search stops). Searches are bounded so stray tags stay cheap at any depth.
_AUTO_CLOSE: dict[str, tuple[frozenset[str], frozenset[str] | None]] = {
    "li": (frozenset({"li"}), _LIST),
    "dt": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "dd": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "td": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "th": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "tr": (frozenset({"tr", "td", "th"}), frozenset({"table", "thead", "tbody", "tfoot"})),
    "thead": (frozenset({"tr", "td", "th", "thead", "tbody", "tfoot"}), frozenset({"table"})),
    "tbody": (frozenset({"tr", "td", "th", "thead", "tbody", "tfoot"}), frozenset({"table"})),
    "tfoot": (frozenset({"tr", "td", "th", "thead", "tbody", "tfoot"}), frozenset({"table"})),
    "a": (frozenset({"a"}), frozenset()),
}
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
# A heading starting inside another heading (or a paragraph) ends it; None as the
# stop set means "stop at the first element that is not phrasing content".
for _h in _HEADINGS:
    _AUTO_CLOSE[_h] = (_HEADINGS | {"p"}, None)
_AUTO_CLOSE_REACH = 64

_STYLE_CACHE: dict[tuple[bool, ...], Style | None] = {}


def _style_for(flags: tuple[bool, ...]) -> Style | None:
    style = _STYLE_CACHE.get(flags)
    if style is None and flags not in _STYLE_CACHE:
        bold, italic, underline, strike, code, link = flags
        if any(flags):
            style = Style(
                bold=bold or None,
                italic=italic or None,
                underline=(underline or link) or None,
                strike=strike or None,
                color=_CODE_COLOR if code else None,
            )
        _STYLE_CACHE[flags] = style
    return style


class _Level:
    """One level of line prefix: a quote bar, a list's marker, or a plain indent."""

    __slots__ = ("counter", "kind", "marker", "ordered", "pad")

    def __init__(self, kind: str, pad: str = "", ordered: bool = False, counter: int = 0):
        self.kind = kind  # "quote", "list" or "indent"
        self.marker: str | None = None  # drawn once, on the item's first line
        self.pad = pad  # drawn on the item's later lines
        self.ordered = ordered
        self.counter = counter


class _Renderer(HTMLParser):
    def __init__(
        self, base_url: str = "", styled: bool = True, numbered: bool = True, first_link: int = 1
    ) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.first_link = first_link  # the number of this text's first link
        self.styled = styled
        self.numbered = numbered  # link markers and the links list
        # output
        self.out: list[str] = []
        self.spans: list[list] = []  # [start, end, style]
        self.pos = 0
        self.links: list[Link] = []
        self.link_numbers: dict[str, int] = {}
        # layout state
        self.started = False  # anything written yet
        self.line_open = False  # the current line has its prefix and some text
        self.pending = 0  # line breaks owed before the next text (2 = blank line)
        self.space = False  # a collapsed space owed before the next word
        self.levels: list[_Level] = []
        self.last_levels: tuple[_Level, ...] = ()
        # element state
        self.stack: list[tuple[str, int]] = []  # (tag, len(levels) when opened)
        self.open_count: dict[str, int] = {}
        self.skip: list[str] = []
        self.flags = dict.fromkeys(_FLAGS, 0)
        self.style: Style | None = None
        self.pre = 0
        self.pre_fresh = False
        self.items = 0  # open <li>/<dd>: blocks inside them sit closer together
        self.cells = 0  # open <td>/<th>: blocks inside them stay on the row
        self.rows: list[int] = []  # cells so far in the current row, per open table
        self.anchor: tuple[str | None, list[str]] | None = None
        self.base_seen = False  # only a document's first <base href> counts

    # -- writing ---------------------------------------------------------------
    def _write(self, s: str, style: Style | None) -> None:
        self.out.append(s)
        end = self.pos + len(s)
        if style is not None and self.styled:
            spans = self.spans
            if spans and spans[-1][1] == self.pos and spans[-1][2] is style:
                spans[-1][1] = end
            else:
                spans.append([self.pos, end, style])
        self.pos = end

    def _prefix_levels(self) -> list[_Level]:
        levels = self.levels
        return levels[-MAX_PREFIX_DEPTH:] if len(levels) > MAX_PREFIX_DEPTH else levels

    def _open_line(self) -> None:
        levels = self._prefix_levels()
        if self.started:
            self._write("\n", None)
            if self.pending >= 2:
                # Blank lines keep the quote bars the lines above and below share,
                # so a quoted passage reads as one block.
                shared = []
                for a, b in zip(self.last_levels, levels):
                    if a is not b:
                        break
                    shared.append(_QUOTE_BAR if a.kind == "quote" else a.pad)
                bar = "".join(shared).rstrip()
                for _ in range(self.pending - 1):
                    if bar:
                        self._write(bar, _DIM)
                    self._write("\n", None)
        for level in levels:
            if level.kind == "quote":
                self._write(_QUOTE_BAR, _DIM)
            elif level.marker is not None:
                self._write(level.marker, None)
                level.marker = None
            elif level.pad:
                self._write(level.pad, None)
        self.last_levels = tuple(levels)
        self.started = True
        self.line_open = True
        self.pending = 0
        self.space = False

    def _words(self, s: str, style: Style | None) -> None:
        """Write collapsed inline text: at most one space between words, none at line starts."""
        if not s:
            return
        if s[0] == " ":
            self.space = True
            s = s.lstrip(" ")
            if not s:
                return
        trailing = s[-1] == " "
        if trailing:
            s = s.rstrip(" ")
        if not self.line_open:
            self._open_line()
        elif self.space:
            anchor = self.anchor
            in_link = anchor is not None and bool(anchor[1])
            self._write(" ", style if in_link else None)
            if anchor is not None and in_link:
                anchor[1].append(" ")
        self._write(s, style)
        self.space = trailing
        if self.anchor is not None:
            self.anchor[1].append(s)

    def _glued(self, s: str, style: Style | None) -> None:
        """Write text stuck to the previous word (link markers), keeping any owed space."""
        if not self.line_open:
            self._open_line()
            s = s.lstrip(" ")
        self._write(s, style)

    def _break(self, n: int) -> None:
        if self.cells:
            # Inside a table cell the row stays one line; blocks just separate words.
            self.space = True
            return
        if self.line_open:
            self.line_open = False
            self.pending = n
        else:
            self.pending = min(max(self.pending, n), 2)
        self.space = False
        if self.pre:
            # Newlines right after a block edge inside <pre> would widen the gap.
            self.pre_fresh = True

    def _block(self) -> None:
        self._break(1 if self.items else 2)

    def _line_break(self) -> None:
        if self.cells:
            self.space = True
        elif self.line_open:
            self._break(1)
        else:
            self.pending = min(self.pending + 1, 2)

    def _pre_text(self, data: str) -> None:
        data = clean(data.expandtabs(4))
        if self.pre_fresh:
            data = data.lstrip("\n")
            if not data:
                return
            self.pre_fresh = False
        style = self.style
        for i, line in enumerate(data.split("\n")):
            if i:
                if self.line_open:
                    self.line_open = False
                    self.pending = 1
                else:
                    self.pending += 1  # blank lines inside <pre> are content
            if line:
                if not self.line_open:
                    self._open_line()
                self._write(line, style)
                if self.anchor is not None:
                    self.anchor[1].append(line)
        self.space = False

    # -- elements ----------------------------------------------------------------
    def _restyle(self) -> None:
        flags = self.flags
        self.style = _style_for(tuple(flags[k] > 0 for k in _FLAGS))

    def _close_to(self, tag: str) -> None:
        while self.stack:
            t, depth = self.stack.pop()
            self.open_count[t] -= 1
            self._end(t)
            if len(self.levels) > depth:
                del self.levels[depth:]
            if t == tag:
                break

    def _auto_close(self, tag: str) -> None:
        rule = _AUTO_CLOSE.get(tag)
        if rule is None and (tag in _BLOCK or tag in ("li", "hr")) and self.open_count.get("p"):
            rule = (frozenset({"p"}), None)
        if rule is None:
            return
        closes, stops = rule
        if not any(self.open_count.get(t) for t in closes):
            return
        stack = self.stack
        for i in range(len(stack) - 1, max(-1, len(stack) - 1 - _AUTO_CLOSE_REACH), -1):
            t = stack[i][0]
            if t in closes:
                self._close_to(t)
                return
            if stops is None:
                if t not in _PHRASING:
                    return
            elif t in stops:
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip:
            if tag in _DROP:
                self.skip.append(tag)
            return
        if tag in _DROP:
            self.skip.append(tag)
            return
        if tag in _VOID:
            self._void(tag, attrs)
            return
        self._auto_close(tag)
        self.stack.append((tag, len(self.levels)))
        self.open_count[tag] = self.open_count.get(tag, 0) + 1
        self._start(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # "<br/>", "<img/>", and "<div/>" (which HTML treats as a plain start tag).
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and tag not in _DROP and not self.skip:
            self.handle_endtag(tag)
        elif tag in _DROP and self.skip and self.skip[-1] == tag:
            self.skip.pop()

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if tag in self.skip:
                while self.skip.pop() != tag:
                    pass
            return
        if tag == "br":  # browsers read a stray </br> as <br>
            self._line_break()
            return
        if self.open_count.get(tag):
            self._close_to(tag)

    def handle_data(self, data: str) -> None:
        if self.skip or not data:
            return
        if self.pre:
            self._pre_text(data)
            return
        self._words(_HTML_WS.sub(" ", clean(data)), self.style)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        fmt = _FORMAT.get(tag)
        if fmt:
            for k in fmt:
                self.flags[k] += 1
            self._restyle()
        if tag == "a":
            if self.anchor is not None:
                # An outer link the auto-close could not reach still gets its marker.
                self._end_anchor()
            href = next((v for k, v in attrs if k == "href"), None)
            url = safe_url(href, self.base_url) if href and self.numbered else None
            self.anchor = (url, [])
            return
        if tag in _BLOCK:
            self._block()
            if tag == "blockquote":
                self.levels.append(_Level("quote"))
            elif tag in _LIST:
                ordered = tag == "ol"
                start = 1
                if ordered:
                    start = _int_attr(attrs, "start", 1)
                self.levels.append(_Level("list", ordered=ordered, counter=start - 1))
            elif tag == "pre":
                self.pre += 1
                self.pre_fresh = True
            elif tag == "table":
                self.rows.append(0)
        elif tag == "li":
            self._break(1)
            level = self.levels[-1] if self.levels else None
            if level is None or level.kind != "list":
                # An item outside any list still reads as a bullet.
                level = _Level("list")
                self.levels.append(level)
            if level.ordered:
                level.counter = _int_attr(attrs, "value", level.counter + 1)
                marker = f"{level.counter}. "
            else:
                marker = _BULLET
            level.marker = marker
            level.pad = " " * len(marker)
            self.items += 1
        elif tag == "dd":
            self._break(1)
            self.levels.append(_Level("indent", pad="  "))
            self.items += 1
        elif tag == "tr":
            if not self.cells:
                self._break(1)
            if self.rows:
                self.rows[-1] = 0
        elif tag in ("td", "th"):
            if self.rows:
                if self.rows[-1]:
                    self._glued(" | ", _DIM)
                    self.space = False
                self.rows[-1] += 1
            self.cells += 1

    def _end(self, tag: str) -> None:
        fmt = _FORMAT.get(tag)
        if fmt:
            for k in fmt:
                self.flags[k] -= 1
            self._restyle()
        if tag == "a":
            self._end_anchor()
        elif tag in _BLOCK:
            if tag == "pre":
                self.pre -= 1
                self.pre_fresh = False
            elif tag == "table" and self.rows:
                self.rows.pop()
            self._block()
        elif tag in ("li", "dd"):
            self.items -= 1
            self._break(1)
        elif tag in ("td", "th"):
            self.cells -= 1
        elif tag == "tr":
            if not self.cells:
                self._break(1)

    def _end_anchor(self) -> None:
        anchor, self.anchor = self.anchor, None
        if anchor is None:
            return
        url, parts = anchor
        if url is None or not self.numbered:
            return
        number = self.link_numbers.get(url)
        if number is not None and not parts:
            return  # an empty duplicate (icon links, anchor targets) adds only noise
        if number is None:
            number = len(self.links) + self.first_link
            self.link_numbers[url] = number
            label = clean_line("".join(parts))[:200] or url
            self.links.append(Link(number=number, url=url, text=label))
        self._glued(f" [{number}]", _DIM)

    def _void(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._line_break()
        elif tag == "hr":
            self._auto_close("hr")
            self._block()
            if not self.cells:
                self._open_line()
                self._write(_RULE, _DIM)
                self._block()
        elif tag == "base" and not self.base_seen:
            href = next((v for k, v in attrs if k == "href"), None)
            if href:
                self.base_seen = True
                # Relative links below resolve against it, as in a browser; the
                # base given by the caller (the article's link) only fills in
                # what a relative <base> leaves open.
                resolved = safe_url(href, self.base_url)
                if resolved:
                    self.base_url = resolved
        elif tag == "img":
            alt = clean_line(next((v for k, v in attrs if k == "alt"), None))[:200]
            self._words(f"[image: {alt}]" if alt else "[image]", _DIM)

    # -- result ------------------------------------------------------------------
    def finish(self) -> Rendered:
        try:
            self.close()
        except Exception:  # the parser is forgiving; this is the last line of defence
            pass
        while self.stack:  # unclosed elements still owe their link markers
            self._close_to(self.stack[-1][0])
        plain = "".join(self.out)
        text = Text(plain, overflow="fold")
        if self.styled and self.spans:
            text.spans = [Span(a, b, s) for a, b, s in self.spans]
        return Rendered(text=text, links=self.links, plain=plain)


def _int_attr(attrs: list[tuple[str, str | None]], name: str, default: int) -> int:
    for k, v in attrs:
        if k == name and v:
            try:
                n = int(v.strip())
            except ValueError:
                return default
            # A number that cannot be printed in a margin is not a list number.
            return n if -(10**6) < n < 10**6 else default
    return default


# Only the characters that can start a tag, end tag, comment or declaration make
# a string HTML; "1 < 2" and "a <= b" stay plain text.
_TAG_START = re.compile(r"<(?:[A-Za-z]|/[A-Za-z]|!)")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_PARAGRAPHS = re.compile(r"\n[ \t\f\v]*\n\s*")


def _render(source: str | None, base_url: str, styled: bool, numbered: bool, first_link: int = 1) -> Rendered:
    r = _Renderer(base_url, styled=styled, numbered=numbered, first_link=first_link)
    if not source:
        return r.finish()
    if _TAG_START.search(source) is None:
        _render_plain(r, source)
        return r.finish()
    try:
        r.feed(defuse_unclosed(source))
    except Exception:
        # HTMLParser in 3.11 does not raise on bad markup as far as we know; if a
        # future one does, the reader still gets everything parsed so far.
        pass
    return r.finish()


def _render_plain(r: _Renderer, source: str) -> None:
    # Plain-text bodies often still carry entities ("&amp;"); only complete ones
    # are decoded so "a&b=c" in a URL survives.
    if "&" in source:
        source = _ENTITY.sub(lambda m: html_module.unescape(m.group(0)), source)
    for para in _PARAGRAPHS.split(clean(source).strip("\n")):
        r._block()
        for i, line in enumerate(para.split("\n")):
            if i:
                r._line_break()
            r._words(_WS_RUN.sub(" ", line), None)


def html_to_text(html: str | None, base_url: str = "", *, first_link: int = 1) -> Rendered:
    """Render untrusted HTML (or plain text) as styled, control-free terminal text.

    Links are numbered from ``first_link``, so texts shown one after another
    (an article's updates) can share one list of numbers."""
    return _render(html, base_url, styled=True, numbered=True, first_link=first_link)


def html_to_plain(html: str | None) -> str:
    """The same layout as html_to_text, without styles or link markers."""
    return _render(html, "", styled=False, numbered=False).plain


_DROPPED_BLOCKS = re.compile(r"<(script|style|template|noscript|iframe|svg)\b.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def search_text(html: str | None) -> str:
    """The words of an HTML body, for the search index only.

    No layout, so it can be a few regular expressions instead of a parse: at
    about a tenth of html_to_plain's cost it keeps a cold refresh of hundreds of
    feeds from spending a third of its parsing time on the index.
    """
    if not html:
        return ""
    text = _TAG.sub(" ", _DROPPED_BLOCKS.sub(" ", html))
    return _SPACE.sub(" ", clean(html_module.unescape(text))).strip()


def first_line(html_or_text: str | None, limit: int = 120) -> str:
    """The first non-empty line of the text, on one line, at most ``limit`` characters."""
    if limit <= 0:
        return ""
    for line in html_to_plain(html_or_text).split("\n"):
        line = clean_line(line)
        if line:
            if len(line) > limit:
                line = line[: limit - 1].rstrip() + "…"
            return line
    return ""
