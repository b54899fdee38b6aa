"""tui.opml: reading other readers' subscription lists and writing our own."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.feeds.opml import OpmlError, Outline, read_opml, write_opml

NESTED_OPML_1 = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Exported from another reader</title></head>
  <body>
    <outline text="Loose feed" type="rss" xmlUrl="https://loose.example/rss"/>
    <outline text="Local">
      <outline text="Courier" title="Millbrook Courier" type="rss"
               xmlUrl=" https://courier.example/feed/ " htmlUrl="https://courier.example/"/>
      <outline title="Weather">
        <outline text="Met desk" xmlurl="https://met.example/warnings.xml"/>
        <outline text="A bookmark, not a feed" type="link" url="https://met.example/"/>
      </outline>
    </outline>
    <outline text="Empty folder"/>
    <outline text="Tech">
      <outline text="https://gadgets.example/atom" type="rss" xmlUrl="https://gadgets.example/atom"/>
      <outline text="Duplicate of the loose feed" type="rss" xmlUrl="https://loose.example/rss"/>
    </outline>
  </body>
</opml>
"""


def test_read_nested_opml_1():
    assert read_opml(NESTED_OPML_1) == [
        Outline("https://loose.example/rss", "Loose feed", ""),
        Outline("https://courier.example/feed/", "Millbrook Courier", "Local"),
        Outline("https://met.example/warnings.xml", "Met desk", "Local/Weather"),
        # a text that only repeats the URL is no title at all
        Outline("https://gadgets.example/atom", "", "Tech"),
    ]


def test_feed_outline_does_not_become_a_folder():
    data = b"""<opml version="2.0"><body>
      <outline text="Parent feed" xmlUrl="https://p.example/feed">
        <outline text="Child feed" xmlUrl="https://c.example/feed"/>
      </outline></body></opml>"""
    assert [(o.url, o.folder) for o in read_opml(data)] == [
        ("https://p.example/feed", ""),
        ("https://c.example/feed", ""),
    ]


def test_declared_legacy_encoding():
    data = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><opml version="1.1"><body>'
        '<outline text="Caf\xe9s" ><outline text="Cr\xe8me" xmlUrl="https://cafe.example/rss"/></outline>'
        "</body></opml>"
    ).encode("latin-1")
    assert read_opml(data) == [Outline("https://cafe.example/rss", "Crème", "Cafés")]


def test_utf16_with_bom():
    text = '<?xml version="1.0" encoding="UTF-16"?><opml version="2.0"><body><outline text="Ünï" xmlUrl="https://u.example/"/></body></opml>'
    assert read_opml(text.encode("utf-16")) == [Outline("https://u.example/", "Ünï", "")]


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "malformed"),
        (
            b"<opml version='2.0'><body><outline text='x' xmlUrl='https://x.example/'></body></opml>",
            "malformed",
        ),
        (b"<opml><body><outline text='a & b' xmlUrl='https://x.example/'/></body></opml>", "malformed"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "malformed"),
        (b"<html><body><p>not opml</p></body></html>", "not an OPML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<opml><body><outline text='&x;' xmlUrl='https://x.example/'/></body></opml>",
            "DOCTYPE",
        ),
        (b'<!DOCTYPE opml SYSTEM "http://127.0.0.1:9/opml.dtd"><opml><body/></opml>', "DOCTYPE"),
    ],
)
def test_bad_opml_is_refused(data, reason):
    with pytest.raises(OpmlError, match=reason) as info:
        read_opml(data)
    assert "\n" not in str(info.value)


def test_billion_laughs_is_refused_before_expanding():
    entities = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    data = f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY l0 "ha">{entities}]><opml><body><outline text="&l9;" xmlUrl="https://x.example/"/></body></opml>'
    with pytest.raises(OpmlError, match="DOCTYPE"):
        read_opml(data.encode())


def test_write_opml_shape():
    doc = write_opml(
        [Outline("https://a.example/feed?x=1&y=2", 'Ampersands & "quotes" <tags>', "News/World")],
        title="My <list>",
    )
    assert doc.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(doc.encode("utf-8"))
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "My <list>"
    (news,) = root.findall("body/outline")
    assert news.get("text") == news.get("title") == "News"
    assert news.get("xmlUrl") is None
    (world,) = news.findall("outline")
    (feed,) = world.findall("outline")
    assert feed.attrib == {
        "type": "rss",
        "text": 'Ampersands & "quotes" <tags>',
        "title": 'Ampersands & "quotes" <tags>',
        "xmlUrl": "https://a.example/feed?x=1&y=2",
    }


def test_round_trip_with_folders():
    outlines = [
        Outline("https://one.example/rss", "One", ""),
        Outline("https://two.example/rss", "Two", "Local"),
        Outline("https://three.example/rss", "Three", "Local/Weather"),
        Outline("https://four.example/rss", "Four", "Tech"),
        Outline("https://five.example/rss", "Five", "Local"),
        Outline("https://six.example/rss", "", "Local/Weather/Alerts"),
    ]
    back = read_opml(write_opml(outlines).encode("utf-8"))
    assert sorted(back, key=lambda o: o.url) == sorted(outlines, key=lambda o: o.url)
    # feeds sharing a folder keep their relative order
    assert [o.url for o in back if o.folder == "Local"] == [
        "https://two.example/rss",
        "https://five.example/rss",
    ]


def test_control_characters_are_dropped_so_the_file_rereads():
    outlines = [Outline("https://ctl.example/\x00feed", "Bell\x07 \x1b[31mred", "Fold\x0cer")]
    (back,) = read_opml(write_opml(outlines).encode("utf-8"))
    assert back == Outline("https://ctl.example/feed", "Bell [31mred", "Folder")


_title_chars = st.characters(blacklist_categories=("Cs", "Cc", "Cn"))
_titles = st.text(_title_chars, max_size=30).map(str.strip)
_segments = (
    st.text(_title_chars, min_size=1, max_size=12).map(lambda s: s.replace("/", "").strip()).filter(bool)
)
_folders = st.lists(_segments, max_size=3).map("/".join)
_urls = st.text(st.sampled_from("abcxyz019-._~&<>\"'?=#%/"), min_size=1, max_size=20).map(
    lambda s: "https://feeds.example/" + s
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(_urls, _titles, _folders), max_size=12, unique_by=lambda t: t[0]),
    _titles,
)
def test_round_trip_property(rows, list_title):
    outlines = [Outline(url, "" if title == url else title, folder) for url, title, folder in rows]
    back = read_opml(write_opml(outlines, title=list_title).encode("utf-8"))
    assert sorted(back, key=lambda o: o.url) == sorted(outlines, key=lambda o: o.url)
