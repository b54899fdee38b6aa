"""Hostile text end to end below the UI: terminal escapes and markup in every
field of a real feed, served over loopback, refreshed by the real CLI, read
back from the store and printed by ``threadline list``; and links that must
never be opened. (tests/test_text.py covers tui.text function by function;
tests/test_hostile_ui.py covers the widgets.)"""

from __future__ import annotations

import ast
import html
import json
from pathlib import Path

import pytest
from hostile_corpus import (
    BAD_HREFS,
    BAD_LINKS,
    ESCAPES,
    FORBIDDEN,
    GOOD_LINKS,
    LEFT,
    MARKUP,
    RIGHT,
    SECRET_WORDS,
    framed,
)
from loopback import Reply

from tui.cli import main
from tui.comments.base import http_url
from tui.store import Store
from tui.text.html import first_line, html_to_plain, html_to_text
from tui.text.sanitize import clean, clean_line, safe_url

TUI = Path(__file__).resolve().parent.parent / "tui"


def assert_clean(s: str, *, anchors: bool = True, secrets: bool = True) -> None:
    assert "\x1b" not in s and "\x07" not in s, repr(s)
    assert FORBIDDEN.search(s) is None, repr(s)
    for word in SECRET_WORDS if secrets else ():
        assert word not in s, (word, s)
    if anchors:
        assert LEFT in s and RIGHT in s, s


def hostile_rss(p: str) -> bytes:
    """Every field carries the payload raw (XML 1.0 forbids most of these
    characters, so this also takes feedparser down its lenient path)."""
    x = html.escape(p, quote=False)
    body = html.escape(
        f"<p>{p}</p><p><a href='https://news.test/l{p}x'>{p}</a> <a href='javascript:alert(1)'>js {p}</a></p>"
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{x}</title><link>https://news.test/</link>"
        f"<item><guid>h1</guid><title>{x}</title><link>https://news.test/a{x}b</link>"
        f"<dc:creator>{x}</dc:creator><description>{body}</description></item>"
        "</channel></rss>"
    ).encode("utf-8", "surrogatepass")


def hostile_json(p: str) -> bytes:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": p,
        "home_page_url": "https://news.test/",
        "items": [
            {
                "id": "h1",
                "title": p,
                "url": f"https://news.test/a{p}b",
                "authors": [{"name": p}],
                "content_html": f"<p>{p}</p><p><a href='https://news.test/l{p}x'>{p}</a> "
                f"<a href='javascript:alert(1)'>js {p}</a></p>",
            }
        ],
    }
    return json.dumps(doc).encode()


FORMATS = {"rss": (hostile_rss, "application/rss+xml"), "json": (hostile_json, "application/feed+json")}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_escapes_in_every_feed_field_never_reach_the_cli_or_the_display_text(name, fmt, home, server, capsys):
    build, content_type = FORMATS[fmt]
    payload = framed(ESCAPES[name])
    url = server.route("/hostile", Reply(body=build(payload), content_type=content_type))
    assert main(["--home", str(home), "add", url]) == 0
    assert main(["--home", str(home), "refresh"]) == 0
    assert main(["--home", str(home), "list"]) == 0
    # feedparser reads C1 characters in XML as windows-1252 ("\x9c" -> "œ"), so an
    # 8-bit OSC in RSS loses its terminator and its payload stays as visible,
    # inert text: shown, not acted on (the introducer itself is gone).
    secrets = not (fmt == "rss" and name == "osc-8bit")
    out = capsys.readouterr()
    assert_clean(out.out, secrets=secrets)
    assert_clean(out.err, anchors=False)

    with Store.open(home) as store:
        assert store.integrity_check() == "ok"
        (feed,) = store.feeds()
        assert not feed.failing, feed.error
        (article,) = store.articles()
    # What each widget shows for each field: titles and authors on one line,
    # bodies through the HTML renderer, links only after safe_url.
    for field in (feed.title, article.title, article.author):
        assert_clean(clean_line(field), secrets=secrets)
    rendered = html_to_text(article.content, base_url=article.link)
    assert_clean(rendered.plain, secrets=secrets)
    assert_clean(html_to_plain(article.content), secrets=secrets)
    assert_clean(first_line(article.content), secrets=secrets)
    assert [link.url.startswith("https://news.test/l") for link in rendered.links] == [True]
    for link in rendered.links:
        assert_clean(link.url, anchors=False, secrets=secrets)
        assert_clean(link.text, secrets=secrets)
    link = safe_url(article.link)
    assert link is not None and link.startswith("https://news.test/a")
    assert_clean(link, anchors=False, secrets=secrets)


@pytest.mark.parametrize("payload", MARKUP)
def test_markup_in_feed_fields_is_stored_and_listed_verbatim(payload, home, server, capsys):
    url = server.route("/markup", Reply(body=hostile_json(payload), content_type="application/feed+json"))
    assert main(["--home", str(home), "add", url]) == 0
    assert main(["--home", str(home), "refresh"]) == 0
    assert main(["--home", str(home), "list"]) == 0
    out = capsys.readouterr().out
    assert clean_line(payload) in out
    with Store.open(home) as store:
        (article,) = store.articles()
    assert article.title == payload and article.author == payload
    assert payload in html_to_text(article.content).plain


# -- links ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BAD_LINKS))
def test_bad_link_is_never_safe_alone_or_against_a_base(name):
    url = BAD_LINKS[name]
    assert safe_url(url) is None
    assert safe_url(url, "https://news.test/story") is None
    assert http_url(url) == ""  # what comment adapters keep as a comment's link


@pytest.mark.parametrize("name", sorted(BAD_HREFS))
def test_bad_href_gets_no_number_and_good_ones_do(name):
    href = BAD_HREFS[name]
    body = (
        f'<p><a href="{href}">bad</a> then <a href="{GOOD_LINKS[0]}">good</a> '
        f'and <a href="{html.escape(GOOD_LINKS[1])}">also</a></p>'
    )
    for base in ("", "https://news.test/story"):
        r = html_to_text(body, base_url=base)
        assert [link.url for link in r.links] == GOOD_LINKS
        assert "bad [" not in r.plain


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_controls_inside_a_good_link_are_removed_not_opened(name):
    url = safe_url(f"https://news.test/x{ESCAPES[name]}y")
    assert url is not None and url.startswith("https://news.test/x")
    assert "\x1b" not in url and FORBIDDEN.search(url) is None


def test_nothing_below_the_ui_can_reach_a_shell():
    """No module of the app imports subprocess or calls os.system/popen/exec*;
    the only way out is app.opener, which only ever gets a safe_url() result
    (tests/test_hostile_ui.py checks that with a recording opener)."""
    banned_modules = {"subprocess", "pty", "pexpect"}
    banned_calls = {
        "system",
        "popen",
        "execv",
        "execve",
        "execvp",
        "execl",
        "execlp",
        "spawnv",
        "spawnl",
        "startfile",
    }
    # The one exception: [sync] password_command (issue #15) runs the reader's own
    # command, as an argument list with no shell, to read the password from its stdout.
    allowed = {"tui/sync/account.py": {"subprocess"}}
    offenders = []
    for path in sorted(TUI.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                names = {(node.module or "").split(".")[0]}
            elif isinstance(node, ast.Attribute) and node.attr in banned_calls:
                names = {node.attr}
            elif isinstance(node, ast.keyword) and node.arg == "shell":
                names = {"shell="}
            else:
                continue
            bad = names & (banned_modules | banned_calls | {"shell="})
            bad -= allowed.get(str(path.relative_to(TUI.parent)), set())
            if bad:
                offenders.append(f"{path.relative_to(TUI.parent)}:{node.lineno} {sorted(bad)}")
    assert offenders == []


def test_clean_is_idempotent_on_the_whole_corpus():
    for payload in (*ESCAPES.values(), *MARKUP, *BAD_LINKS.values()):
        once = clean(framed(payload))
        assert clean(once) == once
        assert FORBIDDEN.search(once.replace("\n", "")) is None


def test_mojibake_c1_characters_do_not_swallow_the_rest_of_the_line():
    """UTF-8 read as Latin-1 (a wrong-encoding feed) turns curly quotes into
    C1 characters that look like 8-bit OSC/APC introducers; the text after them
    must stay (it used to vanish up to the end of the line)."""
    mojibake = "He said \u201chello\u201d and \u201cbye\u201d, then left.".encode().decode("latin-1")
    assert clean_line(mojibake) == "He said \u00e2hello\u00e2 and \u00e2bye\u00e2, then left."
    turkish = "Da\u011f yolu kapal\u0131".encode().decode("latin-1")  # ğ -> Ä + U+009F (8-bit APC)
    assert clean_line(turkish).endswith("yolu kapal\u00c4\u00b1")
