"""JSON decoding that survives any nesting depth.

Hacker News (Algolia) and reddit send a thread as nested JSON, two to five levels
per reply. The stdlib decoder recurses and gives up near depth 1,000, so a reply
chain a few hundred comments deep would make a real thread unreadable. ``loads``
tries the fast C decoder first and only falls back to this explicit-stack
decoder when that one runs out of recursion.
"""

from __future__ import annotations

import json
import json.scanner
import re
from json.decoder import scanstring  # type: ignore[attr-defined]  # real, not in typeshed
from typing import Any

__all__ = ["loads"]

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_CONSTANTS = {"true": True, "false": False, "null": None}


# Longer integers become None: no id, score or time has this many digits, and
# Python refuses to convert past 4,300 (which would fail the whole document).
MAX_INT_DIGITS = 40


def _bounded_int(text: str) -> int | None:
    return int(text) if len(text.lstrip("-")) <= MAX_INT_DIGITS else None


# Documents over this size are decoded a subtree at a time (``_loads_sliced``).
SLICE_OVER = 1 << 20


def loads(text: str, slice_from: int = 2) -> Any:
    """Like ``json.loads`` (raises ValueError on bad input), with no depth limit;
    an integer over MAX_INT_DIGITS digits decodes as None.

    A document over SLICE_OVER characters is decoded one subtree at a time, so
    that a thread decoding it never holds the interpreter for long: ``json.loads``
    is one C call, and 28 MB of a 50,000-comment thread kept the event loop of the
    app waiting for 0.3 s while another thread ran it. ``slice_from``: how deep
    the lists are whose elements are decoded whole (2: a list inside the root, as
    every source's comment lists are; 1: the root list's elements).
    """
    if len(text) > SLICE_OVER:
        return _loads_sliced(text, slice_from)
    try:
        return json.loads(text)
    except RecursionError:
        return _loads_iterative(text)
    except ValueError as exc:
        if "integer string conversion" not in str(exc):
            raise
    # Only a document with a huge integer pays for the per-integer hook.
    try:
        return json.loads(text, parse_int=_bounded_int)
    except RecursionError:
        return _loads_iterative(text)


def _loads_sliced(text: str, slice_from: int = 2) -> Any:
    try:
        return _loads_iterative(text, _SCAN, slice_from)
    except ValueError as exc:
        if "integer string conversion" not in str(exc):
            raise
    return _loads_iterative(text, _SCAN_BOUNDED, slice_from)


def _loads_iterative(s: str, scan: Any = None, slice_from: int = 2) -> Any:
    """The explicit-stack decoder. With ``scan`` (a C scanner), every container
    that is an element of a list ``slice_from`` containers deep (2: a list inside
    the root, where every source keeps its comments, each with its replies) is
    decoded by one ``scan`` call; the skeleton around them is walked here, and
    other threads get their turn between two calls. A subtree too deep for the C
    scanner is walked here too."""
    end = len(s)

    def skip(i: int) -> int:
        m = _WS.match(s, i)  # matches the empty string too: never None
        return m.end() if m else i

    def key_at(i: int) -> tuple[str, int]:
        if i >= end or s[i] != '"':
            raise ValueError(f"expected a key at {i}")
        key, i = scanstring(s, i + 1)
        i = skip(i)
        if i >= end or s[i] != ":":
            raise ValueError(f"expected ':' at {i}")
        return key, skip(i + 1)

    # Each frame is [container, pending key, walked]; the key is unused for lists;
    # ``walked``: inside a subtree the C scanner could not decode, so every
    # container in it is walked here.
    stack: list[list[Any]] = []
    value: Any = None
    i = skip(0)
    while True:
        if i >= end:
            raise ValueError("unexpected end of JSON")
        ch = s[i]
        opened = False
        walked = bool(stack) and stack[-1][2]
        if (
            scan is not None
            and ch in "{["
            and len(stack) >= slice_from
            and not walked
            and isinstance(stack[-1][0], list)
        ):
            try:
                value, i = scan(s, i)
            except StopIteration as stop:
                raise ValueError(f"invalid JSON at {stop.value}") from None
            except RecursionError:
                walked = True  # decoded below, container by container
            else:
                ch = ""
        if ch == "":
            pass
        elif ch == "{":
            i = skip(i + 1)
            if i < end and s[i] == "}":
                value, i = {}, i + 1
            else:
                key, i = key_at(i)
                stack.append([{}, key, walked])
                opened = True
        elif ch == "[":
            i = skip(i + 1)
            if i < end and s[i] == "]":
                value, i = [], i + 1
            else:
                stack.append([[], None, walked])
                opened = True
        elif ch == '"':
            value, i = scanstring(s, i + 1)
        else:
            m = _NUMBER.match(s, i)
            if m and m.end() > i:
                text = m.group(0)
                value = float(text) if (m.group(1) or m.group(2)) else _bounded_int(text)
                i = m.end()
            else:
                for word, const in _CONSTANTS.items():
                    if s.startswith(word, i):
                        value, i = const, i + len(word)
                        break
                else:
                    raise ValueError(f"unexpected character at {i}")
        if opened:
            continue

        # Attach the finished value to its container, closing containers
        # for as long as their closing brackets follow.
        while True:
            if not stack:
                if skip(i) != end:
                    raise ValueError("extra data after JSON")
                return value
            frame = stack[-1]
            container = frame[0]
            if isinstance(container, dict):
                container[frame[1]] = value
            else:
                container.append(value)
            i = skip(i)
            if i >= end:
                raise ValueError("unexpected end of JSON")
            sep = s[i]
            if sep == ",":
                i = skip(i + 1)
                if isinstance(container, dict):
                    frame[1], i = key_at(i)
                break
            closer = "}" if isinstance(container, dict) else "]"
            if sep != closer:
                raise ValueError(f"expected ',' or {closer!r} at {i}")
            stack.pop()
            value, i = container, i + 1


def _scanner(**hooks: Any) -> Any:
    return json.scanner.make_scanner(json.JSONDecoder(**hooks))  # type: ignore[arg-type]


_SCAN = _scanner()
_SCAN_BOUNDED = _scanner(parse_int=_bounded_int)
