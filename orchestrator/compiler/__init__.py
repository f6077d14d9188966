"""Compile a validated flow into an ASL state machine, choose its type, and report its cost.

Example::

    >>> from orchestrator.compiler import compile_flow_file
    >>> compiled = compile_flow_file("flows/liteflow-hello.json")   # doctest: +SKIP
    >>> compiled.type, sorted(compiled.substitutions)                # doctest: +SKIP
    ('EXPRESS', ['HelloFunctionArn'])

Output is deterministic: :func:`asl_text` of the same flow gives the same bytes.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orchestrator.compiler.asl import StateNode
    from orchestrator.compiler.compiled import (
        CompiledFlow,
        asl_text,
        compile_flow,
        compile_flow_file,
        project_loader,
    )
    from orchestrator.compiler.errors import CompileError

__all__ = ["CompileError", "CompiledFlow", "StateNode", "asl_text", "compile_flow", "compile_flow_file", "project_loader"]

_HOMES = {"CompileError": "errors", "StateNode": "build"}
"""Where each name lives (``compiled`` unless named here). The package imports nothing itself, so
that its light modules (``build``: the state → node roles the local recorder reads) do not load
the compiler and the flow models."""


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_HOMES.get(name, 'compiled')}"), name)
    globals()[name] = value
    return value
