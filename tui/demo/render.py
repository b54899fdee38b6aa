"""Turn the newsroom's state into the documents it serves: RSS, Atom, JSON Feed,
WordPress REST comments, comment RSS and article pages.

Every piece of text passes through an escaper for its format (XML text, XML attribute,
HTML, JSON). Content is plain text until here, so nothing is escaped twice.
"""

from __future__ import annotations

import html
import json
import time
from email.utils import formatdate
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from tui.demo import content
from tui.demo.newsroom import (
    LEDGER,
    WEATHER,
    WIRE,
    DemoArticle,
    DemoComment,
    LiveUpdate,
    NewsroomState,
)

ATOM_NS = "http://www.w3.org/2005/Atom"
THR_NS = "http://purl.org/syndication/thread/1.0"
TIPS = "tips@harbour-ledger.example"


# -- small helpers -------------------------------------------------------------
def rfc822(t: float) -> str:
    return formatdate(t, usegmt=True)


def iso_z(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def wp_date(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))


def hhmm(t: float) -> str:
    return time.strftime("%H%M", time.gmtime(t))


def cdata(text: str) -> str:
    # "]]>" cannot appear inside CDATA; split it across two sections.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def h(text: str) -> str:
    return html.escape(text, quote=False)


def article_url(base: str, art: DemoArticle) -> str:
    return f"{base}/{art.feed}/{art.slug}/"


def comment_feed_url(base: str, art: DemoArticle) -> str:
    if art.feed == WIRE:
        return f"{base}/wire/{art.slug}/replies.xml"
    return f"{base}/ledger/{art.slug}/feed/"


def script_json(data: object) -> str:
    """JSON safe inside <script>: no "</script>" can close the element early."""
    return json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")


# -- article bodies --------------------------------------------------------------
def update_html(update: LiveUpdate) -> str:
    return f"<p><strong>UPDATE {hhmm(update.time)} GMT:</strong> {h(update.text)}</p>"


def story_html(state: NewsroomState, base: str, art: DemoArticle) -> str:
    if art.feed == WEATHER or art.story is None:
        return f"<p>{h(art.bulletin)}</p>"
    s = art.story
    live = state.main_live
    related = live if live is not art else next(a for a in state.articles if not a.live)
    parts = [
        f"<p>{h(s.lede)}</p>",
        f"<p>{h(s.detail)}</p>",
        f"<blockquote><p>\u201c{h(s.quote)}\u201d</p><p>\u2014 {h(s.quote_by)}</p></blockquote>",
        f"<p>{h(s.list_intro)}</p>",
        "<ul>" + "".join(f"<li>{h(p)}</li>" for p in s.points) + "</ul>",
        f'<p>{h(s.closing)} See also: <a href="{h(article_url(base, related))}">{h(related.title)}</a>.</p>',
    ]
    if art.feed == LEDGER:
        parts.append(f'<p><em>News tips: <a href="mailto:{TIPS}">{TIPS}</a>.</em></p>')
    return "\n".join(parts)


def body_html(state: NewsroomState, base: str, art: DemoArticle) -> str:
    """A live article's updates sit on top, newest first, above the original story."""
    updates = [update_html(u) for u in reversed(art.updates)]
    return "\n".join(updates + [story_html(state, base, art)])


def comment_html(state: NewsroomState, base: str, c: DemoComment) -> str:
    parts = [f"<p>{h(p)}</p>" for p in c.paragraphs]
    if c.link is not None:
        text, story = c.link
        target = state.by_story(story)
        if target is not None:
            parts.append(f'<p>See <a href="{h(article_url(base, target))}">{h(text)}</a>.</p>')
    return "\n".join(parts)


def comment_text(c: DemoComment) -> str:
    return " ".join(c.paragraphs)


# -- feeds -----------------------------------------------------------------------
FEED_WINDOW = 20


def _feed_items(state: NewsroomState, feed: str) -> list[DemoArticle]:
    # Live articles stay in the feed however old they are: their updates travel in it.
    arts = state.in_feed(feed)
    window = arts[:FEED_WINDOW]
    return window + [a for a in arts[FEED_WINDOW:] if a.live]


def last_modified(arts: list[DemoArticle]) -> float:
    return max((a.modified for a in arts), default=0.0)


def ledger_rss(state: NewsroomState, base: str) -> tuple[str, float]:
    arts = _feed_items(state, LEDGER)
    lm = last_modified(arts)
    items = []
    for a in arts:
        link = article_url(base, a)
        text = a.story.lede if a.story else a.bulletin
        items.append(f"""
	<item>
		<title>{xml_escape(a.title)}</title>
		<link>{xml_escape(link)}</link>
		<comments>{xml_escape(link)}#comments</comments>
		<dc:creator>{cdata(a.author)}</dc:creator>
		<pubDate>{rfc822(a.published)}</pubDate>
		<category>{cdata(a.story.category if a.story else "News")}</category>
		<guid isPermaLink="false">{xml_escape(base)}/?p={a.id}</guid>
		<description>{cdata(h(text))}</description>
		<content:encoded>{cdata(body_html(state, base, a))}</content:encoded>
		<wfw:commentRss>{xml_escape(comment_feed_url(base, a))}</wfw:commentRss>
		<slash:comments>{len(a.comments)}</slash:comments>
	</item>""")
    doc = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
	>

<channel>
	<title>{xml_escape(content.LEDGER_TITLE)}</title>
	<atom:link href="{xml_escape(base)}/ledger/feed/" rel="self" type="application/rss+xml" />
	<link>{xml_escape(base)}/ledger/</link>
	<description>{xml_escape(content.LEDGER_TAGLINE)}</description>
	<lastBuildDate>{rfc822(lm)}</lastBuildDate>
	<language>en-GB</language>
	<generator>Threadline demo newsroom</generator>{"".join(items)}
</channel>
</rss>
"""
    return doc, lm


def wire_atom(state: NewsroomState, base: str) -> tuple[str, float]:
    arts = _feed_items(state, WIRE)
    lm = last_modified(arts)
    entries = []
    for a in arts:
        replies = ""
        if a.threaded:
            updated = last_modified([a])
            replies = (
                f'\n\t\t<link rel="replies" type="application/atom+xml" '
                f'href={quoteattr(comment_feed_url(base, a))} thr:count="{len(a.comments)}" '
                f'thr:updated="{iso_z(updated)}"/>'
                f"\n\t\t<thr:total>{len(a.comments)}</thr:total>"
            )
        entries.append(f"""
	<entry>
		<title type="text">{xml_escape(a.title)}</title>
		<id>{xml_escape(base)}/?p={a.id}</id>
		<link rel="alternate" type="text/html" href={quoteattr(article_url(base, a))}/>{replies}
		<author><name>{xml_escape(a.author)}</name></author>
		<published>{iso_z(a.published)}</published>
		<updated>{iso_z(a.published)}</updated>
		<summary type="text">{xml_escape(a.story.lede if a.story else a.bulletin)}</summary>
		<content type="html">{xml_escape(body_html(state, base, a))}</content>
	</entry>""")
    doc = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="{ATOM_NS}" xmlns:thr="{THR_NS}" xml:lang="en-GB">
	<title type="text">{xml_escape(content.WIRE_TITLE)}</title>
	<subtitle type="text">Coastal news as it comes in</subtitle>
	<id>{xml_escape(base)}/wire/</id>
	<link rel="self" type="application/atom+xml" href={quoteattr(base + "/wire/atom.xml")}/>
	<link rel="alternate" type="text/html" href={quoteattr(base + "/wire/")}/>
	<updated>{iso_z(lm)}</updated>
	<author><name>{xml_escape(content.WIRE_TITLE)}</name></author>{"".join(entries)}
</feed>
"""
    return doc, lm


def weather_json(state: NewsroomState, base: str) -> tuple[str, float]:
    arts = _feed_items(state, WEATHER)
    lm = last_modified(arts)
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": content.WEATHER_TITLE,
        "home_page_url": f"{base}/weather/",
        "feed_url": f"{base}/weather/feed.json",
        "description": "Short bulletins on wind, tide and fog around Calder Bay",
        "language": "en-GB",
        "authors": [{"name": "Weather desk"}],
        "items": [
            {
                "id": f"{base}/?p={a.id}",
                "url": article_url(base, a),
                "title": a.title,
                "content_html": body_html(state, base, a),
                "summary": a.bulletin,
                "date_published": iso_z(a.published),
                "date_modified": iso_z(a.modified),
                "authors": [{"name": a.author}],
                "tags": ["weather", "tides"],
            }
            for a in arts
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1), lm


# -- comments --------------------------------------------------------------------
def rest_comment(state: NewsroomState, base: str, art: DemoArticle, c: DemoComment) -> dict:
    return {
        "id": c.id,
        "post": c.post,
        "parent": c.parent,
        "author": 1 if c.by_author else 0,
        "author_name": c.author,
        "author_url": "",
        "date": wp_date(c.time),  # the site's zone is UTC, so local and GMT agree
        "date_gmt": wp_date(c.time),
        "content": {"rendered": comment_html(state, base, c) + "\n"},
        "link": f"{article_url(base, art)}#comment-{c.id}",
        "status": "approved",
        "type": "comment",
    }


def comment_rss(state: NewsroomState, base: str, art: DemoArticle) -> tuple[str, float]:
    """WordPress's per-post comment feed: flat, newest first, only the last ten."""
    newest = sorted(art.comments, key=lambda c: -c.time)[:10]
    link = article_url(base, art)
    items = []
    for c in newest:
        items.append(f"""
	<item>
		<title>{xml_escape("By: " + c.author)}</title>
		<link>{xml_escape(link)}#comment-{c.id}</link>
		<dc:creator>{cdata(c.author)}</dc:creator>
		<pubDate>{rfc822(c.time)}</pubDate>
		<guid isPermaLink="false">{xml_escape(base)}/?p={art.id}#comment-{c.id}</guid>
		<description>{cdata(h(comment_text(c)))}</description>
		<content:encoded>{cdata(comment_html(state, base, c))}</content:encoded>
	</item>""")
    lm = art.modified
    doc = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	>
<channel>
	<title>{xml_escape("Comments on: " + art.title)}</title>
	<atom:link href="{xml_escape(link)}feed/" rel="self" type="application/rss+xml" />
	<link>{xml_escape(link)}</link>
	<description>{xml_escape(content.LEDGER_TAGLINE)}</description>
	<lastBuildDate>{rfc822(lm)}</lastBuildDate>
	<generator>Threadline demo newsroom</generator>{"".join(items)}
</channel>
</rss>
"""
    return doc, lm


def replies_atom(state: NewsroomState, base: str, art: DemoArticle) -> tuple[str, float]:
    """An RFC 4685 threaded Atom feed of an entry's replies, oldest first."""
    entry_id = f"{base}/?p={art.id}"
    lm = art.modified
    entries = []
    for c in art.comments:
        ref = entry_id if c.parent == 0 else f"{entry_id}#comment-{c.parent}"
        entries.append(f"""
	<entry>
		<title type="text">{xml_escape("By: " + c.author)}</title>
		<id>{xml_escape(entry_id)}#comment-{c.id}</id>
		<link rel="alternate" type="text/html" href={quoteattr(f"{article_url(base, art)}#comment-{c.id}")}/>
		<thr:in-reply-to ref={quoteattr(ref)} type="text/html" href={quoteattr(article_url(base, art))}/>
		<author><name>{xml_escape(c.author)}</name></author>
		<published>{iso_z(c.time)}</published>
		<updated>{iso_z(c.time)}</updated>
		<content type="html">{xml_escape(comment_html(state, base, c))}</content>
	</entry>""")
    doc = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="{ATOM_NS}" xmlns:thr="{THR_NS}">
	<title type="text">{xml_escape("Replies to: " + art.title)}</title>
	<id>{xml_escape(entry_id)}#replies</id>
	<link rel="self" type="application/atom+xml" href={quoteattr(comment_feed_url(base, art))}/>
	<updated>{iso_z(lm)}</updated>{"".join(entries)}
</feed>
"""
    return doc, lm


# -- pages -------------------------------------------------------------------------
def live_json_ld(state: NewsroomState, base: str, art: DemoArticle) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "@id": article_url(base, art),
        "url": article_url(base, art),
        "headline": art.title,
        "datePublished": iso_z(art.published),
        "dateModified": iso_z(art.modified),
        "coverageStartTime": iso_z(art.published),
        "author": {"@type": "Person", "name": art.author},
        "publisher": {"@type": "Organization", "name": content.LEDGER_TITLE},
        "liveBlogUpdate": [
            {
                "@type": "BlogPosting",
                "headline": u.text.split(". ")[0].rstrip("."),
                "datePublished": iso_z(u.time),
                "articleBody": u.text,
            }
            for u in reversed(art.updates)  # newest first, as on the page
        ],
    }


def _comment_list_html(state: NewsroomState, base: str, art: DemoArticle) -> str:
    children: dict[int, list[DemoComment]] = {}
    for c in art.comments:
        children.setdefault(c.parent, []).append(c)

    def branch(parent: int) -> str:
        kids = children.get(parent, [])
        if not kids:
            return ""
        items = "".join(
            f'<li id="comment-{c.id}"><p class="comment-author">{h(c.author)}, '
            f'<time datetime="{iso_z(c.time)}">{wp_date(c.time)} GMT</time></p>'
            f"{comment_html(state, base, c)}{branch(c.id)}</li>"
            for c in kids
        )
        return f'<ol class="{"comment-list" if parent == 0 else "children"}">{items}</ol>'

    return branch(0)


def article_page(state: NewsroomState, base: str, art: DemoArticle) -> tuple[str, float]:
    ld = ""
    if art.live:
        ld = f'<script type="application/ld+json">{script_json(live_json_ld(state, base, art))}</script>\n'
    comments = ""
    if art.threaded:
        comments = (
            f'<section id="comments"><h2>{len(art.comments)} comments</h2>'
            f"{_comment_list_html(state, base, art)}</section>"
        )
    doc = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{h(art.title)} \u2013 {h(content.LEDGER_TITLE)}</title>
<link rel="https://api.w.org/" href="{h(base)}/wp-json/">
<link rel="shortlink" href="{h(base)}/?p={art.id}">
<link rel="canonical" href="{h(article_url(base, art))}">
<link rel="alternate" type="application/rss+xml" title="Comments" href="{h(comment_feed_url(base, art))}">
<meta property="article:published_time" content="{iso_z(art.published)}">
{ld}</head>
<body class="post-{art.id}">
<article id="post-{art.id}">
<h1>{h(art.title)}</h1>
<p class="byline">By {h(art.author)}, <time datetime="{iso_z(art.published)}">{rfc822(art.published)}</time></p>
<div class="entry-content">
{body_html(state, base, art)}
</div>
</article>
{comments}
</body>
</html>
"""
    return doc, art.modified


def home_page(state: NewsroomState, base: str, feeds: list[tuple[str, str, str]]) -> str:
    links = "".join(f'<li><a href="{h(u)}">{h(t)}</a> ({h(f)})</li>' for u, t, f in feeds)
    arts = "".join(
        f'<li><a href="{h(article_url(base, a))}">{h(a.title)}</a></li>'
        for a in sorted(state.articles, key=lambda a: -a.published)
    )
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{h(content.LEDGER_TITLE)}'
        f"</title></head><body><h1>{h(content.LEDGER_TITLE)} (demo)</h1><ul>{links}</ul>"
        f"<ul>{arts}</ul></body></html>\n"
    )
