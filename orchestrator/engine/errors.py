"""Errors of the local ASL engine.

Two kinds, as in AWS:

* ``AslDefinitionError`` — the definition is invalid; raised before anything runs (like
  CreateStateMachine's validation). The message names the state and the field, in AWS's words:
  ``Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: <what> at /States/<S>/<Field>'``.
* ``StatesError`` — a runtime failure *as data*: an error name (``States.Runtime``,
  ``States.TaskFailed``, a Lambda's exception class, ...) and a cause text. Retry and Catch
  match on ``error``; an uncaught one fails the execution with the same error and cause.
"""

from __future__ import annotations

from orchestrator.errors import FlowctlError

__all__ = [
    "AslDefinitionError",
    "EngineError",
    "ExecutionError",
    "MockError",
    "StatesError",
    "UnknownTaskTokenError",
]


class EngineError(FlowctlError):
    """Base class of the engine's own errors (not of failures inside a running machine)."""


class AslDefinitionError(EngineError):
    """The state machine definition is invalid. ``where`` is the JSON pointer of the field
    (``/States/<name>/<Field>``), ``message`` what is wrong, ``code`` AWS's diagnostic code."""

    def __init__(self, message: str, where: str = "", code: str = "SCHEMA_VALIDATION_FAILED") -> None:
        super().__init__(message, where=where, code=code)

    @property
    def headline(self) -> str:
        at = f" at {self.where}" if self.where else ""
        return f"Invalid State Machine Definition: '{self.code}: {self.message}{at}'"


class ExecutionError(EngineError):
    """An execution could not be started (bad input, duplicate name, unknown execution)."""


class MockError(EngineError):
    """The mocks document is invalid (names the state and what is wrong)."""


class UnknownTaskTokenError(EngineError):
    """``send_task_*`` was called with a token no running task waits for (AWS: TaskDoesNotExist)."""


class StatesError(EngineError):
    """A failure inside a running state machine: ``error`` and ``cause`` as AWS reports them.

    In the common shape ``code`` is the error name and ``message`` the cause (or the name).
    """

    def __init__(self, error: str | None, cause: str | None = None) -> None:
        self.error = error
        self.cause = cause
        super().__init__(cause or str(error), code=error or "")

    @property
    def headline(self) -> str:
        return f"{self.error}: {self.cause}" if self.cause else str(self.error)
