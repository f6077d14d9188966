"""Series-parallel decomposition of a DAG — ASL joins only at the end of Parallel states.

:func:`decompose` turns a DAG (nodes + predecessor lists) into a tree of :class:`Series`,
:class:`Parallel` and leaf node ids such that every edge u→v of the DAG is honoured: u and v meet
in a Series where u's part comes first. A DAG that is not series-parallel (the "N": a→c, a→d,
b→d) gets synchronisation edges: at each stuck component the cut between longest-path levels that
needs the fewest added edges is chosen. Such a cut never lengthens the critical path (in nodes):
a new edge a→b joins a path ending at level ≤ k with one starting at level ≥ k+1.

The result is deterministic: ties are broken by the given node order.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Decomposition", "Parallel", "Series", "Tree", "critical_path", "decompose", "leaves"]


@dataclass(frozen=True)
class Series:
    parts: tuple[Tree, ...]


@dataclass(frozen=True)
class Parallel:
    branches: tuple[Tree, ...]


Tree = str | Series | Parallel


@dataclass
class Decomposition:
    tree: Tree | None
    added_edges: list[tuple[str, str]] = field(default_factory=list)


def leaves(tree: Tree) -> list[str]:
    """Node ids of ``tree`` in order."""
    if isinstance(tree, str):
        return [tree]
    parts = tree.parts if isinstance(tree, Series) else tree.branches
    return [leaf for part in parts for leaf in leaves(part)]


def critical_path(tree: Tree) -> int:
    """Nodes on the longest path of the compiled tree."""
    if isinstance(tree, str):
        return 1
    if isinstance(tree, Series):
        return sum(critical_path(p) for p in tree.parts)
    return max(critical_path(b) for b in tree.branches)


class _Decomposer:
    """Reachability is kept as bitsets (Python ints, bit ``index[n]``), updated in place when
    an edge is added; series cuts of a component are all found in one sweep of its order."""

    def __init__(self, nodes: list[str], preds: dict[str, list[str]]) -> None:
        self.nodes = list(nodes)
        self.index = {n: i for i, n in enumerate(self.nodes)}
        self.bit = {n: 1 << i for i, n in enumerate(self.nodes)}
        self.succ: dict[str, set[str]] = {n: set() for n in nodes}
        self.pred: dict[str, set[str]] = {n: set() for n in nodes}
        for node in nodes:
            for p in preds.get(node, []):
                self.succ[p].add(node)
                self.pred[node].add(p)
        self.added: list[tuple[str, str]] = []
        self.reach: dict[str, int] = {}
        for node in reversed(self._topo(self.nodes)):
            acc = 0
            for s in self.succ[node]:
                acc |= self.bit[s] | self.reach[s]
            self.reach[node] = acc

    def _topo(self, members: list[str]) -> list[str]:
        """Topological order of ``members``; among ready nodes, the given node order first."""
        member_set = set(members)
        indeg = {n: sum(1 for p in self.pred[n] if p in member_set) for n in members}
        index = self.index
        ready = [index[n] for n in members if indeg[n] == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            node = self.nodes[heapq.heappop(ready)]
            order.append(node)
            for s in self.succ[node]:
                if s in member_set:
                    indeg[s] -= 1
                    if indeg[s] == 0:
                        heapq.heappush(ready, index[s])
        return order

    def add_edges(self, edges: list[tuple[str, str]], scope: list[str]) -> None:
        """Add the edges a→b; whatever reached an ``a`` (and the ``a``) now also reaches its
        ``b`` and beyond. Only the reachability of ``scope`` (the nodes that can reach an
        ``a``) is updated, repeated until stable since one new edge may extend another."""
        gained: dict[str, int] = {}
        for a, b in edges:
            self.succ[a].add(b)
            self.pred[b].add(a)
            self.added.append((a, b))
            gained[a] = gained.get(a, 0) | self.bit[b] | self.reach[b]
        changed = True
        while changed:
            changed = False
            for node in scope:
                r = self.reach[node]
                new = r
                for a, more in gained.items():
                    if node == a or r & self.bit[a]:
                        new |= more
                if new != r:
                    self.reach[node] = new
                    changed = True
            for a in gained:
                for b in self.succ[a]:
                    gained[a] |= self.reach[b]

    def components(self, members: list[str]) -> list[list[str]]:
        member_set = set(members)
        seen: set[str] = set()
        comps: list[list[str]] = []
        for start in members:
            if start in seen:
                continue
            stack, comp = [start], []
            seen.add(start)
            while stack:
                node = stack.pop()
                comp.append(node)
                for nxt in self.succ[node] | self.pred[node]:
                    if nxt in member_set and nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
            comps.append(sorted(comp, key=self.index.__getitem__))
        return sorted(comps, key=lambda c: self.index[c[0]])

    def series_cuts(self, order: list[str]) -> list[int]:
        """Every i (0 < i < len) such that every node of order[:i] reaches every node of
        order[i:], ascending."""
        bit, reach = self.bit, self.reach
        suffix = [0] * (len(order) + 1)
        for i in range(len(order) - 1, -1, -1):
            suffix[i] = suffix[i + 1] | bit[order[i]]
        cuts: list[int] = []
        common = -1  # every bit
        for i in range(1, len(order)):
            common &= reach[order[i - 1]]
            if common & suffix[i] == suffix[i]:
                cuts.append(i)
            elif not common:
                break
        return cuts

    def build(self, members: list[str]) -> Tree:
        """The tree of ``members``. The last part of a series is decomposed in this same frame
        (a loop, not a recursion), so long chains of cuts do not nest calls."""
        flat: list[Tree] = []
        current = members
        while True:
            if len(current) == 1:
                flat.append(current[0])
                break
            comps = self.components(current)
            if len(comps) > 1:
                flat.append(Parallel(tuple(self.build(c) for c in comps)))
                break
            order = self._topo(current)
            cuts = self.series_cuts(order)
            if not cuts:
                self._forced(order, flat)
                break
            bounds = [0, *cuts]
            for lo, hi in zip(bounds, bounds[1:], strict=False):
                self._append(flat, self.build(order[lo:hi]))
            current = order[cuts[-1]:]
        if len(flat) == 1:
            return flat[0]
        return Series(tuple(flat))

    @staticmethod
    def _append(flat: list[Tree], part: Tree) -> None:
        flat.extend(part.parts if isinstance(part, Series) else [part])

    def _forced(self, order: list[str], flat: list[Tree]) -> None:
        """Decompose a connected component without a series cut onto ``flat``.

        Add the fewest edges that make a level cut a series cut (levels: longest path from the
        component's sources); the cut before level k has as sinks the nodes below k whose
        successors are all at k or above (``level < k <= min successor level``) and as sources
        the nodes at k or above whose predecessors are all below k (``max predecessor level <
        k <= level``); ties go to the lowest k. Then the parts before the last cut are built,
        and the last part — always the nodes at or above some level t, whose levels, sinks,
        sources and reachability are those of the component — goes round again, with every
        per-level figure computed once for the component (near-linear on long DAGs, where
        recomputing per cut is quadratic). The edges of one cut are listed by level, then node
        order."""
        members = set(order)
        index, bit, reach = self.index, self.bit, self.reach
        level: dict[str, int] = {}
        for node in order:
            level[node] = max((level[p] + 1 for p in self.pred[node] if p in members), default=0)
        top = max(level.values())
        by_level: list[list[str]] = [[] for _ in range(top + 1)]
        for node in sorted(order, key=index.__getitem__):
            by_level[level[node]].append(node)
        at_or_above = [0] * (top + 2)  # bits of the nodes at level >= l
        for lvl in range(top, -1, -1):
            mask = at_or_above[lvl + 1]
            for node in by_level[lvl]:
                mask |= bit[node]
            at_or_above[lvl] = mask

        # natural cuts: ``u`` is a cut of the part at or above ``t`` iff every node at a level
        # in [t, u) reaches every node at or above u, i.e. iff t >= lowest[u]
        lowest = [0] * (top + 1)
        for u in range(1, top + 1):
            below = u
            while below > 0 and all(
                reach[n] & at_or_above[u] == at_or_above[u] for n in by_level[below - 1]
            ):
                below -= 1
            lowest[u] = below

        # connected parts at or above each level (union-find from the top down)
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        parts_from = [0] * (top + 1)
        parts = 0
        for lvl in range(top, -1, -1):
            for node in by_level[lvl]:
                parent[node] = node
                parts += 1
                for nxt in self.succ[node]:
                    if nxt in members:
                        a, b = find(node), find(nxt)
                        if a != b:
                            parent[a] = b
                            parts -= 1
            parts_from[lvl] = parts

        # sinks and sources of each level cut, and how many edges each sink would need
        sinks_at: list[list[str]] = [[] for _ in range(top + 2)]
        sources_of: list[list[str]] = [[] for _ in range(top + 2)]
        sources_at = [0] * (top + 2)
        for node in order:
            lo = level[node] + 1
            hi = min((level[n] for n in self.succ[node] if n in members), default=top)
            for k in range(lo, hi + 1):
                sinks_at[k].append(node)
            lo = max(max((level[p] for p in self.pred[node] if p in members), default=-1) + 1, 1)
            for k in range(lo, level[node] + 1):
                sources_at[k] |= bit[node]
                sources_of[k].append(node)
        for k in range(1, top + 1):
            sinks_at[k].sort(key=lambda n: (level[n], index[n]))
            sources_of[k].sort(key=lambda n: (level[n], index[n]))
        need: dict[str, list[tuple[int, int]]] = {}
        count = [0] * (top + 2)
        for k in range(1, top + 1):
            for a in sinks_at[k]:
                c = (sources_at[k] & ~reach[a]).bit_count()
                count[k] += c
                need.setdefault(a, []).append((k, c))

        def nodes(lo: int, hi: int) -> list[str]:
            return [n for lvl in range(lo, hi) for n in by_level[lvl]]

        t = 0
        while True:
            if t == top and len(by_level[t]) == 1:
                flat.append(by_level[t][0])
                return
            if parts_from[t] > 1:
                rest = nodes(t, top + 1)
                flat.append(Parallel(tuple(self.build(c) for c in self.components(rest))))
                return
            cuts = [u for u in range(t + 1, top + 1) if lowest[u] <= t]
            if not cuts:
                best = min(range(t + 1, top + 1), key=count.__getitem__)  # the first of the least
                sinks = [a for a in sinks_at[best] if level[a] >= t]
                sources = sources_of[best]
                edges = [(a, b) for a in sinks for b in sources if not reach[a] & bit[b]]
                self.add_edges(edges, nodes(t, best))
                inside = [u for u in range(t + 1, best) if self._reaches_all(by_level, t, u, at_or_above[u] ^ at_or_above[best])]
                cuts = [*inside, best, *(u for u in range(best + 1, top + 1) if lowest[u] <= best)]
            bounds = [t, *cuts]
            for lo, hi in zip(bounds, bounds[1:], strict=False):
                self._append(flat, self.build(nodes(lo, hi)))
            for lvl in range(t, cuts[-1]):  # these levels leave: their sinks count no more
                for node in by_level[lvl]:
                    for k, c in need.get(node, ()):
                        count[k] -= c
            t = cuts[-1]

    def _reaches_all(self, by_level: list[list[str]], lo: int, hi: int, mask: int) -> bool:
        """Whether every node at a level in [lo, hi) reaches every node of ``mask``."""
        return all(self.reach[n] & mask == mask for lvl in range(lo, hi) for n in by_level[lvl])


def decompose(nodes: list[str], preds: dict[str, list[str]]) -> Decomposition:
    """Series-parallel tree of the DAG ``nodes``/``preds`` plus the edges that had to be added.

    The last few results are kept (the compiler and its cost report decompose the same flow):
    treat the result as read-only."""
    key = (tuple(nodes), tuple((n, tuple(preds.get(n, ()))) for n in nodes))
    cached = _recent.get(key)
    if cached is not None:
        return cached
    if not nodes:
        return Decomposition(None)
    worker = _Decomposer(nodes, preds)
    tree = worker.build(list(nodes))
    result = Decomposition(tree, worker.added)
    if len(_recent) >= 16:
        _recent.pop(next(iter(_recent)))
    _recent[key] = result
    return result


_recent: dict[tuple[Any, ...], Decomposition] = {}
