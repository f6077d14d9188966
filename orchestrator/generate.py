"""One generator for every committed, generated file of a project.

* ``orchestrator/spec/flow.schema.json`` (when the project is flowctl's own checkout),
* ``statemachines/<flow>.asl.json`` for every flow in ``flows/``,
* ``template.yaml`` (when the synth stage is available),
* the flow language reference in ``README.md`` (between its markers).

:func:`generate_all` returns the paths that changed (or, with ``check``, that are stale).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from orchestrator.compiler import asl_text, compile_flow_file
from orchestrator.spec.project import Project
from orchestrator.spec.reference import update_readme
from orchestrator.spec.schema import SCHEMA_PATH, schema_text

__all__ = ["expected_files", "generate_all"]


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
        files[readme] = lambda: update_readme(readme.read_text())
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
