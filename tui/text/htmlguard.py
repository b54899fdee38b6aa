"""One guard in front of every HTMLParser we feed untrusted HTML.

Python's parser looks for the end of a start tag from each "<" that never closes
(a tag cut off, a stray quote in an attribute), to the end of the text, again and
again: 24 KB of "<a " took seven seconds. A "<" after the last ">" can only end
up as text, which is what the parser makes of it at the end anyway, so it is
written as text before the parser sees it.
"""

from __future__ import annotations


def defuse_unclosed(html: str) -> str:
    """``html`` with every "<" after its last ">" written as "&lt;"."""
    last = html.rfind(">")
    tail = html[last + 1 :]
    if "<" not in tail:
        return html
    return html[: last + 1] + tail.replace("<", "&lt;")
