"""The engine: runs executions of one state machine definition locally, with AWS's semantics.

Example::

    >>> from orchestrator.engine import Engine, VirtualClock
    >>> engine = Engine({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}},
    ...                 clock=VirtualClock())
    >>> engine.start({"a": 1}).status          # an hour of virtual time, no wall time
    'SUCCEEDED'

Contract
--------
* ``Engine(definition, ...)`` validates and compiles the definition once (``AslDefinitionError``
  when invalid); ``start`` runs one execution to its end in the calling thread and returns an
  :class:`ExecutionResult` (``status`` SUCCEEDED | FAILED | TIMED_OUT | ABORTED).
* ``stop``, ``send_task_success``, ``send_task_failure`` and ``send_task_heartbeat`` may be
  called from other threads (or from the listener) while an execution runs.
* ``listener(event)`` receives every history event as it is appended; ``value_listener(event,
  value)`` too, with the value behind the event's JSON text (a state's input or output, a
  task's parameters; else ``NO_VALUE``), not to be changed.
* The default clock of :class:`Engine` is the real clock; :func:`run_state_machine` uses a
  virtual clock unless told otherwise.
* AWS's limits: a STANDARD execution that would write more than ``max_history_events``
  (25,000) history events fails with ``States.Runtime`` ("The execution reached the maximum
  number of history events (25000)."); an EXPRESS one times out after ``express_max_seconds``
  (300) of virtual or wall time, whichever comes first. ``max_history_events=None`` lifts the
  quota (benchmarks).
* ``function_timeout``: the timeout of local functions without a ``function.json``
  ``"timeout"``; a function that outlives its own timeout fails with ``Sandbox.Timedout``.
* ``replay(state, payload, map_index)``: asked before each task attempt; a mock entry it
  returns stands in for the call (a redrive replaying recorded results), None runs it.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.engine.aws_sdk import AwsServices
from orchestrator.engine.callbacks import TokenRegistry
from orchestrator.engine.clock import (
    Clock,
    ExecutionAborted,
    ExecutionTimedOut,
    HistoryLimitExceeded,
    RealClock,
    VirtualClock,
)
from orchestrator.engine.definition import Machine, load_definition
from orchestrator.engine.errors import ExecutionError, StatesError
from orchestrator.engine.execution import EXPRESS_MAX_SECONDS, MAX_HISTORY_EVENTS, Execution, Strand
from orchestrator.engine.jsonvalue import MAX_PAYLOAD_BYTES, payload_size, to_json
from orchestrator.engine.lambda_local import LocalFunctions
from orchestrator.engine.mocks import Mocks
from orchestrator.engine.scope import Variables
from orchestrator.engine.task_runner import TaskRunner
from orchestrator.limits import MAX_JSON_DEPTH
from orchestrator.strict_json import StrictJsonError, check_value

__all__ = ["Engine", "ExecutionError", "ExecutionResult", "run_state_machine"]

Listener = Callable[[dict[str, Any]], None]
ValueListener = Callable[[dict[str, Any], Any], None]


@dataclass
class ExecutionResult:
    """The outcome of one execution (what DescribeExecution + GetExecutionHistory report)."""

    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    execution_arn: str = ""
    name: str = ""
    start_date: float = 0.0
    stop_date: float = 0.0

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"


class Engine:
    """Runs a state machine locally. See the module docstring."""

    def __init__(
        self,
        definition: Mapping[str, Any] | str,
        *,
        substitutions: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        functions_dir: str | Path | None = None,
        handlers: Mapping[str, Callable[[Any, Any], Any]] | None = None,
        mocks: Mapping[str, Any] | str | Path | None = None,
        boto3_session: Any = None,
        endpoint_url: str | None = None,
        client_factory: Callable[[str], Any] | None = None,
        listener: Listener | None = None,
        value_listener: ValueListener | None = None,
        state_machine_type: str = "STANDARD",
        name: str = "local",
        region: str | None = None,
        account: str = "123456789012",
        role_arn: str | None = None,
        record_history: bool = True,
        max_history_events: int | None = MAX_HISTORY_EVENTS,
        express_max_seconds: float = EXPRESS_MAX_SECONDS,
        function_timeout: float | None = None,
        replay: Callable[[str, Any, tuple[int, ...]], Any] | None = None,
    ) -> None:
        self.substitutions = dict(substitutions or {})
        self.machine: Machine = load_definition(definition, self.substitutions, state_machine_type)
        self.clock = clock or RealClock()
        self.type = state_machine_type
        self.name = name
        self.region = region or _session_region(boto3_session) or "us-east-1"
        self.account = account
        self.arn = f"arn:aws:states:{self.region}:{account}:stateMachine:{name}"
        self.role_arn = role_arn or f"arn:aws:iam::{account}:role/StatesExecutionRole-{name}"
        self.listener = listener
        self.value_listener = value_listener
        self.record_history = record_history
        self.max_history_events = max_history_events
        self.express_max_seconds = express_max_seconds
        self.tokens = TokenRegistry()
        self.runner = TaskRunner(
            clock=self.clock,
            functions=LocalFunctions(functions_dir, handlers, self.substitutions, function_timeout),
            services=AwsServices(boto3_session, endpoint_url, client_factory, self.region),
            mocks=Mocks(mocks, replay),
            tokens=self.tokens,
            region=self.region,
            account=account,
        )
        self._running: dict[str, Execution] = {}
        self._lock = threading.Lock()

    # -- executions --------------------------------------------------------------------------
    def start(
        self,
        input: Any = None,
        execution_name: str | None = None,
        timeout_seconds: float | None = None,
        redrive_count: int = 0,
        redrive_time: float | None = None,
    ) -> ExecutionResult:
        """Run one execution to its end and return its result (blocking).

        ``redrive_count``/``redrive_time``: this run is redrive round ``redrive_count`` of an
        execution, redriven at ``redrive_time`` (epoch seconds); the context object shows them
        as ``Execution.RedriveCount`` and ``Execution.RedriveTime``.
        """
        if input is None:
            input = {}
        try:
            check_value(input)
        except StrictJsonError as exc:
            raise ExecutionError(f"The execution input is not valid JSON: {exc}") from None
        try:
            input_text = to_json(input)
            value = json.loads(input_text)
        except (TypeError, ValueError) as exc:
            raise ExecutionError(f"The execution input is not valid JSON: {exc}") from None
        if payload_size(input_text) > MAX_PAYLOAD_BYTES:
            raise ExecutionError("The execution input exceeds the maximum size of 262144 bytes")
        name = execution_name or str(uuid.uuid4())
        if self.type == "EXPRESS":
            arn = f"arn:aws:states:{self.region}:{self.account}:express:{self.name}:{name}:{uuid.uuid4()}"
        else:
            arn = f"arn:aws:states:{self.region}:{self.account}:execution:{self.name}:{name}"
        start = self.clock.now()
        ex = Execution(
            name=name,
            arn=arn,
            state_machine_arn=self.arn,
            state_machine_name=self.name,
            role_arn=self.role_arn,
            input=value,
            start_time=start,
            clock=self.clock,
            runner=self.runner,
            listener=self.listener,
            value_listener=self.value_listener,
            express=self.type == "EXPRESS",
            record_history=self.record_history,
            redrive_count=redrive_count,
            redrive_time=start if redrive_time is None else redrive_time,
            max_history_events=self.max_history_events,
            wall_limit_seconds=self.express_max_seconds if self.type == "EXPRESS" else None,
        )
        with self._lock:
            if name in self._running:
                raise ExecutionError(f"Execution already exists and is running: {name!r}")
            self._running[name] = ex
        try:
            return self._run(ex, input_text, timeout_seconds)
        finally:
            with self._lock:
                self._running.pop(name, None)

    def _run(self, ex: Execution, input_text: str, timeout_seconds: float | None) -> ExecutionResult:
        timeout: float | None = timeout_seconds if timeout_seconds is not None else self.machine.timeout_seconds
        if ex.express:
            timeout = min(timeout, self.express_max_seconds) if timeout is not None else self.express_max_seconds
        deadline = ex.start_time + timeout if timeout is not None else None
        timeline = self.clock.timeline(deadline, ex.cancel, start=ex.start_time)
        strand = Strand(ex, timeline, Variables(), 0, ex.cancel)
        strand.event(
            "ExecutionStarted",
            {"input": input_text, "inputDetails": {"truncated": False}, "roleArn": self.role_arn},
        )
        result = ExecutionResult("RUNNING", execution_arn=ex.arn, name=ex.name, start_date=ex.start_time)
        try:
            output = self.machine.program.run(strand, ex.input)
        except StatesError as err:
            details = {}
            if err.error is not None:
                details["error"] = err.error
            if err.cause is not None:
                details["cause"] = err.cause
            strand.event("ExecutionFailed", details)
            result.status, result.error, result.cause = "FAILED", err.error, err.cause
        except HistoryLimitExceeded as exceeded:
            strand.event("ExecutionFailed", {"error": exceeded.error, "cause": exceeded.cause})
            result.status, result.error, result.cause = "FAILED", exceeded.error, exceeded.cause
        except ExecutionTimedOut:
            strand.event("ExecutionTimedOut", {"error": "States.Timeout", "cause": "The execution timed out."})
            result.status, result.error = "TIMED_OUT", "States.Timeout"
        except ExecutionAborted as aborted:
            details = {k: v for k, v in (("error", aborted.error), ("cause", aborted.cause)) if v is not None}
            strand.event("ExecutionAborted", details)
            result.status, result.error, result.cause = "ABORTED", aborted.error, aborted.cause
        except RecursionError:
            cause = f"The data is nested too deeply (flowctl's limit is {MAX_JSON_DEPTH} levels)"
            strand.event("ExecutionFailed", {"error": "States.Runtime", "cause": cause})
            result.status, result.error, result.cause = "FAILED", "States.Runtime", cause
        else:
            strand.event("ExecutionSucceeded", {"output": to_json(output), "outputDetails": {"truncated": False}})
            result.status, result.output = "SUCCEEDED", output
        result.stop_date = timeline.now()
        result.history = ex.history
        self.clock.finished(result.stop_date)
        return result

    def stop(self, execution_name: str, error: str | None = None, cause: str | None = None) -> None:
        """Abort a running execution (like StopExecution); it ends with status ABORTED."""
        with self._lock:
            ex = self._running.get(execution_name)
        if ex is None:
            raise ExecutionError(f"No running execution named {execution_name!r}")
        ex.cancel.cancel(ExecutionAborted(error, cause))

    def history_so_far(self, execution_name: str) -> list[dict[str, Any]]:
        """The events kept so far of the running execution ``execution_name`` (in id order;
        ``[]`` when none runs by that name): for a caller that gives up waiting for its end."""
        with self._lock:
            ex = self._running.get(execution_name)
        return list(ex.history) if ex is not None else []

    @property
    def running(self) -> list[str]:
        """Names of the executions running now."""
        with self._lock:
            return list(self._running)

    # -- callbacks ---------------------------------------------------------------------------
    def send_task_success(self, token: str, output: Any) -> None:
        """Complete a ``.waitForTaskToken`` task with ``output`` (a JSON value or JSON text)."""
        if isinstance(output, str | bytes):
            try:
                output = json.loads(output)
            except ValueError as exc:
                raise ExecutionError(f"The task output is not valid JSON: {exc}") from None
        self.tokens.success(token, json.loads(to_json(output)))

    def send_task_failure(self, token: str, error: str | None = None, cause: str | None = None) -> None:
        """Fail a ``.waitForTaskToken`` task with ``error``/``cause`` (Retry/Catch apply)."""
        self.tokens.failure(token, error, cause)

    def send_task_heartbeat(self, token: str) -> None:
        """Report progress of a callback task (restarts its ``HeartbeatSeconds`` window)."""
        self.tokens.heartbeat(token)


def _session_region(session: Any) -> str | None:
    return getattr(session, "region_name", None) if session is not None else None


_START_OPTIONS = ("execution_name", "timeout_seconds", "redrive_count", "redrive_time")


def run_state_machine(definition: Mapping[str, Any] | str, input: Any = None, **options: Any) -> ExecutionResult:
    """Run ``definition`` once with ``input`` and return the result.

    Uses a :class:`VirtualClock` unless ``clock=`` is given; other options go to
    :class:`Engine` (``execution_name``, ``timeout_seconds`` and ``redrive_*`` go to
    ``Engine.start``).

    >>> run_state_machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, {"a": 1}).output
    {'a': 1}
    """
    start_options = {k: options.pop(k) for k in _START_OPTIONS if k in options}
    options.setdefault("clock", VirtualClock())
    return Engine(definition, **options).start(input, **start_options)
