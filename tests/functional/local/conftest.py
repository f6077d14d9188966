"""Fixtures of the local-run tests: a throw-away project (``flows/`` + ``functions/``) whose
``flaky`` node fails on its first attempt and whose ``broken`` node always fails, and a way to
run `flowctl` in it as another process (a second terminal, or one to send Ctrl-C to)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.functional.local.functions_src import FUNCTIONS, write_project

ROOT = Path(__file__).resolve().parents[3]

FLOWS = {
    "flaky": {"name": "flaky", "nodes": {"flaky": {"uses": "flaky", "retry": {"max_attempts": 2}}},
              "output": "{% $flaky %}"},
    "broken": {"name": "broken", "nodes": {"broken": {"uses": "broken"}}},
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with the ``flaky`` and ``broken`` flows and their functions."""
    return write_project(tmp_path / "project", FLOWS, FUNCTIONS)


@pytest.fixture
def spawn(flowctl_process: Callable[..., subprocess.Popen[str]]) -> Callable[..., subprocess.Popen[str]]:
    """``spawn(cwd, "run", ..., env={...})``: `flowctl` as another process in ``cwd``, with
    FLOWCTL_HOME and FLOWCTL_PROJECT_DIR unset unless ``env`` sets them."""

    def start(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return flowctl_process(cwd, *args, env={"FLOWCTL_HOME": "", "FLOWCTL_PROJECT_DIR": "", "PYTHONPATH": str(ROOT),
                                                **(env or {})})

    return start
