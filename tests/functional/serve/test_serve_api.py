"""GIVEN a project served by `flowctl serve` on 127.0.0.1 WHEN a client uses the REST API over
HTTP THEN it answers as the cloud API does (same handler, same OpenAPI document)."""

from __future__ import annotations

import json
from pathlib import Path

from servepath import ROOT, flowctl


def test_a_run_started_through_the_api_is_read_back(serve) -> None:
    server = serve()
    # WHEN a run starts with POST /flows/{flow}/runs
    status, body = server.call("POST", "/flows/hello/runs", {"name": "Ada"}, {"Idempotency-Key": "hello-ada-1"})
    # THEN it is created, runs in the local engine and GET /runs/{id} reads it back with its steps
    assert status == 201 and body["created"] is True and body["run"]["run_id"] == "hello-ada-1"
    run = server.finished("hello-ada-1")
    assert run["status"] == "SUCCEEDED" and run["output"] == "Hello, Ada!" and run["trigger"] == "api"
    assert [(s["node"], s["status"]) for s in run["steps"]] == [("greet", "SUCCEEDED")]
    # AND the same Idempotency-Key returns the same run (200), as in the cloud
    again, repeated = server.call("POST", "/flows/hello/runs", {"name": "Ada"}, {"Idempotency-Key": "hello-ada-1"})
    assert again == 200 and repeated["created"] is False
    # AND the run is listed with the flow's runs
    assert [r["run_id"] for r in server.runs("hello")] == ["hello-ada-1"]


def test_errors_and_the_openapi_document_are_the_clouds(serve) -> None:
    server = serve()
    unknown, body = server.call("POST", "/flows/nope/runs", {})
    assert unknown == 404 and body["message"]
    invalid, body = server.call("POST", "/flows/hello/runs", {"name": 3})
    assert invalid == 400 and body["problems"][0]["where"] == "/params/name"
    missing, _ = server.call("GET", "/runs/no-such-run")
    assert missing == 404
    status, document = server.call("GET", "/openapi.json")
    assert status == 200 and document == json.loads((ROOT / "orchestrator" / "platform" / "openapi.json").read_text())
    flows, listed = server.call("GET", "/flows")
    assert flows == 200 and {f["name"] for f in listed["flows"]} >= {"hello", "ticker", "ship", "invoice"}
    page, html = server.call("GET", "/")
    assert page == 200 and "flowctl" in html  # the dashboard (orchestrator.web), else serve's small page


def test_a_token_guards_every_request(serve) -> None:
    server = serve("--token", "s3cret")
    assert server.call("GET", "/flows")[0] == 401
    assert server.call("GET", "/flows", headers={"Authorization": "Bearer wrong"})[0] == 401
    assert server.call("GET", "/flows", headers={"Authorization": "Bearer s3cret"})[0] == 200


def test_another_address_needs_an_explicit_flag(project: Path) -> None:
    refused = flowctl(project, "serve", "--host", "0.0.0.0", "--port", "0")
    assert refused.returncode == 1 and "--allow-remote" in refused.stderr
    assert not (project / ".flowctl" / "serve.json").exists()
