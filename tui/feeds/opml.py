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

__all__ = ["Outline", "OpmlError", "read_opml", "write_opml"]


@dataclass
class Outline:
    url: str
    title: str = ""
    folder: str = ""  # "News/World" for nested folders, "" for none


class OpmlError(Exception):
    """The file is not an OPML document we can read; str() says why."""


class _Refused(Exception):
    pass


def read_opml(data: bytes) -> list[Outline]:
    """Feeds in document order; a URL listed twice keeps its first place."""
    feeds: list[Outline] = []
    seen: set[str] = set()
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
        if url:
            if name == url:
                name = ""  # exporters fill text with the URL when there is no title
            if url not in seen:
                seen.add(url)
                folder = "/".join(part for part in stack if part)
                feeds.append(Outline(url=url, title=name, folder=folder))
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
    return feeds


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
        if path not in folders:
            parent = folder_element(path[:-1])
            name = _clean(path[-1])
            folders[path] = ET.SubElement(parent, "outline", text=name, title=name)
        return folders[path]

    for outline in outlines:
        path = tuple(part.strip() for part in outline.folder.split("/") if part.strip())
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
