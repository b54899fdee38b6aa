"""Live articles: keep each article's timestamped updates in the store.

Called after every poll that brought new or changed articles (by the headless
refresh and by the app alike), so a live article's new paragraphs become
timeline rows whichever way it was polled.
"""

from __future__ import annotations

from tui.liveblog import looks_live, split_updates
from tui.model import Update


def record_live_updates(store, article_ids: list[int], *, force: bool = False) -> list[Update]:
    """Split each live-looking article into updates and store them.

    Returns the updates that were new. ``force`` splits even an article that
    does not look live (the reader asked to follow it).
    """
    added: list[Update] = []
    for article_id in dict.fromkeys(article_ids):
        article = store.article(article_id)
        if article is None:
            continue
        html = article.content or article.summary
        if not (force or article.followed or looks_live(article.title, html)):
            continue
        updates = split_updates(html, article.published)
        if len(updates) <= 1 and not store.updates(article_id):
            continue  # nothing but the story itself: not a live article (yet)
        added.extend(store.save_updates(article_id, updates).added)
    return added
