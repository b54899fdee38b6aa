"""A sync report as the ``threadline sync`` command prints it: lines or JSON."""

from __future__ import annotations

from tui.sync.engine import SyncReport


def _clean(text: str) -> str:
    """One printable line: a server's title or reason cannot move the terminal."""
    return "".join(c if c.isprintable() else " " for c in text)[:200]


def _names(titles: list[str], limit: int = 5) -> str:
    shown = ", ".join(_clean(t)[:60] for t in titles[:limit])
    more = f" and {len(titles) - limit} more" if len(titles) > limit else ""
    return f": {shown}{more}" if titles else ""


def format_report(report: SyncReport) -> str:
    sent, got = report.sent, report.received
    lines = [
        f"feeds: {len(report.feeds_added)} feeds added{_names(report.feeds_added)}",
        f"       {len(report.feeds_removed)} removed{_names(report.feeds_removed)}",
        f"       {len(report.feeds_changed)} renamed or moved{_names(report.feeds_changed)}",
        f"items: {report.items_new} new items, {report.items_updated} updated",
        "sent: {} read, {} unread, {} starred, {} unstarred, {} unsubscribed".format(
            sent.get("read", 0),
            sent.get("unread", 0),
            sent.get("star", 0),
            sent.get("unstar", 0),
            sent.get("unsubscribe", 0),
        ),
        f"received: {got.read} read, {got.unread} unread, {got.starred} starred, {got.unstarred} unstarred",
        f"queued changes left: {report.queued_left}",
    ]
    for error in report.errors[:50]:
        lines.append(f"error: {_clean(error)}")
    if len(report.errors) > 50:
        lines.append(f"error: ... and {len(report.errors) - 50} more")
    lines.append(f"{report.requests} requests, {report.elapsed:.2f} s")
    return "\n".join(lines)


def report_json(report: SyncReport) -> dict:
    got = report.received
    return {
        "error": report.error,
        "feeds_added": report.feeds_added,
        "feeds_removed": report.feeds_removed,
        "feeds_changed": report.feeds_changed,
        "items_new": report.items_new,
        "items_updated": report.items_updated,
        "sent": dict(report.sent),
        "received": {
            "read": got.read,
            "unread": got.unread,
            "starred": got.starred,
            "unstarred": got.unstarred,
        },
        "queued_left": report.queued_left,
        "errors": report.errors,
        "requests": report.requests,
        "elapsed": round(report.elapsed, 3),
    }


def failure_line(report: SyncReport) -> str:
    queued = f" ({report.queued_left} changes stay queued)" if report.queued_left else ""
    return f"sync: {_clean(report.error)}{queued}"
