"""GIVEN the README's Examples WHEN compared with flows/ THEN every flow has its subsection, the
command that runs it and its graph, and each graph is what `flowctl graph` draws today."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orchestrator.render.readme import graph_block_names

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text()
FLOWS = sorted(p.stem for p in (ROOT / "flows").glob("*.json"))
EXAMPLES = README[README.index("\n## Examples\n"):README.index("\n## The flow language\n")]


def test_every_flow_has_exactly_one_graph_in_the_examples() -> None:
    assert sorted(graph_block_names(EXAMPLES)) == FLOWS
    assert sorted(graph_block_names(README)) == FLOWS


@pytest.mark.parametrize("name", FLOWS)
def test_the_graph_of_each_example_is_the_one_flowctl_draws(flowctl, name: str) -> None:
    drawn = flowctl("graph", f"flows/{name}.json")
    assert drawn.exit_code == 0, drawn.stderr
    block = re.search(rf"<!-- BEGIN flow-graph {re.escape(name)} [^\n]*-->\n```mermaid\n(.*?)```\n<!-- END flow-graph -->", README, re.S)
    assert block is not None, f"no graph block for {name}"
    assert block.group(1) == drawn.stdout


@pytest.mark.parametrize("name", FLOWS)
def test_each_example_says_how_to_run_it(name: str) -> None:
    assert f"flowctl run flows/{name}.json" in EXAMPLES


def test_the_tour_walks_through_the_examples() -> None:
    tour = README[README.index("\n## A 5-minute tour\n"):README.index("\n## Examples\n")]
    for step in ("make run", "--break-at signals", "flowctl events publish event1 --key key1", "flowctl runs list",
                 "flowctl runs show", "flowctl redrive", "docs/deploying.md"):
        assert step in tour, step
