"""Concurrent starts with one Idempotency-Key: only the request that created the run record
starts the execution (Express state machines do not de-duplicate executions by name)."""

from __future__ import annotations

import threading

from orchestrator.service.catalog import FlowCatalog
from orchestrator.service.runs import RunService
from orchestrator.store import Run

KEY = "order-42-start"
PARAMS = {"user_id": "u-1001", "threshold": 0.9}


def _service(aws, **options) -> RunService:
    machines = {"kyc-check": aws["state_machine_arn"]}
    return RunService(aws["store"], FlowCatalog(aws["flows_dir"]), machines, aws["sfn"], **options)


def _executions(aws) -> list:
    return aws["sfn"].list_executions(stateMachineArn=aws["state_machine_arn"])["executions"]


def _record_of_a_request_in_flight(aws) -> None:
    """What a first request leaves between creating the run record and starting its execution."""
    aws["store"].create_run(Run(run_id=KEY, flow="kyc-check", input=PARAMS, idempotency_key=KEY))


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
    # GIVEN a record whose creator never started the execution
    _record_of_a_request_in_flight(aws)
    # WHEN the client retries, after the hand-off time
    started = _service(aws, handoff_seconds=0.2).start_run("kyc-check", PARAMS, idempotency_key=KEY)
    # THEN the retry starts it, once
    assert started.run.status == "RUNNING" and started.run.execution_arn
    assert [e["name"] for e in _executions(aws)] == [KEY]
