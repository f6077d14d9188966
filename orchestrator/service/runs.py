"""Runs through Step Functions: start (idempotent), read, list, cancel, redrive.

Contract of :meth:`RunService.start_run`:

1. the flow must be known (:class:`FlowNotFoundError`) and its params valid
   (:class:`~orchestrator.flowlang.errors.FlowValidationError` listing every problem);
2. the run id is the execution name: the ``Idempotency-Key`` when given, else a new UUID;
3. the run record is created *before* the execution (conditional write), so a repeated request
   with the same key finds it and returns the same run — never a second execution; the same key
   with another flow or other params is an :class:`IdempotencyConflictError`;
4. ``StartExecution`` with the same name and input is idempotent in AWS; when it answers
   ``ExecutionAlreadyExists`` the existing execution is described and returned;
5. only the request that created the record starts the execution. A concurrent repeat that
   finds the record without an execution yet waits (``handoff_seconds``) for the creator to
   record it, and starts it itself only if none appears (the creator died): Express state
   machines do not de-duplicate executions by name, so two starts would be two runs.

The Step Functions client is injected (boto3 ``stepfunctions``, moto in tests, or a stub).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from orchestrator.errors import Problem
from orchestrator.flowlang.params import resolve_params
from orchestrator.service.catalog import FlowCatalog
from orchestrator.service.errors import (
    ExpressRunError,
    FlowNotDeployedError,
    IdempotencyConflictError,
    InvalidRequestError,
    RunNotActiveError,
    RunNotFoundError,
    RunNotRedrivableError,
    StartRunError,
    StepFunctionsUnavailableError,
)
from orchestrator.store.base import RunStore
from orchestrator.store.errors import RunAlreadyExistsError
from orchestrator.store.items import encode_json
from orchestrator.store.models import (
    CANCEL_ERROR,
    TERMINAL_STATUSES,
    Run,
    RunPage,
    RunStatus,
    format_time,
)

__all__ = ["CANCEL_ERROR", "RunService", "StartedRun", "execution_arn_for", "is_express_execution"]

_EXECUTION_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")
_CALLER_ERRORS = {"ValidationException", "InvalidExecutionInput", "InvalidName"}
"""StartExecution errors caused by the request (400); any other is the service's (503)."""
_RUN_ID = re.compile(r"^[^\x00-\x1f]{1,80}$")


@dataclass(frozen=True)
class StartedRun:
    """The run a start request refers to; ``created`` is False for a repeated request."""

    run: Run
    created: bool


def input_digest(params: Any) -> str:
    """SHA-256 of the canonical JSON of ``params`` (sorted keys, compact, UTF-8)."""
    text = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def execution_arn_for(state_machine_arn: str, name: str) -> str:
    """``arn:...:stateMachine:<sm>`` + name → ``arn:...:execution:<sm>:<name>``."""
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"


def is_express_execution(execution_arn: str | None) -> bool:
    """Express execution ARNs read ``arn:aws:states:<region>:<account>:express:...``."""
    return bool(execution_arn) and str(execution_arn).split(":")[5:6] == ["express"]


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message") or exc)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class RunService:
    """Run operations of the API over a run store and a Step Functions client."""

    def __init__(
        self,
        store: RunStore,
        catalog: FlowCatalog,
        state_machines: Mapping[str, str],
        sfn: Any,
        *,
        handoff_seconds: float = 3.0,
        claim_seconds: float = 60.0,
        sleep: Any = time.sleep,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.state_machines = dict(state_machines)
        self.sfn = sfn
        self.handoff_seconds = handoff_seconds
        self.claim_seconds = claim_seconds
        self.sleep = sleep

    # ------------------------------------------------------------------ start
    def start_run(
        self,
        flow_name: str,
        params: Any,
        *,
        idempotency_key: str | None = None,
        trigger: str = "api",
    ) -> StartedRun:
        flow = self.catalog.get(flow_name)
        resolved = resolve_params(flow, params, source=f"/flows/{flow_name}/runs")
        machine = self.state_machines.get(flow.name)
        if not machine:
            raise FlowNotDeployedError(flow.name)
        if idempotency_key is not None and not _EXECUTION_NAME.match(idempotency_key):
            raise InvalidRequestError(
                "invalid Idempotency-Key",
                problems=[
                    Problem(
                        "/headers/Idempotency-Key",
                        f"{idempotency_key[:100]!r} is not a valid execution name",
                        "use 1-80 letters, digits, '-', '_' or '.' (a UUID works)",
                    )
                ],
            )
        run_id = idempotency_key or str(uuid.uuid4())
        digest = input_digest(resolved)
        wanted = Run(
            run_id=run_id,
            flow=flow.name,
            version=flow.version,
            input=resolved,
            trigger=trigger,
            idempotency_key=idempotency_key,
            input_digest=digest,
        )
        try:
            run = self.store.create_run(wanted)
        except RunAlreadyExistsError as exc:
            raise IdempotencyConflictError(run_id, "an execution with this name exists") from exc
        created = run is wanted
        if not created:
            if run.flow != flow.name:
                raise IdempotencyConflictError(run_id, f"it started a run of flow {run.flow!r}")
            same = run.input_digest == digest if run.input_digest else run.input == resolved
            if not same:
                raise IdempotencyConflictError(run_id, "it started a run with other parameters")
        if run.execution_arn is None and run.status == RunStatus.PENDING:
            # One conditional claim decides who starts the execution (Express machines do not
            # de-duplicate by name); the others answer with the run as its starter leaves it.
            if self.store.claim(run_id, "start", self.claim_seconds):
                self._start_execution(machine, run, resolved)
            else:
                self._await_start(run)
        return StartedRun(self.get_run(run_id), created)

    def _await_start(self, run: Run) -> Run:
        """A repeat that lost the start claim: give the starter a moment to record the execution,
        so the answer shows it (the claim, not this wait, decides who starts)."""
        waited = 0.0
        while run.execution_arn is None and run.status == RunStatus.PENDING and waited < self.handoff_seconds:
            self.sleep(0.1)
            waited += 0.1
            run = self.get_run(run.run_id)
        return run

    def _start_execution(self, machine: str, run: Run, params: dict[str, Any]) -> None:
        body = encode_json(params)
        try:
            started = self.sfn.start_execution(stateMachineArn=machine, name=run.run_id, input=body)
        except ClientError as exc:
            if _code(exc) == "ExecutionAlreadyExists":
                self._adopt_execution(execution_arn_for(machine, run.run_id), run, params)
                return
            self._start_failed(run, _code(exc), _message(exc))
        except BotoCoreError as exc:  # no connection, no credentials, retries exhausted
            self._start_failed(run, type(exc).__name__, str(exc))
        else:
            self.store.update_run_status(
                run.run_id,
                RunStatus.RUNNING,
                flow=run.flow,
                execution_arn=started["executionArn"],
                started_at=format_time(started["startDate"]),
            )

    def _start_failed(self, run: Run, code: str, message: str) -> None:
        """StartExecution refused: the run is FAILED with the cause (never PENDING for ever)."""
        self.store.update_run_status(
            run.run_id,
            RunStatus.FAILED,
            flow=run.flow,
            error=f"States.StartFailed.{code}",
            cause=message,
        )
        status = 400 if code in _CALLER_ERRORS else 503
        raise StartRunError(run.run_id, code, message, status)

    def _adopt_execution(self, execution_arn: str, run: Run, params: dict[str, Any]) -> None:
        """The execution exists (a retry after a lost response): record what it is."""
        found = self.sfn.describe_execution(executionArn=execution_arn)
        if json.loads(found.get("input") or "null") != params:
            raise IdempotencyConflictError(run.run_id, "its execution has other input")
        status = found.get("status", RunStatus.RUNNING)
        output = json.loads(found["output"]) if found.get("output") else None
        self.store.update_run_status(
            run.run_id,
            RunStatus.RUNNING,
            flow=run.flow,
            execution_arn=execution_arn,
            started_at=format_time(found["startDate"]),
        )
        if status in TERMINAL_STATUSES:
            self.store.update_run_status(
                run.run_id,
                status,
                output=output,
                error=found.get("error"),
                cause=found.get("cause"),
                stopped_at=format_time(found["stopDate"]) if found.get("stopDate") else None,
                redrive_count=int(found.get("redriveCount", 0)),
            )

    # ------------------------------------------------------------------ read
    def get_run(self, run_id: str) -> Run:
        if not _RUN_ID.match(run_id):  # never a store key: ids are execution names
            raise RunNotFoundError(run_id)
        run = self.store.get_run(run_id)
        if run is None:
            raise RunNotFoundError(run_id)
        return run

    def list_runs(
        self, flow_name: str, *, limit: int = 20, next_token: str | None = None
    ) -> RunPage:
        flow = self.catalog.get(flow_name)
        return self.store.list_runs(flow.name, limit=limit, next_token=next_token)

    # ------------------------------------------------------------------ control
    def cancel(self, run_id: str, *, cause: str = "cancelled through the API") -> Run:
        """Stop a running run (StopExecution); its status becomes ABORTED at once."""
        run = self.get_run(run_id)
        if run.is_terminal:
            raise RunNotActiveError(run_id, run.status)
        if is_express_execution(run.execution_arn):
            raise ExpressRunError(run_id, "cancelled")
        if run.execution_arn:
            try:
                self.sfn.stop_execution(
                    executionArn=run.execution_arn, error=CANCEL_ERROR, cause=cause
                )
            except ClientError as exc:
                if _code(exc) != "ExecutionDoesNotExist":
                    raise StepFunctionsUnavailableError("StopExecution", _code(exc), _message(exc)) from exc
            except BotoCoreError as exc:
                raise StepFunctionsUnavailableError("StopExecution", type(exc).__name__, str(exc)) from exc
        self.store.update_run_status(
            run_id,
            RunStatus.ABORTED,
            error=CANCEL_ERROR,
            cause=cause,
            redrive_count=run.redrive_count,
        )
        return self.get_run(run_id)

    def redrive(self, run_id: str, *, client_token: str | None = None) -> Run:
        """Restart a failed run from its failed states (RedriveExecution)."""
        run = self.get_run(run_id)
        if not run.execution_arn:
            raise RunNotRedrivableError(run_id, "it never started")
        if not run.is_terminal or run.status == RunStatus.SUCCEEDED:
            raise RunNotRedrivableError(run_id, f"it is {run.status}")
        if is_express_execution(run.execution_arn):
            raise ExpressRunError(run_id, "redriven")
        args: dict[str, Any] = {"executionArn": run.execution_arn}
        if client_token:
            args["clientToken"] = client_token
        try:
            self.sfn.redrive_execution(**args)
        except ClientError as exc:
            if _code(exc) in ("ExecutionNotRedrivable", "ExecutionLimitExceeded"):
                raise RunNotRedrivableError(
                    run_id, exc.response["Error"].get("Message", _code(exc))
                ) from exc
            if _code(exc) == "ExecutionDoesNotExist":
                raise RunNotFoundError(run_id) from exc
            raise StepFunctionsUnavailableError("RedriveExecution", _code(exc), _message(exc)) from exc
        except BotoCoreError as exc:
            raise StepFunctionsUnavailableError("RedriveExecution", type(exc).__name__, str(exc)) from exc
        self.store.update_run_status(
            run_id,
            RunStatus.RUNNING,
            execution_arn=run.execution_arn,
            redrive_count=run.redrive_count + 1,
        )
        return self.get_run(run_id)
