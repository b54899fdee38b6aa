"""tui.feeds.parse: every feed dialect into model.ParsedFeed, and every non-feed into FeedError."""

from __future__ import annotations

import calendar
import hashlib
import json
import time
from dataclasses import asdict
from datetime import UTC, datetime
from email.utils import formatdate
from pathlib import Path

import pytest

from tui.feeds.parse import FeedError, content_hash, parse_feed
from tui.model import ParsedFeed

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def utc(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


def all_text(parsed: ParsedFeed) -> str:
    return json.dumps(asdict(parsed))


def rss(items: str, channel_extra: str = "", ns: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"{ns}><channel>'
        f"<title>Test Desk</title><link>https://desk.example/</link>{channel_extra}"
        f"{items}</channel></rss>"
    ).encode()


def build_realistic_rss(items: int = 50) -> bytes:
    """A WordPress-like feed of about 90 KB: the shape a poller sees most."""
    parts = []
    for n in range(items):
        paragraphs = "".join(
            f"<p>Paragraph {p} of story {n}: the ferry office said sailings would "
            f"resume once the swell dropped below two metres, &amp; not before. "
            f'<a href="/tag/weather-{p}/">weather</a> <em>updated</em></p>\n'
            for p in range(6)
        )
        parts.append(
            f"<item><title>Story {n}: harbour news &amp; notes</title>"
            f"<link>https://desk.example/{n}/</link>"
            f"<comments>https://desk.example/{n}/#comments</comments>"
            f"<dc:creator><![CDATA[Reporter {n % 7}]]></dc:creator>"
            f"<pubDate>{formatdate(1_700_000_000 + n * 3600, usegmt=True)}</pubDate>"
            f"<category><![CDATA[Local]]></category>"
            f'<guid isPermaLink="false">https://desk.example/?p={1000 + n}</guid>'
            f"<description><![CDATA[Short summary for story {n}.]]></description>"
            f"<content:encoded><![CDATA[{paragraphs}]]></content:encoded>"
            f"<wfw:commentRss>https://desk.example/{n}/feed/</wfw:commentRss>"
            f"<slash:comments>{n}</slash:comments></item>\n"
        )
    ns = (
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:wfw="http://wellformedweb.org/CommentAPI/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:slash="http://purl.org/rss/1.0/modules/slash/"'
    )
    return rss("".join(parts), ns=ns)


# -- dialects ----------------------------------------------------------------


def test_wordpress_rss2_fields():
    parsed = parse_feed(fixture("wordpress-rss2.xml"), {"Content-Type": "application/rss+xml"})
    assert parsed.title == "Millbrook Courier"
    assert parsed.site_url == "https://courier.example"
    assert parsed.ttl == 15 * 60
    assert parsed.update_period == 3600 / 4
    assert parsed.bozo == ""
    assert [a.guid for a in parsed.entries] == [
        "https://courier.example/?p=123",
        "https://courier.example/?p=118",
    ]
    live = parsed.entries[0]
    # surrounding whitespace goes, the words stay
    assert live.title == "Live: River Lenn breaks its banks at Millbrook weir"
    assert live.link == "https://courier.example/2024/06/04/live-river-lenn-flood/"
    assert live.author == "Priya Alcott"
    assert live.published == utc(2024, 6, 4, 9, 5)
    assert live.updated is None  # the feed gave only pubDate
    assert live.comments_url.endswith("/live-river-lenn-flood/#comments")
    assert live.comment_feed == "https://courier.example/2024/06/04/live-river-lenn-flood/feed/"
    assert live.comment_count == 42
    # content:encoded wins over the shorter description; both kept
    assert "UPDATE 1715 BST" in live.content and "UPDATE 1340 BST" in live.content
    assert live.summary.startswith("The weir gave way")
    # not resolved, not sanitized: text.py does both itself
    assert 'href="/tag/flood/"' in live.content
    assert parsed.entries[1].comment_count == 0


def test_rss1_rdf():
    parsed = parse_feed(fixture("rss1-rdf.xml"))
    assert parsed.title == "Hilltop Observatory Notes"
    assert parsed.update_period == 86400
    first = parsed.entries[0]
    assert first.guid == "https://observatory.example/notes/comet-tail"
    assert first.author == "Night Desk"
    # dc:date with a -04:00 offset, stored as UTC
    assert first.updated == utc(2023, 10, 13, 2, 40)
    assert len(parsed.entries) == 2


def test_rss091_with_netscape_doctype_and_no_guids():
    parsed = parse_feed(fixture("rss091.xml"))
    assert parsed.title == "Café Quarterly"
    assert [a.title for a in parsed.entries] == ["Crème brûlée returns", "Closed for the harvest festival"]
    first = parsed.entries[0]
    assert first.guid == f"{first.link}\n{first.title}"


def test_atom_threading_and_relative_links():
    parsed = parse_feed(fixture("atom-threading.xml"), url="https://mirror.example/feeds/q.atom")
    assert parsed.title == "Quayside Weekly"
    # xml:base on the feed beats the fetch URL
    assert parsed.site_url == "https://quayside.example/blog/"
    ferry, wall = parsed.entries
    assert ferry.link == "https://quayside.example/blog/2024/03/ferry-timetable"
    assert ferry.comment_feed == "https://quayside.example/blog/2024/03/ferry-timetable/comments.atom"
    assert ferry.comment_count == 17
    assert ferry.author == "Ines Marlow"
    assert ferry.published == utc(2024, 3, 2, 8, 30)
    assert ferry.updated == utc(2024, 3, 2, 16, 45)
    assert ferry.summary == "The early boat moves to 06:40."
    assert 'href="timetable.pdf"' in ferry.content
    assert wall.link == "https://quayside.example/elsewhere/wall"  # entry-level xml:base
    assert wall.comment_count == 5  # thr:total
    assert wall.comment_feed == ""
    assert wall.published is None


def test_atom_relative_links_resolve_against_fetch_url():
    doc = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
    <title>No base</title><link href="/home"/><id>urn:f</id>
    <entry><id>urn:e</id><title>E</title><link href="posts/7"/>
    <link rel="replies" type="application/atom+xml" href="posts/7/replies"/></entry></feed>"""
    parsed = parse_feed(
        doc, {"Content-Type": "application/atom+xml"}, url="https://news.example/feeds/all.atom"
    )
    assert parsed.site_url == "https://news.example/home"
    entry = parsed.entries[0]
    assert entry.link == "https://news.example/feeds/posts/7"
    assert entry.comment_feed == "https://news.example/feeds/posts/7/replies"
    assert entry.comment_count is None


def test_json_feed_1_1():
    parsed = parse_feed(fixture("jsonfeed-1.1.json"), {"content-type": "application/feed+json"})
    assert parsed.title == "Signal Box Podcast Notes"
    assert parsed.site_url == "https://signalbox.example/"
    ep42, ep41, ep40 = parsed.entries
    assert ep42.guid == "sb-0042"
    assert ep42.link == "https://signalbox.example/episodes/42"  # relative to feed_url
    assert ep42.author == "Rhona Pike, Dev Amin"
    assert ep42.published == utc(2024, 1, 15, 6, 0)
    assert ep42.updated == utc(2024, 1, 15, 9, 30)
    assert "<em>old signals</em>" in ep42.content
    assert ep42.summary == "The branch line's last semaphore."
    assert ep41.guid == "41"  # numeric ids from 1.0 producers
    assert ep41.author == "Signal Box Team"  # feed-level author as fallback
    assert ep41.published is None
    # plain text is escaped into HTML so content stays one format
    assert "&lt;angle&gt;" in ep41.content and "<angle>" not in ep41.content
    assert ep40.guid == f"{ep40.link}\n{ep40.title}"


def test_json_feed_detected_by_body_without_content_type():
    body = json.dumps(
        {"version": "https://jsonfeed.org/version/1", "title": "Bare", "items": [{"id": "x", "title": "X"}]}
    ).encode()
    parsed = parse_feed(b"\n  " + body, {"Content-Type": "text/plain"})
    assert parsed.title == "Bare"
    assert [a.guid for a in parsed.entries] == ["x"]


def test_xml_feed_mislabelled_as_json_still_parses():
    parsed = parse_feed(fixture("rss1-rdf.xml"), {"Content-Type": "application/json"})
    assert parsed.title == "Hilltop Observatory Notes"


@pytest.mark.parametrize(
    "body, reason",
    [
        (b'{"version": "1.0", "items": []}', "JSON Feed"),
        (b'{"title": "oops"', "malformed JSON"),
        (b"[1, 2, 3]", "JSON Feed"),
    ],
)
def test_json_that_is_not_a_json_feed(body, reason):
    with pytest.raises(FeedError, match=reason):
        parse_feed(body, {"Content-Type": "application/json"})


def test_unusual_namespace_prefixes_resolve_by_uri():
    parsed = parse_feed(fixture("odd-prefixes.xml"))
    slugs, swap = parsed.entries
    assert slugs.comment_count == 9
    assert slugs.comment_feed == "https://allotment.example/p/slugs-3/comments.rss"
    assert swap.comment_count == 3  # th:total
    assert parsed.update_period == 86400 / 2


def test_comment_counts_that_are_not_numbers_are_ignored():
    ns = ' xmlns:slash="http://purl.org/rss/1.0/modules/slash/"'
    items = "".join(
        f"<item><guid>g{n}</guid><slash:comments>{value}</slash:comments></item>"
        for n, value in enumerate(["many", "-3", "4.5", " 12 ", "9" * 5000])
    )
    counts = [a.comment_count for a in parse_feed(rss(items, ns=ns)).entries]
    assert counts == [None, None, None, 12, None]


@pytest.mark.parametrize(
    "extra, ttl, period",
    [
        ("<ttl>abc</ttl>", None, None),
        ("<ttl>0</ttl>", None, None),
        ("<ttl>60</ttl>", 3600, None),
        ("<sy:updatePeriod>weekly</sy:updatePeriod>", None, 7 * 86400),
        ("<sy:updatePeriod>fortnightly</sy:updatePeriod>", None, None),
        ("<sy:updatePeriod>Daily</sy:updatePeriod><sy:updateFrequency>x</sy:updateFrequency>", None, 86400),
        (
            "<sy:updatePeriod>yearly</sy:updatePeriod><sy:updateFrequency>0</sy:updateFrequency>",
            None,
            365 * 86400,
        ),
    ],
)
def test_ttl_and_update_period(extra, ttl, period):
    ns = ' xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"'
    parsed = parse_feed(rss("", channel_extra=extra, ns=ns))
    assert (parsed.ttl, parsed.update_period) == (ttl, period)


# -- identity and duplicates ------------------------------------------------------


def test_missing_guids_dedupe_by_link_and_title():
    items = (
        "<item><title>Same</title><link>https://desk.example/a</link></item>"
        "<item><title>Same</title><link>https://desk.example/a</link><description>later copy</description></item>"
        "<item><title>Other title</title><link>https://desk.example/a</link></item>"
        "<item><title>Same</title><link>https://desk.example/b</link></item>"
    )
    entries = parse_feed(rss(items)).entries
    assert [(a.link, a.title) for a in entries] == [
        ("https://desk.example/a", "Same"),
        ("https://desk.example/a", "Other title"),
        ("https://desk.example/b", "Same"),
    ]
    assert entries[0].summary == "later copy"  # with no dates the last copy seen is kept


def test_duplicate_guids_keep_the_last_seen_in_the_first_place():
    items = (
        '<item><guid isPermaLink="false">dup</guid><title>first</title></item>'
        '<item><guid isPermaLink="false">unique</guid><title>middle</title></item>'
        '<item><guid isPermaLink="false"> dup </guid><title>second</title></item>'
    )
    entries = parse_feed(rss(items)).entries
    assert [(a.guid, a.title) for a in entries] == [("dup", "second"), ("unique", "middle")]


def test_entries_without_link_title_or_guid_get_content_hash_ids():
    items = (
        "<item><description>alpha body</description></item>"
        "<item><description>beta body</description></item>"
        "<item><description>alpha body</description></item>"
    )
    entries = parse_feed(rss(items)).entries
    assert [a.guid for a in entries] == [
        hashlib.sha1(b"alpha body").hexdigest(),
        hashlib.sha1(b"beta body").hexdigest(),
    ]


# -- dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    "pub, expected",
    [
        (None, None),
        ("yesterday-ish", None),
        ("Mon, 01 Jan 0001 00:00:00 GMT", None),
        ("Fri, 31 Dec 9999 23:59:59 GMT", None),
        ("Tue, 31 Dec 1968 12:00:00 GMT", None),
        ("Wed, 01 May 2024 10:00:00 +0530", utc(2024, 5, 1, 4, 30)),
        ("Wed, 01 May 2024 10:00:00 -0700", utc(2024, 5, 1, 17, 0)),
        ("Wed, 01 May 2024 10:00:00 GMT", utc(2024, 5, 1, 10, 0)),
        ("2024-05-01T10:00:00", utc(2024, 5, 1, 10, 0)),  # naive: taken as UTC
        ("2024-05-01T10:00:00+02:00", utc(2024, 5, 1, 8, 0)),
    ],
)
def test_rss_dates(pub, expected):
    tag = f"<pubDate>{pub}</pubDate>" if pub is not None else ""
    (entry,) = parse_feed(rss(f"<item><guid>d</guid>{tag}</item>")).entries
    assert entry.published == expected


def test_future_dates_within_two_days_are_kept_beyond_are_dropped():
    soon = int(time.time()) + 3600
    far = int(time.time()) + 10 * 86400
    items = (
        f"<item><guid>soon</guid><pubDate>{formatdate(soon, usegmt=True)}</pubDate></item>"
        f"<item><guid>far</guid><pubDate>{formatdate(far, usegmt=True)}</pubDate></item>"
    )
    soon_entry, far_entry = parse_feed(rss(items)).entries
    assert soon_entry.published == soon
    assert far_entry.published is None


@pytest.mark.parametrize(
    "value, expected",
    [
        ("0001-01-01T00:00:00Z", None),
        ("9999-12-31T23:59:59Z", None),
        ("2024-02-29T23:30:00-01:00", utc(2024, 3, 1, 0, 30)),
        ("2024-02-29T23:30:00", utc(2024, 2, 29, 23, 30)),
        ("29/02/2024", None),
        (20240229, None),
    ],
)
def test_json_feed_dates(value, expected):
    doc = {"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "i", "date_published": value}]}
    (entry,) = parse_feed(json.dumps(doc).encode(), {"content-type": "application/feed+json"}).entries
    assert entry.published == expected


# -- not feeds -----------------------------------------------------------------


@pytest.mark.parametrize(
    "body, headers, reason",
    [
        (b"", {}, "empty response"),
        (b" \r\n\t ", {}, "empty response"),
        (
            b"<!DOCTYPE html>\n<html><head><title>Welcome to our site</title></head>"
            b"<body><p>Subscribe!</p></body></html>",
            {"Content-Type": "text/html; charset=utf-8"},
            "HTML page",
        ),
        (b"<html><title>No doctype</title></html>", {}, "HTML page"),
        (bytes(range(256)) * 8, {"Content-Type": "application/octet-stream"}, "malformed XML"),
        (b'<?xml version="1.0"?><rss version="2.0"><chan', {}, "malformed XML"),
        (b"<rss", {}, "malformed XML"),
        (b"<note><to>someone</to></note>", {}, "not a feed"),
    ],
)
def test_not_a_feed(body, headers, reason):
    with pytest.raises(FeedError, match=reason) as info:
        parse_feed(body, headers)
    assert "\n" not in str(info.value)


def test_valid_channel_without_entries_is_not_an_error():
    parsed = parse_feed(b'<rss version="2.0"><channel><link>https://quiet.example/</link></channel></rss>')
    assert parsed.entries == []
    assert parsed.site_url == "https://quiet.example/"


def test_broken_but_usable_feed_reports_bozo():
    body = rss("<item><guid>a</guid><title>Fish &amp; chips &nbsp; &bogus;</title></item>")
    parsed = parse_feed(body)
    assert [a.guid for a in parsed.entries] == ["a"]
    assert parsed.bozo and "\n" not in parsed.bozo


def test_a_url_as_body_is_never_fetched(server):
    url = server.route("/feed", lambda req: pytest.fail("feedparser fetched a URL"))
    with pytest.raises(FeedError):
        parse_feed(url.encode())
    assert server.hits("/feed") == []


# -- hostile documents -------------------------------------------------------------


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b']>\n<rss version="2.0"><channel><title>Laughs &lol9;</title><item><guid>x</guid><title>&lol9;</title><description>&lol9;&lol9;</description></item></channel></rss>'
)


@pytest.mark.parametrize("one_line", [False, True])
def test_billion_laughs_does_not_expand(one_line):
    body = BILLION_LAUGHS.replace(b"\n<!ENTITY", b"<!ENTITY") if one_line else BILLION_LAUGHS
    parsed = parse_feed(body)
    # a working expansion would make 10**9 "lol"s; anything near that is a failure
    assert len(all_text(parsed)) < 10_000
    assert [a.guid for a in parsed.entries] == ["x"]


@pytest.mark.parametrize("one_line", [False, True])
def test_external_entities_are_not_read(tmp_path, server, one_line):
    secret = tmp_path / "secret.txt"
    marker = "threadline-secret-7f3a"
    secret.write_text(marker)
    server.route("/dtd", lambda req: pytest.fail("external entity fetched"))
    sep = "" if one_line else "\n"
    doc = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [{sep}'
        f'<!ENTITY file SYSTEM "{secret.as_uri()}">{sep}'
        f'<!ENTITY remote SYSTEM "{server.url("/dtd")}">{sep}'
        f"]>\n"
        '<rss version="2.0"><channel><title>T &file;</title>'
        "<item><guid>x</guid><title>&file;&remote;</title><description>&file;</description>"
        "<author>&file;</author><link>&file;</link></item></channel></rss>"
    ).encode()
    parsed = parse_feed(doc)
    assert marker not in all_text(parsed)
    assert server.hits("/dtd") == []
    assert [a.guid for a in parsed.entries] == ["x"]


def test_external_parameter_entity_is_not_fetched(server):
    server.route("/evil.dtd", lambda req: pytest.fail("parameter entity fetched"))
    doc = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY % p SYSTEM "{server.url("/evil.dtd")}"> %p;]>\n'
        '<rss version="2.0"><channel><title>T</title><item><guid>x</guid></item></channel></rss>'
    ).encode()
    try:
        parse_feed(doc)
    except FeedError:
        pass  # refusing the document is fine too; fetching is not
    assert server.hits("/evil.dtd") == []


def test_five_megabyte_single_line_feed():
    filler = "x" * 5000
    items = "".join(f"<item><guid>g{n}</guid><description>{filler}</description></item>" for n in range(1000))
    body = rss(items)
    assert len(body) > 5_000_000 and b"\n" not in body.split(b"\n", 1)[1]
    parsed = parse_feed(body)
    assert len(parsed.entries) == 1000
    assert len(parsed.entries[-1].content) == 5000


def test_five_megabyte_single_line_junk():
    with pytest.raises(FeedError):
        parse_feed(b"z" * 5_000_000)


# -- realistic size and the hash ---------------------------------------------------------


def test_realistic_feed_parses_all_items_unsanitized():
    body = build_realistic_rss(50)
    assert 60_000 < len(body) < 120_000
    parsed = parse_feed(
        body, {"Content-Type": "application/rss+xml; charset=UTF-8"}, url="https://desk.example/feed/"
    )
    assert len(parsed.entries) == 50
    last = parsed.entries[-1]
    assert last.guid == "https://desk.example/?p=1049"
    assert last.comment_count == 49
    assert last.published == 1_700_000_000 + 49 * 3600
    assert last.title == "Story 49: harbour news & notes"
    assert 'href="/tag/weather-0/"' in last.content


def test_content_hash():
    assert content_hash(b"abc") == hashlib.sha256(b"abc").hexdigest()
    assert content_hash(b"abc") != content_hash(b"abd")


@pytest.fixture
def far_from_utc(monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_struct_time_is_read_as_utc(far_from_utc):
    # guards against time.mktime creeping in: result must not depend on local zone
    (entry,) = parse_feed(
        rss("<item><guid>t</guid><pubDate>Sun, 07 Jan 2024 03:00:00 GMT</pubDate></item>")
    ).entries
    assert entry.published == calendar.timegm((2024, 1, 7, 3, 0, 0, 0, 0, 0))
