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

from dataclasses import dataclass, field

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
    def __init__(self, nodes: list[str], preds: dict[str, list[str]]) -> None:
        self.nodes = list(nodes)
        self.index = {n: i for i, n in enumerate(self.nodes)}
        self.succ: dict[str, set[str]] = {n: set() for n in nodes}
        self.pred: dict[str, set[str]] = {n: set() for n in nodes}
        for node in nodes:
            for p in preds.get(node, []):
                self.succ[p].add(node)
                self.pred[node].add(p)
        self.added: list[tuple[str, str]] = []
        self._reach: dict[str, frozenset[str]] | None = None

    # reachability within the (growing) graph
    def reach(self) -> dict[str, frozenset[str]]:
        if self._reach is None:
            reach: dict[str, frozenset[str]] = {}
            for node in reversed(self._topo(self.nodes)):
                acc: set[str] = set()
                for s in self.succ[node]:
                    acc.add(s)
                    acc |= reach[s]
                reach[node] = frozenset(acc)
            self._reach = reach
        return self._reach

    def _topo(self, members: list[str]) -> list[str]:
        member_set = set(members)
        indeg = {n: sum(1 for p in self.pred[n] if p in member_set) for n in members}
        ready = sorted((n for n in members if indeg[n] == 0), key=self.index.__getitem__)
        order: list[str] = []
        while ready:
            node = ready.pop(0)
            order.append(node)
            changed = False
            for s in self.succ[node]:
                if s in member_set:
                    indeg[s] -= 1
                    if indeg[s] == 0:
                        ready.append(s)
                        changed = True
            if changed:
                ready.sort(key=self.index.__getitem__)
        return order

    def add_edge(self, a: str, b: str) -> None:
        self.succ[a].add(b)
        self.pred[b].add(a)
        self.added.append((a, b))
        self._reach = None

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

    def series_cut(self, order: list[str]) -> int | None:
        """Smallest i such that every node of order[:i] reaches every node of order[i:]."""
        reach = self.reach()
        common: set[str] | None = None
        for i in range(1, len(order)):
            r = reach[order[i - 1]]
            common = set(r) if common is None else common & r
            if all(n in common for n in order[i:]):
                return i
        return None

    def levels(self, members: list[str]) -> dict[str, int]:
        member_set = set(members)
        level: dict[str, int] = {}
        for node in self._topo(members):
            level[node] = max((level[p] + 1 for p in self.pred[node] if p in member_set), default=0)
        return level

    def force_cut(self, members: list[str]) -> None:
        """Add the fewest edges that make a level cut of ``members`` a series cut."""
        member_set = set(members)
        reach = self.reach()
        level = self.levels(members)
        best: list[tuple[str, str]] | None = None
        for k in range(1, max(level.values()) + 1):
            before = [n for n in members if level[n] < k]
            after = [n for n in members if level[n] >= k]
            sinks = [a for a in before if not any(s in member_set and level[s] < k for s in self.succ[a])]
            sources = [b for b in after if not any(p in member_set and level[p] >= k for p in self.pred[b])]
            edges = [(a, b) for a in sinks for b in sources if b not in reach[a]]
            if best is None or len(edges) < len(best):
                best = edges
        for a, b in best or []:
            self.add_edge(a, b)

    def build(self, members: list[str]) -> Tree:
        if len(members) == 1:
            return members[0]
        comps = self.components(members)
        if len(comps) > 1:
            return Parallel(tuple(self.build(c) for c in comps))
        order = self._topo(members)
        parts: list[Tree] = []
        rest = order
        while True:
            cut = self.series_cut(rest)
            if cut is None:
                if len(rest) == len(order) and not parts:
                    self.force_cut(rest)
                    order = rest = self._topo(members)
                    cut = self.series_cut(rest)
                    assert cut is not None, "a level cut is always a series cut once completed"
                else:
                    parts.append(self.build(rest))
                    break
            head, rest = rest[:cut], rest[cut:]
            parts.append(self.build(head))
            if len(rest) == 1:
                parts.append(rest[0])
                break
        flat: list[Tree] = []
        for part in parts:
            flat.extend(part.parts if isinstance(part, Series) else [part])
        return Series(tuple(flat))


def decompose(nodes: list[str], preds: dict[str, list[str]]) -> Decomposition:
    """Series-parallel tree of the DAG ``nodes``/``preds`` plus the edges that had to be added."""
    if not nodes:
        return Decomposition(None)
    worker = _Decomposer(nodes, preds)
    tree = worker.build(list(nodes))
    return Decomposition(tree, worker.added)
