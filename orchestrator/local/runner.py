"""Run a flow locally: compile it, run the ASL on the local engine with the project's functions
in-process, record the run and every node in the embedded store, and deliver external events.

Contract
--------
* :meth:`LocalRunner.run` validates the parameters (every problem at once), creates the run
  record (status RUNNING), runs the engine with a real clock, records each node's input, output,
  error, attempt and timing as steps, and finishes the run record; it returns a
  :class:`LocalRun` (``run_id``, ``status``, ``output``, ``error``, ``cause``).
* ``wait_for`` nodes call the waiter locally: the token is registered in the store under
  (event, key); a poller thread hands any buffered event for it to the engine. ``flowctl events
  publish`` (another process) buffers events in the same store, so an event published before the
  run reaches the node is delivered when it gets there, exactly once.
* ``break_at``: the run stops before that node and :attr:`LocalRun.breakpoint` holds the data
  the node would have received (``input`` for a node that calls a function; for a ``set`` or
  other expression node, ``variables``: ``$params`` and the outputs of the nodes before it); the
  node's function is not called (no side effects), and progress shows it as ``BREAKPOINT``.
* ``flowctl runs cancel`` (another process) records the run ABORTED; the poller sees it and stops
  the engine (as StopExecution), the run ends ABORTED with ``flowctl.Cancelled``.
* Ctrl-C (``KeyboardInterrupt``; the CLI turns SIGTERM and SIGHUP into one) stops the engine: the run is recorded ABORTED
  (``Flow.Interrupted``), its waiters are dropped (a later event is buffered, not sent to it) and
  the result has ``interrupted`` set; ``flowctl redrive`` resumes it.
* Steps are attributed to nodes through the state → node map the compiler returned with the
  definition (:attr:`CompiledFlow.state_nodes`, see :mod:`orchestrator.local.recorder`); mocks,
  replayed outputs and ``break_at`` are given by node and reach their states through it too.
* A node that called a function records, with its input and output, the ``context`` of the
  payload it received, and its ``params`` when they are not the run's (a sub-flow's): with the
  run's input that is the payload, which ``flowctl events sample`` writes as an event.
* ``replay``: node outputs (by node id) to reuse instead of calling the functions again —
  used by ``flowctl redrive`` with ``redrive_of`` (the failed run): the run becomes redrive round
  ``redrive_of.redrive_count + 1`` (``Execution.RedriveCount`` in the context object), and its
  steps are recorded as that round next to the earlier rounds' (replayed nodes get none).
  ``replay_items`` does the same per item of a foreach (``(node path, index)`` → output): only
  the failed and not-started items run again, as AWS redrives a Map.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from orchestrator.constants import DEFAULT_FUNCTION_TIMEOUT_SECONDS
from orchestrator.engine.states.map import MAP_ITEMS_EVENT
from orchestrator.errors import FlowctlError
from orchestrator.flowlang.params import resolve_params
from orchestrator.flowlang.project import Project
from orchestrator.local.offloaded import explain_offloaded_read
from orchestrator.local.recorder import NodeEvent, StepRecorder, iso_time, maybe_json, state_names
from orchestrator.runtime.fanout import register_store
from orchestrator.store.base import RunStore
from orchestrator.store.models import CANCEL_ERROR, Run, RunStatus

if TYPE_CHECKING:  # a run from the compile cache loads neither the compiler nor the flow models
    from orchestrator.compiler import CompiledFlow
    from orchestrator.flowlang.model import Flow
    from orchestrator.local.compile_cache import CachedCompile

__all__ = ["LocalRun", "LocalRunner", "NodeEvent", "new_run_id"]

POLL_SECONDS = 0.2
STOP_GRACE_SECONDS = 5.0
"""How long an interrupted run's engine gets to wind down before the run is recorded anyway."""
INTERRUPTED_ERROR = "Flow.Interrupted"
INTERRUPTED_CAUSE = "interrupted (Ctrl-C)"


def new_run_id(flow: str) -> str:
    """A readable, unique execution name: ``<flow>-<UTC time>-<6 hex>`` (≤ 80 characters)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{flow[:50]}-{stamp}-{uuid.uuid4().hex[:6]}"


@dataclass
class LocalRun:
    run_id: str
    flow: str
    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None
    breakpoint: dict[str, Any] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False
    redrivable: bool = True
    """False for a run of an Express flow: Step Functions cannot redrive those."""


def _item_replay(outputs: dict[tuple[str, int], Any], recorder: StepRecorder) -> Callable[[str, Any, tuple[int, ...]], Any]:
    """The engine's replay hook for a redrive: the task of a foreach item (or a loop iteration)
    that succeeded in an earlier round returns its recorded output instead of running again —
    as AWS reruns only the failed and not-started iterations of a Map."""

    def replay(state: str, payload: Any, map_index: tuple[int, ...]) -> Any:
        inner = payload.get("Payload") if isinstance(payload, dict) else None
        context = inner.get("context") if isinstance(inner, dict) else None
        index = context.get("index") if isinstance(context, dict) else None
        node = recorder.step_names.get(state)
        if node is None or not isinstance(index, int) or isinstance(index, bool):
            return None
        key = (node, index)
        return {"payload": outputs[key]} if key in outputs else None

    return replay


class _CountingStore:
    """The run store as the node functions of a local run see it: every progress counter change
    is also shown live (a PROGRESS node event)."""

    def __init__(self, store: RunStore, emit: Callable[[NodeEvent], None]) -> None:
        self._store = store
        self._emit = emit

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def add_progress(self, run_id: str, node: str, counters: Any) -> dict[str, int]:
        found = self._store.add_progress(run_id, node, counters)
        self._emit(NodeEvent(node, "PROGRESS", counters=found))
        return found

    def count_progress(self, run_id: str, node: str, counters: Any) -> None:
        self.add_progress(run_id, node, counters)  # (the display shows the counters)

    def set_progress_total(self, run_id: str, node: str, total: int) -> dict[str, int]:
        found = self._store.set_progress_total(run_id, node, total)
        self._emit(NodeEvent(node, "PROGRESS", counters=found))
        return found


def _restart_counters(store: RunStore, run_id: str, flow: Any, replayed: frozenset[str],
                      replayed_items: frozenset[tuple[str, int]]) -> None:
    """A local redrive runs a foreach's failed and not-started items again and replays the ones
    that succeeded without calling them: its counters restart from what is replayed — succeeded
    = the replayed items, failed = 0 (atomic adds of the differences); total stays."""
    for node_id, node in flow.nodes.items():
        if node.foreach is None or node_id in replayed:
            continue
        counters = store.get_progress(run_id, node_id)
        kept = sum(1 for path, _ in replayed_items if path.split("/", 1)[0] == node_id)
        undo = {"succeeded": kept - counters.get("succeeded", 0), "failed": -counters.get("failed", 0)}
        undo = {name: value for name, value in undo.items() if value}
        if undo:
            store.add_progress(run_id, node_id, undo)


class _Waiters:
    """Local stand-in for the waiter and event_router functions (same store contract)."""

    def __init__(self, store: RunStore, run_id: str) -> None:
        self.store = store
        self.run_id = run_id
        self.pending: dict[str, tuple[str, str]] = {}
        self.engine: Any = None
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._poll, name="flowctl-events", daemon=True)

    def handler(self, payload: dict[str, Any], context: Any) -> dict[str, Any]:
        token, event, key = payload["token"], payload["event"], str(payload["key"])
        node = (payload.get("context") or {}).get("node", "")
        timeout = int(payload.get("timeout") or 86400)
        self.store.register_waiter(event, key, run_id=self.run_id, node=node, token=token, expires_in=timeout)
        with self.lock:
            self.pending[token] = (event, key)
        return {"registered": True, "event": event, "key": key}

    def _poll(self) -> None:
        while not self.stop.wait(POLL_SECONDS):
            self._check_cancelled()
            with self.lock:
                pending = list(self.pending.items())
            for token, (event, key) in pending:
                buffered = self.store.take_buffered_event(event, key)
                if buffered is None:
                    continue
                with self.lock:
                    self.pending.pop(token, None)
                self.store.take_waiters(event, key)
                # The task may have timed out meanwhile: the event is consumed either way.
                with contextlib.suppress(Exception):
                    self.engine.send_task_success(token, buffered.data)

    def _check_cancelled(self) -> None:
        """``flowctl runs cancel`` (another process) marks the run ABORTED: stop the engine."""
        run = self.store.get_run(self.run_id, steps=False)
        if run is not None and run.status == RunStatus.ABORTED and self.engine is not None:
            with contextlib.suppress(Exception):  # it may have just ended
                self.engine.stop(self.run_id, error=run.error or CANCEL_ERROR, cause=run.cause or "cancelled")

    def close(self, *, drop: bool = False) -> None:
        """Stop polling (once a check under way is done: the store may be closed next); with
        ``drop``, also delete the run's waiters still registered (a run that no longer waits
        must not be sent events)."""
        self.stop.set()
        if self.thread.ident is not None and self.thread is not threading.current_thread():
            self.thread.join(STOP_GRACE_SECONDS)
        if not drop:
            return
        with self.lock:
            pending = set(self.pending.values())
            self.pending.clear()
        for event, key in pending:
            self.store.drop_waiters(event, key, self.run_id)


class LocalRunner:
    """Runs compiled flows of a project on the local engine."""

    def __init__(self, project: Project, store: RunStore | None, *, on_node: Callable[[NodeEvent], None] | None = None,
                 clock: Any = None) -> None:
        self.project = project
        self.store = store
        self.on_node = on_node
        self.clock = clock

    def run(self, compiled: CompiledFlow | CachedCompile, params: dict[str, Any] | None, *, run_id: str | None = None,
            break_at: str | None = None, replay: dict[str, Any] | None = None, trigger: str = "local",
            redrive_of: Run | None = None, mocks: dict[str, Any] | None = None,
            replay_items: dict[tuple[str, int], Any] | None = None) -> LocalRun:
        from orchestrator.engine import Engine, RealClock

        flow = compiled.flow
        resolved = resolve_params(flow, params)
        if break_at is not None and break_at not in flow.nodes:
            raise FlowctlError(f"--break-at: '{break_at}' is not a node of {flow.name} (nodes: {', '.join(flow.nodes)})")
        run_id = run_id or new_run_id(flow.name)
        redrive = redrive_of.redrive_count + 1 if redrive_of is not None else 0
        if self.store is not None:
            if redrive_of is None:
                self.store.create_run(Run(run_id, flow.name, RunStatus.RUNNING, version=flow.version, input=resolved,
                                          trigger=trigger, started_at=iso_time(time.time())))
            else:
                self.store.update_run_status(run_id, RunStatus.RUNNING, redrive_count=redrive)
                _restart_counters(self.store, run_id, flow, frozenset(replay or {}), frozenset(replay_items or {}))
        recorder = StepRecorder(run_id, self.store, self.on_node, compiled.state_nodes, redrive,
                                frozenset(replay or {}), resolved, frozenset(replay_items or {}))
        handlers: dict[str, Any] = {}
        waiters = _Waiters(self.store, run_id) if self.store is not None else None
        if waiters is not None:
            handlers["WaiterFunctionArn"] = waiters.handler
        caught: dict[str, Any] = {}
        # Mocks and replayed outputs are given by node (or <foreach>/do); the engine mocks states.
        state_of = state_names(compiled.state_nodes)
        mocks = {state_of.get(node, node): mock for node, mock in (mocks or {}).items()}
        for node, output in (replay or {}).items():
            mocks[state_of.get(node, node)] = {"payload": output}
        if break_at is not None and flow.nodes[break_at].uses is not None:
            # The listener stops the run when the node's task is scheduled, but the task would
            # still call the function; this mock stands in for it, so nothing the node does
            # (a file written, an e-mail sent) happens. Its short delay is where the stop lands.
            mocks[state_of.get(break_at, break_at)] = {"error": "Flow.Breakpoint", "cause": f"stopped before {break_at}", "delay": 0.001}
        break_state = state_of.get(break_at) if break_at is not None else None
        engine_ref: dict[str, Any] = {}
        map_lengths: dict[int, int] = {}
        counted_nodes = frozenset(n for n, spec in flow.nodes.items() if spec.foreach is not None and spec.foreach.do.uses)
        counted: Any = _CountingStore(self.store, recorder.emit) if self.store is not None and self.on_node else self.store

        def map_started(key: tuple[str, int], event: dict[str, Any]) -> None:
            """A foreach starts: record how many items it has (its ``total`` progress counter),
            when its items are counted (a function body: ``@node`` counts them). Once, as in the
            cloud, where the first item writes it: a foreach run again by its node's Retry keeps
            its total."""
            if event["type"] == MAP_ITEMS_EVENT:  # a batching foreach: items, not batches, count
                batches = map_lengths.pop(event["previousEventId"], None)
                if batches is not None:  # the total just written counted batches
                    counted.add_progress(run_id, key[0], {"total": event["items"] - batches})
                return
            length = (event.get("mapStateStartedEventDetails") or {}).get("length")
            if key[0] not in counted_nodes or not isinstance(length, int):
                return
            if "total" in counted.get_progress(run_id, key[0]):
                return
            counted.set_progress_total(run_id, key[0], length)
            map_lengths[event["id"]] = length

        if counted is not None and redrive == 0:
            recorder.map_started = map_started

        def listener(event: dict[str, Any], value: Any) -> None:
            """The recorder, and the breakpoint's watch."""
            recorder(event, value)
            if break_at is None or caught:
                return
            details = event.get("taskScheduledEventDetails") or event.get("stateEnteredEventDetails") or {}
            name = details.get("name") or ""
            params_ = maybe_json(details.get("parameters")) if event["type"] == "TaskScheduled" else None
            if event["type"] == "TaskScheduled" and isinstance(params_, dict):
                context = (params_.get("Payload") or {}).get("context") or {}
                if context.get("node") == break_at:
                    caught.update({"node": break_at, "input": params_["Payload"].get("input"), "params": params_["Payload"].get("params")})
                    engine_ref["engine"].stop(run_id, error="Flow.Breakpoint", cause=f"stopped before {break_at}")
            elif event["type"].endswith("StateEntered") and name == break_state and flow.nodes[break_at].uses is None:
                # The state's input is the compiler's plumbing; the node reads flow variables
                # (a switch's own value is plumbing too: which targets it chose).
                from orchestrator.flowlang.graph import flow_graph

                full = cast("Flow", flow)  # runs with --break-at are compiled in full (not from the cache)
                before = {n for n in flow_graph(full).ancestors(break_at) if full.nodes[n].switch is None}
                variables = {"params": resolved} | {n: v for n, v in recorder.outputs.items() if n in before}
                caught.update({"node": break_at, "variables": variables})
                engine_ref["engine"].stop(run_id, error="Flow.Breakpoint", cause=f"stopped before {break_at}")
            if caught:
                recorder.stop_at(break_at)

        engine = Engine(
            compiled.definition,
            functions_dir=self.project.functions_dir,
            handlers=handlers,
            mocks=mocks or None,
            # (the bound method: calling the recorder object itself looks its __call__ up each time)
            value_listener=recorder.__call__ if break_at is None else listener,
            clock=self.clock or RealClock(),
            state_machine_type=compiled.type,
            name=flow.name,
            function_timeout=DEFAULT_FUNCTION_TIMEOUT_SECONDS,
            replay=_item_replay(replay_items, recorder) if replay_items else None,
        )
        engine_ref["engine"] = engine
        if waiters is not None:
            waiters.engine = engine
            waiters.thread.start()
        interrupted = False
        try:
            with register_store(run_id, counted):
                started = _Started(engine, run_id, resolved, timeout_seconds=flow.timeout, redrive_count=redrive)
                try:
                    result = started.wait()
                except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP turned into one
                    interrupted = True
                    result = started.interrupt(str(exc) or INTERRUPTED_CAUSE)
        finally:
            if waiters is not None:
                waiters.close(drop=interrupted)
        status = result.status
        if status == "FAILED" and result.error == "States.QueryEvaluationError":
            explained = explain_offloaded_read(result.cause, recorder.outputs)
            if explained is not None:
                result.cause = explained
        if self.store is not None:
            self.store.update_run_status(run_id, status, output=result.output, error=result.error, cause=result.cause,
                                         redrive_count=redrive)
        # (the engine's history: the recorder keeps none, a second list of up to 25,000 events
        # that the garbage collector would walk again and again)
        return LocalRun(run_id, flow.name, status, result.output, result.error, result.cause, caught or None,
                        result.history, interrupted, compiled.type != "EXPRESS")


class _Started:
    """``engine.start`` running in a worker thread, so the caller's thread stays free to take a
    Ctrl-C (``KeyboardInterrupt``) and stop the engine cleanly."""

    def __init__(self, engine: Any, run_id: str, value: Any, **options: Any) -> None:
        self.engine = engine
        self.run_id = run_id
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(value, options), name="flowctl-run", daemon=True)
        self.thread.start()

    def _run(self, value: Any, options: dict[str, Any]) -> None:
        try:
            self.result = self.engine.start(value, execution_name=self.run_id, **options)
        except BaseException as exc:  # handed to the caller's thread by wait()
            self.error = exc

    def wait(self) -> Any:
        """The execution's result (its exception re-raised); ``KeyboardInterrupt`` propagates."""
        while self.thread.is_alive():
            self.thread.join(0.1)
        if self.error is not None:
            raise self.error
        return self.result

    def interrupt(self, cause: str = INTERRUPTED_CAUSE) -> Any:
        """Stop the execution and wait (a little) for its ABORTED result."""
        from orchestrator.engine import ExecutionResult

        with contextlib.suppress(Exception):
            self.engine.stop(self.run_id, error=INTERRUPTED_ERROR, cause=cause)
        self.thread.join(STOP_GRACE_SECONDS)
        if self.result is not None and self.result.status == "ABORTED":
            return self.result
        return ExecutionResult("ABORTED", error=INTERRUPTED_ERROR, cause=cause,
                               history=self.engine.history_so_far(self.run_id))
