"""tui.feeds.fast: the ElementTree fast path gives feedparser's result, or None.

Every case runs both paths: ``parse_fast`` and ``classic.parse_with_feedparser``
(what parse_feed falls back to). The fast path may decline (None) but must never
differ.
"""

from __future__ import annotations

import sys
from email.utils import formatdate
from pathlib import Path
from xml.sax.saxutils import escape

import hostile_corpus as hc
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.feeds import classic, compat, fast
from tui.feeds.fast import parse_fast
from tui.feeds.parse import FeedError, parse_feed

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "feeds"
sys.path.insert(0, str(ROOT / "bench"))
import feed_farm  # noqa: E402

RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
ATOM_TYPE = {"Content-Type": "application/atom+xml"}


def agree(body: bytes, headers: dict | None = None, url: str = ""):
    """parse_fast's answer, after checking it against feedparser's."""
    fast = parse_fast(body, headers, url)
    try:
        slow = classic.parse_with_feedparser(body, headers, url)
    except FeedError:
        assert fast is None
        return None
    if fast is not None:
        assert fast.title == slow.title
        assert fast.site_url == slow.site_url
        assert (fast.ttl, fast.update_period, fast.bozo) == (slow.ttl, slow.update_period, slow.bozo)
        assert fast.entries == slow.entries
        assert fast == slow
    return fast


# -- fixtures, farm, demo, hostile corpus ------------------------------------------------

HEADER_VARIANTS = [
    ({}, ""),
    (RSS_TYPE, "https://mirror.example/feeds/x.xml"),
    (ATOM_TYPE, "https://mirror.example/feeds/"),
    ({"Content-Type": "text/xml"}, "https://mirror.example/f"),
    ({"Content-Type": "text/html"}, ""),
    ({"Content-Type": "application/xml", "Content-Location": "../other/"}, "https://m.example/a/b"),
]


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.xml")))
@pytest.mark.parametrize("headers, url", HEADER_VARIANTS)
def test_fixtures_agree(name, headers, url):
    fast = agree((FIXTURES / name).read_bytes(), headers, url)
    if name in ("wordpress-rss2.xml", "odd-prefixes.xml") and headers.get("Content-Type", "").startswith(
        "application/"
    ):
        assert fast is not None  # the common shape is the fast path's to take


@pytest.mark.parametrize("seed", [1, 2, 7])
def test_farm_feeds_agree_and_take_the_fast_path(seed):
    pool = feed_farm._paragraph_pool(seed)
    for index in range(0, 40, 4):
        body, _ = feed_farm.render_feed(index, 50, seed, pool, index % 100 + 1)
        url = f"http://127.0.0.{index % 100 + 1}:8800/feeds/{index}.xml"
        fast = agree(body, RSS_TYPE, url)
        assert fast is not None and len(fast.entries) == 50
        # and through parse_feed, the path the app takes
        assert parse_feed(body, RSS_TYPE, url) == fast


def test_demo_newsroom_feeds_agree():
    from tui.demo import Newsroom

    taken = 0
    with Newsroom(tick=0, start_time=1_795_000_000.0) as room:
        for step in range(40):
            if step % 8 == 0:
                for url, _, _ in room.feeds():
                    if url.endswith(".json"):
                        continue
                    r = httpx.get(url)
                    taken += agree(r.content, dict(r.headers), url) is not None
            room.publish()
    assert taken == 10  # both XML feeds, every time


def _hostile_bodies():
    for name, (body, ctype, extra, _expected) in hc.BODIES.items():
        yield name, body, {"Content-Type": ctype, **extra}
    for name, payload in {**hc.ESCAPES, **{f"markup{i}": m for i, m in enumerate(hc.MARKUP)}}.items():
        text = escape(hc.framed(payload))
        yield name, hc.rss([("g", text)], title=text).encode("utf-8", "surrogatepass"), RSS_TYPE
    for name, link in {**hc.BAD_LINKS, **{f"good{i}": u for i, u in enumerate(hc.GOOD_LINKS)}}.items():
        doc = hc.rss([("g", "t")]).replace("http://news.test/g", escape(link))
        yield name, doc.encode(), RSS_TYPE


@pytest.mark.parametrize(
    "name, body, headers", list(_hostile_bodies()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_hostile_bodies_agree(name, body, headers):
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    agree(body, headers, "https://news.test/feed")
    agree(body, {}, "")


# -- what the fast path leaves to feedparser ---------------------------------------------

MINIMAL_RSS = b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title><item><guid>g</guid><title>I</title></item></channel></rss>'


@pytest.mark.parametrize(
    "body",
    [
        hc._billion_laughs(),
        hc._xxe(),
        MINIMAL_RSS.replace(
            b"<rss", b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "x.dtd">\n<rss'
        ),
        MINIMAL_RSS.replace(b"<rss", b'<!DOCTYPE rss [<!ENTITY e "x">]><rss'),
        (FIXTURES / "rss1-rdf.xml").read_bytes(),
        (FIXTURES / "rss091.xml").read_bytes(),
        MINIMAL_RSS.replace(b'version="2.0"', b'version="0.91"'),
        MINIMAL_RSS[:-20],
        MINIMAL_RSS.replace(b"</title><item>", b"</title><item>&nbsp;"),
        (FIXTURES / "atom-threading.xml").read_bytes(),  # xml:base and xhtml content
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><id>e</id>'
        b'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">x</div></content></entry></feed>',
        MINIMAL_RSS.replace(b"<guid>", b"<pubDate>sometime</pubDate><guid>"),
        MINIMAL_RSS.replace(b"<guid>", b"<unknown>x</unknown><guid>"),
        MINIMAL_RSS.replace(b"<title>I</title>", b"<title>I</title><title>J</title>"),
        "\ufeff".encode("utf-16-le") + MINIMAL_RSS.decode().encode("utf-16-le"),
    ],
)
def test_declines(body):
    assert parse_fast(body, RSS_TYPE, "https://news.test/feed") is None
    assert parse_fast(body, {}, "") is None


def test_declines_what_feedparser_would_flag():
    assert parse_fast(MINIMAL_RSS, {"Content-Type": "text/html"}, "") is None  # not an XML type
    assert parse_fast(MINIMAL_RSS, {}, "https://news.test/feed") is None  # no Content-Type at all
    latin1 = MINIMAL_RSS.replace(b"<title>T", "<title>Caf\u00e9".encode("latin-1"))
    assert parse_fast(latin1, RSS_TYPE, "") is None  # declared UTF-8, is not


def test_known_namespace_table_is_feedparsers():
    from feedparser.mixin import _FeedParserMixin

    assert {k.lower(): v for k, v in _FeedParserMixin.namespaces.items()} == compat.KNOWN_NAMESPACES


# -- generated documents --------------------------------------------------------------

xml_chars = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15"
    "\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\ufffe\uffff",
)
texts = st.one_of(
    st.text(xml_chars, max_size=40),
    st.lists(
        st.sampled_from(
            [
                "&",
                "<",
                ">",
                "]]>",
                "[bold]",
                "[/]",
                " ",
                "\t",
                "\n",
                "\r",
                "\x85",
                "\x92",
                "\xa0",
                "é",
                "Ã©",
                "&amp;",
                "<p>",
                "</p>",
                "\u2028",
                "日本",
                "\U0001f600",
                "a",
                "Word",
                "&#38;",
            ]
        ),
        max_size=12,
    ).map("".join),
)
urls = st.one_of(
    st.sampled_from(
        [
            "https://news.example/a",
            "/rel/path",
            "rel?x=1&y=2",
            "",
            " https://x.example/ ",
            "http:///triple",
            "javascript:alert(1)",
            "../up",
            "tag:x.example,2024:1",
            "a&b;=c",
        ]
    ),
    texts,
)
dates = st.one_of(
    st.none(),
    st.integers(0, 2_100_000_000).map(lambda t: formatdate(t, usegmt=True)),
    st.integers(0, 2_100_000_000).map(lambda t: formatdate(t, localtime=False)),
    st.sampled_from(
        [
            "",
            "Wed, 01 May 2024 10:00:00 +0530",
            "1 May 2024 10:00:00 EST",
            "2024-05-01T10:00:00",
            "2024-05-01T10:00:00.25Z",
            "2024-05-01T10:00:00-07:00",
            "garbage",
            "Wed, 31 Feb 2024 10:00:00 GMT",
            "Fri, 01 Jan 2999 00:00:00 GMT",
            "0001-01-01T00:00:00Z",
        ]
    ),
)


def _cdata_or_escaped(text: str, cdata: bool) -> str:
    if cdata and "]]>" not in text:
        return f"<![CDATA[{text}]]>"
    return escape(text)


@st.composite
def rss_documents(draw):
    items = []
    for n in range(draw(st.integers(0, 4))):
        parts = []
        cdata = draw(st.booleans())
        if draw(st.booleans()):
            parts.append(f"<title>{_cdata_or_escaped(draw(texts), cdata)}</title>")
        if draw(st.booleans()):
            parts.append(f"<link>{escape(draw(urls))}</link>")
        if draw(st.booleans()):
            perma = draw(
                st.sampled_from(["", ' isPermaLink="false"', ' isPermaLink="true"', ' isPermaLink="True"'])
            )
            parts.append(f"<guid{perma}>{escape(draw(st.one_of(urls, st.just('dup'))))}</guid>")
        if draw(st.booleans()):
            parts.append(f"<description>{_cdata_or_escaped(draw(texts), cdata)}</description>")
        if draw(st.booleans()):
            parts.append(f"<content:encoded>{_cdata_or_escaped(draw(texts), cdata)}</content:encoded>")
        author = draw(st.sampled_from(["", "author", "dc:creator"]))
        if author:
            parts.append(f"<{author}>{escape(draw(texts))}</{author}>")
        date = draw(dates)
        if date is not None:
            parts.append(f"<pubDate>{date}</pubDate>")
        if draw(st.booleans()):
            parts.append(f"<comments>{escape(draw(urls))}</comments>")
        if draw(st.booleans()):
            parts.append(f"<wfw:commentRss>{escape(draw(urls))}</wfw:commentRss>")
        if draw(st.booleans()):
            parts.append(
                f"<slash:comments>{draw(st.sampled_from(['3', ' 12 ', '-1', 'x', '']))}</slash:comments>"
            )
        if draw(st.booleans()):
            parts.append(f"<th:total>{draw(st.sampled_from(['5', 'five']))}</th:total>")
        if draw(st.booleans()):
            parts.append(
                '<category domain="d">c</category><enclosure url="https://x/a.mp3" type="audio/mpeg"/>'
            )
        parts = draw(st.permutations(parts))
        items.append("<item>" + "\n ".join(parts) + "</item>")
    channel = [f"<title>{_cdata_or_escaped(draw(texts), draw(st.booleans()))}</title>"]
    if draw(st.booleans()):
        channel.append(f"<link>{escape(draw(urls))}</link>")
    if draw(st.booleans()):
        channel.append(f"<ttl>{draw(st.sampled_from(['15', '0', 'x', '60 ']))}</ttl>")
    if draw(st.booleans()):
        channel.append(
            f"<sy:updatePeriod>{draw(st.sampled_from(['hourly', ' Daily ', 'never']))}</sy:updatePeriod>"
            f"<sy:updateFrequency>{draw(st.sampled_from(['2', '0', 'x']))}</sy:updateFrequency>"
        )
    if draw(st.booleans()):
        channel.append('<atom:link href="https://x.example/feed" rel="self" type="application/rss+xml"/>')
    if draw(st.booleans()):
        channel.append("<image><url>https://x/i.png</url><title>img</title><link>https://x/</link></image>")
    body = "\n".join(draw(st.permutations(channel)) + items)
    slash_prefix = draw(st.sampled_from(["slash", "sl"]))
    body = body.replace("<slash:", f"<{slash_prefix}:").replace("</slash:", f"</{slash_prefix}:")
    doc = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f'xmlns:{slash_prefix}="http://purl.org/rss/1.0/modules/slash/" '
        'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:th="http://purl.org/syndication/thread/1.0">'
        f"<channel>{body}</channel></rss>"
    )
    return doc.encode("utf-8")


@st.composite
def atom_documents(draw):
    def text_el(tag):
        kind = draw(st.sampled_from(["", ' type="text"', ' type="html"', ' type="HTML"']))
        return f"<{tag}{kind}>{_cdata_or_escaped(draw(texts), draw(st.booleans()))}</{tag}>"

    def link():
        rel = draw(
            st.sampled_from(
                [
                    "",
                    ' rel="alternate"',
                    ' rel="self"',
                    ' rel="replies"',
                    ' rel="Alternate"',
                    ' rel="enclosure"',
                ]
            )
        )
        kind = draw(
            st.sampled_from(["", ' type="text/html"', ' type="application/atom+xml"', ' type="html"'])
        )
        count = draw(st.sampled_from(["", ' thr:count="4"', ' thr:count="x"']))
        return f'<link{rel}{kind} href="{escape(draw(urls))}"{count}/>'

    def author():
        parts = []
        for tag in ("name", "email", "uri"):
            if draw(st.booleans()):
                parts.append(f"<{tag}>{escape(draw(texts))}</{tag}>")
        return "<author>" + "".join(parts) + "</author>"

    entries = []
    for _ in range(draw(st.integers(0, 4))):
        parts = []
        if draw(st.booleans()):
            parts.append(f"<id>{escape(draw(st.one_of(urls, st.just('dup'))))}</id>")
        for tag in ("title", "summary", "content"):
            if draw(st.booleans()):
                parts.append(text_el(tag))
        parts += [link() for _ in range(draw(st.integers(0, 3)))]
        for tag in ("published", "updated"):
            date = draw(dates)
            if date is not None:
                parts.append(f"<{tag}>{date}</{tag}>")
        if draw(st.booleans()):
            parts.append(author())
        if draw(st.booleans()):
            parts.append(f"<thr:total>{draw(st.sampled_from(['5', '', 'z']))}</thr:total>")
        if draw(st.booleans()):
            parts.append('<category term="x"/>')
        entries.append("<entry>" + "\n".join(draw(st.permutations(parts))) + "</entry>")
    head = [text_el("title")]
    head += [link() for _ in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        head.append(f"<id>{escape(draw(urls))}</id>")
    if draw(st.booleans()):
        head.append(author())
    if draw(st.booleans()):
        head.append(text_el("subtitle"))
    thr = draw(st.sampled_from(["thr", "t"]))
    body = "\n".join(draw(st.permutations(head)) + entries).replace("thr:", f"{thr}:")
    doc = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:{thr}="http://purl.org/syndication/thread/1.0">'
        f"{body}</feed>"
    )
    return doc.encode("utf-8")


HEADERS = st.sampled_from(
    [
        ({}, ""),
        (RSS_TYPE, "https://news.example/feeds/main.xml"),
        (ATOM_TYPE, "https://news.example/"),
        ({"Content-Type": "application/xml; charset=UTF-8"}, ""),
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=st.one_of(rss_documents(), atom_documents()), headers=HEADERS)
def test_generated_documents_agree(doc, headers):
    agree(doc, *headers)


def test_generated_documents_mostly_take_the_fast_path():
    # Only unreadable dates should send these documents to feedparser; if most
    # went there, the equivalence test above would prove little.
    counts = {"fast": 0, "all": 0}

    @settings(
        max_examples=100,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(doc=st.one_of(rss_documents(), atom_documents()))
    def run(doc):
        counts["all"] += 1
        counts["fast"] += parse_fast(doc, RSS_TYPE, "https://news.example/f") is not None

    run()
    assert counts["fast"] >= counts["all"] // 3


@settings(max_examples=400, deadline=None)
@given(
    text=st.one_of(
        dates.filter(lambda d: d is not None),
        st.text(st.sampled_from("0123456789 :-+TZWedMayGMTESTutc,"), max_size=32),
    )
)
def test_date_reader_matches_feedparsers(text):
    import xml.etree.ElementTree as ET

    from feedparser.datetimes import _parse_date

    el = ET.Element("pubDate")
    el.text = text
    try:
        mine = fast._date(el)
    except compat.Unsure:
        return
    theirs = _parse_date(text.strip())
    assert mine == theirs
