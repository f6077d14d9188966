"""Shared by the functional suites: the environment of a platform Lambda, with its run table;
`flowctl` as another process (a second terminal); waiting for a run to park on a wait_for node."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from orchestrator.store.dynamodb_schema import create_table_kwargs, ttl_specification

RUN_TABLE = "flowctl-runs"
ROOT = Path(__file__).resolve().parents[2]
# Ctrl-C as a terminal's foreground job gets it: a test run started in the background of a
# non-interactive shell ignores SIGINT, and its children would inherit that and ignore it too.
FLOWCTL_COMMAND = [
    sys.executable, "-c",
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    "from orchestrator.cli.app import main; main()",
]
PARKED_WITHIN = 30.0  # seconds for a `flowctl run` process to reach its wait_for node


@pytest.fixture
def flowctl_process() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """``flowctl_process(cwd, "run", ..., env={...})``: `flowctl` as another process in ``cwd``,
    with this environment updated by ``env``; processes still running at the end are killed."""
    started: list[subprocess.Popen[str]] = []

    def start(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        process = subprocess.Popen([*FLOWCTL_COMMAND, *args], cwd=cwd, env={**os.environ, **(env or {})}, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


def _wait_until_parked(store: Any, process: subprocess.Popen[str], event: str, key: str) -> Any:
    deadline = time.monotonic() + PARKED_WITHIN
    while not (waiters := store.list_waiters(event, key)):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run never reached its wait_for node"
        time.sleep(0.1)
    return waiters[0]


@pytest.fixture
def parked() -> Callable[..., Any]:
    """``parked(store, process, event, key)``: the first waiter of ``(event, key)`` once
    ``process`` (a `flowctl run`) registered it; the test fails if the process ends first or
    takes longer than ``PARKED_WITHIN`` seconds."""
    return _wait_until_parked


@pytest.fixture
def run_table(fake_aws: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """A platform Lambda's environment on moto: the run table (with TTL) in ``FLOWCTL_TABLE``,
    Powertools quiet (no X-Ray), no local store, event bus or payload bucket. Its name."""
    for name, value in {
        "FLOWCTL_TABLE": RUN_TABLE,
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_METRICS_NAMESPACE": "flowctl-test",
        "POWERTOOLS_SERVICE_NAME": "flowctl-test",
    }.items():
        monkeypatch.setenv(name, value)
    for name in (
        "FLOWCTL_STORE",
        "FLOWCTL_EVENT_BUS",
        "FLOWCTL_PAYLOAD_BUCKET",
        "FLOWCTL_OFFLOAD_THRESHOLD",
    ):
        monkeypatch.delenv(name, raising=False)
    ddb = boto3.client("dynamodb")
    ddb.create_table(**create_table_kwargs(RUN_TABLE))
    ddb.update_time_to_live(TableName=RUN_TABLE, TimeToLiveSpecification=ttl_specification())
    return RUN_TABLE
