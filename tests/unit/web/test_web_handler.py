"""The dashboard/builder handler without a browser: routes, escaping, what the builder writes."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from orchestrator.flowlang.functions import load_function
from orchestrator.flowlang.loader import load_flow
from orchestrator.flowlang.project import Project
from orchestrator.serve.http import Request, Response
from orchestrator.store.local import LocalRunStore
from orchestrator.store.models import Run, Step
from orchestrator.web import create
from orchestrator.web.builder import format_flow

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class FakeApp:
    """What flowctl serve hands the web handler (no engine: runs come from the store)."""

    project_root: Path
    store: LocalRunStore
    flows: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def app(tmp_path: Path) -> FakeApp:
    for name in ("hello", "add_numbers"):
        shutil.copytree(ROOT / "functions" / name, tmp_path / "functions" / name)
    (tmp_path / "flows").mkdir()
    shutil.copy(ROOT / "flows" / "liteflow-hello.json", tmp_path / "flows")
    flow = load_flow(tmp_path / "flows" / "liteflow-hello.json")
    return FakeApp(tmp_path, LocalRunStore(tmp_path / "runs.sqlite3"), {flow.name: flow})


def call(app: FakeApp, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, **query: str) -> Response | None:
    raw = json.dumps(body).encode() if body is not None else b""
    sent = {"content-type": "application/json", "host": "127.0.0.1:8400"} if headers is None else headers
    return create(app)(Request(method, path, {k: [v] for k, v in query.items()}, sent, raw))


def test_only_the_home_page_and_ui_paths_are_answered(app: FakeApp) -> None:
    assert call(app, "GET", "/runs/x") is None
    assert call(app, "GET", "/flows") is None
    home = call(app, "GET", "/")
    assert home is not None and home.status == 200
    assert home.headers["Content-Type"].startswith("text/html")
    assert b'data-flow="liteflow-hello"' in home.body


def test_assets_ship_in_the_package_and_no_other_file_is_served(app: FakeApp) -> None:
    css = call(app, "GET", "/ui/static/app.css")
    assert css is not None and css.status == 200 and css.headers["Content-Type"].startswith("text/css")
    for name in ("graph.js", "run.js", "builder.js", "flow.js", "events.js", "dashboard.js"):
        answer = call(app, "GET", f"/ui/static/{name}")
        assert answer is not None and answer.status == 200, name
        body = answer.body.replace(b'"http://www.w3.org/2000/svg"', b"")  # the SVG namespace
        assert b"https://" not in body and b"http://" not in body  # nothing loaded from elsewhere
    for bad in ("/ui/static/..%2F__init__.py", "/ui/static/missing.js", "/ui/static/handler.py"):
        answer = call(app, "GET", bad)
        assert answer is not None and answer.status == 404


def test_pages_escape_what_they_show(app: FakeApp) -> None:
    app.store.create_run(Run(run_id="<script>x</script>", flow="liteflow-hello", status="FAILED", started_at="2026-01-01T00:00:00Z"))
    home = call(app, "GET", "/")
    assert home is not None
    assert b"<script>x</script>" not in home.body
    assert b"&lt;script&gt;x&lt;/script&gt;" in home.body
    run = call(app, "GET", "/ui/runs/<b>")
    assert run is not None and b"<b>" not in run.body.split(b"<main>")[1]


def test_runs_are_listed_newest_first_and_filtered_by_status(app: FakeApp) -> None:
    for i, status in enumerate(["SUCCEEDED", "FAILED", "SUCCEEDED"]):
        app.store.create_run(Run(run_id=f"r{i}", flow="liteflow-hello", status=status, trigger="schedule", started_at=f"2026-01-0{i + 1}T00:00:00Z"))
    answer = call(app, "GET", "/ui/api/runs")
    assert answer is not None
    assert [r["run_id"] for r in answer.data()["runs"]] == ["r2", "r1", "r0"]
    failed = call(app, "GET", "/ui/api/runs", status="FAILED")
    assert failed is not None and [r["run_id"] for r in failed.data()["runs"]] == ["r1"]


def test_a_run_graph_colours_nodes_from_the_recorded_steps(app: FakeApp) -> None:
    app.store.create_run(Run(run_id="r", flow="liteflow-hello", status="FAILED", started_at="2026-01-01T00:00:00Z"))
    app.store.record_step(Step(run_id="r", node="hello", status="FAILED", error="KeyError", cause="'name'", started_at="2026-01-01T00:00:01Z"))
    answer = call(app, "GET", "/ui/api/runs/r/graph")
    assert answer is not None
    graph = answer.data()
    assert graph["terminal"] is True
    assert graph["nodes"]["hello"]["status"] == "FAILED"
    assert graph["nodes"]["hello"]["detail"] == "KeyError: 'name'"
    assert [n["id"] for n in graph["layout"]["nodes"]] == ["hello"]
    missing = call(app, "GET", "/ui/api/runs/nope/graph")
    assert missing is not None and missing.status == 404


def test_a_running_foreach_shows_its_items_done_of_total_on_the_run_and_in_the_lists(app: FakeApp) -> None:
    # GIVEN a run of liteflow-foreach whose 'each' has done 1,234 of 20,000 items, 3 failed
    shutil.copytree(ROOT / "functions" / "process_item", app.project_root / "functions" / "process_item")
    flow = load_flow(ROOT / "flows" / "liteflow-foreach.json")
    app.flows[flow.name] = flow
    app.store.create_run(Run(run_id="f1", flow=flow.name, status="RUNNING", started_at="2026-01-01T00:00:00Z"))
    app.store.record_step(Step(run_id="f1", node="each", status="SUCCEEDED", index=0, started_at="2026-01-01T00:00:01Z"))
    app.store.set_progress_total("f1", "each", 20_000)
    app.store.add_progress("f1", "each", {"succeeded": 1_234, "failed": 3})
    # WHEN the run page's data is read
    answer = call(app, "GET", "/ui/api/runs/f1/graph")
    assert answer is not None
    graph = answer.data()
    # THEN it has the counters and the CLI's text, for the run and under the node
    row = {"key": "each", "node": "each", "succeeded": 1_234, "failed": 3, "total": 20_000, "text": "1,234/20,000, 3 failed"}
    assert graph["progress"] == [row]
    assert graph["nodes"]["each"]["progress"] == [row]
    # AND the dashboard's run list has an items column with it (a flow without foreach: none)
    app.store.create_run(Run(run_id="h1", flow="liteflow-hello", status="SUCCEEDED", started_at="2026-01-01T00:00:00Z"))
    home = call(app, "GET", "/")
    assert home is not None
    html = home.body.decode()
    assert "<th>items</th>" in html
    assert '<span class="progress" data-node="each">each 1,234/20,000, 3 failed</span>' in html
    listed = call(app, "GET", "/ui/api/runs")
    assert listed is not None
    assert {r["run_id"]: r["progress"] for r in listed.data()["runs"]} == {
        "f1": {"each": {"succeeded": 1_234, "failed": 3, "total": 20_000}}, "h1": {}}


def test_live_validation_reports_problems_at_their_node(app: FakeApp) -> None:
    doc = {"name": "f", "nodes": {"a": {"uses": "add_numbers", "with": {"a": "x"}}}}
    answer = call(app, "POST", "/ui/api/validate", doc)
    assert answer is not None
    data = answer.data()
    assert not data["valid"]
    assert {p["where"] for p in data["problems"]} == {"/nodes/a/with", "/nodes/a/with/a"}
    assert data["layout"]["nodes"][0]["id"] == "a"


def test_the_builder_saves_valid_flows_inside_flows_only(app: FakeApp) -> None:
    doc = {"name": "made", "nodes": {"greet": {"uses": "hello", "with": {"name": "Ada"}}}}
    answer = call(app, "POST", "/ui/api/flows", doc)
    assert answer is not None and answer.status == 201, answer.body
    saved = app.project_root / "flows" / "made.json"
    assert json.loads(saved.read_text()) == doc
    assert saved.read_text() == format_flow(doc)
    for bad in ("../escape", "Made", "a/b", "", None):
        refused = call(app, "POST", "/ui/api/flows", {**doc, "name": bad})
        assert refused is not None and refused.status == 400
        assert refused.data()["problems"][0]["where"] == "/name"
    invalid = call(app, "POST", "/ui/api/flows", {"name": "bad", "nodes": {"x": {"uses": "nope"}}})
    assert invalid is not None and invalid.status == 400
    assert not (app.project_root / "flows" / "bad.json").exists()
    assert {p.name for p in app.project_root.iterdir()} <= {"flows", "functions", "runs.sqlite3"}


def test_a_code_node_is_written_from_the_template_with_its_contract(app: FakeApp) -> None:
    spec = {
        "name": "shout",
        "description": "Upper-case a text.",
        "input": [{"name": "text", "type": "string"}],
        "output": [{"name": "loud", "type": "string"}],
        "body": "return {'loud': inputs['text'].upper()}",
    }
    answer = call(app, "POST", "/ui/api/functions", spec)
    assert answer is not None and answer.status == 201, answer.body
    info = load_function(Project(app.project_root), "shout")
    assert info is not None and info.error is None
    assert info.description.startswith("Upper-case a text.")
    assert info.input_schema["required"] == ["text"]
    assert info.output_schema["properties"]["loud"]["type"] == "string"
    # it exists now: never overwritten
    again = call(app, "POST", "/ui/api/functions", spec)
    assert again is not None and again.status == 400
    for bad, where in ((dict(spec, name="../x"), "/name"), (dict(spec, name="api"), "/name"), (dict(spec, name="ok2", body="return ("), "/body"),
                       (dict(spec, name="ok3", input=[{"name": "class", "type": "string"}]), "/input/0/name")):
        refused = call(app, "POST", "/ui/api/functions", bad)
        assert refused is not None and refused.status == 400, bad
        assert refused.data()["problems"][0]["where"] == where
    assert sorted(p.name for p in (app.project_root / "functions").iterdir()) == ["add_numbers", "hello", "shout"]


def test_writes_another_web_site_could_send_are_refused(app: FakeApp) -> None:
    spec = {"name": "evil", "body": "return {}"}
    plain = call(app, "POST", "/ui/api/functions", spec, headers={"content-type": "text/plain", "host": "127.0.0.1:8400"})
    assert plain is not None and plain.status == 415
    foreign = call(app, "POST", "/ui/api/functions", spec, headers={"content-type": "application/json", "host": "127.0.0.1:8400", "origin": "https://evil.example"})
    assert foreign is not None and foreign.status == 403
    assert not (app.project_root / "functions" / "evil").exists()
    same = call(app, "POST", "/ui/api/validate", {"name": "f", "nodes": {}}, headers={"content-type": "application/json", "host": "127.0.0.1:8400", "origin": "http://127.0.0.1:8400"})
    assert same is not None and same.status == 200


def test_the_readme_shows_the_screenshots_the_browser_tests_take() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in ("dashboard", "run", "fanout", "builder"):
        shot = ROOT / "docs" / "screenshots" / f"{name}.png"
        assert shot.is_file(), f"{shot} is missing: run the browser tests (tests/browser) to take it"
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"(docs/screenshots/{name}.png)" in readme
