"""Fixtures of the serve tests (helpers in :mod:`servepath`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from servepath import FLAKY, FLOWS, GREET, Server


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project: flows (a greeting, schedules, a waiter, a triggered flow, a long wait)."""
    (tmp_path / "flows").mkdir()
    for name, flow in FLOWS.items():
        (tmp_path / "flows" / f"{name}.json").write_text(json.dumps(flow, indent=2))
    (tmp_path / "functions" / "greet").mkdir(parents=True)
    (tmp_path / "functions" / "greet" / "app.py").write_text(GREET)
    (tmp_path / "functions" / "flaky").mkdir()
    (tmp_path / "functions" / "flaky" / "app.py").write_text(FLAKY)
    (tmp_path / "clock.txt").write_text("2026-12-01T10:00:30Z\n")
    return tmp_path


@pytest.fixture
def serve(project: Path) -> Iterator[Callable[..., Server]]:
    """``serve(*args)`` starts ``flowctl serve`` in the project; stopped at the end."""
    started: list[Server] = []

    def start(*args: str) -> Server:
        started.append(Server(project, *args).start())
        return started[-1]

    yield start
    for server in started:
        if server.process is not None and server.process.poll() is None:
            server.process.kill()
            server.process.communicate()
