"""Storage under faults: kill -9 in the middle of writes, two instances on one
home, a read-only home and a full disk. Real subprocesses, a real database.

After every fault: ``PRAGMA integrity_check`` is ok and nothing that was
committed before the fault is missing. Faults in the environment give one clear
line on stderr, never a traceback.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from hostile_corpus import rss
from loopback import Reply

from tui.cli import main
from tui.model import Article, ParsedFeed
from tui.store import Store, StoreError

ROOT = Path(__file__).resolve().parent.parent
KILLS = 20


def threadline(home, *args, **kw) -> subprocess.Popen:
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(
        [sys.executable, "-m", "tui", "--home", str(home), *args], cwd=ROOT, text=True, **kw
    )


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL a process started with start_new_session=True and everything it
    started (parser workers), as closing a terminal would."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def run(home, *args) -> tuple[int, str, str]:
    proc = threadline(home, *args)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


def assert_clear_failure(code: int, err: str, *words: str) -> None:
    assert "Traceback" not in err, err
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("threadline: "), err
    assert any(w in lines[0] for w in words), lines[0]


def snapshot(home) -> tuple[set, set]:
    with Store.open(home) as store:
        assert store.integrity_check() == "ok"
        articles = {(a.feed_id, a.guid) for a in store.articles(limit=1_000_000)}
        read = {a.id for a in store.articles(limit=1_000_000) if a.read}
        # the full-text index agrees with the articles table
        assert len(store.search("Body", limit=1_000_000)) == len(articles)
    return articles, read


# -- kill -9 ---------------------------------------------------------------------------


@pytest.mark.slow
def test_kill_9_during_refresh_20_times(home, server):
    n_feeds = 8
    state = {"version": 0}

    def feed(i):
        def reply(req):
            v = state["version"]
            items = [(f"f{i}-v{w}-{k}", f"F{i} item {k} v{w}") for w in range(v + 1) for k in range(5)]
            # Slow enough that the saves spread over the refresh (two feeds at a
            # time per host) instead of landing together once the parsers are up.
            return Reply(body=rss(items, title=f"F{i}"), delay=0.25)

        return reply

    with Store.open(home) as store:
        for i in range(n_feeds):
            store.add_feed(server.route(f"/f{i}", feed(i)), title=f"F{i}")

    def first_request(seen: int, proc) -> float:
        deadline = time.monotonic() + 20
        while len(server.requests) <= seen and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
        return time.monotonic()

    # Calibrate: how long a whole refresh runs once its first request is out.
    seen = len(server.requests)
    proc = threadline(
        home, "refresh", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    started = first_request(seen, proc)
    assert proc.wait(timeout=60) == 0
    window = time.monotonic() - started
    kill_group(proc)

    rng = random.Random(6)
    committed, _ = snapshot(home)
    mid_way = 0
    for attempt in range(KILLS):
        state["version"] += 1
        seen = len(server.requests)
        proc = threadline(
            home, "refresh", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        # Kill somewhere inside the refresh: between its first request and its end.
        started = first_request(seen, proc)
        time.sleep(max(0.0, started + rng.uniform(0.1, 0.95) * window - time.monotonic()))
        kill_group(proc)
        now, _ = snapshot(home)
        assert committed <= now, f"attempt {attempt}: committed rows vanished"
        with Store.open(home) as store:
            assert len(store.feeds()) == n_feeds
            fresh = {a.feed_id for a in store.articles(limit=1_000_000) if f"-v{state['version']}-" in a.guid}
        mid_way += 0 < len(fresh) < n_feeds
        committed = now
    assert mid_way >= 3, f"only {mid_way} of {KILLS} kills landed in the middle of a refresh"
    # And the home still works afterwards.
    code, out, err = run(home, "refresh")
    assert code == 0, err
    final, _ = snapshot(home)
    assert len({g for _, g in final if f"-v{state['version']}-" in g}) == n_feeds * 5


@pytest.mark.slow
def test_kill_9_of_a_refresh_leaves_no_parser_processes_behind(home, server):
    for i in range(8):
        server.route(f"/p{i}", Reply(body=rss([(f"p{i}-{k}", "t") for k in range(5)]), delay=0.05))
    with Store.open(home) as store:
        for i in range(8):
            store.add_feed(server.url(f"/p{i}"))
    outlived = []
    for pause in (0.0, 0.05, 0.3):
        seen = len(server.requests)
        proc = threadline(
            home, "refresh", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        try:
            while len(server.requests) <= seen and proc.poll() is None:
                time.sleep(0.001)
            time.sleep(pause)
            os.kill(proc.pid, signal.SIGKILL)  # the refresh only, as `kill -9 PID` does
            proc.wait()
            deadline = time.monotonic() + 1.5
            left = _group_members(proc.pid)
            while left and time.monotonic() < deadline:
                time.sleep(0.1)
                left = _group_members(proc.pid)
            outlived.append(len(left))
        finally:
            kill_group(proc)  # never leave them behind ourselves
    assert outlived == [0] * len(outlived), f"processes that outlived each killed refresh: {outlived}"


def _group_members(pgid: int) -> list[int]:
    """Live processes of the group; a zombie has exited and only waits for init to reap it."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,pgid=,stat="], capture_output=True, text=True).stdout
    members = []
    for line in out.splitlines():
        pid, group, stat = line.split(None, 2)
        if int(group) == pgid and not stat.startswith("Z"):
            members.append(int(pid))
    return members


_READ_WRITER = textwrap.dedent(
    """
    import sys
    from tui.store import Store
    store = Store.open(sys.argv[1])
    ids = [a.id for a in store.articles(limit=1_000_000)]
    rounds = 0
    while True:  # toggle every article, round after round, reporting each commit
        state = rounds % 2 == 0
        for i in ids:
            store.set_read(i, state)
            print(i, int(state), flush=True)
        rounds += 1
    """
)


@pytest.mark.slow
def test_kill_9_during_read_state_writes_20_times(home):
    with Store.open(home) as store:
        for f in range(4):
            feed = store.add_feed(f"http://f{f}.test/feed", title=f"F{f}")
            store.save_poll(
                feed,
                ParsedFeed(
                    entries=[
                        Article(
                            guid=f"{f}-{k}", title=f"Item {k}", content=f"<p>Body {k}</p>", published=1e9 + k
                        )
                        for k in range(150)
                    ]
                ),
            )
    articles, _ = snapshot(home)
    rng = random.Random(7)
    read_counts = set()
    for attempt in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, "-c", _READ_WRITER, str(home)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        first = proc.stdout.readline()  # writing has begun
        assert first, proc.communicate()[1]
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(proc.pid, signal.SIGKILL)
        rest, err = proc.communicate()
        assert proc.returncode == -signal.SIGKILL, err  # killed while still writing
        reported: dict[int, bool] = {}
        order = []
        for line in (first + rest).splitlines():
            if len(line.split()) != 2:
                continue  # the kill cut this report short; its write is the "maybe newer" one
            i, state = line.split()
            reported[int(i)] = state == "1"
            order.append(int(i))
        with Store.open(home) as store:
            assert store.integrity_check() == "ok"
            stored = store.articles(limit=1_000_000)  # the writer's order, too
        assert {(a.feed_id, a.guid) for a in stored} == articles
        now = {a.id: a.read for a in stored}
        # Every reported commit holds, except the one write that may have
        # committed after the last report (it is then newer, not lost).
        ids = [a.id for a in stored]
        maybe_newer = ids[(ids.index(order[-1]) + 1) % len(ids)]
        lost = [i for i, state in reported.items() if now[i] != state and i != maybe_newer]
        assert lost == [], f"attempt {attempt}: committed read marks lost: {lost[:5]}"
        read_counts.add(sum(now.values()))
    # The kills landed at many different points of the writing.
    assert len(read_counts) >= KILLS // 2, read_counts


# -- two instances -----------------------------------------------------------------------


@pytest.mark.slow
def test_two_refreshes_on_one_home_at_once(home, server):
    n_feeds = 12
    for i in range(n_feeds):
        server.route(f"/c{i}", Reply(body=rss([(f"c{i}-{k}", f"C{i} {k}") for k in range(10)]), delay=0.02))
    with Store.open(home) as store:
        for i in range(n_feeds):
            store.add_feed(server.url(f"/c{i}"))
    procs = [threadline(home, "refresh"), threadline(home, "refresh")]
    outcomes = [p.communicate(timeout=60) + (p.returncode,) for p in procs]
    for out, err, code in outcomes:
        assert "Traceback" not in err, err
        assert code == 0 or (code == 1 and "busy" in err), (code, err)
    assert any(code == 0 for _, _, code in outcomes)
    articles, _ = snapshot(home)
    assert len(articles) == n_feeds * 10  # each once, no duplicates
    with Store.open(home) as store:
        assert all(not f.failing for f in store.feeds()), [f.error for f in store.feeds()]


# -- read-only home ------------------------------------------------------------------------


@contextmanager
def read_only(path: Path):
    """``path`` made read-only for everyone: a read-only bind mount when root
    (root ignores permission bits), plain permissions otherwise."""
    if os.geteuid() == 0:
        if subprocess.run(["mount", "--bind", str(path), str(path)], capture_output=True).returncode != 0:
            pytest.skip("cannot bind-mount here")
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(path)], check=True, capture_output=True)
            yield "read-only bind mount"
        finally:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)
    else:
        modes = {p: p.stat().st_mode for p in [path, *path.iterdir()]}
        for p in modes:
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            yield "permissions"
        finally:
            for p, mode in modes.items():
                p.chmod(mode)


@pytest.mark.parametrize("command", [["list"], ["refresh"], ["add", "http://new.test/feed"]])
def test_read_only_home_gives_one_clear_line(home, server, command):
    url = server.route("/feed", Reply(body=rss([("r1", "Kept")])))
    assert run(home, "add", url)[0] == 0
    assert run(home, "refresh")[0] == 0
    before, _ = snapshot(home)
    with read_only(home):
        code, out, err = run(home, *command)
        if command == ["list"] and code == 0:
            # Reading a read-only home is fine, as long as it says what is there.
            assert "Kept" not in err and url in out
        else:
            assert_clear_failure(code, err, "read-only", "cannot open", "permission")
    after, _ = snapshot(home)
    assert before <= after


# -- full disk -------------------------------------------------------------------------------


@contextmanager
def tiny_tmpfs(path: Path, size: str = "600k"):
    path.mkdir(parents=True, exist_ok=True)
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("no tmpfs without mount privileges (the max_page_count variant still runs)")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _big_feed(n: int, size: int) -> str:
    filler = "word " * (size // 5)
    return rss([(f"big-{k}", f"Big item {k}") for k in range(n)]).replace(
        "Body of Big item", filler + " Body of Big item"
    )


def test_full_disk_tmpfs_gives_a_clear_message_and_keeps_what_was_saved(tmp_path, server):
    with tiny_tmpfs(tmp_path / "small") as home:
        small = server.route("/small", Reply(body=rss([("s1", "Small one")])))
        big = server.route("/big", Reply(body=_big_feed(40, 40_000)))
        assert run(home, "add", small)[0] == 0
        assert run(home, "refresh")[0] == 0
        before, _ = snapshot(home)
        assert run(home, "add", big, "--title", "Big")[0] == 0
        code, out, err = run(home, "refresh")
        assert code == 0
        assert "Big" in out and "full" in out  # the feed that could not be saved says why
        after, _ = snapshot(home)
        assert before <= after
        # Fill what is left, then add a feed: one clear line, no traceback.
        with open(home / "filler", "wb") as f:
            try:
                f.write(b"\0" * 2_000_000)
            except OSError:
                pass
        code, out, err = run(home, "add", "http://another.test/feed", "--title", "x" * 100_000)
        assert_clear_failure(code, err, "full")
        (home / "filler").unlink()
        final, _ = snapshot(home)
        assert before <= final


_CAPPED_CLI = textwrap.dedent(
    """
    import sys
    from tui.store import Store
    configure = Store._configure
    def capped(self):
        configure(self)
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        self._db.execute(f"PRAGMA max_page_count={pages + 8}")
    Store._configure = capped
    from tui.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def _refresh_on_a_full_database(home, server) -> tuple[int, str, str]:
    small = server.route("/small", Reply(body=rss([("s1", "Small one")])))
    big = server.route("/big", Reply(body=_big_feed(40, 40_000)))
    assert main(["--home", str(home), "add", small]) == 0
    assert main(["--home", str(home), "add", big, "--title", "Big"]) == 0
    proc = subprocess.run(
        [sys.executable, "-c", _CAPPED_CLI, "--home", str(home), "refresh"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_full_disk_simulated_with_max_page_count(home, server):
    """The same promise where no tmpfs can be mounted: SQLite's max_page_count
    makes the database 'full' at a fixed size (SQLITE_FULL, as on a full disk)."""
    code, out, err = _refresh_on_a_full_database(home, server)
    assert code == 0, err
    assert "the disk is full" in out
    with Store.open(home) as store:
        assert store.integrity_check() == "ok"
        feeds = {f.title or f.url: f for f in store.feeds()}
        assert feeds["Big"].failing and "full" in feeds["Big"].error
        assert {a.guid.rsplit("/", 1)[-1] for a in store.articles()} == {"s1"}


def test_full_disk_refresh_prints_no_traceback(home, server):
    code, out, err = _refresh_on_a_full_database(home, server)
    assert "Traceback" not in err, err


def test_store_write_on_a_full_database_raises_store_error(tmp_path):
    store = Store.open(tmp_path)
    try:
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count={pages + 2}")
        with pytest.raises(StoreError, match="full"):
            store.add_feed("http://x.test/feed", title="t" * 100_000)
        assert store.feeds() == []
        assert store.integrity_check() == "ok"
        store.add_feed("http://x.test/small")  # still usable afterwards
    finally:
        store.close()
