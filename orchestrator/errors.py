"""The one error hierarchy of flowctl. Every error a user can cause derives from FlowctlError.

Every error has the same shape, keyword fields that callers read (never parse ``str(exc)``):

* ``message`` — what is wrong, in one sentence;
* ``where`` — where it is: a JSON pointer, a ``file:line:col``, a path or a state name ("" if nowhere);
* ``hint`` — what to do about it ("" if nothing useful can be said);
* ``problems`` — every finding when there are many (a validation reports all of them);
* ``code`` — a stable machine-readable name (AWS's diagnostic code, a States.* error name, ...).

``headline`` is the one line a CLI or an API shows first; ``str(exc)`` is the whole text
(a subclass may add detail lines, e.g. one line per problem).

Example::

    >>> err = FlowctlError("no such node", where="/nodes/a/after/0", hint="declare node 'b'")
    >>> err.headline
    '/nodes/a/after/0: no such node'
    >>> err.problems
    [Problem(where='/nodes/a/after/0', message='no such node', hint="declare node 'b'")]
"""

from __future__ import annotations

__all__ = ["FlowctlError", "Problem", "StrictJsonError", "headline"]

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in user input: where it is, what is wrong, and a hint to fix it."""

    where: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.where or '/'}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text


class FlowctlError(Exception):
    """Base class of every flowctl error: ``message``, ``where``, ``hint``, ``problems``, ``code``.

    When ``problems`` is not given and the error says where it is or what to do, the error is
    its own single problem, so an API body always carries the hint.
    """

    def __init__(
        self,
        message: str,
        *,
        where: str = "",
        hint: str = "",
        problems: Sequence[Problem] | None = None,
        code: str = "",
    ) -> None:
        self.message = message
        self.where = where
        self.hint = hint
        self.code = code
        if problems is None:
            problems = [Problem(where, message, hint)] if where or hint else []
        self.problems: list[Problem] = list(problems)
        super().__init__(self.render())

    @property
    def headline(self) -> str:
        """The first thing to show: ``where: message`` (or ``message`` when nowhere)."""
        return f"{self.where}: {self.message}" if self.where else self.message

    def render(self) -> str:
        """The whole text of the error, as ``str(exc)`` gives it."""
        return self.headline

    def __reduce__(self) -> tuple[object, ...]:  # keyword fields survive pickling (process pools)
        return (_rebuild, (type(self), self.__dict__.copy(), str(self)))


def headline(exc: BaseException) -> str:
    """What to show of any exception in one line: a flowctl error's ``headline``, else its text."""
    if isinstance(exc, FlowctlError):
        return exc.headline
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _rebuild(cls: type[FlowctlError], fields: dict[str, object], text: str) -> FlowctlError:
    error = cls.__new__(cls)
    Exception.__init__(error, text)
    error.__dict__.update(fields)
    return error


class StrictJsonError(FlowctlError, ValueError):
    """JSON text or a value that strict JSON rejects; ``where`` is its JSON pointer
    (raised by :mod:`orchestrator.strict_json`)."""

    @property
    def headline(self) -> str:
        return f"{self.where or '/'}: {self.message}"
