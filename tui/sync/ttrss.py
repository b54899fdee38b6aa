"""Tiny Tiny RSS: its JSON API at ``<url>/api/``.

Every call is a POST of one JSON object (``op`` and its parameters, ``sid`` once
logged in); every answer is ``{"seq", "status", "content"}`` with status 0 for
success and 1 with ``content.error`` for failure. Numbers and booleans may come
back as strings ("12", "t"), so every field is read through base's readers.

Items are paged with ``since_id`` (only ids above the cursor) and ``skip``, oldest
first, at most 200 a page (the server's own cap). A session that expired between
calls (``NOT_LOGGED_IN``) is renewed by logging in again, once per call.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tui.sync.base import (
    PAGE,
    Http,
    ItemPage,
    RemoteFeed,
    RemoteItem,
    SyncError,
    chunks,
    flag,
    number,
    text,
)

# updateArticle's field and mode numbers
_FIELD_STARRED = 0
_FIELD_UNREAD = 2
# Virtual feeds: every article, and the starred ones.
_ALL_ARTICLES = -4
_STARRED = -1
_RECENTLY_READ = -6
_ALL_FEEDS = -3  # getFeeds: every real feed, no labels or special feeds

_LOGIN_REASONS = {
    "LOGIN_ERROR": "login refused (wrong user or password)",
    "API_DISABLED": "the API is turned off for this user (Preferences: enable API access)",
}
_SUBSCRIBE_CODES = {
    2: "the server says the URL is not valid",
    3: "the server found no feed at that URL",
    4: "the server found several feeds at that URL",
    5: "the server could not download the URL",
}


def _int(value: str) -> int | str:
    return int(value) if value.isdigit() else value


class TtrssBackend:
    kind = "ttrss"

    def __init__(self, url: str, user: str, password: str, http: Http | None = None) -> None:
        self.api_url = url.rstrip("/") + ("/" if url.rstrip("/").endswith("/api") else "/api/")
        self.user = user
        self._password = password
        self.http = http or Http()
        self._sid = ""
        self.api_level = 0

    @property
    def requests(self) -> int:
        return self.http.requests

    def close(self) -> None:
        self.http.close()

    # -- the protocol ------------------------------------------------------------
    def _post(self, body: dict[str, Any]) -> Any:
        response = self.http.request("POST", self.api_url, json_body=body)
        if response.status_code in (401, 403):
            raise SyncError(f"access denied (HTTP {response.status_code})", "auth")
        if response.status_code == 404:
            raise SyncError("no Tiny Tiny RSS API at this URL (404)", "protocol")
        data = Http.json_of(response)
        if not isinstance(data, dict):
            raise SyncError("the server's answer is not a tt-rss API answer", "protocol")
        return data

    def _call(self, op: str, **params: Any) -> Any:
        if not self._sid:
            self.login()
        for attempt in (0, 1):
            data = self._post({"op": op, "sid": self._sid, **params})
            content = data.get("content")
            if data.get("status") in (0, "0"):
                return content
            error = text(content.get("error")) if isinstance(content, dict) else ""
            if error == "NOT_LOGGED_IN" and attempt == 0:
                self.login()
                continue
            if error in _LOGIN_REASONS:
                raise SyncError(_LOGIN_REASONS[error], "auth")
            raise SyncError(f"{op}: the server said {error[:60] or 'no'}", "server")
        raise AssertionError("unreachable")

    def login(self) -> None:
        data = self._post({"op": "login", "user": self.user, "password": self._password})
        content = data.get("content")
        if data.get("status") in (0, "0") and isinstance(content, dict):
            sid = text(content.get("session_id"))
            if sid:
                self._sid = sid
                level = number(content.get("api_level"))
                self.api_level = int(level) if level is not None else 0
                return
        error = text(content.get("error")) if isinstance(content, dict) else ""
        raise SyncError(_LOGIN_REASONS.get(error, f"login failed ({error[:60] or 'no session'})"), "auth")

    # -- subscriptions --------------------------------------------------------------
    def subscriptions(self, known: dict[str, str] | None = None) -> list[RemoteFeed]:
        """The feeds with their folders and unread counts. getFeeds counts each feed's
        unread articles with a query of its own (seconds for hundreds of feeds), so
        the tree (names, folders) and the counters (one grouped query) are read
        instead, and getFeeds only for URLs: when a feed is not in ``known`` (remote
        id -> URL) or when ``known`` is None (a full check)."""
        tree = self._call("getFeedTree", include_empty=True)
        top = tree.get("categories") if isinstance(tree, dict) else None
        if not isinstance(top, dict) or not isinstance(top.get("items"), list):
            return self._listed_feeds()
        entries: list[tuple[str, str, str]] = []
        self._walk(top["items"], "", entries, 0)
        counts = self._unread_counts()
        urls = dict(known or {})
        if known is None or any(fid not in urls for fid, _, _ in entries):
            urls.update({f.id: f.url for f in self._listed_feeds()})
        return [
            RemoteFeed(id=fid, url=urls[fid], title=title, folder=folder, unread=counts.get(fid))
            for fid, title, folder in entries
            if urls.get(fid)
        ]

    def _walk(self, items: list[Any], folder: str, out: list[tuple[str, str, str]], depth: int) -> None:
        for item in items:
            if not isinstance(item, dict) or depth > 20:
                continue
            bare = number(item.get("bare_id"))
            # "type" is missing on the feeds of a real category: the id says it too
            kind = text(item.get("type")) or text(item.get("id")).partition(":")[0].lower()
            if kind in ("category", "cat") and bare is not None and isinstance(item.get("items"), list):
                # 0 is "Uncategorized"; -1 (Special) and -2 (Labels) hold no real feeds
                if bare >= 0:
                    name = text(item.get("name"), 200) if bare > 0 else ""
                    self._walk(item["items"], name, out, depth + 1)
            elif kind == "feed" and bare is not None and bare > 0:
                out.append((str(int(bare)), text(item.get("name"), 500), folder))

    def _unread_counts(self) -> dict[str, int]:
        counters = self._call("getCounters", output_mode="f")
        counts: dict[str, int] = {}
        for row in counters if isinstance(counters, list) else []:
            if isinstance(row, dict) and "kind" not in row:
                fid, count = text(row.get("id")), number(row.get("counter"))
                if fid.isdigit() and fid != "0" and count is not None:
                    counts[fid] = int(count)
        return counts

    def _listed_feeds(self) -> list[RemoteFeed]:
        categories = self._call("getCategories", include_empty=True, enable_nested=False)
        names: dict[str, str] = {}
        for cat in categories if isinstance(categories, list) else []:
            if isinstance(cat, dict):
                cid = text(cat.get("id"))
                # 0 is "Uncategorized", negative ids are tt-rss's own (Special, Labels)
                if cid and not cid.startswith("-") and cid != "0":
                    names[cid] = text(cat.get("title"), 200)
        feeds = self._call("getFeeds", cat_id=_ALL_FEEDS, unread_only=False, limit=0, offset=0)
        found: list[RemoteFeed] = []
        for f in feeds if isinstance(feeds, list) else []:
            if not isinstance(f, dict):
                continue
            fid = text(f.get("id"))
            url = text(f.get("feed_url"), 2000)
            if not fid or fid.startswith("-") or not url:
                continue
            unread = number(f.get("unread"))
            found.append(
                RemoteFeed(
                    id=fid,
                    url=url,
                    title=text(f.get("title"), 500),
                    folder=names.get(text(f.get("cat_id")), ""),
                    unread=int(unread) if unread is not None else None,
                )
            )
        return found

    def subscribe(self, url: str, folder: str = "") -> None:
        params: dict[str, Any] = {"feed_url": url}
        if folder:
            categories = self._call("getCategories", include_empty=True)
            for cat in categories if isinstance(categories, list) else []:
                if isinstance(cat, dict) and text(cat.get("title")) == folder:
                    params["category_id"] = text(cat.get("id"))
        content = self._call("subscribeToFeed", **params)
        status = content.get("status") if isinstance(content, dict) else None
        code = number(status.get("code")) if isinstance(status, dict) else None
        if code is None or int(code) not in (0, 1):
            reason = _SUBSCRIBE_CODES.get(int(code) if code is not None else -1, "subscribing failed")
            raise SyncError(reason, "server")

    def unsubscribe(self, feed_id: str) -> None:
        self._call("unsubscribeFeed", feed_id=_int(feed_id))

    # -- items ------------------------------------------------------------------------
    def _headlines(self, **params: Any) -> Iterator[list[Any]]:
        skip = 0
        while True:
            page = self._call("getHeadlines", limit=PAGE, skip=skip, **params)
            rows = page if isinstance(page, list) else []
            yield rows
            if len(rows) < PAGE:
                return
            skip += len(rows)

    def items_since(self, cursor: str, feed_ids: list[str] | None = None) -> Iterator[ItemPage]:
        since = int(cursor) if cursor.isdigit() else 0
        newest = since
        query = {
            "is_cat": False,
            "view_mode": "all_articles",
            "since_id": since,
            "show_content": True,
            "show_excerpt": False,
            "include_attachments": False,
            "order_by": "date_reverse",
        }
        pages: Iterator[list[Any]]
        if since == 0 and feed_ids:
            # Everything the server holds: feed by feed. tt-rss sorts the whole
            # result for every page, so 200-item pages over all of a big account
            # cost a sort of every article each; one feed's articles sort at once.
            pages = (rows for fid in feed_ids for rows in self._headlines(feed_id=_int(fid), **query))
        else:
            pages = self._headlines(feed_id=_ALL_ARTICLES, **query)
        for rows in pages:
            page = ItemPage(items=[], cursor=str(since))
            for row in rows:
                item = self._item(row)
                if item is None:
                    page.skipped.append("an item without an id or feed was skipped")
                    continue
                page.items.append(item)
                newest = max(newest, int(item.id))
            yield page
        # Only once every page is stored: the pages come oldest first, not by id.
        yield ItemPage(items=[], cursor=str(newest))

    def items_by_id(self, ids: list[str]) -> list[RemoteItem]:
        found: list[RemoteItem] = []
        for part in chunks([i for i in ids if i.isdigit()]):
            rows = self._call("getArticle", article_id=",".join(part))
            for row in rows if isinstance(rows, list) else []:
                item = self._item(row)
                if item is not None:
                    found.append(item)
        return found

    @staticmethod
    def _item(row: Any) -> RemoteItem | None:
        if not isinstance(row, dict):
            return None
        rid = text(row.get("id"))
        feed = text(row.get("feed_id"))
        if not rid.isdigit() or not feed:
            return None
        count = number(row.get("comments_count"))
        return RemoteItem(
            id=rid,
            feed_id=feed,
            title=text(row.get("title"), 2000),
            link=text(row.get("link"), 4000),
            author=text(row.get("author"), 500),
            published=number(row.get("updated")),
            content=text(row.get("content")),
            read=not flag(row.get("unread")),
            starred=flag(row.get("marked")),
            comments_url=text(row.get("comments_link"), 4000),
            comment_count=int(count) if count else None,
        )

    def _ids(self, **params: Any) -> set[str]:
        found: set[str] = set()
        for rows in self._headlines(show_content=False, show_excerpt=False, **params):
            for row in rows:
                if isinstance(row, dict):
                    rid = text(row.get("id"))
                    if rid.isdigit():
                        found.add(rid)
        return found

    def unread_ids(self, feed_ids: list[str] | None) -> set[str]:
        if feed_ids is None:
            return self._ids(feed_id=_ALL_ARTICLES, view_mode="unread")
        found: set[str] = set()
        for fid in feed_ids:
            found |= self._ids(feed_id=_int(fid), view_mode="unread")
        return found

    def starred_ids(self) -> set[str]:
        return self._ids(feed_id=_STARRED, view_mode="all_articles")

    def recently_read_ids(self) -> set[str] | None:
        return self._ids(feed_id=_RECENTLY_READ, view_mode="all_articles")

    # -- marks -------------------------------------------------------------------------
    def _update(self, ids: list[str], field: int, mode: int) -> None:
        for part in chunks([i for i in ids if i.isdigit()]):
            self._call("updateArticle", article_ids=",".join(part), mode=mode, field=field)

    def mark_read(self, ids: list[str], read: bool) -> None:
        self._update(ids, _FIELD_UNREAD, 0 if read else 1)

    def mark_starred(self, ids: list[str], starred: bool) -> None:
        self._update(ids, _FIELD_STARRED, 1 if starred else 0)
