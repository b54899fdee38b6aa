"""Parser processes: started up front when worth it, and never outliving their parent."""

from __future__ import annotations

import importlib
import os
import time


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
