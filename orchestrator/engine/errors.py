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

__all__ = ["AslDefinitionError", "EngineError", "StatesError", "UnknownTaskTokenError"]


class EngineError(FlowctlError):
    """Base class of the engine's own errors (not of failures inside a running machine)."""


class AslDefinitionError(EngineError):
    """The state machine definition is invalid. ``where`` is the JSON pointer of the field
    (``/States/<name>/<Field>``), ``message`` what is wrong, ``code`` AWS's diagnostic code."""

    def __init__(self, message: str, where: str = "", code: str = "SCHEMA_VALIDATION_FAILED") -> None:
        at = f" at {where}" if where else ""
        super().__init__(f"Invalid State Machine Definition: '{code}: {message}{at}'")
        self.message = message
        self.where = where
        self.code = code


class UnknownTaskTokenError(EngineError):
    """``send_task_*`` was called with a token no running task waits for (AWS: TaskDoesNotExist)."""


class StatesError(Exception):
    """A failure inside a running state machine: ``error`` and ``cause`` as AWS reports them."""

    def __init__(self, error: str | None, cause: str | None = None) -> None:
        super().__init__(f"{error}: {cause}" if cause else str(error))
        self.error = error
        self.cause = cause
