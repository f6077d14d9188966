"""Step Functions without AWS: a boto3 ``stepfunctions`` client whose executions run in the
local engine.

:class:`StepFunctionsBridge` answers the calls flowctl's platform makes by running every
execution of a deployed definition on its own thread in :class:`~orchestrator.engine.Engine`.
Each Lambda task calls the function's real ``lambda_handler`` in-process, found by function name
among ``functions`` first, then as ``<functions_dir>/<name>/app.py``. Give it to the platform
where it takes its client (``Platform(config, sfn=bridge)``) and the API, the waiter and the
event router drive real executions; hand :meth:`~StepFunctionsBridge.take_events` to the tracker.

Contract (AWS's behaviour, as far as flowctl relies on it)
---------------------------------------------------------
* ``create_state_machine`` validates the definition (``InvalidDefinition``); the same name with
  the same definition, type and role returns the machine, anything else under that name is
  ``StateMachineAlreadyExists``. ``deploy_flow`` deploys a compiled flow with each
  ``${XFunctionArn}`` bound to the ARN of function ``x`` (``lambda_arn``).
* STANDARD: ``start_execution`` with the name and input of a *running* execution returns that
  execution; any other reuse of a name is ``ExecutionAlreadyExists``. Every status change puts
  an EventBridge status change event on ``events`` (:mod:`.events`).
* EXPRESS: every start is a new execution (ARN ``...:express:<machine>:<name>:<id>``);
  describe, stop, redrive and history answer ``InvalidArn``, ``list_executions``
  ``StateMachineTypeNotSupported``; its execution log records go on ``events`` instead.
* ``redrive_execution`` (STANDARD, FAILED/TIMED_OUT/ABORTED) runs the execution again under its
  ARN, replaying what succeeded (:mod:`.redrive`); the context object's
  ``Execution.RedriveCount`` and ``RedriveTime`` say which round runs.
* ``send_task_success|failure|heartbeat`` reach the ``.waitForTaskToken`` task of any running
  execution; an unknown or completed token is ``TaskDoesNotExist``.
* Errors are :class:`botocore.exceptions.ClientError` with AWS's codes; dates are UTC datetimes.
* Not AWS: ``wait`` blocks until an execution is no longer RUNNING, ``wait_until`` until its
  history satisfies a predicate, ``shutdown`` aborts whatever still runs.

Example::

    bridge = StepFunctionsBridge(functions_dir="functions", clock=VirtualClock())
    machine = bridge.deploy_flow(compile_flow_file("flows/liteflow-hello.json"), type="STANDARD")
    started = bridge.start_execution(stateMachineArn=machine, name="r1", input='{"name": "Ada"}')
    bridge.wait(started["executionArn"])["output"]          # '"Hello, Ada!"'
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import ClientError

from orchestrator.constants import DEFAULT_FUNCTION_TIMEOUT_SECONDS
from orchestrator.engine import (
    AslDefinitionError,
    Clock,
    Engine,
    ExecutionError,
    ExecutionResult,
    UnknownTaskTokenError,
    VirtualClock,
)
from orchestrator.engine.definition import load_definition, substitute
from orchestrator.engine.jsonvalue import MAX_PAYLOAD_BYTES, payload_size
from orchestrator.engine.states.map import MAP_ITEMS_EVENT
from orchestrator.testing.stepfunctions.events import (
    STATUS_CHANGE,
    date,
    describe,
    listed,
    log_delivery,
    page,
    status_change_event,
)
from orchestrator.testing.stepfunctions.records import RUNNING, Execution, History, Machine
from orchestrator.testing.stepfunctions.redrive import begin_redrive, item_replay

if TYPE_CHECKING:
    from orchestrator.compiler import CompiledFlow

__all__ = ["STATUS_CHANGE", "StepFunctionsBridge"]

Handler = Callable[[Any, Any], Any]
T = TypeVar("T")
_NAME = re.compile(r"^[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,80}$")
_STOP_RETRY_SECONDS = 5.0


def _error(code: str, message: str, operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}},
        operation,
    )


def _find(table: Mapping[str, T], arn: str, lock: threading.Condition, what: str, op: str) -> T:
    with lock:
        found = table.get(arn)
    if found is None:
        code = what.replace(" ", "") + "DoesNotExist"
        raise _error(code, f"{what} Does Not Exist: '{arn}'", op)
    return found


class StepFunctionsBridge:
    """A boto3 ``stepfunctions`` client whose executions run in the local engine."""

    def __init__(
        self,
        *,
        functions_dir: Path | str | None = None,
        functions: Mapping[str, Handler] | None = None,
        clock: Clock | None = None,
        region: str = "us-east-1",
        account: str = "123456789012",
    ) -> None:
        self.functions_dir = Path(functions_dir) if functions_dir is not None else None
        self.functions = dict(functions or {})
        self.clock = clock or VirtualClock()
        self.region = region
        self.account = account
        self.events: list[dict[str, Any]] = []
        self._machines: dict[str, Machine] = {}
        self._executions: dict[str, Execution] = {}
        self._changed = threading.Condition()

    # ------------------------------------------------------------------ deployment
    def lambda_arn(self, function: str) -> str:
        """The ARN a definition uses for the bridge's function ``function``."""
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{function}"

    def deploy_flow(self, compiled: CompiledFlow, *, type: str | None = None) -> str:
        """Create the state machine of a compiled flow (its type unless ``type`` is given), the
        way SAM does with ``DefinitionSubstitutions``; returns its ARN."""
        from orchestrator.compiler.asl import PROJECT_DATA_BUCKET

        # The project's data bucket stays a placeholder: the engine then reads items_from files
        # from FLOWCTL_PROJECT_DIR (an s3:// prefix in the cloud tests), where data/ is uploaded.
        bound = {
            key: self.lambda_arn(fn) for key, fn in compiled.substitutions.items() if key != PROJECT_DATA_BUCKET
        }
        created = self.create_state_machine(
            name=compiled.flow.name,
            definition=json.dumps(substitute(compiled.definition, bound)),
            roleArn=f"arn:aws:iam::{self.account}:role/{compiled.flow.name}-state-machine",
            type=type or compiled.type,
        )
        return str(created["stateMachineArn"])

    def create_state_machine(
        self, *, name: str, definition: str, roleArn: str, type: str = "STANDARD", **_: Any
    ) -> dict[str, Any]:
        op = "CreateStateMachine"
        if type not in ("STANDARD", "EXPRESS"):
            raise _error("ValidationException", f"Invalid type {type!r}", op)
        if not _NAME.match(name):
            raise _error("InvalidName", f"Invalid Name: '{name}'", op)
        try:
            load_definition(definition, None, type)
        except AslDefinitionError as exc:
            raise _error("InvalidDefinition", str(exc), op) from exc
        arn = f"arn:aws:states:{self.region}:{self.account}:stateMachine:{name}"
        with self._changed:
            machine = self._machines.get(arn)
            if machine is None:
                machine = Machine(arn, name, definition, type, roleArn, self.clock.now())
                self._machines[arn] = machine
            elif machine != Machine(arn, name, definition, type, roleArn, machine.created):
                raise _error("StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'", op)
        return {"stateMachineArn": arn, "creationDate": date(machine.created)}

    # ------------------------------------------------------------------ executions
    def start_execution(
        self, *, stateMachineArn: str, name: str | None = None, input: str | None = None, **_: Any
    ) -> dict[str, Any]:
        op = "StartExecution"
        machine = self._machine(stateMachineArn, op)
        name = name or str(uuid.uuid4())
        if not _NAME.match(name):
            raise _error("InvalidName", f"Invalid Name: '{name}'", op)
        text = "{}" if input is None else input
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise _error("InvalidExecutionInput", f"Invalid State Machine Execution Input: {exc}", op) from exc
        if payload_size(text) > MAX_PAYLOAD_BYTES:
            raise _error("InvalidExecutionInput", "The input exceeds 262144 bytes", op)
        with self._changed:
            if machine.type == "EXPRESS":
                arn = f"arn:aws:states:{self.region}:{self.account}:express:{machine.name}:{name}:{uuid.uuid4()}"
            else:
                arn = f"arn:aws:states:{self.region}:{self.account}:execution:{machine.name}:{name}"
                found = self._executions.get(arn)
                if found is not None:
                    if found.status == RUNNING and found.input == text:
                        return {"executionArn": arn, "startDate": date(found.started)}
                    raise _error("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'", op)
            ex = Execution(arn, name, machine, text, self.clock.now())
            self._executions[arn] = ex
            self._launch(ex, value)
        return {"executionArn": arn, "startDate": date(ex.started)}

    def describe_execution(self, *, executionArn: str, **_: Any) -> dict[str, Any]:
        ex = self._standard(executionArn, "DescribeExecution")
        with self._changed:
            return describe(ex)

    def list_executions(
        self,
        *,
        stateMachineArn: str,
        statusFilter: str | None = None,
        maxResults: int = 100,
        nextToken: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        op = "ListExecutions"
        machine = self._machine(stateMachineArn, op)
        if machine.type == "EXPRESS":
            raise _error("StateMachineTypeNotSupported", "This operation is not supported by EXPRESS state machines", op)
        with self._changed:
            found = [ex for ex in self._executions.values() if ex.machine is machine and statusFilter in (None, ex.status)]
            found.sort(key=lambda ex: ex.started, reverse=True)
            return page("executions", [listed(ex) for ex in found], maxResults, nextToken)

    def get_execution_history(
        self,
        *,
        executionArn: str,
        maxResults: int = 100,
        nextToken: str | None = None,
        reverseOrder: bool = False,
        **_: Any,
    ) -> dict[str, Any]:
        ex = self._standard(executionArn, "GetExecutionHistory")
        with self._changed:
            events = [{**e, "timestamp": date(e["timestamp"])} for e in ex.history]
        if reverseOrder:
            events.reverse()
        return page("events", events, maxResults, nextToken)

    def stop_execution(
        self, *, executionArn: str, error: str | None = None, cause: str | None = None, **_: Any
    ) -> dict[str, Any]:
        ex = self._standard(executionArn, "StopExecution")
        deadline = time.monotonic() + _STOP_RETRY_SECONDS
        while True:
            with self._changed:
                engine = ex.engine if ex.status == RUNNING else None
            if engine is None:
                break
            try:
                engine.stop(ex.name, error=error, cause=cause)
                break
            except ExecutionError:
                # Its thread has not entered the engine yet (or has just left it).
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        described = self.wait(executionArn)
        return {"stopDate": described["stopDate"]}

    def redrive_execution(
        self, *, executionArn: str, clientToken: str | None = None, **_: Any
    ) -> dict[str, Any]:
        op = "RedriveExecution"
        ex = self._standard(executionArn, op)
        with self._changed:
            if ex.status == RUNNING and clientToken and clientToken == ex.redrive_token:
                assert ex.redriven is not None
                return {"redriveDate": date(ex.redriven)}
            if ex.status in (RUNNING, "SUCCEEDED"):
                raise _error(
                    "ExecutionNotRedrivable", f"Execution is {ex.status} and cannot be redriven", op
                )
            redriven = begin_redrive(ex, self.clock.now(), clientToken)
            self._launch(ex, json.loads(ex.input))
        return {"redriveDate": date(redriven)}

    # ------------------------------------------------------------------ callbacks
    def send_task_success(self, *, taskToken: str, output: str, **_: Any) -> dict[str, Any]:
        op = "SendTaskSuccess"
        try:
            json.loads(output)
        except ValueError as exc:
            raise _error("InvalidOutput", f"Invalid Output: {exc}", op) from exc
        self._callback(taskToken, op, lambda engine: engine.send_task_success(taskToken, output))
        return {}

    def send_task_failure(
        self, *, taskToken: str, error: str | None = None, cause: str | None = None, **_: Any
    ) -> dict[str, Any]:
        self._callback(
            taskToken,
            "SendTaskFailure",
            lambda engine: engine.send_task_failure(taskToken, error, cause),
        )
        return {}

    def send_task_heartbeat(self, *, taskToken: str, **_: Any) -> dict[str, Any]:
        self._callback(
            taskToken, "SendTaskHeartbeat", lambda engine: engine.send_task_heartbeat(taskToken)
        )
        return {}

    # ------------------------------------------------------------------ for tests and tools
    def take_events(self) -> list[dict[str, Any]]:
        """The status change events sent since the last call, oldest first."""
        with self._changed:
            events, self.events = self.events, []
        return events

    def wait(self, executionArn: str, timeout: float = 60.0) -> dict[str, Any]:
        """Block until the execution is no longer RUNNING; its description (any type)."""
        ex = self._execution(executionArn, "DescribeExecution")
        if not self._wait_for(lambda: ex.status != RUNNING, timeout):
            raise TimeoutError(f"{executionArn} is still running after {timeout} s")
        with self._changed:
            return describe(ex)

    def wait_until(
        self, executionArn: str, predicate: Callable[[History], bool], timeout: float = 30.0
    ) -> bool:
        """Block until ``predicate(history)`` holds (True) or the execution ends without it."""
        ex = self._execution(executionArn, "GetExecutionHistory")
        done = self._wait_for(lambda: predicate(ex.history) or ex.status != RUNNING, timeout)
        if not done:
            raise TimeoutError(f"{executionArn}: the awaited event did not come in {timeout} s")
        with self._changed:
            return predicate(ex.history)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Abort every running execution and wait for its thread."""
        with self._changed:
            running = [ex for ex in self._executions.values() if ex.status == RUNNING]
        for ex in running:
            if ex.machine.type == "STANDARD":
                self.stop_execution(executionArn=ex.arn, error="Bridge.Shutdown")
            elif ex.engine is not None:
                with contextlib.suppress(ExecutionError):  # it has just ended
                    ex.engine.stop(ex.name, error="Bridge.Shutdown")
            if ex.thread is not None:
                ex.thread.join(timeout)

    # ------------------------------------------------------------------ internals
    def _wait_for(self, ready: Callable[[], bool], timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(ready, timeout)

    def _machine(self, arn: str, op: str) -> Machine:
        if not arn.startswith("arn:aws:states:") or ":stateMachine:" not in arn:
            raise _error("InvalidArn", f"Invalid Arn: '{arn}'", op)
        return _find(self._machines, arn, self._changed, "State Machine", op)

    def _execution(self, arn: str, op: str) -> Execution:
        return _find(self._executions, arn, self._changed, "Execution", op)

    def _standard(self, arn: str, op: str) -> Execution:
        if ":express:" in arn:
            raise _error(
                "InvalidArn",
                f"Invalid Arn: 'Resource type not valid in this context: express' ({arn})",
                op,
            )
        return self._execution(arn, op)

    def _callback(self, token: str, op: str, send: Callable[[Engine], None]) -> None:
        with self._changed:
            engines = [ex.engine for ex in self._executions.values() if ex.engine is not None]
        for engine in engines:
            try:
                send(engine)
                return
            except UnknownTaskTokenError:
                continue
        raise _error("TaskDoesNotExist", "Task Token does not exist or has been completed", op)

    def _launch(self, ex: Execution, value: Any) -> None:
        """Start ``ex`` on its own thread (the lock is held)."""
        engine = Engine(
            ex.machine.definition,
            functions_dir=self.functions_dir,
            function_timeout=DEFAULT_FUNCTION_TIMEOUT_SECONDS,
            handlers=self.functions,
            mocks=dict(ex.replay) or None,
            replay=item_replay(dict(ex.replay_items)) if ex.replay_items else None,
            listener=lambda event: self._record(ex, event),
            clock=self.clock,
            state_machine_type=ex.machine.type,
            name=ex.machine.name,
            region=self.region,
            account=self.account,
            role_arn=ex.machine.role_arn,
            record_history=False,
        )
        ex.engine = engine
        self._publish(ex)
        ex.thread = threading.Thread(
            target=self._run,
            args=(ex, engine, value, ex.redrive_count, ex.redriven),
            name=f"sfn-{ex.name}",
            daemon=True,
        )
        ex.thread.start()

    def _run(
        self,
        ex: Execution,
        engine: Engine,
        value: Any,
        redrive_count: int,
        redriven: float | None,
    ) -> None:
        try:
            result = engine.start(
                value,
                execution_name=ex.name,
                redrive_count=redrive_count,
                redrive_time=redriven,
            )
        except Exception as exc:  # the engine refused the execution: AWS would fail it
            result = ExecutionResult("FAILED", error="States.Runtime", cause=str(exc))
        with self._changed:
            result.stop_date = result.stop_date or self.clock.now()
            ex.outcome = result
            ex.engine = None
            self._publish(ex)
            self._changed.notify_all()

    def _record(self, ex: Execution, event: dict[str, Any]) -> None:
        if event["type"] == MAP_ITEMS_EVENT:  # the engine's notice for local views, no history event
            return
        event = dict(event)
        event["id"] += ex.offset
        if event.get("previousEventId"):
            event["previousEventId"] += ex.offset
        with self._changed:
            ex.history.append(event)
            self._changed.notify_all()
    def _publish(self, ex: Execution) -> None:
        """Send the status change of ``ex`` (the lock is held): STANDARD → an EventBridge status
        change event; EXPRESS → its execution log record, as the CloudWatch Logs subscription
        of the state machine's log group delivers it (EventBridge has nothing for Express)."""
        if ex.machine.type != "STANDARD":
            self.events.append(log_delivery(ex, account=self.account))
        else:
            now = self.clock.now()
            self.events.append(status_change_event(ex, region=self.region, account=self.account, now=now))
