"""Timing and memory measurements of one workload, on our engine and on moto.

* :func:`time_engine` — best of ``repeat`` runs of ``Engine.start`` (definition compiled once,
  virtual clock); returns seconds and the number of states entered (from the history).
* :func:`time_moto` — moto's executor (``mock_aws`` with ``execute_state_machine``): from
  start_execution until describe_execution reports the end (the state machine is created, and
  moto warmed up, before the clock starts); moto parses the definition at start, which is part
  of its cost per execution.
* :func:`peak_memory` — tracemalloc peak of one execution.
"""

from __future__ import annotations

import json
import os
import time
import tracemalloc
from pathlib import Path
from typing import Any

from orchestrator.engine import Engine, VirtualClock

__all__ = ["peak_memory", "states_entered", "time_engine", "time_moto"]


def states_entered(history: list[dict[str, Any]]) -> int:
    return sum(1 for e in history if e["type"].endswith("StateEntered"))


def time_engine(
    definition: dict[str, Any],
    value: Any,
    repeat: int = 3,
    mocks: Any = None,
    functions_dir: Path | None = None,
) -> tuple[float, int]:
    # Workloads measure speed beyond AWS's 25,000-event history quota (a 10,000-item inline Map).
    engine = Engine(definition, clock=VirtualClock(), mocks=mocks or None, functions_dir=functions_dir,
                    max_history_events=None)
    result = engine.start(value)
    if result.status != "SUCCEEDED":
        raise RuntimeError(f"workload failed on the engine: {result.error}: {result.cause}")
    count = states_entered(result.history)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        engine.start(value)
        best = min(best, time.perf_counter() - started)
    return best, count


def peak_memory(definition: dict[str, Any], value: Any, record_history: bool = True) -> int:
    engine = Engine(definition, clock=VirtualClock(), record_history=record_history, max_history_events=None)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = engine.start(value)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    if result.status != "SUCCEEDED":
        raise RuntimeError(f"workload failed: {result.error}")
    return peak


class MotoSession:
    """One ``mock_aws`` context with the Step Functions executor switched on."""

    def __enter__(self) -> MotoSession:
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        import boto3
        from moto import mock_aws

        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._mock.start()
        self.client = boto3.client("stepfunctions", region_name="us-east-1")
        self._n = 0
        return self

    def __exit__(self, *exc: object) -> None:
        self._mock.stop()

    def warm_up(self) -> None:
        """Moto imports and builds its interpreter on first use: keep that out of the figures."""
        self.time({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, {})

    def time(self, definition: dict[str, Any], value: Any, limit: float = 600.0) -> float:
        """Seconds from StartExecution until moto reports the execution ended.

        The state machine is created before the clock starts. Polls back off (5% of the time
        elapsed, at least 5 ms) so that DescribeExecution calls, which share the interpreter
        with moto's executor thread, add little to what is measured.
        """
        self._n += 1
        arn = self.client.create_state_machine(
            name=f"bench{self._n}",
            definition=json.dumps(definition),
            roleArn="arn:aws:iam::123456789012:role/bench",
        )["stateMachineArn"]
        started = time.perf_counter()
        execution = self.client.start_execution(stateMachineArn=arn, input=json.dumps(value))["executionArn"]
        while True:
            status = self.client.describe_execution(executionArn=execution)["status"]
            elapsed = time.perf_counter() - started
            if status != "RUNNING":
                break
            if elapsed > limit:
                raise TimeoutError("moto did not finish")
            time.sleep(max(0.005, elapsed * 0.05))
        if status != "SUCCEEDED":
            raise RuntimeError(f"moto ended with {status}")
        return elapsed


def time_moto(session: MotoSession, definition: dict[str, Any], value: Any) -> float:
    return session.time(definition, value)
