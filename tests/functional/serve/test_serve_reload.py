"""A flow the builder saves while ``flowctl serve`` runs is runnable at once (serve's public
``reload_flow`` hook, which the web layer calls instead of reaching into serve's internals)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from orchestrator.constants import POWERTOOLS_METRICS_DISABLED, POWERTOOLS_TRACE_DISABLED
from orchestrator.io.location import PROJECT_DIR_ENV
from orchestrator.runtime.config import reset_runtime
from orchestrator.serve.app import ServeApp
from orchestrator.web.register import register_flow

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def served_here():  # type: ignore[no-untyped-def]
    """A ServeApp in this process sets environment variables and the node runtime: undo both."""
    names = (PROJECT_DIR_ENV, POWERTOOLS_TRACE_DISABLED, POWERTOOLS_METRICS_DISABLED)
    before = {name: os.environ.get(name) for name in names}
    yield
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    reset_runtime()


def test_a_flow_saved_while_serving_runs_without_a_restart(tmp_path: Path, served_here: None) -> None:
    # GIVEN a served project with one flow
    shutil.copytree(ROOT / "functions" / "hello", tmp_path / "functions" / "hello")
    (tmp_path / "flows").mkdir()
    shutil.copy(ROOT / "flows" / "liteflow-hello.json", tmp_path / "flows")
    app = ServeApp(tmp_path, scheduler=False)
    try:
        app.platform.list_flows()  # the catalog and the run service exist before the new flow
        app.start_run("liteflow-hello", {})
        # WHEN a new flow is saved and registered
        doc = json.loads((ROOT / "flows" / "liteflow-hello.json").read_text())
        doc["name"] = "hello-again"
        path = tmp_path / "flows" / "hello-again.json"
        path.write_text(json.dumps(doc))
        assert register_flow(app, path)
        # THEN it runs, and a flow that does not compile is refused with its reason
        started = app.start_run("hello-again", {"name": "Ada"})
        app.wait_runs([started.run.run_id], timeout=60)
        run = app.store.get_run(started.run.run_id, steps=False)
        assert run is not None and run.status == "SUCCEEDED" and run.output == "Hello, Ada!"
        broken = tmp_path / "flows" / "broken.json"
        broken.write_text(json.dumps({"name": "broken", "nodes": {}}))
        assert not register_flow(app, broken)
        assert "broken.json" in app.problems
    finally:
        app.close()


def test_an_app_without_the_hook_registers_nothing(tmp_path: Path) -> None:
    assert register_flow(object(), tmp_path / "flows" / "x.json") is False
