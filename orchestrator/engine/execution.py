"""One running execution: its history and its strands (threads of control).

Contract
--------
* :class:`Execution` owns the history (a list of AWS-shaped event dicts, ids from 1, dense,
  in id order; strands append to it without a lock, see :meth:`Execution.event`), the
  static parts of the context object (``Execution.RedriveCount``: 0, or the round of a redrive;
  ``Execution.RedriveTime`` once redriven) and the root cancel scope. ``Execution.event``
  appends an event and hands it to the listener.
* :class:`Strand` is one thread of control (top level, a Parallel branch, a Map iteration): its
  timeline, its variable scope, the id of its last event (``previousEventId`` of the next) and
  the Map item it serves. ``fork`` makes the strand of a branch/iteration.

Event shape (as GetExecutionHistory, with ``timestamp`` in epoch seconds)::

    {"id": 2, "previousEventId": 1, "timestamp": 1700000000.0, "type": "PassStateEntered",
     "stateEnteredEventDetails": {"name": "P", "input": "{}", "inputDetails": {"truncated": false}}}
"""

from __future__ import annotations

import itertools
import operator
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from orchestrator.engine.clock import (
    CancelScope,
    Clock,
    HistoryLimitExceeded,
    Timeline,
)
from orchestrator.engine.scope import Variables
from orchestrator.engine.timestamps import format_timestamp

if TYPE_CHECKING:
    from orchestrator.engine.task_runner import TaskRunner

__all__ = [
    "EXPRESS_HISTORY_KEPT",
    "EXPRESS_MAX_SECONDS",
    "FINAL_EVENTS",
    "MAX_HISTORY_EVENTS",
    "NO_VALUE",
    "Execution",
    "Strand",
    "details_key",
]

MAX_HISTORY_EVENTS = 25_000
"""AWS's hard quota of history events of a Standard execution (the last one may only be the
execution's own end: a Standard execution that needs more fails with ``States.Runtime``)."""
EXPRESS_MAX_SECONDS = 300.0
"""An Express execution runs at most 5 minutes (it then times out, ``States.Timeout``)."""
EXPRESS_HISTORY_KEPT = 25_000
"""Express executions have no history quota; the engine keeps this many events in memory."""
FINAL_EVENTS = frozenset({"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"})
"""The events that end an execution (kept, and written, whatever the history limits)."""

class _NoValue:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()
"""What a value listener is given with an event that holds no JSON value (see :class:`Execution`)."""

_event_id = operator.itemgetter("id")
"""(C code: a sort by it runs whole under the GIL, no strand appends to the list meanwhile)"""

_DETAIL_KEYS: dict[str, str] = {}


def details_key(event_type: str) -> str:
    """``PassStateEntered`` -> ``stateEnteredEventDetails``; ``TaskScheduled`` ->
    ``taskScheduledEventDetails`` (AWS's naming)."""
    key = _DETAIL_KEYS.get(event_type)
    if key is None:
        if event_type.endswith("StateEntered"):
            key = "stateEnteredEventDetails"
        elif event_type.endswith("StateExited"):
            key = "stateExitedEventDetails"
        else:
            key = event_type[0].lower() + event_type[1:] + "EventDetails"
        _DETAIL_KEYS[event_type] = key
    return key


class Execution:
    """The shared state of one execution (all its strands)."""

    def __init__(
        self,
        *,
        name: str,
        arn: str,
        state_machine_arn: str,
        state_machine_name: str,
        role_arn: str,
        input: Any,
        start_time: float,
        clock: Clock,
        runner: TaskRunner,
        listener: Callable[[dict[str, Any]], None] | None,
        express: bool,
        value_listener: Callable[[dict[str, Any], Any], None] | None = None,
        record_history: bool = True,
        redrive_count: int = 0,
        redrive_time: float | None = None,
        max_history_events: int | None = MAX_HISTORY_EVENTS,
        wall_limit_seconds: float | None = None,
    ) -> None:
        self.name = name
        self.arn = arn
        self.input = input
        self.start_time = start_time
        self.clock = clock
        self.runner = runner
        self.listener = listener
        self.value_listener = value_listener
        """Like ``listener``, also given the value whose JSON text the event holds (a state's
        input or output, a task's parameters) as the engine has it, else :data:`NO_VALUE`: a
        listener that needs the values does not decode the text again. The value is the
        engine's own: it must not be changed."""
        self.express = express
        self.record_history = record_history
        self._events: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self.max_history_events = None if express else max_history_events
        self._id_limit = sys.maxsize if self.max_history_events is None else self.max_history_events
        """The first id an event that does not end the execution cannot have."""
        self._kept = EXPRESS_HISTORY_KEPT if express else sys.maxsize
        """The last id of an event kept in the history (but the execution's end)."""
        self.history_exceeded: HistoryLimitExceeded | None = None
        self.wall_deadline = time.monotonic() + wall_limit_seconds if wall_limit_seconds is not None else None
        self.lock = threading.Lock()
        """Taken only at the history limit (see :meth:`event`)."""
        self.cancel = CancelScope()
        execution: dict[str, Any] = {
            "Id": arn,
            "Input": input,
            "StartTime": format_timestamp(start_time),
            "Name": name,
            "RoleArn": role_arn,
        }
        if not express or redrive_count:
            execution["RedriveCount"] = redrive_count
        if redrive_count and redrive_time is not None:
            execution["RedriveTime"] = format_timestamp(redrive_time)
        self.context_execution = execution
        self.context_state_machine = {"Id": state_machine_arn, "Name": state_machine_name}

    @property
    def history(self) -> list[dict[str, Any]]:
        """The events kept, in id order. (Strands append them without a lock: an event may be
        appended after one with a greater id. Sorting a list sorted but for a few runs takes
        linear time, and runs whole under the GIL: no append happens during it.)"""
        self._events.sort(key=_event_id)
        return self._events

    def event(self, strand: Strand, event_type: str, details: dict[str, Any] | None, value: Any = NO_VALUE) -> int:
        """Append an event after ``strand``'s last one and hand it to the listeners; return its id.

        Ids are dense from 1, taken without a lock (``next`` of an ``itertools.count`` is one
        atomic step under the GIL): each strand's events get increasing ids, and every id
        below the history limit is an event kept. Only an event that reaches the limit takes
        :attr:`lock`: the first one fails the execution (``HistoryLimitExceeded``), later ones
        are dropped, and the execution's end gets the limit's id (the ids taken past it were
        dropped)."""
        event: dict[str, Any] = {
            "id": 0,
            "previousEventId": strand.prev,
            "timestamp": strand.timeline.now(),
            "type": event_type,
        }
        if details is not None:
            event[details_key(event_type)] = details
        eid = next(self._ids)
        if eid >= self._id_limit:
            eid = self._at_limit(event_type, eid)
            if not eid:
                return strand.prev  # the execution is failing: nothing more is written
        event["id"] = eid
        if self.record_history and (eid <= self._kept or event_type in FINAL_EVENTS):
            self._events.append(event)
        strand.prev = eid
        if self.listener is not None:
            self.listener(event)
        if self.value_listener is not None:
            self.value_listener(event, value)
        return eid

    def _at_limit(self, event_type: str, eid: int) -> int:
        """The id of an event whose id ``eid`` reaches the history limit, or 0 if it is
        dropped; raises for the first one that cannot be written."""
        limit = self._id_limit
        with self.lock:
            if event_type in FINAL_EVENTS:
                return eid if self.history_exceeded is None else limit
            if self.history_exceeded is None:
                self.history_exceeded = exceeded = HistoryLimitExceeded(limit)
                self.cancel.cancel(exceeded)
                raise exceeded
            return 0



class Strand:
    """One thread of control of an execution."""

    __slots__ = (
        "cancel", "ex", "isolated", "last_output", "map_index", "map_item", "prev", "timeline", "variables",
    )

    def __init__(
        self,
        ex: Execution,
        timeline: Timeline,
        variables: Variables,
        prev: int,
        cancel: CancelScope,
    ) -> None:
        self.ex = ex
        self.timeline = timeline
        self.variables = variables
        self.prev = prev
        self.cancel = cancel
        self.map_item: tuple[int, Any] | None = None
        self.map_index: tuple[int, ...] = ()
        """Indices of the Map iterations this strand runs in, outermost first."""
        self.isolated = False
        # (value, its JSON text) of the last state output: the next state's input text is free
        self.last_output: tuple[Any, str] | None = None

    def event(self, event_type: str, details: dict[str, Any] | None = None, value: Any = NO_VALUE) -> int:
        return self.ex.event(self, event_type, details, value)

    def fork(self, timeline: Timeline, cancel: CancelScope, isolated: bool = False) -> Strand:
        strand = Strand(self.ex, timeline, self.variables.child(isolated), self.prev, cancel)
        strand.isolated = isolated
        strand.map_index = self.map_index
        return strand

    def context(
        self,
        state_name: str,
        entered: float,
        retry_count: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The context object (``$$``) of a state entered at ``entered``."""
        state: dict[str, Any] = {"Name": state_name, "EnteredTime": format_timestamp(entered)}
        if retry_count is not None:
            state["RetryCount"] = retry_count
        ctx: dict[str, Any] = {
            "Execution": self.ex.context_execution,
            "StateMachine": self.ex.context_state_machine,
            "State": state,
        }
        if extra:
            ctx.update(extra)
        return ctx

    def check(self) -> None:
        """Raise if the strand was cancelled or the execution deadline passed."""
        self.cancel.check()
        if self.timeline.deadline is not None:
            self.timeline.check_deadline()
