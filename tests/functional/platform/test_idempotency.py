"""Concurrent starts with one Idempotency-Key: only the request that created the run record
starts the execution (Express state machines do not de-duplicate executions by name)."""

from __future__ import annotations

import threading
import time

import pytest
from botocore.exceptions import ClientError

from orchestrator.service.catalog import FlowCatalog
from orchestrator.service.errors import (
    IdempotencyConflictError,
    StartRunError,
    StepFunctionsUnavailableError,
)
from orchestrator.service.http import error_status
from orchestrator.service.runs import RunService
from orchestrator.store import DynamoRunStore, Run

KEY = "order-42-start"
PARAMS = {"user_id": "u-1001", "threshold": 0.9}


def _service(aws, **options) -> RunService:
    machines = {"kyc-check": aws["state_machine_arn"]}
    return RunService(aws["store"], FlowCatalog(aws["flows_dir"]), machines, aws["sfn"], **options)


def _executions(aws) -> list:
    return aws["sfn"].list_executions(stateMachineArn=aws["state_machine_arn"])["executions"]


def _record_of_a_request_in_flight(aws, lease_seconds: float = 60) -> None:
    """What a first request leaves between claiming the start and starting its execution."""
    aws["store"].create_run(Run(run_id=KEY, flow="kyc-check", input=PARAMS, idempotency_key=KEY))
    assert aws["store"].claim(KEY, "start", lease_seconds)


def test_a_concurrent_repeat_waits_for_the_first_request_and_starts_nothing(aws):
    # GIVEN a first request that has created the record and is starting the execution
    _record_of_a_request_in_flight(aws)
    arn = f"{aws['state_machine_arn'].replace(':stateMachine:', ':express:')}:{KEY}:5c1d"

    def first_request_finishes() -> None:
        aws["store"].update_run_status(KEY, "RUNNING", flow="kyc-check", execution_arn=arn)

    timer = threading.Timer(0.3, first_request_finishes)
    timer.start()
    # WHEN the same request arrives meanwhile
    started = _service(aws).start_run("kyc-check", PARAMS, idempotency_key=KEY)
    timer.join()
    # THEN it answers with the first request's execution and starts no second one
    assert (started.created, started.run.execution_arn) == (False, arn)
    assert _executions(aws) == []


def test_a_repeat_starts_the_execution_when_the_first_request_died(aws):
    # GIVEN a record whose creator claimed the start and died (its claim has lapsed)
    _record_of_a_request_in_flight(aws, lease_seconds=0)
    time.sleep(0.01)
    # WHEN the client retries
    started = _service(aws, handoff_seconds=0.2).start_run("kyc-check", PARAMS, idempotency_key=KEY)
    # THEN the retry starts it, once
    assert started.run.status == "RUNNING" and started.run.execution_arn
    assert [e["name"] for e in _executions(aws)] == [KEY]


class _SlowStepFunctions:
    """moto's Step Functions, with a StartExecution that is slow (throttling, SDK retries) and counted."""

    def __init__(self, sfn, delay: float = 0.5) -> None:
        self.sfn, self.delay, self.starts = sfn, delay, 0
        self.lock = threading.Lock()

    def start_execution(self, **kwargs):
        with self.lock:
            self.starts += 1
        time.sleep(self.delay)
        return self.sfn.start_execution(**kwargs)

    def __getattr__(self, name):
        return getattr(self.sfn, name)


class _AtomicDynamoDB:
    """moto's DynamoDB client with one call at a time. DynamoDB checks a condition and writes the
    item atomically; in-process moto does not lock, so under load two threads could both pass
    one claim's condition — a flaw of the mock, not of the claim."""

    def __init__(self, client) -> None:
        self.client, self.lock = client, threading.Lock()

    def __getattr__(self, name):
        call = getattr(self.client, name)

        def atomic(*args, **kwargs):
            with self.lock:
                return call(*args, **kwargs)

        return atomic


def test_concurrent_repeats_with_a_slow_start_start_one_execution(aws):
    # GIVEN a StartExecution slower than any hand-off wait, and DynamoDB's atomic conditional writes
    slow = _SlowStepFunctions(aws["sfn"], delay=0.5)
    machines = {"kyc-check": aws["state_machine_arn"]}
    store = DynamoRunStore(aws["store"].table_name, client=_AtomicDynamoDB(aws["ddb"]))
    service = RunService(store, FlowCatalog(aws["flows_dir"]), machines, slow, handoff_seconds=0.1)
    answers = []
    # WHEN ten requests with one key arrive together
    threads = [threading.Thread(target=lambda: answers.append(service.start_run("kyc-check", PARAMS, idempotency_key=KEY))) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # THEN exactly one of them started an execution, and all answer the same run
    assert slow.starts == 1
    assert {a.run.run_id for a in answers} == {KEY}
    assert sum(a.created for a in answers) == 1


def test_a_repeat_with_large_params_is_the_same_run(aws):
    # GIVEN a run started with params too large to store inline (kept as a placeholder)
    big = {"user_id": "u" * 150_000, "threshold": 0.9}
    first = _service(aws).start_run("kyc-check", big, idempotency_key=KEY)
    # WHEN the same request is repeated THEN it answers that run (not a conflict)
    again = _service(aws).start_run("kyc-check", big, idempotency_key=KEY)
    assert (first.created, again.created, again.run.run_id) == (True, False, KEY)
    # AND other params with the key are still a conflict
    with pytest.raises(IdempotencyConflictError):
        _service(aws).start_run("kyc-check", {**big, "threshold": 0.5}, idempotency_key=KEY)


class _RefusingStepFunctions:
    def __init__(self, code: str) -> None:
        self.code = code

    def start_execution(self, **_kwargs):
        raise ClientError({"Error": {"Code": self.code, "Message": "input too large"}}, "StartExecution")


@pytest.mark.parametrize(("code", "status"), [("ValidationException", 400), ("ThrottlingException", 503)])
def test_a_refused_start_marks_the_run_failed_with_the_cause(aws, code, status):
    machines = {"kyc-check": aws["state_machine_arn"]}
    service = RunService(aws["store"], FlowCatalog(aws["flows_dir"]), machines, _RefusingStepFunctions(code))
    # WHEN StartExecution refuses THEN the caller gets flowctl's error with a deliberate status
    with pytest.raises(StartRunError) as caught:
        service.start_run("kyc-check", PARAMS, idempotency_key=KEY)
    assert error_status(caught.value) == status
    # AND the run is FAILED with the cause, not PENDING for ever
    run = aws["store"].get_run(KEY)
    assert (run.status, run.error, run.cause) == ("FAILED", f"States.StartFailed.{code}", "input too large")


class _FailingStepFunctions:
    def __getattr__(self, name):
        def call(**_kwargs):
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, name)

        return call


def test_a_failing_cancel_or_redrive_is_a_deliberate_503(aws):
    # GIVEN a run with an execution, and Step Functions throttling every call
    aws["store"].create_run(Run(run_id=KEY, flow="kyc-check", input=PARAMS, idempotency_key=KEY))
    arn = f"{aws['state_machine_arn'].replace(':stateMachine:', ':execution:')}:{KEY}"
    aws["store"].update_run_status(KEY, "RUNNING", flow="kyc-check", execution_arn=arn)
    machines = {"kyc-check": aws["state_machine_arn"]}
    service = RunService(aws["store"], FlowCatalog(aws["flows_dir"]), machines, _FailingStepFunctions())
    # WHEN it is cancelled THEN flowctl's error answers 503 (retry), not an unhandled exception
    with pytest.raises(StepFunctionsUnavailableError) as caught:
        service.cancel(KEY)
    assert error_status(caught.value) == 503
    aws["store"].update_run_status(KEY, "FAILED", flow="kyc-check", execution_arn=arn)
    with pytest.raises(StepFunctionsUnavailableError):
        service.redrive(KEY)
