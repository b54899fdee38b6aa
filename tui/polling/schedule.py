"""When to poll each feed: pure functions of a feed, a fetch result and the time.

No network and no clock: ``poll_period``, ``backoff`` and ``next_poll_time``
are tested as plain maths.

Precedence of periods (a contract: the network manners the README promises):

1. ``Retry-After`` on a 429/503 always wins, even over ``--interval``: the
   next poll is no sooner than the server asked (capped at a week, so a broken
   clock on the server cannot silence a feed forever).
2. ``--interval`` (the global override, for demos and tests) beats everything
   else, including the server's caching hints.
3. A feed's own ``every`` (``threadline add --every``) is honoured, but never
   below the server's hints (Cache-Control max-age, RSS ttl, sy:updatePeriod):
   asking a server for something it said would not change is not ours to do.
4. Otherwise the default period, or the hints when they are longer.

Errors back off exponentially from the feed's period (with jitter, so feeds
that failed together do not retry together), capped at six hours, but never
sooner than the period itself. A 410 stops polling for good.
"""

from __future__ import annotations

import math
import random

from tui.model import Feed
from tui.net import FetchResult

DEFAULT_PERIOD = 15 * 60


BACKOFF_CAP = 6 * 3600


# A static-file server's year-long max-age would otherwise stop a feed for good.
MAX_HINT = 24 * 3600


MAX_RETRY_AFTER = 7 * 24 * 3600


# --interval 0 would spin; this is the least time between two polls of a feed.
MIN_INTERVAL = 0.05


def hint_floor(*hints: float | None) -> float | None:
    """The server's hints as one floor: the longest one, capped at a day."""
    values = [h for h in hints if h is not None and h > 0 and math.isfinite(h)]
    return min(max(values), MAX_HINT) if values else None


def poll_period(
    feed: Feed,
    *,
    interval: float | None,
    min_period: float | None,
    default: float = DEFAULT_PERIOD,
) -> float:
    """Seconds between two polls of ``feed`` when all is well (see module doc)."""
    if interval is not None:
        return max(interval, MIN_INTERVAL)
    floor = min_period or 0.0
    if feed.every:
        return max(feed.every, floor, MIN_INTERVAL)
    return max(default, floor, MIN_INTERVAL)


def backoff(error_count: int, base: float, rng=random) -> float:
    """Seconds to wait after ``error_count`` failures in a row: doubling, ±20% jitter."""
    steps = max(error_count, 1) - 1
    delay = base * 2.0 ** min(steps, 64)
    delay = min(delay, BACKOFF_CAP)
    return min(delay * rng.uniform(0.8, 1.2), BACKOFF_CAP)


def next_poll_time(
    now: float,
    feed: Feed,
    result: FetchResult,
    *,
    interval: float | None,
    default: float = DEFAULT_PERIOD,
    failed: bool | None = None,
    rng=random,
) -> float:
    """When to poll ``feed`` next, after ``result``.

    Call it once ``feed.min_period`` and ``feed.error_count`` reflect this poll.
    ``failed`` defaults to ``not result.ok``; pass True when the fetch worked but
    the body did not parse.
    """
    if result.gone:
        return math.inf
    if failed is None:
        failed = not result.ok
    period = poll_period(feed, interval=interval, min_period=feed.min_period, default=default)
    if result.retry_after is not None:
        return now + max(period, min(result.retry_after, MAX_RETRY_AFTER))
    if failed:
        return now + max(period, backoff(feed.error_count, period, rng))
    return now + period
