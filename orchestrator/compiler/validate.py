"""Semantic validation of a flow: everything the JSON Schema cannot say.

:func:`check_flow` returns *every* problem (an empty list means valid); :func:`validate_flow_file`
loads a file and raises :class:`FlowValidationError` with all problems of the schema or, when the
schema passes, of the semantics. Problems carry a JSON pointer and a hint.

Checked (:class:`orchestrator.compiler.checker.Checker`, with each node kind's own checks from
its module in :mod:`orchestrator.compiler.kinds`): exactly one kind per node; references
(``after``, switch ``then``/``default``, ``catch``, sub-flows); cycles (with the cycle path); unreachable nodes (after ``fail``/``succeed``) and
misplaced handlers; ``uses`` functions without a ``functions/<name>/app.py``; JSONata syntax and
variables that no earlier node defines; EventBridge cron/rate and time zones; parameter defaults;
typed edges (:mod:`orchestrator.flowlang.typed_edges`): ``with`` against the function's input schema.
"""

from __future__ import annotations

from pathlib import Path

from orchestrator.compiler.checker import RESERVED_VARIABLES, Checker
from orchestrator.compiler.kinds import KINDS
from orchestrator.errors import Problem
from orchestrator.flowlang.errors import FlowValidationError
from orchestrator.flowlang.loader import load_flow
from orchestrator.flowlang.model import Flow
from orchestrator.flowlang.project import Project
from orchestrator.flowlang.reads import note_probe

__all__ = ["RESERVED_VARIABLES", "check_flow", "validate_flow_file"]


def check_flow(flow: Flow, project: Project | None = None) -> list[Problem]:
    """Every semantic problem of ``flow`` (``project`` enables the functions/ and flows/ checks)."""
    return Checker(flow, project, KINDS).run()


def _project_of(path: Path | str) -> Project:
    """The flow's project; a flow outside any ``flows/`` (e.g. ``docs/examples/``) uses the
    nearest parent folder holding ``functions/``, as git finds ``.git``."""
    project = Project.for_flow(path)
    note_probe(project.functions_dir)
    if project.functions_dir.is_dir():
        return project
    for folder in project.root.parents:
        note_probe(folder / "functions")
        if (folder / "functions").is_dir():
            return Project(folder)
    return project


def validate_flow_file(path: Path | str, project: Project | None = None) -> Flow:
    """Load and fully validate a flow file; raise FlowValidationError with all problems."""
    flow = load_flow(path)
    project = project or _project_of(path)
    problems = check_flow(flow, project)
    stem = Path(path).stem
    if stem != flow.name:
        problems.insert(0, Problem("/name", f"flow '{flow.name}' is in a file named '{stem}'"))
    if problems:
        raise FlowValidationError(where=str(path), problems=problems)
    return flow
