"""Threadline: a terminal reader for live news and the comment threads under it."""

__version__ = "0.1.0"
USER_AGENT = f"threadline/{__version__} (+https://github.com/threadline/threadline)"
