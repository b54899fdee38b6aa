"""Finding a thread: from a URL, from a stored feed entry, from a fetched page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from loopback import Reply

from tui.comments.discover import (
    CommentsError,
    SourceConfig,
    ThreadSource,
    discover,
    discover_from_page,
    source_from_url,
)
from tui.comments.registry import load_comments
from tui.model import Article
from tui.net import Fetcher

FIXTURES = Path(__file__).parent / "fixtures" / "comments"
PAGE = (FIXTURES / "wordpress-post-page.html").read_text()
JSON = "application/json; charset=UTF-8"
CONFIG = SourceConfig()


def page_html(
    api_link: str = "",
    shortlink: str = "",
    body_class: str = "",
    article_id: str = "post-0",
    comment_feed: str = "https://harbour.example/2026/11/storm-idris-live/feed/",
) -> str:
    return (
        PAGE.replace("{API_LINK}", api_link)
        .replace("{SHORTLINK}", shortlink)
        .replace("{BODY_CLASS}", body_class)
        .replace("{ARTICLE_ID}", article_id)
        .replace("{COMMENT_FEED}", comment_feed)
    )


# -- source_from_url ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, kind, ref, api_base",
    [
        ("https://news.ycombinator.com/item?id=41000100", "hackernews", "41000100", "https://hn.algolia.com"),
        (
            "https://news.ycombinator.com/item?id=41000100&p=2#41000105",
            "hackernews",
            "41000100",
            "https://hn.algolia.com",
        ),
        (
            "https://www.reddit.com/r/harbourtown/comments/1q2w3e/storm_idris/",
            "reddit",
            "1q2w3e",
            "https://www.reddit.com",
        ),
        (
            "https://old.reddit.com/r/harbourtown/comments/1Q2W3E",
            "reddit",
            "1q2w3e",
            "https://www.reddit.com",
        ),
        ("https://reddit.com/comments/1q2w3e", "reddit", "1q2w3e", "https://www.reddit.com"),
        (
            "https://www.reddit.com/user/someone/comments/abc12/x/",
            "reddit",
            "abc12",
            "https://www.reddit.com",
        ),
        ("https://lobste.rs/s/q7x2ab/storm_idris_live", "lobsters", "q7x2ab", "https://lobste.rs"),
        ("https://lobste.rs/s/q7x2ab", "lobsters", "q7x2ab", "https://lobste.rs"),
        ("https://harbour.example/?p=77", "wordpress", "77", "https://harbour.example"),
        ("https://harbour.example/news/?p=77#comments", "wordpress", "77", "https://harbour.example/news"),
        ("http://harbour.example/index.php?p=77", "wordpress", "77", "http://harbour.example"),
    ],
)
def test_source_from_url(url, kind, ref, api_base):
    source = source_from_url(url, CONFIG)
    assert source is not None
    assert (source.kind, source.ref, source.api_base) == (kind, ref, api_base)
    assert "#" not in source.page_url


@pytest.mark.parametrize(
    "url",
    [
        "https://news.ycombinator.com/news",
        "https://news.ycombinator.com/item?id=abc",
        "https://www.reddit.com/r/harbourtown/",
        "https://lobste.rs/t/news",
        "https://harbour.example/2026/11/storm-idris-live/",
        "https://harbour.example/?p=abc",
        "https://harbour.example/wp-content/x.php?p=7",
        "ftp://news.ycombinator.com/item?id=1",
        "javascript:alert(1)",
        "",
    ],
)
def test_urls_that_name_no_thread(url):
    assert source_from_url(url, CONFIG) is None


def test_loopback_hosts_count_as_sources():
    config = SourceConfig(hn_hosts=("news.ycombinator.com", "127.0.0.1:8123"))
    source = source_from_url("http://127.0.0.1:8123/item?id=5", config)
    assert source is not None and source.kind == "hackernews"
    assert source.page_url == "http://127.0.0.1:8123/item?id=5"
    assert source_from_url("http://127.0.0.1:9999/item?id=5", config) is None


def test_key_is_stable_and_ignores_page_and_extra():
    a = ThreadSource("wordpress", "123", "https://site.example/", "https://site.example/a")
    b = ThreadSource("wordpress", "123", "https://site.example", "", (("feed", "x"),))
    assert a.key == b.key == "wordpress:https://site.example:123"
    assert ThreadSource("wordpress", "124", "https://site.example").key != a.key


# -- discover(article) -----------------------------------------------------------------


def test_hn_feed_item_goes_to_its_hn_page():
    article = Article(
        guid="https://news.ycombinator.com/item?id=41000100",
        link="https://harbour.example/2026/11/storm-idris-live/",
        comments_url="https://news.ycombinator.com/item?id=41000100",
    )
    source = discover(article, CONFIG)
    assert source is not None and (source.kind, source.ref) == ("hackernews", "41000100")


def test_reddit_and_lobsters_entries():
    reddit = Article(guid="t3_1q2w3e", link="https://www.reddit.com/r/harbourtown/comments/1q2w3e/storm/")
    lobsters = Article(
        guid="https://lobste.rs/s/q7x2ab",
        link="https://harbour.example/x",
        comments_url="https://lobste.rs/s/q7x2ab/storm_idris_live",
    )
    assert discover(reddit, CONFIG).kind == "reddit"
    assert (discover(lobsters, CONFIG).kind, discover(lobsters, CONFIG).ref) == ("lobsters", "q7x2ab")


def test_wordpress_guid_beats_the_comment_feeds():
    article = Article(
        guid="https://harbour.example/?p=77",
        link="https://harbour.example/2026/11/storm-idris-live/",
        comments_url="https://harbour.example/2026/11/storm-idris-live/#comments",
        comment_feed="https://harbour.example/2026/11/storm-idris-live/feed/",
    )
    source = discover(article, CONFIG)
    assert (source.kind, source.ref, source.api_base) == ("wordpress", "77", "https://harbour.example")
    assert source.page_url == article.link
    # The comment feed rides along as the fallback for a site with REST turned off.
    assert source.extras("feed") == [article.comment_feed]


def test_relative_guid_uses_the_site_url():
    article = Article(guid="/?p=77", link="")
    source = discover(article, CONFIG, site_url="https://harbour.example/")
    assert (source.kind, source.ref, source.api_base) == ("wordpress", "77", "https://harbour.example")


def test_comment_feeds_then_comments_page():
    atom = Article(
        guid="tag:harbour.example,2026:post-77",
        link="https://harbour.example/a/",
        comment_feed="https://harbour.example/a/feed/atom/",
    )
    rss = Article(
        guid="tag:x", link="https://harbour.example/a/", comment_feed="https://harbour.example/a/feed/"
    )
    page = Article(
        guid="tag:x", link="https://harbour.example/a/", comments_url="https://harbour.example/a/#comments"
    )
    nothing = Article(guid="tag:x", link="https://harbour.example/a/")
    source = discover(atom, CONFIG)
    assert (source.kind, source.ref) == ("atom", atom.comment_feed)
    assert "tag:harbour.example,2026:post-77" in source.extras("post")  # its top-level marker
    assert (discover(rss, CONFIG).kind, discover(rss, CONFIG).ref) == ("rss", rss.comment_feed)
    assert (discover(page, CONFIG).kind, discover(page, CONFIG).ref) == ("page", page.comments_url)
    assert discover(nothing, CONFIG) is None


# -- discover_from_page ---------------------------------------------------------------------


async def test_page_with_rest_root_and_shortlink(server):
    api = server.url("/wp-json/")
    url = server.route(
        "/2026/11/storm-idris-live/",
        Reply(
            body=page_html(
                api_link=f'<link rel="https://api.w.org/" href="{api}" />',
                shortlink=f"<link rel='shortlink' href='{server.url('/?p=77')}' />",
            ),
            content_type="text/html; charset=UTF-8",
        ),
    )
    async with Fetcher() as fetcher:
        source = await discover_from_page(fetcher, url, CONFIG)
    assert (source.kind, source.ref, source.api_base, source.page_url) == ("wordpress", "77", api, url)


@pytest.mark.parametrize("variant", ["body", "article"])
async def test_page_post_id_from_body_class_or_article_id(server, variant):
    api = '<link rel="https://api.w.org/" href="/wp-json/" />'  # relative: resolved on the page
    body = page_html(
        api_link=api,
        body_class="postid-77" if variant == "body" else "",
        article_id="post-77" if variant == "article" else "main",
    )
    url = server.route("/live/", Reply(body=body, content_type="text/html"))
    async with Fetcher() as fetcher:
        source = await discover_from_page(fetcher, url, CONFIG)
    assert (source.kind, source.ref, source.api_base) == ("wordpress", "77", server.url("/wp-json/"))


async def test_page_without_rest_falls_back_to_its_own_comment_feed(server):
    url = server.route(
        "/2026/11/storm-idris-live/",
        Reply(body=page_html(comment_feed="/2026/11/storm-idris-live/feed/"), content_type="text/html"),
    )
    async with Fetcher() as fetcher:
        source = await discover_from_page(fetcher, url, CONFIG)
    # Not the site's /feed/ nor /comments/feed/: the post's own comment feed.
    assert (source.kind, source.ref) == ("rss", server.url("/2026/11/storm-idris-live/feed/"))


async def test_page_with_nothing_and_a_missing_page(server):
    url = server.route(
        "/plain", Reply(body="<html><body><p>No comments here.</p></body></html>", content_type="text/html")
    )
    async with Fetcher() as fetcher:
        assert await discover_from_page(fetcher, url, CONFIG) is None
        with pytest.raises(CommentsError, match=r"\(404\)"):
            await discover_from_page(fetcher, server.url("/gone"), CONFIG)


async def test_discussion_urls_are_not_fetched(server):
    async with Fetcher() as fetcher:
        source = await discover_from_page(fetcher, "https://news.ycombinator.com/item?id=7", CONFIG)
    assert source.kind == "hackernews"
    assert server.requests == []


async def test_page_source_loads_end_to_end(server):
    # A feed entry with only a <comments> page: opening it discovers WordPress
    # on the page and loads the REST comments.
    comments = (FIXTURES / "wordpress-comments.json").read_text()
    server.route(
        "/wp-json/wp/v2/comments", Reply(body=comments, headers={"X-WP-TotalPages": "1"}, content_type=JSON)
    )
    page = server.route(
        "/live/",
        Reply(
            body=page_html(
                api_link='<link rel="https://api.w.org/" href="/wp-json/" />',
                shortlink='<link rel="shortlink" href="/?p=77" />',
            ),
            content_type="text/html",
        ),
    )
    article = Article(guid="tag:x", link=page, comments_url=page + "#comments")
    source = discover(article, CONFIG)
    assert source.kind == "page"
    async with Fetcher() as fetcher:
        loaded = await load_comments(fetcher, source, CONFIG)
    assert len(loaded) == 10
    assert json.loads(comments)[0]["id"] == int(loaded[0].id)
