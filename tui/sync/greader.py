"""The Google Reader API, as FreshRSS, Miniflux, Inoreader and The Old Reader serve it.

``url`` is the API's root: the one under which ``accounts/ClientLogin`` and
``reader/api/0/...`` live (FreshRSS: ``https://host/api/greader.php``; Miniflux:
its base URL). Shapes, as those servers document and send them:

* ``accounts/ClientLogin`` (POST ``Email``, ``Passwd``) answers lines
  ``SID=...``, ``LSID=...``, ``Auth=<token>``; every later request carries
  ``Authorization: GoogleLogin auth=<token>``. Writes also carry the edit token
  ``T`` from ``reader/api/0/token`` (Miniflux reads the token only from ``T`` on
  a POST, FreshRSS checks both).
* ``stream/items/ids`` lists ``itemRefs`` with decimal ids, newest first, and a
  ``continuation`` to pass back as ``c``: FreshRSS's is the last id it sent,
  Miniflux's is a numeric offset written as a string; both are opaque here.
* ``stream/items/contents`` (POST, ``i=`` repeated) answers ``items`` whose ids
  are the long form ``tag:google.com,2005:reader/item/<16 hex digits>``; an
  item's read and starred marks are ``.../state/com.google/read`` and
  ``.../starred`` among its ``categories`` (``user/-/`` or ``user/<id>/``).
* Item ids grow as items arrive (FreshRSS: the microsecond of arrival; Miniflux:
  a sequence), so the cursor is the highest id stored, and a sync reads ids
  newest first until it meets one at or below it.
* Miniflux answers any endpoint it does not implement with ``[]`` and HTTP 200;
  such an answer means "not offered here" (``unread-count``, for one).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from tui.sync.base import (
    BATCH,
    Http,
    ItemPage,
    RemoteFeed,
    RemoteItem,
    SyncError,
    chunks,
    number,
    text,
)

ITEM_PREFIX = "tag:google.com,2005:reader/item/"
READING_LIST = "user/-/state/com.google/reading-list"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
IDS_PAGE = 1000


def item_id(value: Any) -> str:
    """The canonical (decimal) form of an item id in the long or the short form; ""
    for anything else."""
    raw = text(value).strip()
    if raw.startswith(ITEM_PREFIX):
        digits = raw[len(ITEM_PREFIX) :]
        if 0 < len(digits) <= 16 and all(c in "0123456789abcdefABCDEF" for c in digits):
            return str(int(digits, 16))
        return ""
    if raw.isdigit() and len(raw) <= 20 and raw.isascii():
        return str(int(raw))
    return ""


def long_id(canonical: str) -> str:
    return f"{ITEM_PREFIX}{int(canonical):016x}"


def _state(categories: Any, name: str) -> bool:
    if not isinstance(categories, list):
        return False
    suffix = f"/state/com.google/{name}"
    return any(isinstance(c, str) and c.startswith("user/") and c.endswith(suffix) for c in categories)


def _folder(categories: Any) -> str:
    for cat in categories if isinstance(categories, list) else []:
        if not isinstance(cat, dict):
            continue
        label = text(cat.get("label"), 200)
        cid = text(cat.get("id"), 300)
        if not label and "/label/" in cid:
            label = cid.split("/label/", 1)[1]
        if label:
            return label
    return ""


def _href(links: Any) -> str:
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and text(link.get("href")):
            return text(link.get("href"), 4000)
    return ""


class GReaderBackend:
    kind = "greader"

    def __init__(self, url: str, user: str, password: str, http: Http | None = None) -> None:
        self.root = url.rstrip("/")
        self.user = user
        self._password = password
        self.http = http or Http()
        self._auth = ""
        self._token = ""

    @property
    def requests(self) -> int:
        return self.http.requests

    def close(self) -> None:
        self.http.close()

    # -- the protocol ------------------------------------------------------------
    def login(self) -> None:
        response = self.http.request(
            "POST",
            f"{self.root}/accounts/ClientLogin",
            data={"Email": self.user, "Passwd": self._password},
        )
        if response.status_code in (401, 403):
            raise SyncError("login refused (wrong user or password)", "auth")
        if response.status_code == 404:
            raise SyncError("no Google Reader API at this URL (404)", "protocol")
        if response.status_code >= 400:
            raise SyncError(f"login failed (HTTP {response.status_code})", "auth")
        auth = ""
        for line in response.text.splitlines():
            name, _, value = line.partition("=")
            if name.strip() == "Auth":
                auth = value.strip()
        if not auth:
            data = None
            try:
                data = Http.json_of(response)
            except SyncError:
                pass
            if isinstance(data, dict):
                auth = text(data.get("Auth"), 500)
        if not auth:
            raise SyncError("login failed (the server sent no Auth token)", "auth")
        self._auth = auth
        self._token = ""

    def _request(
        self,
        method: str,
        path: str,
        params: list[tuple[str, str]] | None = None,
        data: list[tuple[str, str]] | None = None,
    ) -> httpx.Response:
        if not self._auth:
            self.login()
        for attempt in (0, 1):
            body = data
            if method == "POST":
                body = [("T", self._edit_token()), *(data or [])]
            response = self.http.request(
                method,
                f"{self.root}/reader/api/0/{path}",
                params=params,
                data=body,
                headers={"Authorization": f"GoogleLogin auth={self._auth}"},
            )
            if response.status_code == 401 and attempt == 0:
                self.login()  # the token expired: one new login, then the same request
                continue
            if response.status_code in (401, 403):
                raise SyncError(f"access denied (HTTP {response.status_code})", "auth")
            if response.status_code >= 400:
                raise SyncError(f"{path}: HTTP {response.status_code}", "server")
            return response
        raise AssertionError("unreachable")

    def _edit_token(self) -> str:
        if not self._token:
            response = self.http.request(
                "GET",
                f"{self.root}/reader/api/0/token",
                headers={"Authorization": f"GoogleLogin auth={self._auth}"},
            )
            if response.status_code in (401, 403):
                raise SyncError(f"access denied (HTTP {response.status_code})", "auth")
            token = response.text.strip()
            # An implementation without the endpoint ([] or nothing): its writes
            # take the auth token itself, as Miniflux's do.
            self._token = token if token and token != "[]" and len(token) < 500 else self._auth
        return self._token

    def _json(self, path: str, params: list[tuple[str, str]] | None = None, data=None, method="GET") -> Any:
        response = self._request(method, path, [("output", "json"), *(params or [])], data)
        return Http.json_of(response)

    def _write(self, path: str, data: list[tuple[str, str]]) -> None:
        response = self._request("POST", path, None, data)
        answer = response.text.strip()
        if answer not in ("OK", "[]", "") and not answer.startswith("{"):
            raise SyncError(f"{path}: the server said {answer[:60]!r}", "server")

    # -- subscriptions --------------------------------------------------------------
    def subscriptions(self, known: dict[str, str] | None = None) -> list[RemoteFeed]:
        data = self._json("subscription/list")
        subs = data.get("subscriptions") if isinstance(data, dict) else None
        if not isinstance(subs, list):
            raise SyncError("subscription/list: not a list of subscriptions", "protocol")
        found = []
        for s in subs:
            if not isinstance(s, dict):
                continue
            sid = text(s.get("id"), 2000)
            url = text(s.get("url"), 2000) or (sid[5:] if sid.startswith("feed/http") else "")
            if not sid.startswith("feed/") or not url:
                continue
            found.append(
                RemoteFeed(
                    id=sid,
                    url=url,
                    title=text(s.get("title"), 500),
                    folder=_folder(s.get("categories")),
                    site_url=text(s.get("htmlUrl"), 2000),
                )
            )
        return found

    def unread_counts(self) -> dict[str, int] | None:
        """Unread counts by feed, or None where the server does not offer them
        (Miniflux answers ``[]``). The engine does not rely on them: one request of
        unread ids per thousand says more, and a count cannot see one item read
        and another unread."""
        data = self._json("unread-count")
        rows = data.get("unreadcounts") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            return None
        counts: dict[str, int] = {}
        for row in rows:
            if isinstance(row, dict):
                count = number(row.get("count"))
                if count is not None:
                    counts[text(row.get("id"), 2000)] = int(count)
        return counts

    def folders(self) -> list[str]:
        """The folders (labels) the server lists, empty ones included."""
        data = self._json("tag/list")
        tags = data.get("tags") if isinstance(data, dict) else None
        names = []
        for tag in tags if isinstance(tags, list) else []:
            if isinstance(tag, dict):
                tid = text(tag.get("id"), 300)
                if "/label/" in tid and text(tag.get("type")) in ("", "folder"):
                    names.append(tid.split("/label/", 1)[1])
        return names

    def subscribe(self, url: str, folder: str = "") -> None:
        data = [("ac", "subscribe"), ("s", f"feed/{url}")]
        if folder:
            data.append(("a", f"user/-/label/{folder}"))
        self._write("subscription/edit", data)

    def unsubscribe(self, feed_id: str) -> None:
        self._write("subscription/edit", [("ac", "unsubscribe"), ("s", feed_id)])

    def mark_all_read(self, stream: str, before: float | None = None) -> None:
        data = [("s", stream)]
        if before is not None:
            data.append(("ts", str(int(before * 1_000_000))))
        self._write("mark-all-as-read", data)

    # -- items ------------------------------------------------------------------------
    def _id_pages(self, params: list[tuple[str, str]]) -> Iterator[list[str]]:
        continuation = ""
        seen: set[str] = set()
        while True:
            query = [*params, ("n", str(IDS_PAGE))]
            if continuation:
                query.append(("c", continuation))
            data = self._json("stream/items/ids", query)
            refs = data.get("itemRefs") if isinstance(data, dict) else None
            ids = [i for i in (item_id(r.get("id")) for r in refs or [] if isinstance(r, dict)) if i]
            yield ids
            nxt = text(data.get("continuation"), 200) if isinstance(data, dict) else ""
            if not ids or not nxt or nxt in seen:
                return
            seen.add(nxt)
            continuation = nxt

    def items_since(self, cursor: str, feed_ids: list[str] | None = None) -> Iterator[ItemPage]:
        since = int(cursor) if cursor.isdigit() else -1
        newest = max(since, 0)
        for ids in self._id_pages([("s", READING_LIST)]):
            fresh = [i for i in ids if int(i) > since]
            for part in chunks(fresh, BATCH):
                page = ItemPage(items=[], cursor=cursor)
                page.items, page.skipped = self._contents(part)
                newest = max([newest, *(int(i) for i in part)])
                yield page
            if len(fresh) < len(ids):  # newest first: the rest are older than the cursor
                break
        yield ItemPage(items=[], cursor=str(newest))

    def items_by_id(self, ids: list[str]) -> list[RemoteItem]:
        found: list[RemoteItem] = []
        for part in chunks([i for i in ids if i.isdigit()], BATCH):
            found.extend(self._contents(part)[0])
        return found

    def _contents(self, ids: list[str]) -> tuple[list[RemoteItem], list[str]]:
        data = self._json("stream/items/contents", None, [("i", long_id(i)) for i in ids], method="POST")
        rows = data.get("items") if isinstance(data, dict) else None
        items: list[RemoteItem] = []
        skipped: list[str] = []
        for row in rows if isinstance(rows, list) else []:
            item = self._item(row)
            if item is None:
                skipped.append("an item without a usable id or origin was skipped")
            else:
                items.append(item)
        return items, skipped

    @staticmethod
    def _item(row: Any) -> RemoteItem | None:
        if not isinstance(row, dict):
            return None
        rid = item_id(row.get("id"))
        origin = row.get("origin")
        feed = text(origin.get("streamId"), 2000) if isinstance(origin, dict) else ""
        if not rid or not feed:
            return None
        body = ""
        for name in ("content", "summary"):
            part = row.get(name)
            if isinstance(part, dict) and text(part.get("content")):
                body = text(part.get("content"))
                break
        categories = row.get("categories")
        return RemoteItem(
            id=rid,
            feed_id=feed,
            title=text(row.get("title"), 2000),
            link=_href(row.get("alternate")) or _href(row.get("canonical")),
            author=text(row.get("author"), 500),
            published=number(row.get("published")),
            updated=number(row.get("updated")) or None,
            content=body,
            read=_state(categories, "read"),
            starred=_state(categories, "starred"),
        )

    def _state_ids(self, params: list[tuple[str, str]]) -> set[str]:
        found: set[str] = set()
        for ids in self._id_pages(params):
            found.update(ids)
        return found

    def unread_ids(self, feed_ids: list[str] | None) -> set[str]:
        if feed_ids is None or len(feed_ids) > 20:
            return self._state_ids([("s", READING_LIST), ("xt", READ)])
        found: set[str] = set()
        for fid in feed_ids:
            found |= self._state_ids([("s", fid), ("xt", READ)])
        return found

    def starred_ids(self) -> set[str]:
        return self._state_ids([("s", STARRED)])

    def recently_read_ids(self) -> set[str] | None:
        return None  # the unread ids are fetched in full instead

    # -- marks -------------------------------------------------------------------------
    def _edit_tag(self, ids: list[str], op: str, tag: str) -> None:
        for part in chunks([i for i in ids if i.isdigit()], BATCH):
            self._write("edit-tag", [*(("i", long_id(i)) for i in part), (op, tag)])

    def mark_read(self, ids: list[str], read: bool) -> None:
        self._edit_tag(ids, "a" if read else "r", READ)

    def mark_starred(self, ids: list[str], starred: bool) -> None:
        self._edit_tag(ids, "a" if starred else "r", STARRED)
