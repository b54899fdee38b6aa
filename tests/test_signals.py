"""Every exit path restores the terminal: SIGTERM and SIGHUP quit like `q` does.

The app runs in a real pseudo-terminal; after the signal the output must leave the
alternate screen, show the cursor and turn mouse tracking off, and the terminal
must be back in cooked mode (echo and line editing on).
"""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import termios
import time

import pytest

pytestmark = pytest.mark.slow


def _read_until(fd: int, predicate, timeout: float) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate(out):
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    return out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_restores_the_terminal(tmp_path, sig):
    (tmp_path / "home").mkdir()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real command, on the pty
        os.environ["TERM"] = "xterm-256color"
        os.environ["THREADLINE_HOME"] = str(tmp_path / "home")
        os.execv(sys.executable, [sys.executable, "-m", "tui"])
    try:
        started = _read_until(fd, lambda b: b"no poll finished yet" in b or b"No feeds yet" in b, 30)
        assert b"\x1b[?1049h" in started, "the app never drew"
        os.kill(pid, sig)
        rest = _read_until(fd, lambda b: b"\x1b[?1049l" in b and b"\x1b[?25h" in b, 10)
        deadline = time.monotonic() + 10
        status = None
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.05)
        assert status is not None and os.WIFEXITED(status), "killed by the signal, not a clean exit"
        assert b"\x1b[?1049l" in rest  # left the alternate screen
        assert b"\x1b[?25h" in rest  # cursor shown again
        assert b"\x1b[?1000l" in rest  # mouse tracking off
        lflag = termios.tcgetattr(fd)[3]
        assert lflag & termios.ECHO and lflag & termios.ICANON  # cooked mode again
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)
