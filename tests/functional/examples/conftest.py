"""Fixtures of the example tests: every flow of flows/ run through `flowctl run` on the local
engine, each test with its own run store (FLOWCTL_HOME) and its outputs in a temporary folder.

``flowctl`` runs the CLI in-process (typer's CliRunner) and returns an :class:`Outcome`: the
exit code, stdout, stderr, the run id and the output JSON. Tests that need another process
(an event published from a second terminal) start `flowctl` processes with ``spawn``.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from typer.testing import CliRunner

from orchestrator.cli.app import app

ROOT = Path(__file__).resolve().parents[3]
FLOWS = ROOT / "flows"
DATA = ROOT / "data"
_RUN_ID = re.compile(r"\brun ([\w.:-]+)")


@dataclass
class Outcome:
    """What one `flowctl` command did."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def run_id(self) -> str:
        """The run id `flowctl run` prints ("SUCCEEDED run <id>")."""
        found = _RUN_ID.search(self.stderr + self.stdout)
        assert found, f"no run id in the output:\n{self.stderr}\n{self.stdout}"
        return found.group(1)

    @property
    def output(self) -> Any:
        """The run's output: the JSON `flowctl run` prints on stdout (node log lines left out)."""
        assert self.exit_code == 0, f"exit code {self.exit_code}:\n{self.stdout}\n{self.stderr}"
        return json.loads("\n".join(line for line in self.stdout.splitlines() if not line.startswith('{"level"')))


Flowctl = Callable[..., Outcome]


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private run store; relative flow paths resolve against the repository."""
    monkeypatch.setenv("FLOWCTL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FLOWCTL_PROJECT_DIR", str(ROOT))
    monkeypatch.delenv("FLOWCTL_EMAIL_SENDER", raising=False)
    monkeypatch.chdir(ROOT)
    return tmp_path / "home"


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """Where a test's flow writes its files."""
    path = tmp_path / "out"
    path.mkdir()
    return path


@pytest.fixture
def flowctl() -> Flowctl:
    """``flowctl("run", "flows/x.json", "-q")``: the CLI in-process."""

    def invoke(*args: str) -> Outcome:
        result = CliRunner().invoke(app, [str(a) for a in args])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Outcome(result.exit_code, result.stdout, result.stderr)

    return invoke


@pytest.fixture
def run_flow(flowctl: Flowctl) -> Flowctl:
    """``run_flow("reconciliation", "-p", "k=v")``: `flowctl run flows/<name>.json -q ...`."""

    def run(name: str, *args: str) -> Outcome:
        return flowctl("run", FLOWS / f"{name}.json", "-q", *args)

    return run


@pytest.fixture
def store(home: Path) -> Any:
    """The run store `flowctl` records the test's runs in."""
    from orchestrator.cli.context import local_store

    return local_store(ROOT)


@pytest.fixture
def virtual_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """`flowctl run` uses the engine's virtual clock: retry back-offs and waits take no wall time
    (the CLI always runs on a real clock; the flow's behaviour is the same on both)."""
    import orchestrator.engine
    from orchestrator.engine import VirtualClock

    monkeypatch.setattr(orchestrator.engine, "RealClock", lambda: VirtualClock())


@pytest.fixture(scope="session")
def fake_api() -> ModuleType:
    """``data/api/fake_api.py``: ``with fake_api.serving(fail_first=2) as api`` serves the sample
    records over HTTP on 127.0.0.1, from a thread."""
    spec = importlib.util.spec_from_file_location("flowctl_examples_fake_api", DATA / "api" / "fake_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def spawn(home: Path, flowctl_process: Callable[..., subprocess.Popen[str]]) -> Callable[..., subprocess.Popen[str]]:
    """``spawn("events", "publish", ...)`` starts `flowctl` as another process sharing the test's
    run store (like a second terminal); processes still running at the end are killed."""
    env = {"FLOWCTL_HOME": str(home), "FLOWCTL_PROJECT_DIR": str(ROOT)}
    return lambda *args: flowctl_process(ROOT, *args, env=env)
