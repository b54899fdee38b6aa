"""The depth-proof JSON decoder agrees with the stdlib one and goes where it cannot."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.text import deepjson

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(values, st.sampled_from([None, 1, 2]))
def test_agrees_with_the_stdlib(value, indent):
    text = json.dumps(value, indent=indent)
    assert deepjson._loads_iterative(text) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    ["", "{", "[1,]", '{"a" 1}', '{"a":1,}', "[1 2]", "nul", "01", '"open', "[1]]", "{}x", "{1:2}", "-"],
)
def test_rejects_what_the_stdlib_rejects(text):
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        deepjson._loads_iterative(text)


def test_nesting_far_past_the_recursion_limit():
    depth = 50_000
    text = '{"c":[' * depth + '"leaf"' + "]}" * depth
    with pytest.raises(RecursionError):
        json.loads(text)
    value = deepjson.loads(text)
    for _ in range(depth):
        value = value["c"][0]
    assert value == "leaf"


# -- big documents: decoded a subtree at a time ------------------------------------------


def _recording_scan(spans: list[int]):
    real = deepjson._SCAN

    def scan(s: str, i: int):
        value, end = real(s, i)
        spans.append(end - i)
        return value, end

    return scan


@settings(max_examples=200, deadline=None)
@given(values, st.sampled_from([None, 1]))
def test_sliced_agrees_with_the_stdlib(value, indent):
    text = json.dumps(value, indent=indent)
    assert deepjson._loads_iterative(text, deepjson._SCAN) == json.loads(text)


@pytest.mark.parametrize("text", ["[[1,]]", "[[{]]", '[[{"a":tru}]]', "[[1]]]", '{"c":[[1 2]]}'])
def test_sliced_rejects_what_the_stdlib_rejects(text):
    with pytest.raises(ValueError):
        deepjson._loads_iterative(text, deepjson._SCAN)


def _hn_shaped(top: int, replies: int) -> dict:
    def comment(n: int, kids: list) -> dict:
        return {"id": n, "author": f"u{n}", "text": "<p>words " * 5, "children": kids}

    return {
        "id": 1,
        "title": "story",
        "children": [
            comment(10 * k, [comment(10 * k + r, []) for r in range(1, replies)]) for k in range(top)
        ],
    }


def _reddit_shaped(top: int) -> list:
    def listing(children: list) -> dict:
        return {"kind": "Listing", "data": {"after": None, "children": children}}

    post = listing([{"kind": "t3", "data": {"id": "p", "title": "t"}}])
    comments = [
        {
            "kind": "t1",
            "data": {"id": f"c{k}", "body": "b" * 50, "replies": listing([{"kind": "t1", "data": {}}])},
        }
        for k in range(top)
    ]
    return [post, listing(comments)]


@pytest.mark.parametrize("doc", [_hn_shaped(300, 4), _reddit_shaped(300)], ids=["hn", "reddit"])
def test_a_big_thread_is_decoded_one_top_level_comment_at_a_time(doc):
    """No single C call decodes more than one top-level comment with its replies:
    the thread decoding it lets the event loop in between."""
    text = json.dumps(doc)
    spans: list[int] = []
    assert deepjson._loads_iterative(text, _recording_scan(spans)) == doc
    biggest_comment = max(
        len(json.dumps(c)) for c in (doc["children"] if isinstance(doc, dict) else doc[1]["data"]["children"])
    )
    assert len(spans) >= 300
    assert max(spans) <= biggest_comment


def test_loads_slices_documents_over_the_threshold(monkeypatch):
    doc = _hn_shaped(50, 2)
    text = json.dumps(doc)
    spans: list[int] = []
    monkeypatch.setattr(deepjson, "_SCAN", _recording_scan(spans))
    monkeypatch.setattr(deepjson, "SLICE_OVER", len(text) - 1)
    assert deepjson.loads(text) == doc
    assert len(spans) == 50
    monkeypatch.setattr(deepjson, "SLICE_OVER", len(text))
    assert deepjson.loads(text) == doc
    assert len(spans) == 50  # json.loads, whole


def test_sliced_goes_past_the_recursion_limit_inside_a_comment():
    depth = 20_000
    text = '{"children":[1,' + '{"c":[' * depth + '"leaf"' + "]}" * depth + "]}"
    value = deepjson._loads_iterative(text, deepjson._SCAN)["children"][1]
    for _ in range(depth):
        value = value["c"][0]
    assert value == "leaf"


def test_sliced_bounds_a_huge_integer_inside_a_comment():
    text = '{"children":[{"id":' + "9" * 5000 + ',"points":3}]}'
    assert deepjson._loads_sliced(text) == {"children": [{"id": None, "points": 3}]}
