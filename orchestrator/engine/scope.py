"""Variables and the evaluation environment of one state.

Contract
--------
* :class:`Variables` — one scope of workflow variables (``Assign``). A Parallel branch or Map
  iteration gets a child scope: it reads the outer scopes and writes only its own. A
  distributed Map's child scope does not see the outer scopes (as in AWS).
  ``read(name)`` raises KeyError for an unset variable.
  Assignments are applied with ``assign(values)`` after the state has evaluated everything
  it reads, so every reference in a state sees the values from when the state was entered.
* :class:`Env` — what expressions of one state can see: the input, the variables, the context
  object (built lazily), the result (``$states.result``) and the error output
  (``$states.errorOutput``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Env", "Variables"]


class Variables:
    __slots__ = ("parent", "read", "values")

    def __init__(self, parent: Variables | None = None) -> None:
        self.parent = parent
        self.values: dict[str, Any] = {}  # updated in place, never replaced (see ``read``)
        self.read: Callable[[str], Any] = self.values.__getitem__ if parent is None else _reader(self.values, parent)
        """The value of a variable, from this scope or the nearest outer one that has it (KeyError
        when none has): a scope with no parent reads its own dict."""

    def child(self, isolated: bool = False) -> Variables:
        return Variables(None if isolated else self)

    def assign(self, values: Mapping[str, Any]) -> None:
        self.values.update(values)

    def snapshot(self) -> dict[str, Any]:
        """All visible variables (outer scopes first, inner ones win)."""
        chain: list[Variables] = []
        scope: Variables | None = self
        while scope is not None:
            chain.append(scope)
            scope = scope.parent
        out: dict[str, Any] = {}
        for s in reversed(chain):
            out.update(s.values)
        return out


def _reader(values: dict[str, Any], parent: Variables) -> Callable[[str], Any]:
    """``read`` of a child scope: its own values, then its parent's (holding no reference to
    the child, so a scope is freed without the garbage collector)."""
    outer = parent.read

    def read(name: str) -> Any:
        if name in values:
            return values[name]
        return outer(name)

    return read


_NO_RESULT: Any = object()


class Env:
    """The environment expressions of one state are evaluated in."""

    __slots__ = ("_context", "_context_fn", "error_output", "input", "memo", "result", "variables")

    def __init__(self, input: Any, variables: Variables, context_fn: Callable[[], dict[str, Any]]) -> None:
        self.input = input
        self.variables = variables
        self._context_fn = context_fn
        self._context: dict[str, Any] | None = None
        self.result: Any = _NO_RESULT
        self.error_output: Any = _NO_RESULT
        self.memo: tuple[Any, Any] | None = None  # a value computed once for the state (see states.base)

    def context(self) -> dict[str, Any]:
        if self._context is None:
            self._context = self._context_fn()
        return self._context

    def with_input(self, value: Any) -> Env:
        env = Env(value, self.variables, self._context_fn)
        env._context = self._context
        return env

    def states(self, with_context: bool) -> dict[str, Any]:
        """The ``$states`` object of JSONata."""
        states: dict[str, Any] = {"input": self.input}
        if with_context:
            states["context"] = self.context()
        if self.result is not _NO_RESULT:
            states["result"] = self.result
        if self.error_output is not _NO_RESULT:
            states["errorOutput"] = self.error_output
        return states
