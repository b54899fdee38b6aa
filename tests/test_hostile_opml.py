"""OPML and URLs from strangers, through the real command line (issue 13 #6, #7, #10):
bounded folders, a bad outline skipped and named while the rest is imported, only
well-formed http(s) URLs anywhere a URL enters, and an export that never destroys
the backup it replaces."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_hostile_storage import tiny_tmpfs

from tui.feeds.opml import MAX_DEPTH, read_opml_report
from tui.store import Store

BAD_URLS = [
    "http://[::1/feed",
    "http:",
    "https://",
    "http:///etc/passwd",
    "http://news.example/a feed",
    "http://news.example/feed\r\nX-Injected: 1",
    "http://news.example:99999/feed",
    "ftp://news.example/feed",
]


def run(home: Path, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui", "--home", str(home), *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def opml(body: str) -> str:
    return f'<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>{body}</body></opml>'


def outline(url: str) -> str:
    escaped = url.replace("&", "&amp;").replace('"', "&quot;").replace("\r", "&#13;").replace("\n", "&#10;")
    return f'<outline type="rss" text="x" xmlUrl="{escaped}"/>'


@pytest.mark.parametrize("url", BAD_URLS)
def test_bad_urls_are_refused_by_add_thread_and_positional(tmp_path, url):
    home = tmp_path / "home"
    for argv in (["add", url], ["thread", url], [url]):
        done = run(home, *argv, timeout=30)
        assert done.returncode == 2, (argv, done.stderr)
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert not home.exists()  # refused before anything was written


def test_a_bad_outline_is_skipped_and_named_and_the_rest_imported(tmp_path):
    good = [f"https://feeds.example/{i}" for i in range(5)]
    body = (
        outline(good[0])
        + outline(good[1])
        + "".join(outline(u) for u in BAD_URLS)
        + "".join(outline(u) for u in good[2:])
    )
    path = tmp_path / "list.opml"
    path.write_text(opml(body))
    home = tmp_path / "home"
    done = run(home, "import", str(path))
    assert done.returncode == 0, done.stderr
    assert "imported 5 new feeds" in done.stdout
    assert done.stderr.count(": skipped '") == len(BAD_URLS) and "Traceback" not in done.stderr
    assert "[::1/feed" in done.stderr
    with Store.open(home) as store:
        assert sorted(f.url for f in store.feeds()) == sorted(good)


def test_deep_long_folders_stay_small(tmp_path):
    """1,000 nested folders with 1 KB names over 1,000 feeds made a 982 MB database."""
    depth, feeds = 1000, 1000
    name = "n" * 1024
    body = "".join(f'<outline text="{name}{d}">' for d in range(depth))
    body += "".join(outline(f"https://feeds.example/{i}") for i in range(feeds)) + "</outline>" * depth
    path = tmp_path / "deep.opml"
    path.write_text(opml(body))
    report = read_opml_report(path.read_bytes())
    assert len(report.outlines) == feeds
    assert all(o.folder.count("/") == MAX_DEPTH - 1 for o in report.outlines)
    assert any("deeper than" in p for p in report.problems)
    home = tmp_path / "home"
    started = time.monotonic()
    assert run(home, "import", str(path)).returncode == 0
    listed = run(home, "list")
    took = time.monotonic() - started
    assert listed.returncode == 0 and took < 60
    assert (home / "threadline.db").stat().st_size < 20 * 1024 * 1024


def test_ten_thousand_deep_opml_imports_and_exports(tmp_path):
    depth = 10_000
    body = (
        "".join(f'<outline text="f{d}">' for d in range(depth))
        + outline("https://feeds.example/deep")
        + "</outline>" * depth
    )
    path = tmp_path / "deep.opml"
    path.write_text(opml(body))
    home = tmp_path / "home"
    assert run(home, "import", str(path)).returncode == 0
    out = tmp_path / "back.opml"
    done = run(home, "export", str(out))
    assert done.returncode == 0, done.stderr
    again = read_opml_report(out.read_bytes())
    assert [o.url for o in again.outlines] == ["https://feeds.example/deep"]


def test_export_onto_a_folder_or_into_a_missing_one_is_one_line(tmp_path):
    home = tmp_path / "home"
    assert run(home, "add", "https://feeds.example/a").returncode == 0
    for target in (tmp_path, tmp_path / "missing" / "x.opml"):
        done = run(home, "export", str(target))
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert "cannot export" in done.stderr


def test_export_on_a_full_disk_keeps_the_old_backup_whole(tmp_path):
    home = tmp_path / "home"
    for i in range(300):
        if i == 0:
            assert run(home, "add", f"https://feeds.example/{i}").returncode == 0
    with Store.open(home) as store:
        for i in range(1, 3000):
            store.add_feed(f"https://feeds.example/{i}", title="t" * 100, folder="News/World")
    with tiny_tmpfs(tmp_path / "small", size="64k") as small:
        backup = small / "backup.opml"
        old = opml(outline("https://feeds.example/old"))
        backup.write_text(old)
        done = run(home, "export", str(backup))
        assert done.returncode == 2
        assert "cannot export" in done.stderr and "Traceback" not in done.stderr
        assert backup.read_text() == old  # the old backup, untouched
        assert [p.name for p in small.iterdir()] == ["backup.opml"]  # no temporary file left


def test_list_and_export_on_a_new_home_create_nothing(tmp_path):
    home = tmp_path / "never"
    assert run(home, "list").returncode == 0
    done = run(home, "export")
    assert done.returncode == 0 and "<opml" in done.stdout
    assert not home.exists()
