"""Times as a reader wants them: relative in lists, absolute where the cursor is."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def reader_zone(name: str = "local") -> tzinfo:
    """The configured zone; "local" (or an unknown name) means the system's."""
    if name and name != "local":
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return datetime.now().astimezone().tzinfo or UTC


def relative(ts: float | None, now: float | None = None) -> str:
    """'now', '42s', '5m', '3h', '2d', '6w', '1y' — at most 3 characters plus the unit."""
    if ts is None:
        return "—"
    now = time.time() if now is None else now
    delta = now - ts
    if delta < 0:
        return "soon" if delta < -60 else "now"
    if delta < 10:
        return "now"
    for limit, size, unit in (
        (60, 1, "s"),
        (3600, 60, "m"),
        (86400, 3600, "h"),
        (86400 * 14, 86400, "d"),
        (86400 * 365, 86400 * 7, "w"),
    ):
        if delta < limit:
            return f"{int(delta // size)}{unit}"
    return f"{int(delta // (86400 * 365))}y"


def absolute(ts: float | None, zone: tzinfo | None = None) -> str:
    if ts is None:
        return "no date"
    try:
        moment = datetime.fromtimestamp(ts, tz=zone or UTC)
    except (OverflowError, OSError, ValueError):
        return "no date"
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def clock(ts: float | None, zone: tzinfo | None = None) -> str:
    """Hour and minute, as a live blog marks its updates."""
    if ts is None:
        return "--:--"
    try:
        return datetime.fromtimestamp(ts, tz=zone or UTC).strftime("%H:%M")
    except (OverflowError, OSError, ValueError):
        return "--:--"


def parse_time(value: Any) -> float | None:
    """ISO 8601 (Z, offset or naive = UTC) or a POSIX number -> POSIX seconds."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        t = float(value)
        return t if math.isfinite(t) and t >= 0 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 40:
        return None
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return dt.timestamp()
    except (OverflowError, OSError, ValueError):
        return None
