"""The demo newsroom: real formats, real validators, and content that grows on publish()."""

from __future__ import annotations

import io
import json
import re
import socket
import xml.etree.ElementTree as ET

import feedparser
import httpx
import pytest

from tui.demo import Newsroom, content
from tui.demo.newsroom import NewsroomState

START = 1795712700.0  # 2026-11-26 17:05:00 UTC; a simulated clock keeps times exact
MARKER = re.compile(r"<p><strong>UPDATE (\d{4}) GMT:</strong>")


@pytest.fixture
def newsroom():
    with Newsroom(tick=0, start_time=START) as n:
        yield n


@pytest.fixture
def client():
    with httpx.Client(timeout=5) as c:
        yield c


def feed_url(newsroom: Newsroom, folder: str) -> str:
    return next(url for url, _title, f in newsroom.feeds() if f == folder)


def parse(client: httpx.Client, url: str):
    r = client.get(url)
    assert r.status_code == 200, r.text
    d = feedparser.parse(io.BytesIO(r.content))
    assert not d.bozo, d.get("bozo_exception")
    return d


def live_entry(d):
    return next(e for e in d.entries if "LIVE" in e.title)


def post_id(entry) -> int:
    return int(entry.id.rsplit("?p=", 1)[1])


def comments(client, newsroom, post: int, **params):
    return client.get(f"{newsroom.base_url}/wp-json/wp/v2/comments", params={"post": post, **params})


def test_feeds_are_listed_for_subscription(newsroom):
    feeds = newsroom.feeds()
    assert [f for _u, _t, f in feeds] == ["Local", "Wire", "Weather"]
    assert all(url.startswith(newsroom.base_url + "/") for url, _t, _f in feeds)
    assert newsroom.base_url.startswith("http://127.0.0.1:")


def test_ledger_rss_is_wordpress_shaped(newsroom, client):
    raw = client.get(feed_url(newsroom, "Local")).content
    ET.fromstring(raw)  # well-formed XML, not just something feedparser tolerates
    assert b"sy:updatePeriod" not in raw and b"<ttl>" not in raw  # would slow the demo to hourly
    d = feedparser.parse(io.BytesIO(raw))
    assert not d.bozo
    assert d.feed.title == content.LEDGER_TITLE
    assert len(d.entries) >= 5
    base = newsroom.base_url
    for e in d.entries:
        assert re.fullmatch(re.escape(base) + r"/\?p=\d+", e.id)
        assert e.link.startswith(base + "/ledger/") and e.link.endswith("/")
        assert e.comments == e.link + "#comments"
        assert e.wfw_commentrss == e.link + "feed/"
        assert e.slash_comments.isdigit()
        assert e.author and e.published_parsed
        assert len(re.findall("<p>", e.content[0].value)) >= 3
    live = live_entry(d)
    body = live.content[0].value
    assert "<blockquote>" in body and "<ul>" in body and '<a href="' in body
    # Updates sit on top, newest first, above the original story.
    assert body.startswith("<p><strong>UPDATE ")
    stamps = MARKER.findall(body)
    assert len(stamps) == 4 and stamps == sorted(stamps, reverse=True)


def test_wire_atom_has_threading_links(newsroom, client):
    d = parse(client, feed_url(newsroom, "Wire"))
    assert d.version == "atom10"
    assert d.feed.title == content.WIRE_TITLE
    assert d.entries
    for e in d.entries:
        assert e.published_parsed and e.updated_parsed and e.author
        assert e.content[0].type == "text/html"
        assert any(link.rel == "alternate" for link in e.links)
    threaded = [e for e in d.entries if any(link.rel == "replies" for link in e.links)]
    assert threaded and len(threaded) < len(d.entries)
    replies = next(link for link in threaded[0].links if link.rel == "replies")
    assert replies.type == "application/atom+xml"
    assert replies["thr:count"] == threaded[0].thr_total
    # The replies feed is there and says what each reply answers (RFC 4685).
    r = parse(client, replies.href)
    assert len(r.entries) == int(replies["thr:count"])
    assert all(e["thr_in-reply-to"]["ref"].startswith(threaded[0].id) for e in r.entries)


def test_weather_is_json_feed_1_1(newsroom, client):
    r = client.get(feed_url(newsroom, "Weather"))
    assert r.headers["content-type"].startswith("application/feed+json")
    doc = json.loads(r.content.decode("utf-8"))
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["title"] == content.WEATHER_TITLE
    assert len(doc["items"]) >= 3
    for item in doc["items"]:
        assert item["id"] and item["title"] and item["content_html"].startswith("<p>")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", item["date_published"])


@pytest.mark.parametrize("folder", ["Local", "Wire", "Weather"])
def test_conditional_get_then_change_after_publish(newsroom, client, folder):
    url = feed_url(newsroom, folder)
    first = client.get(url)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert re.fullmatch(r'"[0-9a-f]{32}(-gzip)?"', etag)  # strong, not W/
    assert first.headers["cache-control"] == "max-age=2"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    by_date = client.get(url, headers={"If-Modified-Since": last_modified})
    assert by_date.status_code == 304
    for _ in range(3):  # one full rotation touches every feed except maybe weather
        newsroom.publish()
    for _ in range(60):  # the weather desk only files when the article slot picks it
        if client.get(url, headers={"If-None-Match": etag}).status_code == 200:
            break
        newsroom.publish()
    changed = client.get(url, headers={"If-None-Match": etag, "If-Modified-Since": last_modified})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 200


def test_publish_rotates_update_comment_article(newsroom, client):
    rss = feed_url(newsroom, "Local")
    before = live_entry(parse(client, rss))
    pid = post_id(before)
    total_before = int(comments(client, newsroom, pid).headers["x-wp-total"])
    counts_before = sum(len(parse(client, u).entries) for u, _t, f in newsroom.feeds() if f != "Weather")

    said = newsroom.publish()
    assert said.startswith("UPDATE 17")
    after = live_entry(parse(client, rss))
    body = after.content[0].value
    top = MARKER.match(body)
    assert top is not None and said.startswith(f"UPDATE {top.group(1)} GMT")
    # Exactly one new paragraph on top; everything below it is as it was.
    new_paragraph, rest = body.split("\n", 1)
    assert MARKER.match(new_paragraph) and rest == before.content[0].value

    said = newsroom.publish()
    assert said.startswith("comment ")
    pids = {post_id(e) for e in parse(client, rss).entries}
    totals = {p: int(comments(client, newsroom, p).headers["x-wp-total"]) for p in pids}
    assert sum(totals.values()) >= total_before + 1  # landed on the live thread or another

    said = newsroom.publish()
    assert said.startswith("new ")
    weather = len(json.loads(client.get(feed_url(newsroom, "Weather")).content)["items"])
    counts_after = sum(len(parse(client, u).entries) for u, _t, f in newsroom.feeds() if f != "Weather")
    assert counts_after + weather == counts_before + 3 + 1


def test_live_thread_grows_in_rest_endpoint(newsroom, client):
    pid = post_id(live_entry(parse(client, feed_url(newsroom, "Local"))))
    total = int(comments(client, newsroom, pid).headers["x-wp-total"])
    grew = 0
    for _ in range(30):
        if (
            newsroom.publish().startswith("comment ")
            and int(comments(client, newsroom, pid).headers["x-wp-total"]) > total + grew
        ):
            grew += 1
    assert grew >= 3
    r = comments(client, newsroom, pid, per_page=100, order="desc", orderby="date")
    items = r.json()
    assert len(items) == total + grew == int(r.headers["x-wp-total"])
    dates = [c["date_gmt"] for c in items]
    assert dates == sorted(dates)  # oldest first, order/orderby ignored


def test_rest_comment_shape(newsroom, client):
    pid = post_id(live_entry(parse(client, feed_url(newsroom, "Local"))))
    items = comments(client, newsroom, pid, per_page=100).json()
    assert len(items) >= 10
    ids = {c["id"] for c in items}
    for c in items:
        assert isinstance(c["id"], int) and c["post"] == pid
        assert c["parent"] == 0 or c["parent"] in ids
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", c["date_gmt"])
        assert c["content"]["rendered"].startswith("<p>")
        assert c["link"].endswith(f"/#comment-{c['id']}")
        assert c["author"] in (0, 1)
    assert sum(c["parent"] == 0 for c in items) >= 2
    assert sum(c["author"] == 1 for c in items) >= 1
    assert any(
        c["content"]["rendered"].count("<p>") >= 3 and "<a href=" in c["content"]["rendered"] for c in items
    )


def test_thread_reaches_depth_seven(newsroom, client):
    pid = post_id(live_entry(parse(client, feed_url(newsroom, "Local"))))
    for _ in range(12):
        newsroom.publish()
    items = comments(client, newsroom, pid, per_page=100).json()
    parent = {c["id"]: c["parent"] for c in items}

    def depth(cid: int) -> int:
        d = 1
        while parent[cid]:
            cid, d = parent[cid], d + 1
        return d

    depths = [depth(cid) for cid in parent]
    assert max(depths) == 7  # as deep as the seed thread, and never deeper


def test_pagination_and_out_of_range(newsroom, client):
    pid = post_id(live_entry(parse(client, feed_url(newsroom, "Local"))))
    every = comments(client, newsroom, pid, per_page=100).json()
    first = comments(client, newsroom, pid, per_page=3)
    total = int(first.headers["x-wp-total"])
    pages = int(first.headers["x-wp-totalpages"])
    assert total == len(every) and pages == -(-total // 3)
    assert [c["id"] for c in first.json()] == [c["id"] for c in every[:3]]
    second = comments(client, newsroom, pid, per_page=3, page=2)
    assert [c["id"] for c in second.json()] == [c["id"] for c in every[3:6]]
    beyond = comments(client, newsroom, pid, per_page=3, page=pages + 1)
    assert beyond.status_code == 400
    assert beyond.json()["code"] == "rest_post_invalid_page_number"
    assert comments(client, newsroom, pid, per_page=0).status_code == 400


def test_rest_etag_changes_when_total_changes(newsroom, client):
    pid = post_id(live_entry(parse(client, feed_url(newsroom, "Local"))))
    r = comments(client, newsroom, pid, per_page=1)  # page 1 of oldest-first never changes
    etag = r.headers["etag"]
    assert client.get(str(r.url), headers={"If-None-Match": etag}).status_code == 304
    total = int(r.headers["x-wp-total"])
    for _ in range(30):
        if int(comments(client, newsroom, pid).headers["x-wp-total"]) > total:
            break
        newsroom.publish()
    fresh = client.get(str(r.url), headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.json() == r.json()  # same page, new total


def test_gzip_when_asked_and_not_otherwise(newsroom, client):
    url = feed_url(newsroom, "Local")
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(zipped.content)  # httpx decoded it
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == zipped.content
    assert plain.headers["etag"] != zipped.headers["etag"]  # one strong tag per representation


def test_article_page_json_ld_matches_feed_body(newsroom, client):
    for _ in range(4):
        newsroom.publish()
    live = live_entry(parse(client, feed_url(newsroom, "Local")))
    page = client.get(live.link).text
    assert f'<link rel="https://api.w.org/" href="{newsroom.base_url}/wp-json/">' in page
    assert f'<link rel="shortlink" href="{newsroom.base_url}/?p={post_id(live)}">' in page
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    ld = json.loads(block.group(1))
    assert ld["@type"] == "LiveBlogPosting"
    stamps = MARKER.findall(live.content[0].value)
    updates = ld["liveBlogUpdate"]
    assert len(updates) == len(stamps) >= 5
    for stamp, update in zip(stamps, updates):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", update["datePublished"])
        assert update["datePublished"][11:16].replace(":", "") == stamp
        assert update["headline"] and update["articleBody"] in live.content[0].value.replace(
            "&#8220;", "\u201c"
        )


def test_a_second_live_article_appears(newsroom, client):
    for _ in range(6):
        newsroom.publish()
    titles = [e.title for e in parse(client, feed_url(newsroom, "Local")).entries]
    assert content.STORM_LIVE.title in titles
    storm = next(
        e for e in parse(client, feed_url(newsroom, "Local")).entries if e.title == content.STORM_LIVE.title
    )
    assert MARKER.match(storm.content[0].value)
    assert "application/ld+json" in client.get(storm.link).text


def test_comment_rss_is_the_newest_ten(newsroom, client):
    live = live_entry(parse(client, feed_url(newsroom, "Local")))
    d = parse(client, live.wfw_commentrss)
    rest = comments(client, newsroom, post_id(live), per_page=100).json()
    assert len(d.entries) == 10 < len(rest)
    newest = [c["link"] for c in reversed(rest)][:10]
    assert [e.link for e in d.entries] == newest
    assert all(e.author and e.published_parsed and e.content[0].value for e in d.entries)


def test_tricky_strings_survive_every_format(newsroom, client):
    rss = client.get(feed_url(newsroom, "Local")).content.decode()
    pid = post_id(live_entry(feedparser.parse(io.BytesIO(rss.encode()))))
    items = comments(client, newsroom, pid, per_page=100).json()
    names = {c["author_name"] for c in items}
    assert content.BRACKET_AUTHOR in names and content.NON_LATIN_AUTHOR in names
    bodies = "".join(c["content"]["rendered"] for c in items)
    assert content.CLICK_MARKUP in bodies and content.EMOJI in bodies
    assert "Ευχαριστώ" in bodies
    assert "Harbour &amp; Rail" in rss
    assert any(
        e.title.startswith("Harbour & Rail") for e in feedparser.parse(io.BytesIO(rss.encode())).entries
    )
    # A comment quoting "]]>" and every other comment keep the comment feeds well-formed.
    for _ in range(60):
        newsroom.publish()
    for url in {e.wfw_commentrss for e in parse(client, feed_url(newsroom, "Local")).entries}:
        ET.fromstring(client.get(url).content)


def test_same_seed_same_newsroom_and_pages_404(newsroom, client):
    a, b = NewsroomState(seed=3, start_time=START), NewsroomState(seed=3, start_time=START)
    assert [a.publish() for _ in range(9)] == [b.publish() for _ in range(9)]
    assert client.get(newsroom.base_url + "/ledger/no-such-story/").status_code == 404
    shortlink = client.get(f"{newsroom.base_url}/?p={newsroom._state.main_live.id}")
    assert shortlink.status_code == 301 and "/ledger/live-" in shortlink.headers["location"]


def test_publisher_thread_publishes_on_its_own(client):
    with Newsroom(tick=0.05, start_time=START) as n:
        url = feed_url(n, "Local")
        etag = client.get(url).headers["etag"]
        for _ in range(200):  # bounded wait for the publisher; no timing is asserted
            if client.get(url, headers={"If-None-Match": etag}).status_code == 200:
                break
            n._stopping.wait(0.05)
        else:
            pytest.fail("the publisher thread never changed the feed")


def test_stop_frees_the_port():
    n = Newsroom(tick=0)
    base = n.start()
    port = int(base.rsplit(":", 1)[1])
    n.stop()
    n.stop()  # twice is harmless
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # would raise if the listener were still open
    with pytest.raises(httpx.TransportError):
        httpx.get(base + "/ledger/feed/", timeout=2)
