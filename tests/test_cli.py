"""The command line as a user meets it: real subprocesses where it matters,
a real loopback server for refresh, a real database to reopen afterwards."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from loopback import Reply

from tui.cli import main
from tui.store import Store

ROOT = Path(__file__).resolve().parent.parent


def rss(n: int, prefix: str = "Item", version: int = 1) -> str:
    items = "".join(
        f"<item><title>{prefix} {i} v{version}</title><link>http://news.test/{prefix}/{i}</link>"
        f"<guid>{prefix}-{i}</guid><description>Body {i} of {prefix}, version {version}.</description></item>"
        for i in range(n)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{prefix} feed</title>{items}</channel></rss>'


def run(home, *args) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "tui", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["add", "notaurl"],
        ["add", "ftp://example.test/feed"],
        ["add", "http://x.test/feed", "--every", "soon"],
        ["--interval", "-3", "list"],
        ["--bogus"],
        ["import", "/no/such/file.opml"],
        ["remove", "http://never.test/feed"],
        ["thread", "javascript:alert(1)"],
        ["refresh", "--jsn"],
    ],
)
def test_usage_errors_print_one_line_exit_2_and_write_nothing(home, capsys, argv):
    code = main(["--home", str(home), *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("threadline: ") and err.count("\n") == 1
    assert list(home.iterdir()) == []


def test_add_list_remove(home, capsys):
    assert main(["--home", str(home), "add", "http://a.test/feed", "--title", "Alpha", "--every", "10m"]) == 0
    assert main(["--home", str(home), "list"]) == 0
    out = capsys.readouterr().out
    assert "Alpha" in out and "http://a.test/feed" in out
    with Store.open(home) as store:
        assert store.feeds()[0].every == 600
    assert main(["--home", str(home), "remove", "http://a.test/feed"]) == 0
    with Store.open(home) as store:
        assert store.feeds() == []


def test_opml_import_export_round_trip(home, tmp_path, capsys):
    src = tmp_path / "in.opml"
    src.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>'
        '<outline text="News"><outline text="Ledger" title="Ledger" type="rss" xmlUrl="http://a.test/feed"/>'
        '<outline text="Wire" type="rss" xmlUrl="http://b.test/atom"/></outline>'
        '<outline text="Loose" type="rss" xmlUrl="https://c.test/rss"/></body></opml>'
    )
    assert main(["--home", str(home), "import", str(src)]) == 0
    assert "imported 3 new feeds" in capsys.readouterr().out
    out = tmp_path / "out.opml"
    assert main(["--home", str(home), "export", str(out)]) == 0
    home2 = tmp_path / "home2"
    assert main(["--home", str(home2), "import", str(out)]) == 0
    with Store.open(home2) as store:
        got = sorted((f.url, f.title, f.folder) for f in store.feeds())
    assert got == [
        ("http://a.test/feed", "Ledger", "News"),
        ("http://b.test/atom", "Wire", "News"),
        ("https://c.test/rss", "Loose", ""),
    ]


def test_refresh_twice_second_is_conditional_and_parses_nothing(home, server, capsys):
    server.route("/a", Reply(body=rss(5, "A"), etag='"a1"'))
    server.route("/b", Reply(body=rss(3, "B"), last_modified="Thu, 26 Nov 2026 10:00:00 GMT"))
    server.route("/broken", Reply(body="<html><body>not a feed</body></html>", content_type="text/html"))
    for path in ("/a", "/b", "/broken"):
        assert main(["--home", str(home), "add", server.url(path)]) == 0
    capsys.readouterr()

    assert main(["--home", str(home), "refresh", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    by_url = {f["url"]: f for f in first["feeds"]}
    assert by_url[server.url("/a")]["new"] == 5
    assert by_url[server.url("/b")]["new"] == 3
    assert by_url[server.url("/broken")]["outcome"] == "error"

    assert main(["--home", str(home), "refresh"]) == 0
    text = capsys.readouterr().out
    assert "not modified" in text
    hits_a, hits_b = server.hits("/a"), server.hits("/b")
    assert hits_a[-1].headers.get("if-none-match") == '"a1"'
    assert hits_b[-1].headers.get("if-modified-since") == "Thu, 26 Nov 2026 10:00:00 GMT"
    assert main(["--home", str(home), "refresh", "--json"]) == 0
    third = {f["url"]: f for f in json.loads(capsys.readouterr().out)["feeds"]}
    for path in ("/a", "/b"):
        assert third[server.url(path)]["conditional"] is True
        assert third[server.url(path)]["parsed"] is False
        assert third[server.url(path)]["outcome"] == "not-modified"
    with Store.open(home) as store:
        failing = [f for f in store.feeds() if f.failing]
        assert [f.url for f in failing] == [server.url("/broken")]
        assert "not a feed" in failing[0].error


def test_refresh_records_live_updates(home, server, capsys):
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Live desk</title><item>'
        "<title>LIVE: Harbour storm</title><guid>live-1</guid>"
        "<pubDate>Thu, 26 Nov 2026 09:00:00 GMT</pubDate><description>"
        "&lt;p&gt;&lt;b&gt;UPDATE 1700 GMT:&lt;/b&gt; Ferries resume.&lt;/p&gt;"
        "&lt;p&gt;&lt;b&gt;UPDATE 1500 GMT:&lt;/b&gt; Winds ease.&lt;/p&gt;"
        "&lt;p&gt;A storm reached the bay overnight.&lt;/p&gt;</description></item></channel></rss>"
    )
    server.route("/live", Reply(body=body))
    main(["--home", str(home), "add", server.url("/live")])
    assert main(["--home", str(home), "refresh"]) == 0
    with Store.open(home) as store:
        rows = store.timeline()
    assert [r.headline for r in rows if r.update_id] == ["Ferries resume.", "Winds ease."]


@pytest.mark.slow
def test_kill_during_refresh_never_corrupts_or_loses_committed_rows(home, server):
    """kill -9 a refresh at different moments: the database stays sound and
    everything committed before the kill is still there."""
    n_feeds = 40
    state = {"version": 1}
    for i in range(n_feeds):
        server.route(
            f"/f{i}",
            lambda req, i=i: Reply(body=rss(30, f"F{i}", state["version"]), delay=0.1),
        )
    with Store.open(home) as store:
        for i in range(n_feeds):
            store.add_feed(server.url(f"/f{i}"))
    code, out, err = run(home, "refresh")
    assert code == 0, err
    with Store.open(home) as store:
        committed = {(a.feed_id, a.guid) for a in store.articles()}
    assert len(committed) == n_feeds * 30

    killed_midway = 0
    for attempt, delay in enumerate((0.7, 1.0, 1.3, 1.6, 1.9)):
        state["version"] += 1
        proc = subprocess.Popen(
            [sys.executable, "-m", "tui", "--home", str(home), "refresh"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with Store.open(home) as store:
            assert store.integrity_check() == "ok"
            now = {(a.feed_id, a.guid) for a in store.articles()}
            assert committed <= now
            assert len(store.feeds()) == n_feeds
            # the full-text index agrees with the articles table
            assert len(store.search("Body", limit=100_000)) == len(now)
            versions = {a.title.rsplit(" ", 1)[-1] for a in store.articles()}
            killed_midway += len(versions) > 1
    assert killed_midway >= 1  # the kills did land in the middle of a refresh


def test_home_that_does_not_exist_yet_works_for_every_later_command(tmp_path):
    """The README's own `threadline --home /tmp/t ...` on a folder that is not there yet."""
    home = tmp_path / "fresh"
    for argv in (["list"], ["add", "http://127.0.0.1:9/feed"], ["list"], ["export"]):
        done = subprocess.run(
            [sys.executable, "-m", "tui", "--home", str(home), *argv],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, (argv, done.stderr)
        assert "Traceback" not in done.stderr
    assert home.is_dir() and (home / "threadline.db").is_file()
    assert "127.0.0.1:9/feed" in done.stdout


def test_a_closed_pipe_ends_quietly(tmp_path):
    """`threadline list | head -1` and `export | head -1` on many feeds: no traceback."""
    from tui.store import Store

    home = tmp_path / "home"
    with Store.open(home) as store:
        for i in range(3000):
            store.add_feed(f"https://feeds.example/{i}", title=f"Feed number {i} " + "x" * 60)
    for command in ("list", "export"):
        done = subprocess.run(
            f"{sys.executable} -m tui --home {home} {command} | head -1",
            shell=True,
            capture_output=True,
            text=True,
            timeout=60,
            executable="/bin/bash",
        )
        assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
        assert done.stdout.count("\n") == 1
