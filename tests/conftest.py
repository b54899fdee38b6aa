import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from loopback import LoopbackServer
from ttrss_server import ttrss, ttrss_session  # noqa: F401  (fixtures for a real tt-rss)


@pytest.fixture
def server():
    """A real HTTP server on 127.0.0.1, stopped after the test."""
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture
def home(tmp_path):
    """A fresh Threadline home directory (config and database)."""
    d = tmp_path / "home"
    d.mkdir()
    return d
