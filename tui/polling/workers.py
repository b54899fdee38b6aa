"""What runs in the parser processes: parsing a feed and splitting its live
articles, beside each other so the process that writes to the store does neither.
The processes start up front when worth it and never outlive their parent."""

from __future__ import annotations

import importlib
import os
import time

from tui.feeds.parse import parse_for_store
from tui.live.markers import looks_live
from tui.live.split import split_updates
from tui.model import ParsedFeed, article_digest


def parse_for_poll(
    body: bytes, headers: dict[str, str] | None = None, url: str = "", known: dict[str, str] | None = None
) -> ParsedFeed:
    """parse_for_store, and each new or changed live-looking entry split into its
    updates (``entry.updates``). ``known`` maps the guids already stored to their
    content digests: an unchanged article is never split again."""
    parsed = parse_for_store(body, headers, url)
    known = known or {}
    for entry in parsed.entries:
        if known.get(entry.guid) == article_digest(entry):
            continue
        html = entry.content or entry.summary
        if looks_live(entry.title, html):
            entry.updates = split_updates(html, entry.published)
    return parsed


def die_with_parent(parent: int) -> None:
    """Runs first in every parser process: if the refresh or the app that started it
    is killed (kill -9 runs no clean-up), the parser goes too instead of living on."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        import threading

        def watch() -> None:  # elsewhere: notice the parent is gone within a second
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(0)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:  # died before the signal was armed
        os._exit(0)


def warm_parser() -> None:
    """Runs in a fresh parser process: pay feedparser's import before the first body."""
    importlib.import_module("tui.feeds.parse")
