"""Damaged database files are one line each, never a traceback (issue 13 #10).

The damage is real: bytes changed on disk after a real store wrote them."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from tui.store import Store


def run(home: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui", "--home", str(home), *argv],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def made_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    with Store.open(home) as store:
        for i in range(50):
            store.add_feed(f"https://feeds.example/{i}", title=f"Harbour Ledger {i:02d}")
    db = sqlite3.connect(home / "threadline.db")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
    db.close()
    return home


def assert_one_line(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def test_text_that_is_not_utf8_after_a_flipped_bit(tmp_path):
    home = made_home(tmp_path)
    path = home / "threadline.db"
    data = path.read_bytes()
    assert b"Harbour Ledger 07" in data
    path.write_bytes(data.replace(b"Harbour Ledger 07", b"Harb\xff\xfer Ledger 07"))
    assert_one_line(run(home, "list"), "damaged", "not UTF-8")


def test_a_renamed_column(tmp_path):
    home = made_home(tmp_path)
    db = sqlite3.connect(home / "threadline.db")
    db.execute("ALTER TABLE feeds RENAME COLUMN error TO erro")
    db.commit()
    db.close()
    assert_one_line(run(home, "list"), "damaged")


def test_malformed_pages(tmp_path):
    home = made_home(tmp_path)
    path = home / "threadline.db"
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    data[page:] = b"\xa5" * (len(data) - page)  # every page past the first is garbage
    path.write_bytes(bytes(data))
    assert_one_line(run(home, "list"), "threadline:")
