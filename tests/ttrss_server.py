"""A real Tiny Tiny RSS on 127.0.0.1 for the sync tests.

``.ci/ttrss-setup`` installs tt-rss from Debian's packages, starts MariaDB and loads
the schema; this module runs tt-rss's own code on top of that: ``php -S`` from its
``www/`` folder for the JSON API, and its ``update.php`` to fetch feeds.

tt-rss will not fetch from loopback (``UrlHelper::fetch`` refuses any host that is
``localhost``, starts with ``127.`` or resolves to ``127.*``, and any port but 80 and
443). So test feeds get URLs on a host name that does not resolve,
``http://feeds.threadline.test/<path>``, and tt-rss reaches them through an HTTP proxy:
a ``LoopbackServer`` on 127.0.0.1 that answers by path. The setup script makes tt-rss
read the proxy's address from ``TTRSS_HTTP_PROXY``, which this module sets for both
``php -S`` and ``update.php``; tt-rss's PHP itself is unchanged.

    def test_x(ttrss):
        url = ttrss.serve_feed("/news.xml", rss_body)
        feed_id = ttrss.subscribe(url)
        ttrss.update_feeds()
        ttrss.api("getHeadlines", feed_id=feed_id)
"""

from __future__ import annotations

import ctypes
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from loopback import LoopbackServer, Reply

WWW = Path(os.environ.get("TTRSS_WWW", "/usr/share/tt-rss/www"))
CONFIG_EXTRA = Path("/etc/tt-rss/threadline-test.php")
FEED_CACHE = Path("/var/cache/tt-rss/feeds")
DB_SOCKET = os.environ.get("TTRSS_DB_SOCKET", "/run/mysqld/mysqld.sock")
DB_NAME = os.environ.get("TTRSS_DB_NAME", "ttrss")
DB_USER = os.environ.get("TTRSS_DB_USER", "ttrss")
DB_PASS = os.environ.get("TTRSS_DB_PASS", "ttrss")
FEED_HOST = "feeds.threadline.test"  # never resolves: tt-rss reaches it through the proxy
SETUP_HINT = "run `sudo bash .ci/ttrss-setup`"
_PROXY_VARS = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}

# tt-rss keeps every user's data in these tables; reset() empties them for the test user.
_RESET_SQL = """
SET FOREIGN_KEY_CHECKS = 0;
DELETE FROM ttrss_user_labels2;
DELETE FROM ttrss_labels2 WHERE owner_uid = {uid};
DELETE FROM ttrss_tags WHERE owner_uid = {uid};
DELETE FROM ttrss_user_entries WHERE owner_uid = {uid};
DELETE FROM ttrss_enclosures;
DELETE FROM ttrss_entry_comments;
DELETE FROM ttrss_entries;
DELETE FROM ttrss_feeds WHERE owner_uid = {uid};
DELETE FROM ttrss_archived_feeds WHERE owner_uid = {uid};
DELETE FROM ttrss_feed_categories WHERE owner_uid = {uid};
DELETE FROM ttrss_counters_cache WHERE owner_uid = {uid};
DELETE FROM ttrss_cat_counters_cache WHERE owner_uid = {uid};
DELETE FROM ttrss_filters2 WHERE owner_uid = {uid};
SET FOREIGN_KEY_CHECKS = 1;
"""


class TtrssError(RuntimeError):
    """tt-rss, its database or its update script did not do what was asked."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sql(statements: str) -> str:
    """Run SQL on tt-rss's database with the mariadb client; tab-separated rows out."""
    client = shutil.which("mariadb") or shutil.which("mysql")
    if client is None:
        raise TtrssError("no mariadb client on PATH")
    proc = subprocess.run(
        [client, f"--socket={DB_SOCKET}", f"-u{DB_USER}", f"-p{DB_PASS}", "-N", "-B", DB_NAME],
        input=statements,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if proc.returncode != 0:
        raise TtrssError(f"SQL failed: {proc.stderr.strip()}")
    return proc.stdout


_PR_SET_PDEATHSIG = 1
try:
    _prctl: Any = ctypes.CDLL(None, use_errno=True).prctl  # looked up before any fork
except (OSError, AttributeError):
    _prctl = None


def _die_with_parent() -> None:
    """In the child: take SIGTERM when the test process dies, so no php -S outlives it."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _as_web_user() -> dict[str, Any]:
    """tt-rss refuses to run as root; under root, run its PHP as www-data."""
    if os.geteuid() == 0:
        return {"user": "www-data", "group": "www-data", "extra_groups": []}
    return {}


def ttrss_available() -> str | None:
    """None when a tt-rss test server can run here, else a one-line reason."""
    if shutil.which("php") is None:
        return f"php is not installed: {SETUP_HINT}"
    if not (WWW / "api" / "index.php").is_file():
        return f"tt-rss is not installed at {WWW}: {SETUP_HINT}"
    if not CONFIG_EXTRA.is_file():
        return f"tt-rss is not configured for tests ({CONFIG_EXTRA} is missing): {SETUP_HINT}"
    try:
        out = _sql("SELECT COUNT(*) FROM ttrss_users WHERE login = 'admin';")
    except (TtrssError, OSError, subprocess.TimeoutExpired) as exc:
        return f"tt-rss's database does not answer ({str(exc).splitlines()[0]}): {SETUP_HINT}"
    if out.strip() != "1":
        return f"tt-rss's database has no admin user: {SETUP_HINT}"
    return None


class TtrssServer:
    """tt-rss's web API under ``php -S``, plus a proxy that serves the test feeds."""

    def __init__(self, user: str = "admin", password: str = "password") -> None:
        self.user = user
        self.password = password
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/"
        self.api_url = self.base_url + "api/"
        self.feeds = LoopbackServer()  # tt-rss's HTTP proxy; routes by path
        self.feeds.start()
        self._php: subprocess.Popen[bytes] | None = None
        self._logdir = Path(tempfile.mkdtemp(prefix="threadline-ttrss-"))
        self.log_path = self._logdir / "php-server.log"
        self._sid: str | None = None
        self._http = httpx.Client(timeout=60)
        self._uid: int | None = None

    # -- test feeds ---------------------------------------------------------
    def feed_url(self, path: str) -> str:
        """The URL tt-rss should subscribe to for ``path`` on the feed proxy."""
        return f"http://{FEED_HOST}{path}"

    def serve_feed(self, path: str, body: bytes | str, **reply: Any) -> str:
        """Serve ``body`` at ``path`` (extra ``Reply`` fields allowed); returns its URL."""
        self.feeds.route(path, Reply(body=body, **reply))
        return self.feed_url(path)

    # -- the web server -----------------------------------------------------
    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k.lower() not in _PROXY_VARS}
        env["TTRSS_SELF_URL_PATH"] = self.base_url
        env["TTRSS_HTTP_PROXY"] = f"127.0.0.1:{self.feeds.port}"
        return env

    @property
    def running(self) -> bool:
        return self._php is not None and self._php.poll() is None

    def start(self) -> None:
        """Start ``php -S`` on this server's port (no-op when it is running)."""
        if self.running:
            return
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed when php exits
        try:
            self._php = subprocess.Popen(
                ["php", "-S", f"127.0.0.1:{self.port}", "-d", "error_reporting=E_ERROR|E_PARSE"],
                cwd=WWW,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                preexec_fn=_die_with_parent,
                **_as_web_user(),
            )
        finally:
            log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._php.poll() is not None:
                raise TtrssError(f"php -S exited ({self._php.returncode}): {self._log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise TtrssError(f"php -S did not listen on port {self.port}: {self._log_tail()}")

    def stop(self) -> None:
        """Stop the web server only: the database and the feed proxy stay up."""
        if self._php is None:
            return
        if self._php.poll() is None:
            self._php.terminate()
            try:
                self._php.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._php.kill()
                self._php.wait()
        self._php = None

    def close(self) -> None:
        """Stop everything this object started."""
        self.stop()
        self.feeds.stop()
        self._http.close()
        shutil.rmtree(self._logdir, ignore_errors=True)

    def _log_tail(self, lines: int = 5) -> str:
        try:
            text = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(text[-lines:]) or "(empty log)"

    # -- the JSON API -------------------------------------------------------
    def post(self, payload: dict[str, Any]) -> dict[str, Any]:
        """POST one raw JSON body to the API; the decoded answer, whatever its status."""
        resp = self._http.post(self.api_url, json=payload)
        resp.raise_for_status()
        data = resp.json()
        if not isinstance(data, dict):
            raise TtrssError(f"API answered {resp.text[:200]!r}")
        return data

    def login(self) -> str:
        data = self.post({"op": "login", "user": self.user, "password": self.password})
        if data.get("status") != 0:
            raise TtrssError(f"login failed: {data}")
        self._sid = str(data["content"]["session_id"])
        return self._sid

    def api(self, op: str, **params: Any) -> dict[str, Any]:
        """Call ``op`` with ``params`` as the logged-in user; the whole answer.

        Logs in on first use and again if tt-rss forgot the session.
        """
        if self._sid is None:
            self.login()
        data = self.post({"op": op, "sid": self._sid, **params})
        content = data.get("content")
        if data.get("status") == 1 and isinstance(content, dict) and content.get("error") == "NOT_LOGGED_IN":
            self.login()
            data = self.post({"op": op, "sid": self._sid, **params})
        return data

    def content(self, op: str, **params: Any) -> Any:
        """``api()`` that raises unless tt-rss said status 0; returns ``content``."""
        data = self.api(op, **params)
        if data.get("status") != 0:
            raise TtrssError(f"{op} failed: {data}")
        return data.get("content")

    # -- data -------------------------------------------------------------------
    @property
    def uid(self) -> int:
        if self._uid is None:
            out = _sql(f"SELECT id FROM ttrss_users WHERE login = '{_quote(self.user)}';").strip()
            if not out:
                raise TtrssError(f"no tt-rss user {self.user!r}")
            self._uid = int(out)
        return self._uid

    def category_id(self, title: str) -> int:
        """The id of the user's category ``title``, made if missing (the API cannot)."""
        q = _quote(title)
        find = f"SELECT id FROM ttrss_feed_categories WHERE owner_uid = {self.uid} AND title = '{q}';"
        out = _sql(find).strip()
        if not out:
            _sql(f"INSERT INTO ttrss_feed_categories (owner_uid, title) VALUES ({self.uid}, '{q}');")
            out = _sql(find).strip()
        return int(out.splitlines()[0])

    def subscribe(self, feed_url: str, category: str = "") -> int:
        """Subscribe through the API (tt-rss fetches the feed once); the feed's id."""
        params: dict[str, Any] = {"feed_url": feed_url}
        if category:
            params["category_id"] = self.category_id(category)
        status = self.content("subscribeToFeed", **params)["status"]
        if status.get("code") not in (0, 1) or "feed_id" not in status:
            raise TtrssError(f"subscribeToFeed {feed_url}: {status}")
        return int(status["feed_id"])

    def add_feeds(self, feed_urls: list[str], category: str = "") -> list[int]:
        """Subscribe many feeds at once with SQL (no fetch now); their ids, in order.

        For benchmarks: subscribeToFeed fetches each feed first (about 0.2 s a feed
        here). The feeds get their titles and articles on the next ``update_feeds()``.
        """
        if not feed_urls:
            return []
        cat = str(self.category_id(category)) if category else "NULL"
        values = ",".join(
            f"({self.uid}, '{_quote(url)}', '[Unknown]', {cat}, '', '', 0, false)" for url in feed_urls
        )
        _sql(
            "INSERT INTO ttrss_feeds (owner_uid, feed_url, title, cat_id, auth_login, auth_pass,"
            f" update_method, auth_pass_encrypted) VALUES {values};"
        )
        out = _sql(f"SELECT id, feed_url FROM ttrss_feeds WHERE owner_uid = {self.uid};")
        ids = {url: int(i) for i, url in (line.split("\t", 1) for line in out.splitlines() if "\t" in line)}
        return [ids[url] for url in feed_urls]

    def feed_errors(self) -> dict[int, str]:
        """Feed id -> tt-rss's last fetch error, for feeds that have one."""
        out = _sql(
            f"SELECT id, last_error FROM ttrss_feeds WHERE owner_uid = {self.uid} AND last_error != '';"
        )
        rows = (line.split("\t", 1) for line in out.splitlines() if "\t" in line)
        return {int(i): err for i, err in rows}

    def update_feeds(self) -> None:
        """Run tt-rss's update script once: every subscribed feed is fetched now."""
        # A feed fetched in the last 30 s is otherwise read from tt-rss's local cache.
        for cached in glob.glob(str(FEED_CACHE / "*.xml")):
            try:
                os.unlink(cached)
            except OSError:
                pass
        proc = subprocess.run(
            [
                "php",
                "-d",
                "error_reporting=E_ERROR|E_PARSE",
                "update.php",
                "--force-update",
                "--feeds",
                "--quiet",
            ],
            cwd=WWW,
            env=self._env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
            **_as_web_user(),
        )
        if proc.returncode != 0 or "error:" in proc.stdout.lower():
            tail = (proc.stderr.strip() or proc.stdout.strip())[-2000:]
            raise TtrssError(f"update.php failed ({proc.returncode}): {tail}")

    def reset(self) -> None:
        """Empty the user's feeds, categories, articles, labels and stars."""
        _sql(_RESET_SQL.format(uid=self.uid))
        self.feeds.routes.clear()
        with self.feeds._lock:
            self.feeds.requests.clear()


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "''")


# -- pytest ---------------------------------------------------------------------
@pytest.fixture(scope="session")
def ttrss_session() -> Iterator[TtrssServer]:
    """One tt-rss web server for the whole run (see ``ttrss``)."""
    reason = ttrss_available()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"tt-rss test server unavailable under CI: {reason}", pytrace=False)
        pytest.skip(f"tt-rss test server unavailable: {reason}")
    server = TtrssServer()
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def ttrss(ttrss_session: TtrssServer) -> TtrssServer:
    """The running tt-rss, emptied for this test (restarted if a test stopped it)."""
    ttrss_session.start()
    ttrss_session.reset()
    return ttrss_session
