"""The node functions of a project and their typed contracts (``functions/<name>/app.py``).

A function's contract is read by importing its module and looking at ``lambda_handler.contract``
(set by ``@node``, see :mod:`orchestrator.runtime.contract`). A module that cannot be imported
gives a :class:`FunctionInfo` with ``error`` set and no schemas: callers then accept what they
cannot type rather than guess. Results are cached per file and modification time.
"""

from __future__ import annotations

import ast
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.flowlang.project import Project
from orchestrator.flowlang.reads import note_function
from orchestrator.function_import import SHARED_PACKAGE, import_app

__all__ = ["FunctionInfo", "load_function", "load_functions"]

_CACHE: dict[tuple[Path, float], FunctionInfo] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class FunctionInfo:
    """What the catalog shows of a node function."""

    name: str
    description: str = ""
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None
    error: str | None = None
    path: Path | None = field(default=None, compare=False)

    @property
    def summary(self) -> str:
        """The first line of the description."""
        return self.description.strip().splitlines()[0] if self.description.strip() else ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "input": self.input_schema,
            "output": self.output_schema,
            **({"error": self.error} if self.error else {}),
        }


def _docstring(app: Path) -> str:
    try:
        return ast.get_docstring(ast.parse(app.read_text())) or ""
    except (OSError, SyntaxError, ValueError):
        return ""


def _import(app: Path) -> Any:
    return import_app(app, f"flowctl_contract_{app.parent.name}_{abs(hash(str(app.parent))):x}")


def _read(name: str, app: Path) -> FunctionInfo:
    from orchestrator.runtime.contract import contract_of

    description = _docstring(app)
    try:
        module = _import(app)
    except Exception as exc:
        return FunctionInfo(name, description, error=f"cannot import {app}: {type(exc).__name__}: {exc}", path=app)
    contract = contract_of(getattr(module, "lambda_handler", None))
    if contract is None:
        return FunctionInfo(name, description, path=app)
    try:
        return FunctionInfo(name, contract.description or description, contract.input_schema(), contract.output_schema(), path=app)
    except Exception as exc:  # a model pydantic cannot turn into a schema
        return FunctionInfo(name, description, error=f"cannot describe {name}: {exc}", path=app)


def load_function(project: Project, name: str) -> FunctionInfo | None:
    """The function ``name`` of ``project`` with its contract, or None when it has no app.py."""
    app = project.functions_dir / name / "app.py"
    note_function(app.parent, project.functions_dir / SHARED_PACKAGE)
    try:
        mtime = app.stat().st_mtime
    except OSError:
        return None
    key = (app.resolve(), mtime)
    with _LOCK:
        found = _CACHE.get(key)
        if found is None:
            found = _CACHE[key] = _read(name, app)
        return found


def load_functions(project: Project) -> list[FunctionInfo]:
    """Every node function of ``project`` (platform functions excluded), sorted by name."""
    return [info for name in project.function_names() if (info := load_function(project, name)) is not None]
