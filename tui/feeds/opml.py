"""OPML subscription lists: read what other readers export, write what they import.

OPML files arrive from strangers (shared "starter packs", other apps), so any
DOCTYPE or entity declaration is refused outright: a subscription list has no
use for them, and refusing is simpler than proving every expansion is safe.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.utils import formatdate
from typing import NoReturn
from xml.parsers import expat

from tui.text.sanitize import clean_line, web_url_problem

__all__ = [
    "MAX_DEPTH",
    "MAX_NAME",
    "OpmlError",
    "OpmlRead",
    "Outline",
    "read_opml",
    "read_opml_report",
    "write_opml",
]

# A subscription list needs no more than this; beyond it a stranger's file would
# make every feed carry a megabyte of folder path (1,000 nested 1 KB names gave a
# 982 MB database). Deeper folders are folded into the last level kept, longer
# names cut, and the import says so.
MAX_DEPTH = 8
MAX_NAME = 200
MAX_FEEDS = 100_000


@dataclass
class Outline:
    url: str
    title: str = ""
    folder: str = ""  # "News/World" for nested folders, "" for none


class OpmlError(Exception):
    """The file is not an OPML document we can read; str() says why."""


class _Refused(Exception):
    pass


@dataclass
class OpmlRead:
    outlines: list[Outline]
    problems: list[str]  # one line each: an outline skipped, a folder cut


def read_opml(data: bytes) -> list[Outline]:
    """Feeds in document order; a URL listed twice keeps its first place."""
    return read_opml_report(data).outlines


def read_opml_report(data: bytes) -> OpmlRead:
    """read_opml, and what was skipped or cut on the way (bad URLs, deep folders)."""
    feeds: list[Outline] = []
    problems: list[str] = []
    seen: set[str] = set()
    cut = {"depth": 0, "names": 0, "many": 0}
    # One entry per open <outline>: its folder name, or None when it is a
    # feed (a feed never names a folder for outlines nested inside it).
    stack: list[str | None] = []
    root: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if not root:
            root.append(tag)
        if tag.lower() != "outline":
            return
        lowered = {k.lower(): v for k, v in attrs.items()}
        url = (lowered.get("xmlurl") or "").strip()
        name = (lowered.get("title") or lowered.get("text") or "").strip()
        if len(name) > MAX_NAME:
            name = name[:MAX_NAME].rstrip()
            cut["names"] += 1
        if url:
            if name == url:
                name = ""  # exporters fill text with the URL when there is no title
            problem = web_url_problem(url)
            if problem:
                line = parser.CurrentLineNumber
                problems.append(f"line {line}: skipped {clean_line(url)[:80]!r}: {problem}")
            elif url not in seen:
                if len(feeds) >= MAX_FEEDS:
                    cut["many"] += 1
                else:
                    seen.add(url)
                    parts = [part.replace("/", "-") for part in stack if part]
                    if len(parts) > MAX_DEPTH:
                        parts = parts[:MAX_DEPTH]
                        cut["depth"] += 1
                    feeds.append(Outline(url=url, title=name, folder="/".join(parts)))
            stack.append(None)
        else:
            stack.append(name)

    def end(tag: str) -> None:
        if tag.lower() == "outline":
            stack.pop()

    def refuse(*_args: object) -> NoReturn:
        raise _Refused

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        parser.Parse(data, True)
    except _Refused:
        raise OpmlError("OPML declares a DOCTYPE or entities; refused") from None
    except expat.ExpatError as exc:
        raise OpmlError(f"malformed OPML: {expat.ErrorString(exc.code)} (line {exc.lineno})") from None
    except RecursionError:
        raise OpmlError("malformed OPML: nested too deeply") from None
    if not root or root[0].lower() != "opml":
        raise OpmlError("not an OPML document")
    if cut["depth"]:
        problems.append(
            f"{cut['depth']} feeds were in folders deeper than {MAX_DEPTH} levels: kept at level {MAX_DEPTH}"
        )
    if cut["names"]:
        problems.append(f"{cut['names']} names longer than {MAX_NAME} characters were cut")
    if cut["many"]:
        problems.append(f"{cut['many']} feeds beyond the first {MAX_FEEDS:,} were skipped")
    return OpmlRead(feeds, problems)


# XML 1.0 cannot carry C0 controls (other than tab/newline/CR) or lone
# surrogates even as character references; drop them so the file re-reads.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(value: str) -> str:
    return _NOT_XML_CHAR.sub("", value)


def write_opml(outlines: list[Outline], title: str = "Threadline subscriptions") -> str:
    """An OPML 2.0 document (UTF-8 declared) with folders as parent outlines."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = _clean(title)
    ET.SubElement(head, "dateCreated").text = formatdate(usegmt=True)
    body = ET.SubElement(root, "body")

    folders: dict[tuple[str, ...], ET.Element] = {(): body}

    def folder_element(path: tuple[str, ...]) -> ET.Element:
        # Parents first, in a loop: a stored path is never deep enough to recurse on.
        for depth in range(1, len(path) + 1):
            key = path[:depth]
            if key not in folders:
                name = _clean(key[-1])
                folders[key] = ET.SubElement(folders[key[:-1]], "outline", text=name, title=name)
        return folders[path]

    for outline in outlines:
        path = tuple(part.strip()[:MAX_NAME] for part in outline.folder.split("/") if part.strip())[
            :MAX_DEPTH
        ]
        name = _clean(outline.title or outline.url)
        ET.SubElement(
            folder_element(path),
            "outline",
            type="rss",
            text=name,
            title=name,
            xmlUrl=_clean(outline.url),
        )
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
