"""Test a flowctl project with pytest: run its flows on the local engine, invoke its functions.

Both work as ``flowctl run`` and ``sam local invoke`` do: the project is the one around the flow
(or around the current folder), and node functions run with the project root as their working
folder, so relative data paths mean the same thing in a test as on the command line.

Example (``tests/test_flows.py`` of a project made by ``flowctl init``)::

    from orchestrator.testing import invoke, run_flow

    def test_hello_greets():
        run = run_flow("hello", {"name": "Ada"})
        assert run.status == "SUCCEEDED"
        assert run.output == "Hello, Ada!"

    def test_greet_handles_its_sample_event():
        assert invoke("greet", "events/greet.json") == {"message": "Hello, Ada!"}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orchestrator.errors import FlowctlError
from orchestrator.local.workdir import project_workdir

__all__ = ["FlowRun", "find_project", "invoke", "run_flow"]

def find_project(start: Path | str | None = None) -> Path:
    """The project around ``start`` (default: the current folder): the first of it and its
    parents that holds ``flows/`` or ``.flowctl/``. Raises :class:`FlowctlError` outside one."""
    from orchestrator.flowlang.project import find_project_root

    folder = Path(start) if start is not None else Path.cwd()
    root = find_project_root(folder)
    if root is None:
        raise FlowctlError(f"no flowctl project at {folder.resolve()}: no folder there or above holds flows/")
    return root


class FlowRun:
    """The result of :func:`run_flow`: ``status``, ``output``, ``error``, ``cause``, ``run_id``."""

    def __init__(self, run: Any) -> None:
        self.run_id: str = run.run_id
        self.flow: str = run.flow
        self.status: str = run.status
        self.output: Any = run.output
        self.error: str | None = run.error
        self.cause: str | None = run.cause

    def __repr__(self) -> str:
        return f"FlowRun({self.flow!r}, status={self.status!r}, error={self.error!r})"


def _flow_path(flow: str | Path, project: Path | None) -> Path:
    path = Path(flow)
    if path.suffix in (".json", ".yaml", ".yml") and (path.is_file() or project is None):
        return path.resolve()
    from orchestrator.flowlang.project import Project

    root = project or find_project()
    found = Project(root).flow_path(str(flow))
    if found is None:
        raise FlowctlError(f"no flow '{flow}' in {root / 'flows'}")
    return found


def run_flow(
    flow: str | Path,
    params: dict[str, Any] | None = None,
    *,
    project: Path | str | None = None,
    mocks: dict[str, Any] | None = None,
    store_dir: Path | str | None = None,
) -> FlowRun:
    """Compile ``flow`` (a flow name of the project, or a flow file) and run it on the local
    engine with ``params``; return its :class:`FlowRun`. ``mocks`` are node results by node id
    (as ``flowctl run --mocks``). With ``store_dir`` the run is recorded in a run store there
    (``wait_for`` nodes need one); by default nothing is recorded."""
    from orchestrator.compiler import compile_flow_file
    from orchestrator.flowlang.project import Project
    from orchestrator.local.runner import LocalRunner

    root = Path(project).resolve() if project is not None else None
    path = _flow_path(flow, root)
    found = Project(root) if root is not None else Project.for_flow(path)
    compiled = compile_flow_file(path, found)
    store = None
    if store_dir is not None:
        from orchestrator.store.local import LocalRunStore

        Path(store_dir).mkdir(parents=True, exist_ok=True)
        store = LocalRunStore(Path(store_dir) / "runs.sqlite3")
    with project_workdir(found.root):
        return FlowRun(LocalRunner(found, store).run(compiled, params or {}, mocks=mocks))


def invoke(function: str, event: Any, *, project: Path | str | None = None) -> Any:
    """Call ``functions/<function>/app.py``'s ``lambda_handler`` with ``event`` (data, or the path
    of a JSON file such as ``events/<function>.json``, relative to the project) and a Lambda-like
    context, in the project root, as ``sam local invoke`` would; return what it returns. An
    exception of the handler propagates."""
    from orchestrator.engine.lambda_local import LambdaContext, LocalFunctions

    root = Path(project).resolve() if project is not None else find_project()
    if isinstance(event, (str, Path)):
        event_path = Path(event) if Path(event).is_absolute() else root / event
        event = json.loads(event_path.read_text())
    resolved = LocalFunctions(root / "functions", None, {}).resolve(function)
    if resolved is None:
        raise FlowctlError(f"no function '{function}': {root / 'functions' / function / 'app.py'} does not exist")
    _, handler = resolved
    context = LambdaContext(function, f"arn:aws:lambda:us-east-1:123456789012:function:{function}", None)
    with project_workdir(root):
        return handler(json.loads(json.dumps(event)), context)
