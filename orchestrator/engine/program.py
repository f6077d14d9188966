"""A ``StartAt`` + ``States`` graph and the loop that moves through it.

Contract
--------
:class:`Program` is the machine, a Parallel branch or a Map item processor. ``run(strand, input)``
executes states from ``StartAt`` until one has no next state and returns that state's output,
or raises ``StatesError`` (a Fail state, an uncaught error). Between states it checks the
strand's cancel scope, the execution's deadline and (every 512 states) an Express execution's
wall-clock limit.

The program knows its states only as :class:`Step` (``execute(strand, input) -> (output,
next)``), so it does not depend on the state types (they depend on it). :meth:`Program.strand`
is the same run as a generator that suspends where a Task calls a local handler, so that a
worker thread can run the handler itself (:mod:`orchestrator.engine.strands`).
"""

from __future__ import annotations

import time
from collections.abc import Generator, Mapping
from typing import Any, ClassVar, Protocol

from orchestrator.engine.clock import ExecutionTimedOut
from orchestrator.engine.execution import Strand
from orchestrator.engine.strands import StrandGen, Suspension, drive

__all__ = ["Program", "Step"]

_WALL_CHECK_EVERY = 512


class Step(Protocol):
    """What a program needs of a state."""

    suspends: ClassVar[bool]
    """True for a state that may call a local handler: the program runs it by
    :meth:`execute_strand`."""

    def execute(self, strand: Strand, raw_input: Any) -> tuple[Any, str | None]: ...

    def execute_strand(self, strand: Strand, raw_input: Any) -> Generator[Suspension, Any, tuple[Any, str | None]]: ...


class Program:
    """A ``StartAt`` + ``States`` graph."""

    __slots__ = ("start_at", "states", "where")

    def __init__(self, start_at: str, states: Mapping[str, Step], where: str) -> None:
        self.start_at = start_at
        self.states = states
        self.where = where

    def run(self, strand: Strand, value: Any) -> Any:
        """Run the states on this thread (a handler runs on a handler thread while it waits)."""
        return drive(self.strand(strand, value))

    def strand(self, strand: Strand, value: Any) -> StrandGen:
        """The run as a generator that suspends where a state calls a local handler (see
        :mod:`orchestrator.engine.strands`): its value is the output of the last state."""
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
            if state.suspends:
                value, nxt = yield from state.execute_strand(strand, value)
            else:
                value, nxt = state.execute(strand, value)
            if nxt is None:
                return value
            state = states[nxt]
