"""Execution history → step records and progress events, through the compiler's state → node map.

:class:`StepRecorder` is called with every history event of a run (the local engine's listener,
or a stored history replayed by the dashboard). Which node a state belongs to comes from the
map the compiler returned with the definition (:attr:`orchestrator.compiler.CompiledFlow.state_nodes`),
never from the state's name (names are cut at 80 characters).

A node's steps are recorded under its node path: ``fetch``; ``verify/check`` for a node of the
inlined sub-flow ``verify``; ``<node>/do`` for each item of a foreach or iteration of a while
(with its ``index``); a catch handler under its own id.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from orchestrator.compiler.build import BODY, FANOUT, HANDLER, LIMIT, NODE, SKIPPED, StateNode
from orchestrator.engine.execution import NO_VALUE, details_key
from orchestrator.engine.states.map_run import MAP_ITEMS_EVENT
from orchestrator.local.failures import failure_headline
from orchestrator.store.models import Step

__all__ = ["NodeEvent", "StepRecorder", "StepSink", "iso_time", "maybe_json", "state_names", "step_names"]

BODY_STEP = "/do"
"""Suffix of the step path of a foreach item or a while iteration (``<node>/do``)."""


class StepSink(Protocol):
    """Where a recorder writes steps: a :class:`~orchestrator.store.base.RunStore`, or a list."""

    def record_step(self, step: Step) -> None: ...


@dataclass
class NodeEvent:
    """A change of one node, for progress displays: status RUNNING/SUCCEEDED/FAILED/SKIPPED/RETRY,
    BREAKPOINT for the node a ``break_at`` run stopped before, or PROGRESS (a foreach's counters
    changed)."""

    node: str
    status: str
    index: int | None = None
    attempt: int = 0
    detail: str = ""
    counters: dict[str, int] | None = None
    """For status PROGRESS: a foreach's progress counters (succeeded, failed, total)."""



def step_names(state_nodes: Mapping[str, StateNode]) -> tuple[dict[str, str], dict[str, str]]:
    """(state → step path of the states that record steps, state → node of the states that mark
    a node skipped). Plumbing states record nothing."""
    steps: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for state, owner in state_nodes.items():
        if owner.role in (NODE, HANDLER, LIMIT):
            steps[state] = owner.node
        elif owner.role == BODY:
            steps[state] = owner.node + BODY_STEP
        elif owner.role == SKIPPED:
            skipped[state] = owner.node
    return steps, skipped


def state_names(state_nodes: Mapping[str, StateNode]) -> dict[str, str]:
    """Step path → the state that runs it (a node's own state, a foreach's or while's body): for
    mocks and redrive replays given by node."""
    found: dict[str, str] = {}
    for state, owner in state_nodes.items():
        if owner.role == NODE:
            found[owner.node] = state
        elif owner.role == BODY:
            found[owner.node + BODY_STEP] = state
    return found


def maybe_json(text: Any) -> Any:
    """``text`` parsed as JSON when it is a JSON string, else as it is."""
    if isinstance(text, str):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text


class StepRecorder:
    """Turns engine history events into step records (of redrive round ``redrive``) and progress
    events. Nodes in ``replayed`` return the output recorded in an earlier round without running:
    as in AWS, a redrive does not run them again, so they get no step of this round."""

    def __init__(self, run_id: str, store: StepSink | None, on_node: Callable[[NodeEvent], None] | None,
                 state_nodes: Mapping[str, StateNode], redrive: int = 0, replayed: frozenset[str] = frozenset(),
                 params: Any = None, replayed_items: frozenset[tuple[str, int]] = frozenset()) -> None:
        self.run_id = run_id
        self.step_names, self.skipped = step_names(state_nodes)
        self.fanouts = {state: owner.node for state, owner in state_nodes.items() if owner.role == FANOUT}
        """State → node of the Maps of foreach nodes whose own state is a Parallel around the Map."""
        self.params = params
        self.store = store
        self.on_node = on_node
        self.redrive = redrive
        self.replayed = replayed
        self.replayed_items = replayed_items
        self.replaying = bool(replayed or replayed_items)
        self.lock = threading.Lock()
        self.open: dict[tuple[str, int], dict[str, Any]] = {}
        self.by_event: dict[int, tuple[str, int]] = {}
        """The last event of each open state → (its step path, the id of its StateEntered)."""
        self.outputs: dict[str, Any] = {}
        """Output of every top-level node that finished (None for a skipped one)."""
        self.stopped: str | None = None
        """The node a breakpoint stopped before: its later events are not recorded."""
        self.map_started: Callable[[tuple[str, int], dict[str, Any]], None] | None = None
        """Called with the (step path, entered id) of a node's Map and the event when it starts
        (``MapStateStarted``), and when the engine tells how many items a batching Map has
        (its listener-only ``MAP_ITEMS_EVENT``)."""

    def stop_at(self, node: str) -> None:
        """Show ``node`` as stopped at a breakpoint and record nothing more of it."""
        with self.lock:
            self.stopped = node
        if self.on_node is not None:
            self.on_node(NodeEvent(node, "BREAKPOINT"))

    def emit(self, event: NodeEvent) -> None:
        if self.on_node is not None and event.node != self.stopped:
            with self.lock:  # strands record concurrently; a progress display takes one at a time
                self.on_node(event)

    def __call__(self, event: dict[str, Any], value: Any = NO_VALUE) -> None:
        """Take one history event; ``value`` is the value behind its JSON text when the engine
        gives it (an engine's ``value_listener``), so that text is not decoded again.

        Strands call it concurrently, without a lock: each open state's record and the place of
        its last event are only touched by the strand that runs it (dict operations are atomic),
        and progress events are emitted one at a time."""
        kind = event["type"]
        try:
            handle = _HANDLERS[kind]
        except KeyError:
            if kind == MAP_ITEMS_EVENT:  # not a history event (rare: never in the table)
                _on_notice(self, event, value)
                return
            handle = _HANDLERS[kind] = _handler(kind)
        handle(self, event, value)

    def _entered(self, event: dict[str, Any], value: Any) -> None:
        details = event.get("stateEnteredEventDetails") or {}
        name = details.get("name", "")
        node = self.step_names.get(name)
        if node is None:
            skipped = self.skipped.get(name)
            if skipped is not None:
                self.outputs.setdefault(skipped, None)
                self._store(Step(self.run_id, skipped, "SKIPPED"))
                self.emit(NodeEvent(skipped, "SKIPPED"))
            elif self.fanouts:
                # A foreach's Map inside the node's Parallel: no step, but its events lead to the
                # node (its MapStateStarted counts the items).
                owner = self.fanouts.get(name)
                if owner is not None:
                    self.by_event[event["id"]] = (owner, event["id"])
            return
        eid = event["id"]
        key = (node, eid)
        self.by_event[eid] = key
        # The input (as text, parsed when it is recorded, unless the engine gave its value): a
        # function's input replaces it.
        started = event["timestamp"] if "timestamp" in event else time.time()
        if value is NO_VALUE:
            self.open[key] = {"started": started, "attempt": 0, "index": None, "input_text": details.get("input")}
        else:
            self.open[key] = {"started": started, "attempt": 0, "index": None, "input": value}
        if self.on_node is not None:
            self.emit(NodeEvent(node, "RUNNING"))

    def _scheduled(self, event: dict[str, Any], value: Any) -> None:
        by_event = self.by_event
        key = by_event.pop(event.get("previousEventId", -1), None)
        if key is None:
            return
        by_event[event["id"]] = key
        text = (event.get("taskScheduledEventDetails") or {}).get("parameters")
        if text is None:
            return
        params = maybe_json(text) if value is NO_VALUE else value
        payload = params.get("Payload") if isinstance(params, dict) else None
        if not isinstance(payload, dict):
            return
        context = payload.get("context")
        if not isinstance(context, dict):
            return
        node = key[0]
        record = self.open.get(key)
        if record is None:
            return
        attempt = context.get("attempt") or 0
        if type(attempt) is not int:
            attempt = int(attempt)
        record.pop("failed", None)  # a new attempt: an earlier failure was retried
        if attempt > record["attempt"]:
            self.emit(NodeEvent(node, "RETRY", record.get("index"), attempt))
        record["attempt"] = attempt
        index = context.get("index")
        record["index"] = index if isinstance(index, int) else None
        record["input"] = payload.get("input")
        record.pop("input_text", None)
        # The payload, for `flowctl events sample`: its params only where they are not the run's own
        # (a sub-flow's), so the run's parameters are not copied into every step.
        given = payload.get("params")
        record["payload"] = {"context": context, "params": given} if given != self.params else {"context": context}
        if "token" in payload and "event" in payload:  # a wait_for node, parked on the waiter
            self.emit(NodeEvent(node, "RUNNING", record["index"], attempt,
                                detail=f"waiting for event {payload['event']!r}, key {payload.get('key')!r}"))

    def _failed(self, key: tuple[str, int], details: dict[str, Any]) -> None:
        error, cause = details.get("error"), details.get("cause")
        record = self.open.get(key)
        if record is None:
            return
        started = float(record["started"])
        record["failed"] = (error, cause)
        self._store(Step(self.run_id, key[0], "FAILED", record.get("index") or 0, record["attempt"],
                         output={"input": _input(record), **record.get("payload", {})}, error=error, cause=cause,
                         started_at=iso_time(started)))
        self.emit(NodeEvent(key[0], "FAILED", record.get("index"), record["attempt"], failure_headline(error, cause)))

    def _exited(self, event: dict[str, Any], value: Any) -> None:
        # The state is done: its events lead nowhere now.
        key = self.by_event.pop(event.get("previousEventId", -1), None)
        if key is None:
            return
        node = key[0]
        record = self.open.pop(key, None)
        if record is None:
            return
        started = record["started"]
        if type(started) is not float:
            started = float(started) if isinstance(started, (int, float)) else time.time()
        stopped = event["timestamp"] if "timestamp" in event else time.time()
        if type(stopped) is not float:
            stopped = float(stopped)
        output = value if value is not NO_VALUE else maybe_json((event.get("stateExitedEventDetails") or {}).get("output"))
        if "/" not in node:  # a top-level node (not one item or iteration of a loop)
            self.outputs[node] = output
        failed = record.get("failed")
        if failed is not None:
            # Its last attempt failed and a catch (or on_error: continue) handled it: the node
            # stays FAILED with its error; the output is what the catch passed on.
            error, cause = failed
            self._store(Step(
                self.run_id, node, "FAILED", record.get("index") or 0, record["attempt"],
                started_at=iso_time(started), stopped_at=iso_time(stopped), duration_ms=int((stopped - started) * 1000),
                output={"input": _input(record), "output": output, "caught": True, **record.get("payload", {})},
                error=error, cause=cause,
            ))
            return
        step_output = {"input": _input(record), "output": output}
        payload = record.get("payload")
        if payload is not None:
            step_output.update(payload)
        # (positional: a foreach records a step per item, and keywords cost more to bind)
        self._store(Step(self.run_id, node, "SUCCEEDED", record["index"] or 0, record["attempt"], iso_time(started),
                         iso_time(stopped), int((stopped - started) * 1000), step_output))
        if self.on_node is not None:
            self.emit(NodeEvent(node, "SUCCEEDED", record.get("index"), record["attempt"]))

    def _store(self, step: Step) -> None:
        if self.store is not None and step.node != self.stopped and (
                not self.replaying or (step.node not in self.replayed and (step.node, step.index) not in self.replayed_items)):
            step.redrive = self.redrive
            self.store.record_step(step)



# What the recorder does with each kind of event. The events of one state follow each other
# (previousEventId) from its StateEntered: each takes over its predecessor's place, so only the
# last event of each open state is known. (Only a Map's or Parallel's start precedes several
# events: its iterations' and branches' first events, which are never followed here.)


def _on_notice(recorder: StepRecorder, event: dict[str, Any], value: Any) -> None:
    """The engine's listener-only notice (a batching Map's item count): not a history event."""
    key = recorder.by_event.get(event.get("previousEventId", -1))
    if key is not None and recorder.map_started is not None:
        recorder.map_started(key, event)


def _follow(recorder: StepRecorder, event: dict[str, Any]) -> tuple[str, int] | None:
    """The open state ``event`` is the next event of (it takes its predecessor's place), or None."""
    by_event = recorder.by_event
    key = by_event.pop(event.get("previousEventId", -1), None)
    if key is not None:
        by_event[event["id"]] = key
    return key


def _on_iteration(recorder: StepRecorder, event: dict[str, Any], value: Any) -> None:
    """An inline Map's iteration begins or ends: no state's own event."""


def _on_other(recorder: StepRecorder, event: dict[str, Any], value: Any) -> None:
    """Another event of an open state (a task's start, success...): :func:`_follow`, inlined (two
    events of every task)."""
    by_event = recorder.by_event
    key = by_event.pop(event.get("previousEventId", -1), None)
    if key is not None:
        by_event[event["id"]] = key


def _on_failed(recorder: StepRecorder, event: dict[str, Any], value: Any) -> None:
    key = _follow(recorder, event)
    if key is not None:
        recorder._failed(key, _details(event, event["type"]))


def _on_map_started(recorder: StepRecorder, event: dict[str, Any], value: Any) -> None:
    key = _follow(recorder, event)
    if key is not None and recorder.map_started is not None:
        recorder.map_started(key, event)


_Handler = Callable[[StepRecorder, dict[str, Any], Any], None]
_FAILURES = frozenset({"TaskFailed", "TaskTimedOut", "LambdaFunctionFailed", "LambdaFunctionTimedOut"})
_HANDLERS: dict[str, _Handler] = {}
"""Event type → what the recorder does with it."""


def _handler(kind: str) -> _Handler:
    if kind.endswith("StateEntered"):
        return StepRecorder._entered
    if kind == "TaskScheduled":
        return StepRecorder._scheduled
    if kind == "MapStateStarted":
        return _on_map_started
    if kind.endswith("StateExited"):
        return StepRecorder._exited
    if kind.startswith("MapIteration"):
        return _on_iteration
    return _on_failed if kind in _FAILURES else _on_other


def _details(event: dict[str, Any], kind: str) -> dict[str, Any]:
    """The event's details (under the key the engine names them by: AWS's naming), or ``{}``."""
    return event.get(details_key(kind)) or {}


def _input(record: dict[str, Any]) -> Any:
    """The input of an open state's record (its entered input, parsed on first use)."""
    if "input_text" in record:
        record["input"] = maybe_json(record.pop("input_text"))
    return record.get("input")


_last_second: tuple[int, str] = (-1, "")
"""The last whole second :func:`iso_time` formatted, and its text (steps come many a second)."""
_MILLISECONDS = tuple(f".{ms:03d}Z" for ms in range(1000))
"""The text after the second: ``.000Z`` to ``.999Z``."""


def iso_time(epoch: float) -> str:
    """``epoch`` as an ISO 8601 UTC time with milliseconds (``2026-01-02T03:04:05.678Z``): the
    text of ``datetime.fromtimestamp(epoch, UTC)`` (microseconds rounded half to even, then
    cut to milliseconds; tested), with the date and time of the second formatted once per
    second."""
    global _last_second
    if epoch < 0:
        return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    whole = int(epoch)
    # The microseconds rounded half up (round() is a call): unlike half to even, an even number
    # and a half goes up by one, to an odd number, never a new millisecond or second. (Adding
    # 0.5 is exact but where the sum reaches a power of two, no whole millisecond either.)
    micro = int((epoch - whole) * 1e6 + 0.5)  # (a float less its whole part is exact)
    if micro >= 1_000_000:
        whole, micro = whole + 1, micro - 1_000_000
    second, text = _last_second
    if second != whole:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
        _last_second = (whole, text)
    return text + _MILLISECONDS[micro // 1000]
