"""The app's side of sync: a background ``SyncLoop`` when ``[sync]`` is set, its
reports as ``SyncDone`` messages, and a word for the status line.

The app mixes ``Syncing`` in; the loop runs on the poll period (``--interval``
when given) and again on ``r``. A report is handled like a poll's: new live
updates are announced, open articles re-read, the lists reloaded.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual import work
from textual.message import Message

from tui.text.sanitize import clean_line
from tui.ui.messages import reporter

if TYPE_CHECKING:  # the engine is imported when [sync] is set: a start without it stays light
    from tui.sync.engine import SyncReport


class SyncDone(Message):
    """One sync run finished (``report.error`` says why it stopped, if it did)."""

    def __init__(self, report: SyncReport) -> None:
        super().__init__()
        self.report = report


class Syncing:
    """Mixed into ThreadlineApp (which supplies store, config, interval and the rest)."""

    sync_loop = None
    sync_report: SyncReport | None = None
    sync_finished: float | None = None

    def start_sync(self) -> None:
        app: Any = self
        if app.config.sync is not None:
            self._sync_worker()

    @work(exclusive=True, group="sync", exit_on_error=False)
    async def _sync_worker(self) -> None:
        from tui.sync.runner import SyncLoop

        app: Any = self
        self.sync_loop = SyncLoop(
            app.store,
            app.config.sync,
            period=app.interval or app.config.period,
            on_report=reporter(app, SyncDone),
        )
        await self.sync_loop.run()

    def poke_sync(self) -> bool:
        if self.sync_loop is None:
            return False
        self.sync_loop.poke()
        return True

    def on_sync_done(self, message: SyncDone) -> None:
        app: Any = self
        report = self.sync_report = message.report
        self.sync_finished = time.time()
        if report.updates:
            app.announce_updates(report.updates)
        app.forward_updates(u.article_id for u in report.updates)
        if report.changed or report.sent:
            app.schedule_reload()
        app.update_status()

    def sync_status(self) -> list[str]:
        """The status line's word on sync: nothing when no account is set."""
        if self.sync_loop is None:
            return []
        if self.sync_loop.busy:
            return ["syncing…"]
        report = self.sync_report
        if report is None:
            return []
        if report.error:
            queued = f", {report.queued_left} queued" if report.queued_left else ""
            return [f"sync failed: {clean_line(report.error)[:80]}{queued}"]
        when = time.strftime("%H:%M:%S", time.localtime(self.sync_finished or time.time()))
        return [f"synced {when}"]
