"""Where the core's reports become Textual messages: the one bridge from core to UI.

The core (poller, follower, thread sessions) knows nothing of Textual: it reports
through plain callables. ``reporter`` makes such a callable that posts a message
to a widget or the app; ``post_message`` is safe from any thread, so the core may
call it from a worker thread as well as from the event loop. The handlers then
run on the event loop, in order, like every other message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.message import Message
from textual.message_pump import MessagePump

if TYPE_CHECKING:  # the app imports polling only once it starts polling
    from tui.live.follow import FollowReport
    from tui.polling.poller import PollResult

M = TypeVar("M", bound=Message)


class PollDone(Message):
    """The poller finished one feed (new items, unchanged, or an error)."""

    def __init__(self, result: PollResult) -> None:
        super().__init__()
        self.result = result


class FollowDone(Message):
    """The follower checked one followed article."""

    def __init__(self, report: FollowReport) -> None:
        super().__init__()
        self.report = report


class FollowFailed(Message):
    """A whole follow round failed (``reason``, one line), or recovered (``reason`` is "")."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


def reporter(target: MessagePump, message: Callable[[Any], M]) -> Callable[[Any], None]:
    """A plain callable for the core: each call posts ``message(value)`` to ``target``."""

    def report(value: Any) -> None:
        target.post_message(message(value))

    return report
