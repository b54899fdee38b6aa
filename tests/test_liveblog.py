"""Live articles split into timestamped updates: markers, dates, JSON-LD, diffs."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.live.jsonld import updates_from_jsonld
from tui.live.markers import looks_live
from tui.live.split import split_updates
from tui.model import Article, Update
from tui.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "liveblog"

# Mid-July is daylight-saving time in the US, UK, EU; mid-January is not.
SUMMER = datetime(2026, 7, 15, 12, 0, tzinfo=UTC).timestamp()
WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC).timestamp()


class _Plain(HTMLParser):
    """An HTML-to-text reader independent of the module under test."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        self.parts.append(" ")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def plain(html: str) -> str:
    reader = _Plain()
    reader.feed(html)
    reader.close()
    return re.sub(r"\s+", " ", "".join(reader.parts)).strip()


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M")


# (paragraph, published, tz, expected UTC time, expected headline)
MARKERS = [
    (
        "<p>UPDATE 1700 GMT: Ferry service resumes on the north route</p>",
        SUMMER,
        "UTC",
        "2026-07-15T17:00",
        "Ferry service resumes on the north route",
    ),
    (
        "<p><strong>Update, 14:32 BST</strong> Bridge reopens to cyclists</p>",
        SUMMER,
        "UTC",
        "2026-07-15T13:32",
        "Bridge reopens to cyclists",
    ),
    (
        "<p>UPDATE (3:45 p.m. ET) Mayor calls a snap briefing</p>",
        SUMMER,
        "UTC",
        "2026-07-15T19:45",
        "Mayor calls a snap briefing",
    ),
    (
        "<p>UPDATE (3:45 p.m. ET) Mayor calls a snap briefing</p>",
        WINTER,
        "UTC",
        "2026-01-15T20:45",
        "Mayor calls a snap briefing",
    ),
    (
        "<p>17:00 GMT – Harbour lights switched back on</p>",
        SUMMER,
        "UTC",
        "2026-07-15T17:00",
        "Harbour lights switched back on",
    ),
    (
        "<p>17.00 GMT - Second tremor felt downtown</p>",
        WINTER,
        "UTC",
        "2026-01-15T17:00",
        "Second tremor felt downtown",
    ),
    (
        "<p>Updated at 5.02pm EDT: Power restored to 4,000 homes</p>",
        SUMMER,
        "UTC",
        "2026-07-15T21:02",
        "Power restored to 4,000 homes",
    ),
    ("<p>10:15am: Council vote delayed</p>", SUMMER, "UTC", "2026-07-15T10:15", "Council vote delayed"),
    (
        "<p>10.15am - Council vote delayed</p>",
        SUMMER,
        "Europe/London",
        "2026-07-15T09:15",
        "Council vote delayed",
    ),
    (
        "<p>10:15am: Council vote delayed</p>",
        SUMMER,
        "America/New_York",
        "2026-07-15T14:15",
        "Council vote delayed",
    ),
    (
        "<p>Update 2: 0930 UTC — Rescue boats launched</p>",
        SUMMER,
        "UTC",
        "2026-07-15T09:30",
        "Rescue boats launched",
    ),
    (
        "<p>UPDATED 11:05 UTC+2: Flights diverted to the coast</p>",
        SUMMER,
        "UTC",
        "2026-07-15T09:05",
        "Flights diverted to the coast",
    ),
    (
        "<p>1:05 p.m. ET: Senator leaves the chamber</p>",
        WINTER,
        "UTC",
        "2026-01-15T18:05",
        "Senator leaves the chamber",
    ),
    (
        "<p>UPDATE — 23:59 CET: Polls close in the east</p>",
        WINTER,
        "UTC",
        "2026-01-15T22:59",
        "Polls close in the east",
    ),
    (
        "<p>[UPDATE 0800 GMT] Trains running again</p>",
        WINTER,
        "UTC",
        "2026-01-15T08:00",
        "Trains running again",
    ),
    (
        "<p>2026-11-26 14:05 UTC: Results expected within the hour</p>",
        SUMMER,
        "UTC",
        "2026-11-26T14:05",
        "Results expected within the hour",
    ),
    (
        "<p><b>UPDATE 1830 BST:</b> Crowds gather at the gates</p>",
        SUMMER,
        "UTC",
        "2026-07-15T17:30",
        "Crowds gather at the gates",
    ),
    (
        "<h3>UPDATE 0615 GMT: Storm makes landfall</h3>",
        WINTER,
        "UTC",
        "2026-01-15T06:15",
        "Storm makes landfall",
    ),
    # 21:40 Pacific on the 15th is already the 16th in UTC.
    (
        "<p><em>Update 9:40 PM PT</em> — Fire crews pull back</p>",
        SUMMER,
        "UTC",
        "2026-07-16T04:40",
        "Fire crews pull back",
    ),
    (
        "<p>UPDATE 9:40 PM PT: Fire crews pull back</p>",
        WINTER,
        "UTC",
        "2026-01-16T05:40",
        "Fire crews pull back",
    ),
    ("<p>08:30 CEST: Markets open lower</p>", SUMMER, "UTC", "2026-07-15T06:30", "Markets open lower"),
    (
        "<p>16:45 EET - Ceasefire talks resume</p>",
        WINTER,
        "UTC",
        "2026-01-15T14:45",
        "Ceasefire talks resume",
    ),
    ("<p>UPDATE 12:00 EEST: Ministers arrive</p>", SUMMER, "UTC", "2026-07-15T09:00", "Ministers arrive"),
    (
        "<p>Update 7:10 p.m. CT: Tornado warning lifted</p>",
        SUMMER,
        "UTC",
        "2026-07-16T00:10",
        "Tornado warning lifted",
    ),
    ("<p>UPDATE 2:20 PM MT: Highway reopens</p>", WINTER, "UTC", "2026-01-15T21:20", "Highway reopens"),
    ("<p>14:00 IST: Monsoon rains ease</p>", SUMMER, "UTC", "2026-07-15T08:30", "Monsoon rains ease"),
    ("<p>UPDATE 0900 JST: Trading halted</p>", SUMMER, "UTC", "2026-07-15T00:00", "Trading halted"),
    (
        "<p>UPDATE 10:30 AEST: Flood warning issued</p>",
        SUMMER,
        "UTC",
        "2026-07-15T00:30",
        "Flood warning issued",
    ),
    # Published 23:00 on the 15th in Sydney, so the 10:30 there is the 14th in UTC.
    ("<p>UPDATE 10:30 AEDT: Heatwave warning</p>", WINTER, "UTC", "2026-01-14T23:30", "Heatwave warning"),
    (
        "<p>18:20 +02:00 — Border crossing reopens</p>",
        SUMMER,
        "UTC",
        "2026-07-15T16:20",
        "Border crossing reopens",
    ),
    (
        "<p>Updated 6:45am UTC-5: Snowplows out on the ring road</p>",
        WINTER,
        "UTC",
        "2026-01-15T11:45",
        "Snowplows out on the ring road",
    ),
    ("<p>12:05am: Midnight vigil begins</p>", SUMMER, "UTC", "2026-07-15T00:05", "Midnight vigil begins"),
    ("<p>12:30pm: Lunch recess called</p>", SUMMER, "UTC", "2026-07-15T12:30", "Lunch recess called"),
    ("<p>Update 3pm BST: Statement expected</p>", SUMMER, "UTC", "2026-07-15T14:00", "Statement expected"),
    (
        "<p><strong>17:00 BST</strong> — Queue stretches around the block</p>",
        SUMMER,
        "UTC",
        "2026-07-15T16:00",
        "Queue stretches around the block",
    ),
    (
        '<p>UPDATE 1400 GMT: <a href="https://example.invalid/a">Officials</a> confirm the dam held</p>',
        WINTER,
        "UTC",
        "2026-01-15T14:00",
        "Officials confirm the dam held",
    ),
    ("<p>UPDATE 11:00 ET: Flights resume</p>", WINTER, "UTC", "2026-01-15T16:00", "Flights resume"),
    ("<p>UPDATE 11:00 ET: Flights resume</p>", SUMMER, "UTC", "2026-07-15T15:00", "Flights resume"),
    ("<p>UPDATE 11:00 EST: Flights resume</p>", SUMMER, "UTC", "2026-07-15T16:00", "Flights resume"),
    (
        "<ul><li>09:00 GMT: Doors open</li><li>09:30 GMT: First votes cast</li></ul>",
        SUMMER,
        "UTC",
        "2026-07-15T09:30",
        "First votes cast",
    ),
    ("<div>UPDATE 1500 UTC: Lines move faster</div>", SUMMER, "UTC", "2026-07-15T15:00", "Lines move faster"),
    (
        "<p>The story so far.<br>UPDATE 1700 GMT: Late news from the coast</p>",
        SUMMER,
        "UTC",
        "2026-07-15T17:00",
        "Late news from the coast",
    ),
    ("<p>UPDATE 17h30 CET: Talks adjourned</p>", WINTER, "UTC", "2026-01-15T16:30", "Talks adjourned"),
    (
        "<h3>UPDATE 0615 GMT</h3><p>Storm makes landfall near the cape.</p>",
        WINTER,
        "UTC",
        "2026-01-15T06:15",
        "Storm makes landfall near the cape.",
    ),
    ("<p>2026-11-26T14:05Z — Results are in</p>", SUMMER, "UTC", "2026-11-26T14:05", "Results are in"),
]


@pytest.mark.parametrize("html,published,tz,expected,headline", MARKERS)
def test_marker_corpus(html, published, tz, expected, headline):
    updates = split_updates(html, published, tz)
    assert len(updates) >= 2, "the marker was not recognised"
    newest = max(updates[1:], key=lambda u: u.time)
    assert iso(newest.time) == expected
    assert newest.headline == headline
    assert updates[0].key == "story" and updates[0].position == 0


NOT_MARKERS = [
    "<p>At 10:15am the council met to discuss the budget.</p>",
    "<p>10:15am the council met again to finish the job.</p>",
    "<p>The vote, due at 17:00 GMT: delayed until next week.</p>",
    "<p>2024: a year of floods on the coast</p>",
    "<p>Update 2026: new rules for drivers</p>",
    "<p>Updated 3.50 euro fares start today</p>",
    "<p>1700 people were evacuated: officials</p>",
    "<p>3.5 million people voted in the first round</p>",
    "<p>24:30 GMT: an hour that does not exist</p>",
    "<p>9/11: twenty-five years on</p>",
    "<p>13pm: not a time either</p>",
    "<p>Officials said: UPDATE 1700 GMT is when they report.</p>",
]


@pytest.mark.parametrize("html", NOT_MARKERS)
def test_not_markers(html):
    updates = split_updates(html, SUMMER)
    assert len(updates) == 1
    assert updates[0].key == "story"
    assert updates[0].time == SUMMER
    assert updates[0].html == html
    assert not looks_live("Council news", html)


def test_no_markers_is_one_story_update():
    html = "<p>First paragraph of an ordinary report.</p><p>Second one.</p>"
    [story] = split_updates(html, WINTER)
    assert story == Update("story", WINTER, "First paragraph of an ordinary report.", html, position=0)


def test_empty_input():
    [story] = split_updates("", None)
    assert story.key == "story" and story.html == "" and story.time is None


def test_newest_first_midnight_rollover():
    html = (
        "<p>UPDATE 00:15 GMT: Night shift arrives</p>"
        "<p>UPDATE 23:50 GMT: Last train leaves</p>"
        "<p>The original story about the strike and its causes, long enough to read.</p>"
    )
    story, late, early = split_updates(html, SUMMER)
    assert (late.headline, early.headline) == ("Last train leaves", "Night shift arrives")
    assert early.time - late.time == 25 * 60
    assert datetime.fromtimestamp(late.time, UTC).day + 1 == datetime.fromtimestamp(early.time, UTC).day
    assert "original story" in plain(story.html)


def test_oldest_first_midnight_rollover():
    html = (
        "<p>The original story about the strike and its causes, long enough to read.</p>"
        "<p>23:50 GMT: Last train leaves</p>"
        "<p>00:15 GMT: Night shift arrives</p>"
        "<p>More from the depot.</p>"
    )
    story, first, second = split_updates(html, SUMMER)
    assert (first.headline, second.headline) == ("Last train leaves", "Night shift arrives")
    assert second.time - first.time == 25 * 60
    assert iso(first.time) == "2026-07-15T23:50"
    assert "More from the depot" in plain(second.html)
    assert plain(story.html).startswith("The original story")


def test_newest_first_rollover_over_several_updates():
    html = (
        "".join(f"<p>UPDATE {t} GMT: item {t}</p>" for t in ("0100", "0015", "2350", "2200"))
        + "<p>Story text that is the longest part of this article by far.</p>"
    )
    times = [u.time for u in split_updates(html, SUMMER)[1:]]
    assert [iso(t)[-5:] for t in times] == ["22:00", "23:50", "00:15", "01:00"]
    assert times == sorted(times)
    assert times[-1] - times[0] == 3 * 3600


def test_published_none_uses_today_in_utc():
    before = datetime.now(UTC).date()
    _, update = split_updates("<p>UPDATE 1200 GMT: Noon news</p>", None)
    after = datetime.now(UTC).date()
    assert datetime.fromtimestamp(update.time, UTC).date() in (before, after)


def test_single_marker_below_story_reads_oldest_first():
    html = (
        "<p>A long original report with plenty of detail about the flood defences.</p>"
        "<p>And a second paragraph of the same report, also long.</p>"
        "<p>UPDATE 1700 GMT: Defences held overnight</p>"
        "<p>The engineer's statement in full.</p>"
    )
    story, update = split_updates(html, SUMMER)
    assert "statement in full" in plain(update.html)
    assert "flood defences" in plain(story.html) and "UPDATE" not in story.html


def test_latest_label_marks_a_newest_first_list():
    # Less text above than below would not decide it; the label does.
    html = "<h4>Latest</h4><p>UPDATE 1700 GMT: Pumps arrive at the quay</p><p>Story.</p>"
    story, update = split_updates(html, SUMMER)
    assert plain(update.html) == "UPDATE 1700 GMT: Pumps arrive at the quay"
    assert plain(story.html) == "Latest Story."


def test_updates_wrapped_in_divs_with_heading_markers():
    html = (
        '<div class="update"><h3>UPDATE 1800 GMT</h3><p>Ferries stop.</p><p>More on ferries.</p></div>'
        '<div class="update"><h3>UPDATE 1700 GMT</h3><p>Pumps arrive.</p><blockquote>tweet</blockquote></div>'
        "<p>The original story, which is longer than any update above it.</p><p>Its second paragraph.</p>"
    )
    story, pumps, ferries = split_updates(html, WINTER)
    assert (pumps.headline, ferries.headline) == ("Pumps arrive.", "Ferries stop.")
    assert plain(pumps.html) == "UPDATE 1700 GMT Pumps arrive. tweet"
    assert plain(ferries.html) == "UPDATE 1800 GMT Ferries stop. More on ferries."
    assert plain(story.html).startswith("The original story") and "second paragraph" in plain(story.html)


def test_br_separated_markers_in_bare_text():
    html = "A long story told in plain text before any update came in.<br><br>UPDATE 1700 GMT: Pumps<br>more<br>UPDATE 1800 GMT: Ferries"
    story, pumps, ferries = split_updates(html, SUMMER)
    assert [iso(pumps.time), iso(ferries.time)] == ["2026-07-15T17:00", "2026-07-15T18:00"]
    assert plain(pumps.html) == "UPDATE 1700 GMT: Pumps more"
    assert plain(story.html) == "A long story told in plain text before any update came in."
    assert "".join(u.html for u in (story, pumps, ferries)) == html


def test_br_split_reopens_the_paragraph():
    html = '<p class="x">Lead.<br>UPDATE 1700 GMT: Late news</p>'
    story, update = split_updates(html, SUMMER)
    assert story.html == '<p class="x">Lead.<br></p>'
    assert update.html == '<p class="x">UPDATE 1700 GMT: Late news</p>'


# --------------------------------------------------------------------------
# A full article


@pytest.fixture
def article() -> str:
    return (FIXTURES / "newest_first.html").read_text(encoding="utf-8")


ARTICLE_PUBLISHED = datetime(2026, 3, 10, 14, 0, tzinfo=UTC).timestamp()


def test_full_article_split(article):
    updates = split_updates(article, ARTICLE_PUBLISHED)
    assert [u.position for u in updates] == list(range(6))
    story, *rest = updates
    assert [iso(u.time) for u in rest] == [
        "2026-03-10T17:00",
        "2026-03-10T18:15",
        "2026-03-10T21:10",
        "2026-03-10T23:35",
        "2026-03-11T00:40",
    ]
    assert rest[0].headline == "Emergency pumps have arrived from the inland depot:"
    assert rest[-1].headline.startswith("The port authority says the last pump crew")
    # The embed under the oldest update belongs to it; the story starts after.
    assert "<iframe" in rest[0].html and "storm surge" not in rest[0].html
    assert "<blockquote" in rest[2].html and "Harbour Watch" in plain(rest[2].html)
    assert "survey will start at first light" in plain(rest[3].html)
    story_text = plain(story.html)
    for phrase in ("Pumps running on the quay", "LATEST", "storm surge breached", "valley road"):
        assert phrase in story_text
    assert story.time == ARTICLE_PUBLISHED
    assert len({u.key for u in updates}) == 6


def test_full_article_loses_and_duplicates_nothing(article):
    updates = split_updates(article, ARTICLE_PUBLISHED)
    joined = "".join(u.html for u in updates)
    for tag in ("<p", "<blockquote", "<figure", "<h2", "<h4", "<img"):
        assert joined.count(tag) == article.count(tag), tag
    assert sorted(plain(joined).split()) == sorted(plain(article).split())


def _add_on_top(article: str, marker_html: str) -> str:
    return article.replace("<h4>LATEST</h4>\n", "<h4>LATEST</h4>\n" + marker_html + "\n", 1)


def _store_with(updates: list[Update]) -> tuple[Store, int]:
    """A real store holding one live article and its first split."""
    store = Store.memory()
    feed = store.add_feed("http://127.0.0.1/feed.xml")
    from tui.model import ParsedFeed

    saved = store.save_poll(feed, ParsedFeed(title="t", entries=[Article(guid="g", title="live")]))
    article_id = saved.new_ids[0]
    store.save_updates(article_id, updates)
    return store, article_id


def test_republish_with_one_more_update(article):
    store, article_id = _store_with(split_updates(article, ARTICLE_PUBLISHED))
    newer = _add_on_top(article, "<p><strong>UPDATE 0155 GMT:</strong> Rain has eased.</p>")
    saved = store.save_updates(article_id, split_updates(newer, ARTICLE_PUBLISHED))
    assert [u.headline for u in saved.added] == ["Rain has eased."]
    assert iso(saved.added[0].time) == "2026-03-11T01:55"
    assert saved.added[0].position == 6
    assert saved.edited == []


def test_editing_an_update_keeps_its_key(article):
    old = split_updates(article, ARTICLE_PUBLISHED)
    store, article_id = _store_with(old)
    changed = article.replace("cancelled until Thursday", "cancelled until Friday")
    assert changed != article
    new = split_updates(changed, ARTICLE_PUBLISHED)
    saved = store.save_updates(article_id, new)
    assert saved.added == []
    assert len(saved.edited) == 1 and saved.edited[0].edited is True
    assert "Friday" in saved.edited[0].html
    assert [u.key for u in old] == [u.key for u in new]
    assert sum(u.edited for u in new) == 1
    assert [u.edited for u in store.updates(article_id)].count(True) == 1


def test_whitespace_reflow_is_not_an_edit(article):
    store, article_id = _store_with(split_updates(article, ARTICLE_PUBLISHED))
    new = split_updates(article.replace("</strong> ", "</strong>\n   "), ARTICLE_PUBLISHED)
    saved = store.save_updates(article_id, new)
    assert (saved.added, saved.edited) == ([], [])


def test_key_is_sha1_of_marker_and_time():
    html = "<p>UPDATE 1700 GMT: One</p><p>UPDATE 1700 GMT: Two</p><p>Long original story text here.</p>"
    story, first, second = split_updates(html, SUMMER)
    expected = hashlib.sha1(f"update 1700 gmt|{int(utc('2026-07-15T17:00'))}".encode()).hexdigest()
    # Same marker and time: document order from the oldest (the lower one) decides.
    assert first.headline == "Two" and first.key == expected
    assert second.headline == "One" and second.key == expected + "#2"
    assert story.key == "story"


def test_headline_is_clipped_to_140():
    words = " ".join(f"word{i}" for i in range(60))
    _, update = split_updates(f"<p>UPDATE 1700 GMT:   {words}\n more</p>", SUMMER)
    assert len(update.headline) == 140 and update.headline.endswith("…")
    assert update.headline.startswith("word0 word1 ")


def test_markup_in_text_stays_text():
    html = "<p>UPDATE 1700 GMT: [bold]x[/bold] &lt;script&gt; [@click=app.quit]</p>"
    _, update = split_updates(html, SUMMER)
    assert update.headline == "[bold]x[/bold] <script> [@click=app.quit]"


# --------------------------------------------------------------------------
# JSON-LD


def _ld(obj) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


LIVE_ITEMS = [
    {
        "@type": "BlogPosting",
        "@id": "https://example.invalid/live#u2",
        "datePublished": "2026-03-10T19:15:00+01:00",
        "headline": "Ferries cancelled",
        "articleBody": "<p>Ferries to the islands are cancelled.</p>",
    },
    {
        "@type": "BlogPosting",
        "datePublished": "2026-03-10T17:00:00Z",
        "headline": "Pumps arrive",
        "articleBody": "Pumps have arrived <from> the depot.\n\nMore later.",
    },
]


def _posting(items):
    return {"@type": "LiveBlogPosting", "headline": "Harbour floods live", "liveBlogUpdate": items}


def _check_live_items(updates):
    assert [u.headline for u in updates] == ["Pumps arrive", "Ferries cancelled"]
    assert [iso(u.time) for u in updates] == ["2026-03-10T17:00", "2026-03-10T18:15"]
    assert [u.position for u in updates] == [1, 2]
    assert updates[1].key == "https://example.invalid/live#u2"
    assert updates[0].key == hashlib.sha1(b"2026-03-10T17:00:00ZPumps arrive").hexdigest()
    assert "&lt;from&gt;" in updates[0].html and "<from>" not in updates[0].html
    assert updates[1].html == "<p>Ferries to the islands are cancelled.</p>"


def test_jsonld_in_graph():
    page = _ld({"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, _posting(LIVE_ITEMS)]})
    _check_live_items(updates_from_jsonld(page))


def test_jsonld_in_top_level_list_with_type_list():
    posting = _posting(LIVE_ITEMS) | {"@type": ["NewsArticle", "LiveBlogPosting"]}
    _check_live_items(updates_from_jsonld(_ld([{"@type": "Organization"}, posting])))


def test_jsonld_single_object_beside_a_broken_block():
    page = (
        '<html><head><script type="application/ld+json">{"@type": "LiveBlogPosting", oops</script>'
        + _ld(_posting(LIVE_ITEMS))
        + "</head><body></body></html>"
    )
    _check_live_items(updates_from_jsonld(page))


def test_jsonld_single_update_object_and_trailing_comma():
    body = json.dumps(_posting(LIVE_ITEMS[0]))[:-1] + ",}"
    page = f"<script type='application/ld+json'>\n{body}\n</script>"
    [update] = updates_from_jsonld(page)
    assert update.key == "https://example.invalid/live#u2" and update.position == 1


def test_jsonld_without_live_blog_is_none():
    assert updates_from_jsonld(_ld({"@type": "NewsArticle", "headline": "x"})) is None
    assert updates_from_jsonld("<p>no scripts here</p>") is None
    assert updates_from_jsonld(_ld({"@type": "LiveBlogPosting"})) == []


def test_jsonld_headline_missing_uses_body_first_line():
    item = {
        "url": "https://example.invalid/u9",
        "datePublished": "2026-03-10T17:00:00Z",
        "articleBody": "<p>Sandbags <b>ran out</b> at noon.</p><p>Second.</p>",
    }
    [update] = updates_from_jsonld(_ld(_posting([item])))
    assert update.headline == "Sandbags ran out at noon."
    assert update.key == "https://example.invalid/u9"


# --------------------------------------------------------------------------
# looks_live


@pytest.mark.parametrize(
    "title", ["Storm Ilse: live updates", "LIVE: harbour floods", "Budget day – as it happened"]
)
def test_looks_live_by_title(title):
    assert looks_live(title, "<p>Nothing timed here.</p>")


def test_looks_live_by_marker():
    assert looks_live("Harbour floods", "<p>Intro.</p><p><strong>UPDATE</strong> 1700 GMT: pumps</p>")
    assert not looks_live("Olive harvest delivered", "<p>Picked at 10:15am on Monday.</p>")


# --------------------------------------------------------------------------
# Properties

MARKER_FORMS = [
    "UPDATE {h:02d}{m:02d} GMT:",
    "<strong>Update, {h:02d}:{m:02d} BST</strong>",
    "{h12}:{m:02d} p.m. ET:",
    "{h:02d}.{m:02d} CET -",
    "[UPDATE {h:02d}{m:02d} UTC]",
    "<b>{h:02d}:{m:02d} GMT</b> –",
]

words = st.lists(
    st.sampled_from("storm harbour pump ferry council road river the of and".split()), max_size=12
)


@st.composite
def paragraphs(draw):
    count = draw(st.integers(min_value=0, max_value=10))
    items = []
    for i in range(count):
        text = f"zq{i}x " + " ".join(draw(words))
        if draw(st.booleans()):
            h, m = draw(st.integers(0, 23)), draw(st.integers(0, 59))
            form = draw(st.sampled_from(MARKER_FORMS))
            text = form.format(h=h, m=m, h12=h % 12 + 1) + " " + text
        wrapper = draw(st.sampled_from(["p", "p", "p", "h3", "blockquote", "li", "div"]))
        html = f"<ul><li>{text}</li></ul>" if wrapper == "li" else f"<{wrapper}>{text}</{wrapper}>"
        items.append((f"zq{i}x", plain(html), html))
    return items


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paragraphs(), st.sampled_from([None, SUMMER, WINTER]))
def test_every_paragraph_lands_in_exactly_one_update(items, published):
    html = "\n".join(h for _, _, h in items)
    updates = split_updates(html, published)
    texts = [plain(u.html) for u in updates]
    for sentinel, text, _ in items:
        holders = [t for t in texts if re.search(rf"\b{sentinel}\b", t)]
        assert len(holders) == 1, sentinel
        assert text in holders[0]
    assert len({u.key for u in updates}) == len(updates)
    assert [u.position for u in updates] == list(range(len(updates)))
    assert updates[0].key == "story"
    dated = [u.time for u in updates[1:]]
    assert dated == sorted(dated)


fragments = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "<p>",
            "</p>",
            "<br>",
            "<br/>",
            "<div>",
            "</div>",
            "<strong>",
            "</b>",
            "<h3>",
            "</h3>",
            "<ul><li>",
            "</li>",
            "<!-- c -->",
            "<script>x<p>",
            "&amp;",
            "&#x1b;",
            "&bogus",
            "<",
            "UPDATE 1700 GMT:",
            "10:15am -",
            "2026-02-30 10:00 UTC:",
            "[UPDATE 2400 GMT]",
            "00:15 GMT:",
            "23:50 GMT:",
            "<![CDATA[",
            "</",
            "<p/>",
            "<hr>",
            "<blockquote>",
        ]
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(fragments, max_size=25),
    st.sampled_from([None, SUMMER, 0.0, 1e12]),
    st.sampled_from(["UTC", "Nowhere/Zone", "Europe/Paris", ""]),
)
def test_split_never_raises_and_keeps_keys_unique(parts, published, tz):
    html = "".join(parts)
    updates = split_updates(html, published, tz)
    assert updates and updates[0].key == "story"
    assert len({u.key for u in updates}) == len(updates)
    assert all(len(u.headline) <= 140 for u in updates)
    looks_live("x", html)
    updates_from_jsonld(html)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_jsonld_never_raises_on_junk(junk):
    page = f'<script type="application/ld+json">{junk}</script>'
    result = updates_from_jsonld(page)
    assert result is None or isinstance(result, list)
