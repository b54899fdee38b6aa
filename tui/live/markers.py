"""What marks a timestamped update in a live article: clock times, zones, headlines, keys."""

from __future__ import annotations

import hashlib
import html as htmllib
import re
from dataclasses import dataclass
from datetime import UTC, date, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_FIXED_ZONES = {
    "Z": 0,
    "GMT": 0,
    "UTC": 0,
    "BST": 60,
    "CET": 60,
    "CEST": 120,
    "EET": 120,
    "EEST": 180,
    "EST": -300,
    "EDT": -240,
    "CST": -360,
    "CDT": -300,
    "MST": -420,
    "MDT": -360,
    "PST": -480,
    "PDT": -420,
    "IST": 330,  # India: far more live blogs use it than Irish or Israeli time
    "JST": 540,
    "AEST": 600,
    "AEDT": 660,
}


# "ET" alone means whichever of EST/EDT applied that day, so it needs the rules.
_REGIONAL_ZONES = {
    "ET": ("America/New_York", -300),
    "CT": ("America/Chicago", -360),
    "MT": ("America/Denver", -420),
    "PT": ("America/Los_Angeles", -480),
}


_OFFSET_RE = re.compile(r"(?:UTC|GMT)?\s*([+\-\u2212])(\d{1,2})(?::?(\d{2}))?\Z")


def _fixed(minutes: int) -> tzinfo:
    return timezone(timedelta(minutes=minutes))


def _zone_from_marker(name: str) -> tzinfo | None:
    if name in _FIXED_ZONES:
        return _fixed(_FIXED_ZONES[name])
    if name in _REGIONAL_ZONES:
        key, standard = _REGIONAL_ZONES[name]
        try:
            return ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            # Without tzdata (bare Windows) standard time is the honest fallback.
            return _fixed(standard)
    m = _OFFSET_RE.match(name)
    if m:
        hours, minutes = int(m.group(2)), int(m.group(3) or 0)
        if hours > 14 or minutes > 59:
            return None
        sign = 1 if m.group(1) == "+" else -1
        return _fixed(sign * (hours * 60 + minutes))
    return None


def zone_named(tz: str) -> tzinfo:
    if not tz or tz.upper() in ("UTC", "GMT", "Z"):
        return UTC
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return _zone_from_marker(tz) or UTC


_ZONE_PATTERN = r"""(?-i:
      (?:UTC|GMT)[+\-\u2212]\d{1,2}(?::?\d{2})?
    | [+\-\u2212]\d{2}:?\d{2}
    | AEST|AEDT|CEST|EEST|GMT|UTC|BST|CET|EET|EST|EDT|CST|CDT|MST|MDT|PST|PDT|IST|JST
    | ET|CT|MT|PT|Z
    )(?![A-Za-z0-9])"""


_MARKER_RE = re.compile(
    rf"""
    \A[ \t]*(?P<open>[\[(])?[ \t]*
    (?:
        (?P<word>
            (?:latest[ \t]*[:\-–—]?[ \t]*)?
            updated?
            (?:[ \t]+\#?(?P<num>\d{{1,3}})(?!\d|[:.]\d))?
            (?:[ \t]+at)?
        )
        [ \t,:\-–—(\[]*
    )?
    (?:
        (?P<date>\d{{4}}-\d{{2}}-\d{{2}})[T \t]+(?P<ih>\d{{1,2}}):(?P<im>\d{{2}})(?::\d{{2}}(?:\.\d+)?)?
      | (?P<h12>\d{{1,2}})(?:[:.](?P<m12>\d{{2}}))?[ \t]*(?P<ap>[ap])\.?[ \t]?m\b\.?
      | (?P<h24>\d{{1,2}})[:.h](?P<m24>\d{{2}})(?!\d)
      | (?P<hmil>\d{{2}})(?P<mmil>\d{{2}})(?!\d)
    )
    (?:[ \t]*\(?(?P<zone>{_ZONE_PATTERN})\)?)?
    [ \t]*(?P<close>[\])])?
    [ \t]*(?P<sep>[:\-–—|]+)?
    """,
    re.IGNORECASE | re.VERBOSE,
)


_SEPARATOR_CHARS = " \t:-–—|)]"


@dataclass
class Marker:
    label: str  # the marker as written, normalised: part of the key
    day: date | None
    hour: int
    minute: int
    zone: tzinfo | None  # None: the article's zone
    rest: str  # the block's text after the marker


def match_marker(text: str) -> Marker | None:
    """The marker at the start of ``text``, if it begins with one."""
    text = text.lstrip()
    m = _MARKER_RE.match(text)
    if not m:
        return None
    day: date | None = None
    if m.group("date"):
        try:
            day = date.fromisoformat(m.group("date"))
        except ValueError:
            return None
        if not 1970 <= day.year <= 2200:
            return None
        hour, minute = int(m.group("ih")), int(m.group("im"))
    elif m.group("ap"):
        hour, minute = int(m.group("h12")), int(m.group("m12") or 0)
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m.group("ap").lower() == "p" else 0)
    elif m.group("h24") is not None:
        hour, minute = int(m.group("h24")), int(m.group("m24"))
    else:
        if not m.group("zone"):
            return None
        hour, minute = int(m.group("hmil")), int(m.group("mmil"))
    if hour > 23 or minute > 59:
        return None

    zone = None
    if m.group("zone"):
        zone = _zone_from_marker(m.group("zone").replace("\u2212", "-"))
        if zone is None:
            return None

    rest = text[m.end() :]
    first_line = rest.split("\n", 1)[0].strip()
    separated = bool(m.group("sep")) or (bool(m.group("open")) and bool(m.group("close")))
    if not separated and m.group(0)[-1:] not in (" ", "\t", ")", "]", ".") and rest[:1].isalnum():
        return None  # "17:00abc": the time runs into a word
    if not m.group("word"):
        # A bare time is prose unless something sets it apart from the sentence.
        if not (separated or not first_line):
            return None
    elif not (separated or m.group("zone") or m.group("ap") or not first_line):
        return None  # "Updated 3.50 euros" is a price, not a time

    label = collapse(re.sub(r"[\[\]()]", " ", m.group(0))).strip(_SEPARATOR_CHARS).lower()
    return Marker(label, day, hour, minute, zone, rest.lstrip(_SEPARATOR_CHARS + "\n"))


_LIVE_TITLE_RE = re.compile(r"\blive\b|as it happened", re.IGNORECASE)


_ROUGH_BLOCK_RE = re.compile(
    r"<(?:br|/?(?:p|div|h[1-6]|li|ul|ol|blockquote|section|article))\b[^>]*>", re.IGNORECASE
)


def looks_live(title: str, html: str) -> bool:
    """Worth fetching the page for JSON-LD: a live-sounding title or a marker."""
    if _LIVE_TITLE_RE.search(title or ""):
        return True
    for chunk in _ROUGH_BLOCK_RE.split((html or "")[:500_000]):
        text = htmllib.unescape(re.sub(r"<[^>]*>", "", chunk))
        if text.strip() and match_marker(text.strip()):
            return True
    return False


HEADLINE_MAX = 140


def rough_text(source: str) -> str:
    text = re.sub(r"<(?:br|/?p|/?div|/?li|/?h\d)\b[^>]*>", "\n", source, flags=re.I)
    return htmllib.unescape(re.sub(r"<[^>]*>", "", text))


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def clip(text: str) -> str:
    text = collapse(text)
    if len(text) > HEADLINE_MAX:
        return text[: HEADLINE_MAX - 1].rstrip() + "…"
    return text


def first_line(*texts: str) -> str:
    for text in texts:
        for line in text.split("\n"):
            if line.strip():
                return clip(line)
    return ""


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def dedupe_keys(keys: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
        out.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return out
