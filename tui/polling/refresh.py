"""One headless refresh: poll every feed once (live articles' updates are kept
by the poller as it stores them).

What `threadline refresh` runs, and what the benchmarks and the screenshot
script run to fill a store the same way.
"""

from __future__ import annotations

from typing import Literal

from tui.config import Config
from tui.net import Fetcher
from tui.polling.poller import Poller, PollResult


async def refresh_feeds(
    store,
    config: Config | None = None,
    *,
    interval: float | None = None,
    parse_in: Literal["thread", "process"] = "process",
) -> list[PollResult]:
    config = config or Config()
    async with Fetcher(per_host=config.per_host, total=config.total) as fetcher:
        # Parsing in worker processes uses every core; the store is written here.
        poller = Poller(store, fetcher, interval=interval, default_period=config.period, parse_in=parse_in)
        try:
            results = await poller.refresh_all()
        finally:
            await poller.aclose()
    return results
