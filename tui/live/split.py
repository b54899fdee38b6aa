"""Split a live article into its timestamped updates.

Two sources, best first:

* ``updates_from_jsonld`` reads a schema.org ``LiveBlogPosting`` from the
  article page's JSON-LD, when the publisher provides one.
* ``split_updates`` cuts the article's HTML body at marker paragraphs such as
  ``UPDATE 1700 GMT:`` or ``<strong>10:15am</strong> -``.

Rules ``split_updates`` follows (the tests pin each of them):

* A marker is a date-less or ISO-dated clock time at the *start* of a block
  (p, div, li, heading, a run of inline text) or right after a ``<br>``,
  optionally introduced by "Update"/"Updated at" and optionally in brackets.
  Without the word "update" a time needs a separator (``:`` ``-`` ``–`` ``—``)
  or must stand alone in its block, so "10:15am the council met" is prose.
  A four-digit clock ("1700") always needs a zone, or "Update 2026:" would be
  a time.
* Order of the document: newest-first or oldest-first is decided by which
  reading gives the shorter, consistent chronology (so "00:15" above "23:50"
  reads as a newest-first list crossing midnight). A tie (one marker, equal
  times) is broken by layout: if less text stands above the first marker than
  below the last one, the story is below and the list is newest-first.
* Newest-first: each update runs from its marker to the next marker; the
  oldest update keeps its marker block plus the embeds, quotes and lists right
  under it (and one paragraph more when the marker stood alone, as a heading
  does); what follows is the original story, together with anything above the
  first marker. Oldest-first: the story is everything above the first marker
  and the last update runs to the end.
* Dates: the chronologically first undated marker takes the article's
  published date in the marker's zone (today in UTC without one); each later
  undated marker takes the date of the one before it and rolls to the next day
  when its clock went backwards. Anchoring at the oldest update keeps older
  updates' times, and hence their keys, unchanged as new ones arrive on top.
* Zones: ET/CT/MT/PT follow America/* rules via zoneinfo so summer and winter
  dates differ; explicit abbreviations (EST, EDT, BST, CET, IST = India, ...)
  and numeric offsets are fixed offsets; a time without a zone is in ``tz``.
* Every block of the input lands in exactly one update's html. Wrapper
  containers (div, section, article, body) are looked through, so their own
  tags are dropped while their content is kept; a paragraph split at a
  ``<br>`` marker is closed and reopened with its own start tag.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from html.parser import HTMLParser

from tui.live.markers import (
    Marker,
    dedupe_keys,
    first_line,
    match_marker,
    rough_text,
    sha1,
    zone_named,
)
from tui.model import Update
from tui.text.htmlguard import defuse_unclosed

__all__ = ["STORY_KEY", "split_updates"]

STORY_KEY = "story"

# --------------------------------------------------------------------------
# Time zones


# --------------------------------------------------------------------------
# Markers


# --------------------------------------------------------------------------
# HTML -> blocks

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}
_BLOCK_LEVEL = {
    "address",
    "article",
    "aside",
    "audio",
    "blockquote",
    "body",
    "center",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "embed",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "iframe",
    "li",
    "main",
    "nav",
    "noscript",
    "object",
    "ol",
    "p",
    "picture",
    "pre",
    "script",
    "section",
    "style",
    "table",
    "template",
    "ul",
    "video",
}
# Looked through when they hold blocks: they group updates, they are not one.
_CONTAINERS = {
    "#root",
    "html",
    "body",
    "main",
    "article",
    "section",
    "div",
    "center",
    "header",
    "footer",
    "aside",
}
# Belong to the update above them (the tweet or video an update introduces).
_ATTACHMENTS = {
    "audio",
    "blockquote",
    "embed",
    "figure",
    "iframe",
    "object",
    "ol",
    "picture",
    "script",
    "style",
    "table",
    "ul",
    "video",
    "noscript",
    "template",
    "img",
}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SKIP_TEXT = {"script", "style", "template", "head"}
# A new one of these ends an open <p> (the HTML parsing rule, simplified).
_CLOSES_P = _BLOCK_LEVEL - {
    "audio",
    "embed",
    "iframe",
    "object",
    "picture",
    "script",
    "style",
    "template",
    "video",
    "noscript",
}


@dataclass
class _Node:
    tag: str  # element name, "#text", "#other" or "#root"/"#run"
    start: int
    end: int
    start_tag: str = ""
    text: str = ""
    children: list[_Node] = field(default_factory=list)


class _Tokenizer(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.tokens: list[list] = []  # [kind, tag, start, text, start_tag]

    def _add(self, kind: str, tag: str = "", text: str = "", start_tag: str = "") -> None:
        line, col = self.getpos()
        self.tokens.append([kind, tag, self._line_starts[line - 1] + col, text, start_tag])

    def handle_starttag(self, tag, attrs):
        self._add("start", tag, start_tag=self.get_starttag_text() or f"<{tag}>")

    def handle_startendtag(self, tag, attrs):
        self._add("void", tag, start_tag=self.get_starttag_text() or f"<{tag}>")

    def handle_endtag(self, tag):
        self._add("end", tag)

    def handle_data(self, data):
        self._add("text", text=data)

    def handle_entityref(self, name):
        self._add("text", text=htmllib.unescape(f"&{name};"))

    def handle_charref(self, name):
        self._add("text", text=htmllib.unescape(f"&#{name};"))

    def handle_comment(self, data):
        self._add("other")

    def handle_decl(self, decl):
        self._add("other")

    def handle_pi(self, data):
        self._add("other")

    def unknown_decl(self, data):
        self._add("other")


def _parse_tree(source: str) -> _Node:
    tok = _Tokenizer(source)
    tok.feed(source)
    tok.close()
    tokens = tok.tokens
    # A token ends where the next begins, which also covers input the parser
    # hands over in pieces or repairs.
    ends = [t[2] for t in tokens[1:]] + [len(source)]
    root = _Node("#root", 0, len(source))
    stack = [root]

    def close_to(index: int, at: int) -> None:
        while len(stack) > index:
            stack.pop().end = at

    for (kind, tag, start, text, start_tag), end in zip(tokens, ends):
        if kind == "text" or kind == "other":
            stack[-1].children.append(_Node("#" + kind, start, end, text=text))
        elif kind == "void" or (kind == "start" and tag in _VOID):
            if tag in _CLOSES_P:
                _close_open_p(stack, close_to, start)
            stack[-1].children.append(_Node(tag, start, end, start_tag=start_tag))
        elif kind == "start":
            if tag in _CLOSES_P:
                _close_open_p(stack, close_to, start)
            if tag == "li":
                for i in range(len(stack) - 1, 0, -1):
                    if stack[i].tag in ("ul", "ol"):
                        break
                    if stack[i].tag == "li":
                        close_to(i, start)
                        break
            node = _Node(tag, start, len(source), start_tag=start_tag)
            stack[-1].children.append(node)
            stack.append(node)
        else:  # end tag
            for i in range(len(stack) - 1, 0, -1):
                if stack[i].tag == tag:
                    close_to(i + 1, start)
                    stack.pop().end = end
                    break
            else:
                # A stray end tag is still part of the source: keep it.
                stack[-1].children.append(_Node("#other", start, end))
    close_to(1, len(source))
    return root


def _close_open_p(stack: list[_Node], close_to, at: int) -> None:
    for i in range(len(stack) - 1, 0, -1):
        if stack[i].tag == "p":
            close_to(i, at)
            return
        if stack[i].tag in _CONTAINERS or stack[i].tag in ("li", "blockquote", "td", "th"):
            return


def _text_of(nodes: list[_Node]) -> str:
    parts: list[str] = []
    stack: list[_Node | str] = list(reversed(nodes))
    while stack:
        n = stack.pop()
        if isinstance(n, str):
            parts.append(n)
        elif n.tag == "#text":
            parts.append(n.text)
        elif n.tag == "br":
            parts.append("\n")
        elif n.tag in _SKIP_TEXT or n.tag == "#other":
            continue
        else:
            block = n.tag in _BLOCK_LEVEL
            if block:
                parts.append("\n")
                stack.append("\n")
            stack.extend(reversed(n.children))
    return "".join(parts)


@dataclass
class _Block:
    html: str
    text: str
    kind: str  # "text", "heading", "hr" or "attach"
    marker: Marker | None = None


def _kind(tag: str, text: str) -> str:
    if tag in _HEADINGS:
        return "heading"
    if tag == "hr":
        return "hr"
    if tag in _ATTACHMENTS or not text.strip():
        return "attach"
    return "text"


def _blocks(source: str) -> list[_Block]:
    root = _parse_tree(source)
    out: list[_Block] = []

    def leaf(node: _Node) -> None:
        pieces = _split_at_br_markers(source, node)
        for html, text in pieces:
            kind = _kind(node.tag, text)
            marker = match_marker(text) if kind in ("text", "heading") else None
            out.append(_Block(html, text, kind, marker))

    def flatten(container: _Node) -> None:
        run: list[_Node] = []
        for child in container.children + [None]:
            if child is not None and child.tag not in _BLOCK_LEVEL:
                run.append(child)
                continue
            if run:
                if any(n.tag != "#text" for n in run) or _text_of(run).strip():
                    leaf(_Node("#run", run[0].start, run[-1].end, children=run))
                run = []
            if child is None:
                break
            if _descend(child):
                flatten(child)
            else:
                leaf(child)

    flatten(root)
    return out


def _descend(node: _Node) -> bool:
    if node.tag in _CONTAINERS:
        return any(c.tag in _BLOCK_LEVEL for c in node.children)
    if node.tag in ("ul", "ol"):
        # A list is one attachment, unless it is the live blog itself.
        return any(c.tag == "li" and match_marker(_text_of(c.children)) for c in node.children)
    return False


def _split_at_br_markers(source: str, node: _Node) -> list[tuple[str, str]]:
    whole = source[node.start : node.end]
    children = node.children
    if node.tag not in ("p", "div", "li", "#run") or not any(c.tag == "br" for c in children):
        return [(whole, _text_of([node]) if node.tag != "#run" else _text_of(children))]
    cuts: list[int] = []  # child indexes where a new piece begins
    for i, child in enumerate(children):
        if child.tag != "br" or i + 1 >= len(children):
            continue
        segment = []
        for c in children[i + 1 :]:
            if c.tag == "br":
                break
            segment.append(c)
        if match_marker(_text_of(segment)):
            cuts.append(i + 1)
    if not cuts:
        return [(whole, _text_of([node]) if node.tag != "#run" else _text_of(children))]
    wrap = node.tag != "#run"
    close = f"</{node.tag}>" if wrap else ""
    bounds = [0] + cuts + [len(children)]
    pieces = []
    for k in range(len(bounds) - 1):
        part = children[bounds[k] : bounds[k + 1]]
        first, last = k == 0, k == len(bounds) - 2
        lo = node.start if first else part[0].start
        hi = node.end if last else part[-1].end
        html = ("" if first or not wrap else node.start_tag) + source[lo:hi] + ("" if last else close)
        pieces.append((html, _text_of(part)))
    return pieces


# --------------------------------------------------------------------------
# Times


def _at(day: date, marker: Marker, zone: tzinfo) -> float:
    return datetime(day.year, day.month, day.day, marker.hour, marker.minute, tzinfo=zone).timestamp()


def _anchor_day(published: float | None, zone: tzinfo) -> date:
    if published is not None:
        try:
            return datetime.fromtimestamp(published, zone).date()
        except (OverflowError, OSError, ValueError):
            pass
    return datetime.now(UTC).date()


def _resolve(chrono: list[Marker], published: float | None, zone: tzinfo) -> tuple[list[float], int]:
    """Times for markers in chronological order, and how many went backwards."""
    times: list[float] = []
    backwards = 0
    prev: float | None = None
    for mk in chrono:
        z = mk.zone or zone
        try:
            if mk.day is not None:
                t = _at(mk.day, mk, z)
                if prev is not None and t < prev:
                    backwards += 1
            else:
                day = _anchor_day(published, z) if prev is None else datetime.fromtimestamp(prev, z).date()
                t = _at(day, mk, z)
                if prev is not None and t < prev:
                    t = _at(day + timedelta(days=1), mk, z)
        except (OverflowError, OSError, ValueError):
            t = prev if prev is not None else float(published or 0.0)
        times.append(t)
        prev = t
    return times, backwards


# --------------------------------------------------------------------------
# Public API


def split_updates(html: str, published: float | None, tz: str = "UTC") -> list[Update]:
    """The article's original story (position 0) and its updates, oldest first."""
    html = defuse_unclosed(html or "")  # slicing below and the stored updates use this one
    zone = zone_named(tz)
    try:
        blocks = _blocks(html)
    except (RecursionError, ValueError, IndexError, AssertionError):
        # html.parser is tolerant; this only guards against pathological input.
        blocks = [_Block(html, rough_text(html), "text")]

    marks = [i for i, b in enumerate(blocks) if b.marker is not None]
    if not marks:
        text = "\n".join(b.text for b in blocks)
        return [Update(STORY_KEY, published, first_line(text), html, position=0)]

    newest_first, times_nf, times_of = _direction(blocks, marks, published, zone)
    n = len(blocks)
    if newest_first:
        tail = marks[-1] + 1
        needs_text = not _marker(blocks[marks[-1]]).rest.strip()
        while tail < n:
            kind = blocks[tail].kind
            if kind == "attach" or (needs_text and kind == "text"):
                needs_text = needs_text and kind != "text"
                tail += 1
                continue
            break
        story = blocks[: marks[0]] + blocks[tail:]
        spans = [(m, marks[k + 1] if k + 1 < len(marks) else tail) for k, m in enumerate(marks)]
        chrono = list(reversed(spans))
        times = times_nf
    else:
        story = blocks[: marks[0]]
        chrono = [(m, marks[k + 1] if k + 1 < len(marks) else n) for k, m in enumerate(marks)]
        times = times_of

    story_text = "\n".join(b.text for b in story)
    result = [Update(STORY_KEY, published, first_line(story_text), _join(story), position=0)]
    keys = dedupe_keys([sha1(f"{_marker(blocks[s]).label}|{int(t)}") for (s, _), t in zip(chrono, times)])
    for position, ((start, stop), t, key) in enumerate(zip(chrono, times, keys), start=1):
        group = blocks[start:stop]
        headline = first_line(_marker(group[0]).rest, *(b.text for b in group[1:]))
        result.append(Update(key, t, headline, _join(group), position=position))
    return result


def _marker(block: _Block) -> Marker:
    """The marker of a block known to hold one (its index is in ``marks``)."""
    assert block.marker is not None
    return block.marker


def _join(blocks: list[_Block]) -> str:
    return "\n".join(b.html for b in blocks)


_LATEST_LABEL_RE = re.compile(r"(?:latest|latest updates?|live|live updates?|updates?)[:.]?\Z", re.IGNORECASE)


def _direction(
    blocks: list[_Block], marks: list[int], published: float | None, zone: tzinfo
) -> tuple[bool, list[float], list[float]]:
    markers = [_marker(blocks[i]) for i in marks]
    times_nf, back_nf = _resolve(list(reversed(markers)), published, zone)
    times_of, back_of = _resolve(markers, published, zone)
    cost_nf = (back_nf, times_nf[-1] - times_nf[0])
    cost_of = (back_of, times_of[-1] - times_of[0])
    if cost_nf != cost_of:
        return cost_nf < cost_of, times_nf, times_of
    # A "Latest" label right above the first marker is how newest-first blogs
    # announce themselves; otherwise the story sits where most text is.
    label = next((b.text.strip() for b in reversed(blocks[: marks[0]]) if b.text.strip()), "")
    if _LATEST_LABEL_RE.match(label):
        return True, times_nf, times_of
    above = sum(len(b.text.strip()) for b in blocks[: marks[0]])
    below = sum(len(b.text.strip()) for b in blocks[marks[-1] + 1 :])
    return above <= below, times_nf, times_of


# --------------------------------------------------------------------------
# JSON-LD


# --------------------------------------------------------------------------
# Cheap checks
