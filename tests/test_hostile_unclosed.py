"""A "<" that never closes costs the parser once, not once per "<" (issue #11's
leftover: Python's HTMLParser rescanned to the end of the text from each one, so
24 KB of "<a " took 7.3 s in html_to_text and an article froze the screen).

The tests count the parser's start-tag scans instead of timing them."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tui.live.split import split_updates
from tui.text.html import html_to_text
from tui.text.htmlguard import defuse_unclosed

HOSTILE = {
    "cut tags": "<p>Story.</p>" + "<a " * 2000,
    "open quotes": '<p>Story.</p><a b="' * 2000,
    "no tag at all": "<a " * 2000,
}


@pytest.fixture
def scans(monkeypatch) -> list[int]:
    counted = [0]
    original = HTMLParser.parse_starttag

    def counting(self, i):
        counted[0] += 1
        return original(self, i)

    monkeypatch.setattr(HTMLParser, "parse_starttag", counting)
    return counted


@pytest.mark.parametrize("name", HOSTILE)
def test_the_renderer_scans_each_tag_once(name, scans) -> None:
    text = html_to_text(HOSTILE[name]).plain
    assert scans[0] <= 2001, scans[0]  # the real tags only (before: one per "<" after them, each to the end)
    assert "<a" in text  # what never closed is shown as the text it is


@pytest.mark.parametrize("name", HOSTILE)
def test_splitting_scans_each_tag_once(name, scans) -> None:
    updates = split_updates(HOSTILE[name], None)
    assert scans[0] <= 2001, scans[0]
    assert updates


def test_well_formed_html_is_left_alone() -> None:
    html = "<p>3 &lt; 5 and <b>bold</b></p><p>end</p>"
    assert defuse_unclosed(html) is html
    assert defuse_unclosed("<p>x</p> 7 < 9 <b") == "<p>x</p> 7 &lt; 9 &lt;b"
