"""The depth-proof JSON decoder agrees with the stdlib one and goes where it cannot."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.comments import deepjson

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
