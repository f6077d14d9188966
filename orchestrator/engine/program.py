"""A ``StartAt`` + ``States`` graph and the loop that moves through it.

Contract
--------
:class:`Program` is the machine, a Parallel branch or a Map item processor. ``run(strand, input)``
executes states from ``StartAt`` until one has no next state and returns that state's output,
or raises ``StatesError`` (a Fail state, an uncaught error). Between states it checks the
strand's cancel scope, the execution's deadline and (every 512 states) an Express execution's
wall-clock limit.

The program knows its states only as :class:`Step` (``execute(strand, input) -> (output,
next)``), so it does not depend on the state types (they depend on it).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Protocol

from orchestrator.engine.clock import ExecutionTimedOut
from orchestrator.engine.execution import Strand

__all__ = ["Program", "Step"]

_WALL_CHECK_EVERY = 512


class Step(Protocol):
    """What a program needs of a state."""

    def execute(self, strand: Strand, raw_input: Any) -> tuple[Any, str | None]: ...


class Program:
    """A ``StartAt`` + ``States`` graph."""

    __slots__ = ("start_at", "states", "where")

    def __init__(self, start_at: str, states: Mapping[str, Step], where: str) -> None:
        self.start_at = start_at
        self.states = states
        self.where = where

    def run(self, strand: Strand, value: Any) -> Any:
        states = self.states
        state = states[self.start_at]
        deadline = strand.timeline.deadline
        cancel = strand.cancel
        wall_deadline = strand.ex.wall_deadline
        steps = 0
        while True:
            cancel.check()
            if deadline is not None:
                strand.timeline.check_deadline()
            if wall_deadline is not None:
                steps += 1
                if steps % _WALL_CHECK_EVERY == 0 and time.monotonic() >= wall_deadline:
                    raise ExecutionTimedOut()
            value, nxt = state.execute(strand, value)
            if nxt is None:
                return value
            state = states[nxt]
