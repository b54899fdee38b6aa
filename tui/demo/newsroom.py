"""The newsroom's content state and its clock: what exists now, and one publishing step.

Pure Python with no I/O and no locking; ``tui.demo.Newsroom`` owns the lock and the
threads. Everything is drawn from ``random.Random(seed)``, so the same seed gives the
same newsroom. With a ``start_time`` the clock is simulated (each step moves it on by
one to four minutes, which keeps tests exact); without one it is the wall clock.
"""

from __future__ import annotations

import random
import re
import time
import unicodedata
from dataclasses import dataclass, field

from tui.demo import content
from tui.demo.content import Story

LEDGER, WIRE, WEATHER = "ledger", "wire", "weather"
MAX_DEPTH = 7  # a top-level comment is depth 1
STEP_KINDS = ("update", "comment", "article")


@dataclass
class LiveUpdate:
    time: float  # whole minutes: the marker shows HHMM and JSON-LD must agree with it
    text: str


@dataclass
class DemoComment:
    id: int
    post: int
    parent: int  # 0 = top level, as WordPress says it
    author: str
    time: float
    paragraphs: tuple[str, ...]  # plain text; the renderer escapes and wraps
    by_author: bool = False
    link: tuple[str, Story] | None = None  # (link text, the story it points to)
    depth: int = 1


@dataclass
class DemoArticle:
    id: int
    feed: str
    slug: str
    title: str
    author: str
    published: float
    story: Story | None = None
    bulletin: str = ""  # weather items are a single short paragraph
    live: bool = False
    threaded: bool = False  # has a comment thread worth linking to
    updates: list[LiveUpdate] = field(default_factory=list)  # oldest first
    comments: list[DemoComment] = field(default_factory=list)  # oldest first
    modified: float = 0.0  # last time anything about it changed (Last-Modified)
    next_update: int = 0  # index into story.updates

    def comment(self, comment_id: int) -> DemoComment | None:
        return next((c for c in self.comments if c.id == comment_id), None)


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    ascii_title = re.sub(r"['\u2019]", "", ascii_title)  # "market's" -> "markets", as WordPress does
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-") or "post"


def minute_floor(t: float) -> float:
    return float(int(t) // 60 * 60)


class NewsroomState:
    def __init__(self, seed: int = 7, start_time: float | None = None) -> None:
        self.rng = random.Random(seed)
        self.simulated = start_time is not None
        self._sim_now = float(start_time) if start_time is not None else time.time()
        self.articles: list[DemoArticle] = []
        self.steps = 0
        self._next_post = 1200 + self.rng.randint(0, 60)
        self._next_comment = 4100 + self.rng.randint(0, 80)
        self._slugs: set[str] = set()
        self._pool_used = {LEDGER: 0, WIRE: 0, WEATHER: 0}
        self._last_event = 0.0
        self.storm: DemoArticle | None = None
        self._build_opening()

    # -- clock ------------------------------------------------------------
    def now(self) -> float:
        return self._sim_now if self.simulated else time.time()

    def _event_time(self) -> float:
        # Strictly increasing whole seconds, so Last-Modified moves with every change.
        t = max(float(int(self.now())), self._last_event + 1)
        self._last_event = t
        return t

    # -- lookups ----------------------------------------------------------
    @property
    def main_live(self) -> DemoArticle:
        return self.articles[0]

    def in_feed(self, feed: str) -> list[DemoArticle]:
        return sorted((a for a in self.articles if a.feed == feed), key=lambda a: -a.published)

    def by_slug(self, feed: str, slug: str) -> DemoArticle | None:
        return next((a for a in self.articles if a.feed == feed and a.slug == slug), None)

    def by_id(self, post_id: int) -> DemoArticle | None:
        return next((a for a in self.articles if a.id == post_id), None)

    def by_story(self, story: Story) -> DemoArticle | None:
        return next((a for a in self.articles if a.story is story), None)

    # -- building blocks ----------------------------------------------------
    def _new_article(self, feed: str, title: str, author: str, published: float, **kw) -> DemoArticle:
        slug = base = slugify(title)
        n = 2
        while slug in self._slugs:
            slug, n = f"{base}-{n}", n + 1
        self._slugs.add(slug)
        art = DemoArticle(
            id=self._next_post,
            feed=feed,
            slug=slug,
            title=title,
            author=author,
            published=published,
            modified=published,
            **kw,
        )
        # WordPress ids skip numbers (revisions and drafts use them too).
        self._next_post += self.rng.randint(1, 9)
        self.articles.append(art)
        return art

    def _add_comment(
        self,
        art: DemoArticle,
        parent: DemoComment | None,
        author: str,
        when: float,
        paragraphs: tuple[str, ...],
        by_author: bool = False,
        link: tuple[str, Story] | None = None,
    ) -> DemoComment:
        c = DemoComment(
            id=self._next_comment,
            post=art.id,
            parent=parent.id if parent else 0,
            author=author,
            time=when,
            paragraphs=paragraphs,
            by_author=by_author,
            link=link,
            depth=parent.depth + 1 if parent else 1,
        )
        self._next_comment += self.rng.randint(1, 3)
        art.comments.append(c)
        art.modified = max(art.modified, when)
        return c

    def _body_from_key(self, key: tuple) -> tuple[tuple[str, ...], tuple[str, Story] | None]:
        kind, value = key
        if kind == "long":
            paragraphs, text, story = content.LONG_COMMENTS[value]
            return paragraphs, (text, story)
        if kind == "line":
            return (content.COMMENT_LINES[value],), None
        return (value,), None

    def _random_body(self) -> tuple[tuple[str, ...], tuple[str, Story] | None]:
        if self.rng.random() < 0.15:
            return self._body_from_key(("long", self.rng.randrange(len(content.LONG_COMMENTS))))
        return self._body_from_key(("line", self.rng.randrange(len(content.COMMENT_LINES))))

    def _random_comment(self, art: DemoArticle, when: float) -> DemoComment:
        parent = None
        candidates = [c for c in art.comments if c.depth < MAX_DEPTH]
        if candidates and self.rng.random() >= 0.25:
            # Deeper comments are likelier parents: live threads grow down, not across.
            parent = self.rng.choices(candidates, weights=[c.depth for c in candidates])[0]
        if parent is not None and self.rng.random() < 0.1 and parent.author != art.author:
            return self._add_comment(
                art, parent, art.author, when, (self.rng.choice(content.AUTHOR_REPLIES),), by_author=True
            )
        author = self.rng.choice(content.COMMENTERS)
        if parent is not None and author == parent.author:
            author = self.rng.choice(content.COMMENTERS)
        paragraphs, link = self._random_body()
        return self._add_comment(art, parent, author, when, paragraphs, link=link)

    def _spread(self, start: float, end: float, n: int) -> list[float]:
        return sorted(float(int(self.rng.uniform(start, end))) for _ in range(n))

    # -- the opening state --------------------------------------------------
    def _build_opening(self) -> None:
        t0 = self.now()
        hour = 3600.0
        strike = self._new_article(
            LEDGER,
            content.STRIKE_LIVE.title,
            content.STRIKE_LIVE.author,
            float(int(t0 - 3 * hour - self.rng.uniform(0, 900))),
            story=content.STRIKE_LIVE,
            live=True,
            threaded=True,
        )
        for minutes_ago in (140, 95, 52, 14):
            when = minute_floor(t0 - minutes_ago * 60 - self.rng.uniform(0, 180))
            self._add_update(strike, when)
        refs: dict[str, DemoComment] = {}
        times = self._spread(strike.published + 600, t0 - 60, len(content.OPENING_THREAD))
        for (ref, parent_ref, author, key), when in zip(content.OPENING_THREAD, times):
            paragraphs, link = self._body_from_key(key)
            refs[ref] = self._add_comment(
                strike,
                refs.get(parent_ref) if parent_ref is not None else None,
                author,
                when,
                paragraphs,
                by_author=author == strike.author,
                link=link,
            )

        for story in content.LEDGER_STORIES[:5]:
            self._open_story(LEDGER, story, t0 - self.rng.uniform(0.3, 5) * hour, threaded=True)
        for i, story in enumerate(content.WIRE_STORIES[:4]):
            self._open_story(WIRE, story, t0 - self.rng.uniform(0.2, 4) * hour, threaded=i % 2 == 0)
        self._pool_used.update({LEDGER: 5, WIRE: 4})
        for _ in range(3):
            self._weather_item(float(int(t0 - self.rng.uniform(0.1, 3) * hour)))
        self._last_event = max(a.modified for a in self.articles)

    def _open_story(self, feed: str, story: Story, published: float, threaded: bool) -> None:
        art = self._new_article(
            feed, story.title, story.author, float(int(published)), story=story, threaded=threaded
        )
        if threaded:
            for when in self._spread(art.published + 300, self.now() - 60, self.rng.randint(0, 4)):
                self._random_comment(art, when)

    def _weather_item(self, when: float) -> DemoArticle:
        i = self._pool_used[WEATHER]
        self._pool_used[WEATHER] += 1
        title, text = content.WEATHER_BULLETINS[i % len(content.WEATHER_BULLETINS)]
        return self._new_article(WEATHER, title, "Weather desk", when, bulletin=text)

    def _add_update(self, art: DemoArticle, when: float) -> LiveUpdate:
        story = art.story
        assert story is not None
        if art.next_update < len(story.updates):
            text = story.updates[art.next_update]
            art.next_update += 1
        else:
            text = self.rng.choice(content.HOLDING_UPDATES)
        update = LiveUpdate(time=minute_floor(when), text=text)
        art.updates.append(update)
        art.modified = max(art.modified, when)
        return update

    # -- publishing -----------------------------------------------------------
    def publish(self) -> str:
        """One publishing step; returns a one-line description of it."""
        if self.simulated:
            self._sim_now += self.rng.randint(60, 240)
        kind = STEP_KINDS[self.steps % len(STEP_KINDS)]
        self.steps += 1
        if kind == "update":
            described = self._publish_update()
            if described:
                return described
            kind = "comment"  # both live stories already updated this minute
        if kind == "comment":
            return self._publish_comment()
        return self._publish_article()

    def _publish_update(self) -> str | None:
        lives = [a for a in self.articles if a.live]
        storm = self.storm
        if storm is not None and storm.story is not None and storm.next_update < len(storm.story.updates):
            if not storm.updates or self.rng.random() < 0.35:
                lives.reverse()  # the storm's turn first
        else:
            lives = [self.main_live]
        for art in lives:
            when = self._event_time()
            if art.updates and minute_floor(when) <= art.updates[-1].time:
                continue  # same HHMM as the last marker would read as a duplicate
            update = self._add_update(art, when)
            stamp = time.strftime("%H%M", time.gmtime(update.time))
            return f"UPDATE {stamp} GMT on {art.title!r}: {update.text}"
        return None

    def _publish_comment(self) -> str:
        lives = [a for a in self.articles if a.live]
        others = [a for a in self.articles if a.threaded and not a.live]
        if self.rng.random() < 0.7 or not others:
            art = self.rng.choices(lives, weights=[3] + [1] * (len(lives) - 1))[0]
        else:
            art = self.rng.choice(others)
        c = self._random_comment(art, self._event_time())
        where = "top level" if c.parent == 0 else f"depth {c.depth}, reply to {c.parent}"
        return f"comment {c.id} by {c.author} on {art.title!r} ({where})"

    def _publish_article(self) -> str:
        when = self._event_time()
        if self.storm is None and (self.rng.random() < 0.5 or self.steps > 3):
            self.storm = self._new_article(
                LEDGER,
                content.STORM_LIVE.title,
                content.STORM_LIVE.author,
                when,
                story=content.STORM_LIVE,
                live=True,
                threaded=True,
            )
            return f"new live article in {content.LEDGER_TITLE}: {self.storm.title!r}"
        feed = self.rng.choices((LEDGER, WIRE, WEATHER), weights=(5, 3, 2))[0]
        if feed == WEATHER:
            art = self._weather_item(when)
        else:
            pool = content.LEDGER_STORIES if feed == LEDGER else content.WIRE_STORIES
            i = self._pool_used[feed]
            self._pool_used[feed] += 1
            story = pool[i % len(pool)]
            title = story.title if i < len(pool) else f"{story.title} (follow-up {i // len(pool)})"
            art = self._new_article(
                feed,
                title,
                story.author,
                when,
                story=story,
                threaded=feed == LEDGER or self.rng.random() < 0.5,
            )
        name = {LEDGER: content.LEDGER_TITLE, WIRE: content.WIRE_TITLE, WEATHER: content.WEATHER_TITLE}[feed]
        return f"new article in {name}: {art.title!r}"
