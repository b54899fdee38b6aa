"""build_thread on arbitrary forests: orphans, cycles, duplicate ids, deep chains."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.comments.tree import Thread, build_thread
from tui.model import Comment

IDS = [f"c{i}" for i in range(12)]


@st.composite
def forests(draw) -> list[Comment]:
    """Comments whose parents are other comments, missing ids, themselves or none."""
    n = draw(st.integers(0, 40))
    parents = st.one_of(st.none(), st.just(""), st.sampled_from(IDS), st.sampled_from(["gone1", "gone2"]))
    return [Comment(id=draw(st.sampled_from(IDS)), parent_id=draw(parents), author=f"a{k}") for k in range(n)]


@st.composite
def chains(draw) -> list[Comment]:
    """One long reply chain, maybe reversed, maybe closed into a loop."""
    n = draw(st.integers(1, 5000))
    comments = [Comment(id=f"d{i}", parent_id=f"d{i - 1}" if i else None) for i in range(n)]
    if draw(st.booleans()):
        comments[0].parent_id = f"d{draw(st.integers(0, n - 1))}"  # a cycle (or a self-reply)
    if draw(st.booleans()):
        comments.reverse()
    return comments


def unique_last(comments: list[Comment]) -> dict[str, Comment]:
    out: dict[str, Comment] = {}
    for c in comments:
        out[c.id] = c
    return out


def on_a_cycle(cid: str, by_id: dict[str, Comment]) -> bool:
    seen, cur = set(), cid
    while cur in by_id and cur not in seen:
        seen.add(cur)
        pid = by_id[cur].parent_id
        if pid == cid:
            return True
        if not pid:
            return False
        cur = pid
    return False


def check(thread: Thread, comments: list[Comment]) -> None:
    by_id = unique_last(comments)
    nodes = thread.nodes
    # Every unique id exactly once, the index agrees, the later copy's fields win.
    assert sorted(n.comment.id for n in nodes) == sorted(by_id)
    assert {cid: nodes[pos].comment.id for cid, pos in thread.index.items()} == {c: c for c in by_id}
    assert all(nodes[thread.index[cid]].comment is c for cid, c in by_id.items())

    for i, node in enumerate(nodes):
        assert node.parent < i
        if node.parent >= 0:
            assert node.depth == nodes[node.parent].depth + 1
            parent = nodes[node.parent]
            assert node.comment.parent_id == parent.comment.id
            assert i < thread.end(node.parent)  # inside its parent's subtree
            assert not node.orphan and not node.cycle
        else:
            assert node.depth == 0
            pid = node.comment.parent_id
            if pid and pid != node.comment.id:
                if pid in by_id:
                    # A present parent is only ignored to cut a loop it is part of.
                    assert node.cycle and on_a_cycle(node.comment.id, by_id)
                else:
                    assert node.orphan
        # Sizes: the subtree is exactly the deeper run that follows.
        end = thread.end(i)
        assert end <= len(nodes)
        assert all(nodes[j].depth > node.depth for j in range(i + 1, end))
        assert end == len(nodes) or nodes[end].depth <= node.depth

    tops = thread.top_level()
    assert all(nodes[t].depth == 0 for t in tops)
    assert sum(nodes[t].size + 1 for t in tops) == len(nodes)
    assert [t for t in range(len(nodes)) if nodes[t].parent == -1] == tops

    # Siblings keep their input order (first appearance of each id).
    first_seen = {cid: k for k, cid in enumerate(by_id)}
    for i in range(len(nodes)):
        kids = thread.children(i)
        assert [first_seen[nodes[k].comment.id] for k in kids] == sorted(
            first_seen[nodes[k].comment.id] for k in kids
        )


@settings(max_examples=300, deadline=None)
@given(forests())
def test_arbitrary_forests(comments):
    check(build_thread(comments), comments)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chains())
def test_deep_chains(comments):
    thread = build_thread(comments)
    check(thread, comments)
    if any(c.parent_id is None for c in comments):  # no loop: one straight chain
        assert max(n.depth for n in thread.nodes) == len(comments) - 1


def test_seven_deep_thread_shape():
    pairs = [
        ("a", None),
        ("b", None),
        ("c", "b"),
        ("d", "b"),
        ("e", "d"),
        ("f", "d"),
        ("g", "f"),
        ("h", "g"),
        ("i", "h"),
        ("j", "i"),
    ]
    thread = build_thread([Comment(id=i, parent_id=p) for i, p in pairs])
    assert [(n.comment.id, n.depth, n.size) for n in thread.nodes] == [
        ("a", 0, 0),
        ("b", 0, 8),
        ("c", 1, 0),
        ("d", 1, 6),
        ("e", 2, 0),
        ("f", 2, 4),
        ("g", 3, 3),
        ("h", 4, 2),
        ("i", 5, 1),
        ("j", 6, 0),
    ]


def test_a_reply_hanging_off_a_cycle_stays_under_its_parent():
    # b and c reply to each other; a replies to b and comes first in the input.
    # The loop must be cut inside the loop, not at a.
    comments = [
        Comment(id="a", parent_id="b"),
        Comment(id="b", parent_id="c"),
        Comment(id="c", parent_id="b"),
    ]
    thread = build_thread(comments)
    check(thread, comments)
