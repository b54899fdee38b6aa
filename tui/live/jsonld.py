"""A live article's updates from its page's schema.org LiveBlogPosting (JSON-LD)."""

from __future__ import annotations

import html as htmllib
import json
import re

from tui.live.markers import clip, dedupe_keys, first_line, rough_text, sha1
from tui.model import Update
from tui.text.timefmt import parse_time

_LD_SCRIPT_RE = re.compile(
    r"<script\b[^>]*\btype\s*=\s*[\"']?\s*application/ld\+json[^>]*>(.*?)</script\s*>",
    re.IGNORECASE | re.DOTALL,
)


def _lenient_json(text: str):
    text = text.strip()
    for prefix, suffix in (("<!--", "-->"), ("<![CDATA[", "]]>"), ("//<![CDATA[", "//]]>")):
        if text.startswith(prefix) and text.endswith(suffix):
            text = text[len(prefix) : -len(suffix)].strip()
    for candidate in (text, re.sub(r",\s*([}\]])", r"\1", text)):
        try:
            return json.loads(candidate, strict=False)
        except (ValueError, RecursionError):
            continue
    return None


def _is_live_blog(obj) -> bool:
    if not isinstance(obj, dict):
        return False
    types = obj.get("@type")
    types = types if isinstance(types, list) else [types]
    return any(isinstance(t, str) and t.rsplit("/", 1)[-1] == "LiveBlogPosting" for t in types)


def _find_live_blog(data, depth: int = 0):
    if depth > 4:
        return None
    if _is_live_blog(data):
        return data
    candidates = []
    if isinstance(data, list):
        candidates = data
    elif isinstance(data, dict):
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            value = data.get(key)
            candidates.extend(value if isinstance(value, list) else [value])
    for item in candidates:
        found = _find_live_blog(item, depth + 1)
        if found is not None:
            return found
    return None


def _parse_iso(value) -> float | None:
    return parse_time(value) if isinstance(value, str) else None


_KNOWN_TAG_RE = re.compile(
    r"</?(?:p|br|a|b|i|em|strong|u|ul|ol|li|blockquote|div|span|img|h[1-6]|figure|iframe|table|hr|q|cite|code|pre)\b[^<>]*>",
    re.IGNORECASE,
)


def _body_html(body: str) -> str:
    # schema.org means plain text here, but many publishers put HTML in; only
    # real tags count, so "<from>" in prose is escaped rather than swallowed.
    if _KNOWN_TAG_RE.search(body):
        return body
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    return "\n".join("<p>" + htmllib.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def updates_from_jsonld(page_html: str) -> list[Update] | None:
    """Updates of the page's schema.org LiveBlogPosting, oldest first; None without one."""
    live = None
    for match in _LD_SCRIPT_RE.finditer(page_html or ""):
        live = _find_live_blog(_lenient_json(match.group(1)))
        if live is not None:
            break
    if live is None:
        return None
    items = live.get("liveBlogUpdate") or []
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        return []
    rows = []
    for item in items:
        if not isinstance(item, dict):
            continue
        when = item.get("datePublished")
        body = item.get("articleBody")
        body = body if isinstance(body, str) else ""
        html = _body_html(body)
        headline = item.get("headline")
        if isinstance(headline, str) and headline.strip():
            headline = clip(htmllib.unescape(re.sub(r"<[^>]*>", " ", headline)))
        else:
            headline = first_line(rough_text(html))
        ident = item.get("@id") or item.get("url")
        if isinstance(ident, str) and ident.strip():
            key = ident.strip()
        else:
            key = sha1(f"{when if isinstance(when, str) else ''}{headline}")
        rows.append(Update(key, _parse_iso(when), headline, html))
    # Stable sort: undated items keep their document order, after the dated ones.
    rows.sort(key=lambda u: (u.time is None, u.time or 0.0))
    for position, (row, key) in enumerate(zip(rows, dedupe_keys([r.key for r in rows])), start=1):
        row.key, row.position = key, position
    return rows
