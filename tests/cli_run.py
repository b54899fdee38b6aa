"""The command line as a reader runs it: `threadline --home HOME ARGS...` in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(home: Path, *args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui", "--home", str(home), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env_extra or {})},
        timeout=120,
    )
