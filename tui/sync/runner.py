"""Syncing in the background: one run now, then one every period or on demand.

What the app runs beside its poller. Every run happens in a thread
(``asyncio.to_thread``): the store calls and the blocking HTTP of a sync never
touch the event loop. Reports go to a plain callable, as the poller's do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from tui.config import SyncConfig
from tui.sync.engine import SyncReport, sync_once

log = logging.getLogger(__name__)


class SyncLoop:
    def __init__(
        self,
        store,
        config: SyncConfig,
        *,
        period: float,
        on_report: Callable[[SyncReport], None],
        run_once: Callable[..., SyncReport] = sync_once,
    ) -> None:
        self.store = store
        self.config = config
        self.period = max(period, 5.0)
        self.on_report = on_report
        self._run_once = run_once
        self._wake: asyncio.Event | None = None
        self.busy = False
        self.runs = 0

    def poke(self) -> None:
        """Sync now (the ``r`` key); call it on the loop's thread."""
        if self._wake is not None:
            self._wake.set()

    async def run(self) -> None:
        """Sync forever; cancel the task to stop (a run in its thread finishes alone)."""
        self._wake = asyncio.Event()
        try:
            while True:
                self._wake.clear()
                self.busy = True
                try:
                    report = await asyncio.to_thread(self._run_once, self.store, self.config)
                except Exception as exc:  # a bug must not end background syncing
                    log.exception("sync failed")
                    report = SyncReport(account="", error=f"sync failed ({type(exc).__name__})")
                finally:
                    self.busy = False
                self.runs += 1
                try:
                    self.on_report(report)
                except Exception:
                    log.exception("on_report callback failed")
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.period)
                except TimeoutError:
                    pass
        finally:
            self._wake = None
