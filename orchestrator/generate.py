"""One generator for every committed, generated file of a project.

* ``orchestrator/flowlang/flow.schema.json`` (when the project is flowctl's own checkout),
* ``statemachines/<flow>.asl.json`` for every flow in ``flows/``,
* ``template.yaml`` (when the synth stage is available),
* the flow language reference in ``README.md`` (between its markers), and the Mermaid graph
  of every flow a ``flow-graph`` block of the README names (see :mod:`orchestrator.render.readme`).

:func:`generate_all` returns the paths that changed (or, with ``check``, that are stale).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from orchestrator.compiler import asl_text, compile_flow_file
from orchestrator.errors import FlowctlError
from orchestrator.flowlang.project import Project
from orchestrator.flowlang.reference import update_readme
from orchestrator.flowlang.schema import SCHEMA_PATH, schema_text
from orchestrator.render.graph import to_mermaid
from orchestrator.render.readme import update_graph_blocks

__all__ = ["expected_files", "flow_mermaid", "generate_all", "readme_text"]


def flow_mermaid(project: Project, name: str) -> str:
    """The Mermaid graph of the flow ``name`` of ``project`` (what ``flowctl graph`` prints)."""
    path = project.flow_path(name)
    if path is None:
        raise FlowctlError(f"README.md: a flow-graph block names '{name}', which is not a flow in {project.flows_dir}")
    compiled = compile_flow_file(path, project)
    return to_mermaid(compiled.flow, compiled.build.added_edges.get(compiled.flow.name, []))


def readme_text(project: Project, text: str) -> str:
    """``text`` (the README) with its flow reference and flow graphs regenerated."""
    return update_graph_blocks(update_readme(text), lambda name: flow_mermaid(project, name))


def expected_files(project_dir: Path) -> dict[Path, Callable[[], str]]:
    """Every generated file of the project and a function producing its content."""
    project = Project(project_dir.resolve())
    files: dict[Path, Callable[[], str]] = {}
    try:
        SCHEMA_PATH.resolve().relative_to(project.root)
    except ValueError:
        pass
    else:
        files[SCHEMA_PATH] = schema_text
    readme = project.root / "README.md"
    if readme.exists():
        files[readme] = lambda: readme_text(project, readme.read_text())
    for path in project.flow_paths():
        def produce(path: Path = path) -> str:
            return asl_text(compile_flow_file(path, project).definition)

        files[project.root / "statemachines" / f"{path.stem}.asl.json"] = produce
    try:
        from orchestrator.deploy.synth import template_text
    except ImportError:  # synth not available in this build
        pass
    else:
        files[project.root / "template.yaml"] = lambda: template_text(project)
    return files


def generate_all(project_dir: Path, check: bool = False) -> list[Path]:
    """Write (or, with ``check``, only compare) every generated file; return those that differ."""
    changed: list[Path] = []
    for path, produce in expected_files(project_dir).items():
        text = produce()
        current = path.read_text() if path.exists() else None
        if current != text:
            changed.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
    return changed
