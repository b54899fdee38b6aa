"""From ``[sync]`` to a logged-in backend: the password's source, the account key.

The password is read when a sync starts, from the environment variable the
config names or from the stdout of ``password_command``, and lives only in the
backend it is handed to. Threadline never writes it anywhere, and no message
says it: a command that fails is reported by its exit status, never its output.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping

from tui.config import SyncConfig
from tui.sync.base import Http, SyncBackend, SyncError

COMMAND_TIMEOUT = 30.0


def account_key(config: SyncConfig) -> str:
    """What the store files synced feeds under: kind, user and server, no secret."""
    return f"{config.kind}:{config.user}@{config.url.rstrip('/')}"


def read_password(config: SyncConfig, env: Mapping[str, str] | None = None) -> str:
    if config.password_env:
        value = (os.environ if env is None else env).get(config.password_env, "")
        if not value:
            raise SyncError(
                f"the environment variable {config.password_env} (sync.password_env) is not set", "auth"
            )
        return value
    try:
        done = subprocess.run(
            shlex.split(config.password_command),
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise SyncError(f"sync.password_command could not run ({reason})", "auth") from None
    except subprocess.TimeoutExpired:
        raise SyncError(f"sync.password_command took over {COMMAND_TIMEOUT:g} s", "auth") from None
    if done.returncode != 0:
        raise SyncError(f"sync.password_command failed (exit status {done.returncode})", "auth")
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    if not lines or not lines[0]:
        raise SyncError("sync.password_command printed no password", "auth")
    return lines[0]  # the first line, as pass(1) and most password managers print it


def make_backend(config: SyncConfig, password: str, http: Http | None = None) -> SyncBackend:
    if config.kind == "ttrss":
        from tui.sync.ttrss import TtrssBackend

        return TtrssBackend(config.url, config.user, password, http)
    from tui.sync.greader import GReaderBackend

    return GReaderBackend(config.url, config.user, password, http)
