"""Series-parallel decomposition: every dependency is honoured; SP DAGs keep their critical path."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.compiler.sp import Parallel, Series, Tree, critical_path, decompose, leaves


def order_constraints(tree: Tree) -> set[tuple[str, str]]:
    """Pairs (u, v) such that the compiled tree runs v only after u has finished."""
    if isinstance(tree, str):
        return set()
    if isinstance(tree, Parallel):
        return set().union(*(order_constraints(b) for b in tree.branches))
    pairs: set[tuple[str, str]] = set()
    for i, part in enumerate(tree.parts):
        pairs |= order_constraints(part)
        for later in tree.parts[i + 1 :]:
            pairs |= {(u, v) for u in leaves(part) for v in leaves(later)}
    return pairs


def longest_path(nodes: list[str], preds: dict[str, list[str]]) -> int:
    depth: dict[str, int] = {}
    for n in nodes:  # nodes are given in topological order
        depth[n] = 1 + max((depth[p] for p in preds[n]), default=0)
    return max(depth.values())


@st.composite
def dags(draw) -> tuple[list[str], dict[str, list[str]]]:
    n = draw(st.integers(1, 12))
    nodes = [f"n{i}" for i in range(n)]
    preds = {node: [] for node in nodes}
    for j in range(1, n):
        preds[nodes[j]] = [nodes[i] for i in range(j) if draw(st.booleans())]
    return nodes, preds


@st.composite
def sp_dags(draw, depth: int = 0) -> tuple[list[str], dict[str, list[str]], list[str], list[str]]:
    """A random series-parallel DAG built by composition: (nodes, preds, sources, sinks)."""
    counter = draw(st.shared(st.just([0]), key="counter"))
    kind = draw(st.sampled_from(["leaf", "series", "parallel"] if depth < 3 else ["leaf"]))
    if kind == "leaf":
        counter[0] += 1
        name = f"v{counter[0]}"
        return [name], {name: []}, [name], [name]
    a = draw(sp_dags(depth + 1))
    b = draw(sp_dags(depth + 1))
    nodes, preds = a[0] + b[0], {**a[1], **b[1]}
    if kind == "parallel":
        return nodes, preds, a[2] + b[2], a[3] + b[3]
    for src in b[2]:
        preds[src] = preds[src] + a[3]
    return nodes, preds, a[2], b[3]


@settings(max_examples=300, deadline=None)
@given(dags())
def test_every_node_runs_after_all_its_predecessors(dag) -> None:
    nodes, preds = dag
    result = decompose(nodes, preds)
    assert sorted(leaves(result.tree)) == sorted(nodes)
    constraints = order_constraints(result.tree)
    for node, before in preds.items():
        for pred in before:
            assert (pred, node) in constraints


@settings(max_examples=300, deadline=None)
@given(dags())
def test_added_sync_edges_never_lengthen_the_critical_path(dag) -> None:
    nodes, preds = dag
    assert critical_path(decompose(nodes, preds).tree) == longest_path(nodes, preds)


@settings(max_examples=300, deadline=None)
@given(sp_dags())
def test_series_parallel_dags_need_no_edges_and_keep_their_critical_path(dag) -> None:
    nodes, preds, _, _ = dag
    order = topo(nodes, preds)
    result = decompose(order, preds)
    assert result.added_edges == []
    assert critical_path(result.tree) == longest_path(order, preds)


def topo(nodes: list[str], preds: dict[str, list[str]]) -> list[str]:
    done: list[str] = []
    while len(done) < len(nodes):
        for n in nodes:
            if n not in done and all(p in done for p in preds[n]):
                done.append(n)
    return done


def test_the_n_shape_gets_one_sync_edge() -> None:
    # GIVEN a→c, a→d, b→d with a, b roots (not series-parallel)
    result = decompose(["a", "b", "c", "d"], {"a": [], "b": [], "c": ["a"], "d": ["a", "b"]})
    # THEN one edge b→c makes it {a,b} ; {c,d}
    assert result.added_edges == [("b", "c")]
    assert result.tree == Series((Parallel(("a", "b")), Parallel(("c", "d"))))


def test_diamond_is_series_of_parallel() -> None:
    result = decompose(["a", "b", "c", "d"], {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]})
    assert result.tree == Series(("a", Parallel(("b", "c")), "d"))
    assert result.added_edges == []


def _ladder(levels: int, width: int) -> tuple[list[str], dict[str, list[str]]]:
    """Levels of ``width`` nodes, each after the node above it and the one above-right: an
    "N" at every level, so not series-parallel anywhere."""
    nodes = [f"n{level}_{j}" for level in range(levels) for j in range(width)]
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    for level in range(1, levels):
        for j in range(width):
            preds[f"n{level}_{j}"] = [f"n{level - 1}_{i}" for i in (j, j + 1) if i < width]
    return nodes, preds


def test_a_long_non_series_parallel_dag_is_decomposed_level_by_level() -> None:
    # GIVEN 2,000 nodes that need a synchronisation at every one of their 500 levels
    nodes, preds = _ladder(500, 4)
    # WHEN decomposed (deep enough to overflow a recursion per cut)
    result = decompose(nodes, preds)
    # THEN it is a series of the levels, and every dependency is honoured
    assert isinstance(result.tree, Series) and len(result.tree.parts) == 500
    assert critical_path(result.tree) == longest_path(nodes, preds) == 500
    position = {leaf: i // 4 for i, leaf in enumerate(leaves(result.tree))}
    assert all(position[p] < position[n] for n, before in preds.items() for p in before)
    assert result.added_edges
