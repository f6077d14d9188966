"""Graph blocks in Markdown: each names a flow and is rewritten with its Mermaid graph."""

from __future__ import annotations

import pytest

from orchestrator.errors import FlowctlError
from orchestrator.render.readme import (
    GRAPH_END,
    graph_block_names,
    graph_marker,
    update_graph_blocks,
)


def mermaid(name: str) -> str:
    return f"flowchart TD\n    n_{name}\n"


def test_every_block_gets_its_flows_graph_and_the_rest_is_kept() -> None:
    text = f"# Title\n{graph_marker('a')}\nstale\n{GRAPH_END}\nbetween\n{graph_marker('b')}\n{GRAPH_END}\nend\n"
    updated = update_graph_blocks(text, mermaid)
    assert updated == (
        f"# Title\n{graph_marker('a')}\n```mermaid\nflowchart TD\n    n_a\n```\n{GRAPH_END}\nbetween\n"
        f"{graph_marker('b')}\n```mermaid\nflowchart TD\n    n_b\n```\n{GRAPH_END}\nend\n"
    )
    assert update_graph_blocks(updated, mermaid) == updated  # stable
    assert graph_block_names(updated) == ["a", "b"]


def test_text_without_blocks_is_unchanged() -> None:
    assert update_graph_blocks("# nothing\n<!-- BEGIN flow-reference -->\n", mermaid) == "# nothing\n<!-- BEGIN flow-reference -->\n"


def test_a_block_without_its_end_marker_is_an_error_naming_the_line() -> None:
    with pytest.raises(FlowctlError, match="line 3: the graph block of 'a' is not closed"):
        update_graph_blocks(f"x\n\n{graph_marker('a')}\n", mermaid)


def test_an_unknown_flow_in_the_readme_is_reported(tmp_path) -> None:
    from orchestrator.flowlang.project import Project
    from orchestrator.generate import readme_text

    (tmp_path / "flows").mkdir()
    with pytest.raises(FlowctlError, match="'ghost', which is not a flow"):
        readme_text(Project(tmp_path), f"{graph_marker('ghost')}\n{GRAPH_END}\n")
