"""The one builder that turns any source's flat comment list into a thread.

A thread is a flat pre-order list of nodes, each knowing its depth, its parent's
position and how many descendants follow it. That shape (circumflex's) makes
every navigation key O(1) or O(siblings) and lets the tree widget fold a subtree
by skipping ``size`` rows, without recursion anywhere — so a 10,000-deep reply
chain is as safe as a flat list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.model import Comment


@dataclass(slots=True)
class Node:
    comment: Comment
    depth: int
    parent: int  # position of the parent node, -1 for top level
    size: int = 0  # number of descendants (the rows a fold hides)
    orphan: bool = False  # its parent is not in the thread: shown at top level
    cycle: bool = False  # its parent chain looped back: cut here, shown at top level


@dataclass
class Thread:
    nodes: list[Node] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)  # comment id -> position

    def __len__(self) -> int:
        return len(self.nodes)

    def position(self, comment_id: str) -> int | None:
        return self.index.get(comment_id)

    def end(self, i: int) -> int:
        """Position just past node ``i``'s subtree."""
        return i + 1 + self.nodes[i].size

    def children(self, i: int) -> list[int]:
        kids, j, stop = [], i + 1, self.end(i)
        while j < stop:
            kids.append(j)
            j = self.end(j)
        return kids

    def top_level(self) -> list[int]:
        tops, j = [], 0
        while j < len(self.nodes):
            tops.append(j)
            j = self.end(j)
        return tops

    def next_sibling(self, i: int) -> int | None:
        j = self.end(i)
        if j < len(self.nodes) and self.nodes[j].parent == self.nodes[i].parent:
            return j
        return None

    def prev_sibling(self, i: int) -> int | None:
        parent = self.nodes[i].parent
        j = parent + 1 if parent >= 0 else 0
        prev = None
        while j < i:
            prev = j
            j = self.end(j)
        return prev

    def ancestors(self, i: int) -> list[int]:
        """Positions of ``i``'s ancestors, nearest first."""
        out, p = [], self.nodes[i].parent
        while p >= 0:
            out.append(p)
            p = self.nodes[p].parent
        return out

    def top_of(self, i: int) -> int:
        chain = self.ancestors(i)
        return chain[-1] if chain else i


def build_thread(comments: list[Comment]) -> Thread:
    """Build the thread. Siblings keep the order they had in ``comments``.

    Duplicate ids merge (the later copy's fields win, the first copy's place is
    kept); a comment whose parent is missing is an orphan at top level; a parent
    cycle is cut at the first comment of the cycle in input order.
    """
    by_id: dict[str, Comment] = {}
    for c in comments:
        by_id[c.id] = c  # later copies win; dict keeps the first insertion's order

    children: dict[str, list[str]] = {}
    roots: list[tuple[str, bool]] = []  # (id, orphan)
    for cid, c in by_id.items():
        pid = c.parent_id
        if pid is None or pid == "" or pid == cid:
            roots.append((cid, False))
        elif pid not in by_id:
            roots.append((cid, True))
        else:
            children.setdefault(pid, []).append(cid)

    thread = Thread()
    nodes, index = thread.nodes, thread.index

    def walk(root: str, orphan: bool, cycle: bool) -> None:
        # Iterative pre-order: a stack of (id, depth, parent position), children
        # pushed in reverse so they pop in their original order.
        stack = [(root, 0, -1)]
        while stack:
            cid, depth, parent = stack.pop()
            if cid in index:
                continue
            pos = len(nodes)
            index[cid] = pos
            node = Node(by_id[cid], depth, parent)
            if parent == -1:
                node.orphan, node.cycle = orphan, cycle
            nodes.append(node)
            kids = children.get(cid)
            if kids:
                stack.extend((k, depth + 1, pos) for k in reversed(kids))

    for rid, orphan in roots:
        walk(rid, orphan, False)

    if len(nodes) < len(by_id):
        # What is left hangs off a parent cycle. Climb from each such comment to
        # the loop (its parents are all unplaced too), then cut the loop at the
        # member that came first in the input.
        order = {cid: i for i, cid in enumerate(by_id)}
        for cid in by_id:
            if cid in index:
                continue
            climbed, cur = set(), cid
            while cur not in climbed:
                climbed.add(cur)
                cur = by_id[cur].parent_id  # type: ignore[assignment]
            loop, member = [cur], by_id[cur].parent_id
            while member is not None and member != cur:  # never None inside a loop
                loop.append(member)
                member = by_id[member].parent_id
            walk(min(loop, key=order.__getitem__), False, True)

    # Subtree sizes, children before parents: pre-order reversed.
    for pos in range(len(nodes) - 1, -1, -1):
        parent = nodes[pos].parent
        if parent >= 0:
            nodes[parent].size += nodes[pos].size + 1
    return thread
