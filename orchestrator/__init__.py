"""flowctl's library: flows as data, compiled to Amazon States Language, run locally or on AWS.

The public entry point for running any state machine locally::

    >>> from orchestrator import run_state_machine
    >>> run_state_machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, {"a": 1}).output
    {'a': 1}
"""

from __future__ import annotations

from typing import Any

from orchestrator.errors import FlowctlError

__all__ = ["FlowctlError", "run_state_machine", "__version__"]

__version__ = "0.1.0"


def run_state_machine(definition: dict[str, Any] | str, input: Any = None, **options: Any) -> Any:
    """Run an ASL ``definition`` with ``input`` on the local engine and return its result.

    The result has ``.status`` (SUCCEEDED/FAILED/TIMED_OUT/ABORTED), ``.output``, ``.error``,
    ``.cause`` and ``.history``. An invalid definition raises ``AslDefinitionError``.
    Options are passed to :class:`orchestrator.engine.Engine` (clock, handlers, mocks, ...).
    """
    from orchestrator.engine import run_state_machine as _run

    return _run(definition, input, **options)
