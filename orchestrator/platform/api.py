"""flowctl API (API Gateway REST, IAM auth): flows, runs, cancel, redrive, publish events.

Handler: ``orchestrator.platform.api.lambda_handler`` (runs from the runtime layer). Routes (the
OpenAPI document is ``openapi.json`` next to this file; regenerate it with
``.venv/bin/python -m orchestrator.platform.api`` or ``flowctl generate``):

- ``GET  /flows`` · ``GET /flows/{flow}``
- ``POST /flows/{flow}/runs`` — body: the params object; ``Idempotency-Key`` header → the run
  id (execution name): repeating the request returns the same run (201 new, 200 repeated)
- ``GET  /flows/{flow}/runs?limit=&next_token=`` · ``GET /runs/{run_id}`` (its steps: one per
  node invocation, keyed by ``node``, ``index``, ``redrive`` round and ``attempt``)
- ``POST /runs/{run_id}/cancel`` · ``POST /runs/{run_id}/redrive``
- ``POST /events`` — ``{"event", "key", "data"}``

Errors: ``{"message", "problems": [{"where", "message", "hint"}]}`` with 400 (invalid params,
malformed JSON), 404 (unknown flow/run), 409 (conflict), 503 (flow not deployed).
The flows are read from ``FLOWCTL_FLOWS_DIR``, else from the function's code folder
(``LAMBDA_TASK_ROOT``: the project's ``flows/``, which is the function's ``CodeUri``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from orchestrator import __version__
from orchestrator.errors import FlowctlError
from orchestrator.platform.kit import HandlerKit
from orchestrator.service import (
    EventPublish,
    body_refusal,
    error_body,
    error_response,
    validation_problems,
)
from orchestrator.service.schemas import ErrorBody

kit = HandlerKit.create()
logger, tracer, metrics, platform = kit.logger, kit.tracer, kit.metrics, kit.platform
app = APIGatewayRestResolver(enable_validation=True)

OPENAPI_PATH = Path(__file__).resolve().with_name("openapi.json")
"""The committed OpenAPI document of this API (package data)."""

_ERRORS: dict[int, Any] = {
    code: {"description": text, "content": {"application/json": {"model": ErrorBody}}}
    for code, text in {400: "Invalid request", 404: "Unknown flow or run", 409: "Conflict"}.items()
}
_OK: dict[str, Any] = {
    name: {"description": text}
    for name, text in {
        "flow": "The flow, its parameters and nodes",
        "started": "Run started",
        "repeated": "Same Idempotency-Key: the run started before",
        "runs": "A page of runs and the token of the next one",
        "run": "The run with its steps: one per node invocation (node, index, redrive, attempt),"
        " every redrive round's kept; and the progress counters of its foreach nodes"
        " (progress: {node: {succeeded, failed, total}})",
        "routed": "Routed at once: the runs resumed, or the event buffered",
        "published": "Put on the event bus",
    }.items()
}
_ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="idempotency-key", description="Makes the request idempotent; becomes the run id."
    ),
]


def _json(status: int, body: dict[str, Any]) -> Response[dict[str, Any]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


@app.exception_handler(RequestValidationError)
def _invalid_request(exc: RequestValidationError) -> Response[dict[str, Any]]:
    return _json(400, error_body("invalid request", validation_problems(exc.errors())))


@app.exception_handler(FlowctlError)
def _flowctl_error(exc: FlowctlError) -> Response[dict[str, Any]]:
    return _json(*error_response(exc))


@app.get("/flows", summary="List the deployed flows")
def list_flows() -> dict[str, Any]:
    return {"flows": platform().list_flows()}


@app.get(
    "/flows/<flow>", summary="Describe a flow", responses={200: _OK["flow"], 404: _ERRORS[404]}
)
def get_flow(flow: str) -> dict[str, Any]:
    return platform().describe_flow(flow)


@app.post(
    "/flows/<flow>/runs",
    summary="Start a run",
    responses={**_ERRORS, 200: _OK["repeated"], 201: _OK["started"]},
)
def start_run(
    flow: str,
    params: Annotated[dict[str, Any] | None, Body(description="The flow's parameters.")] = None,
    idempotency_key: IdempotencyKey = None,
) -> Response[dict[str, Any]]:
    started = platform().runs.start_run(flow, params or {}, idempotency_key=idempotency_key)
    return _json(
        201 if started.created else 200, {"run": started.run.to_dict(), "created": started.created}
    )


@app.get(
    "/flows/<flow>/runs",
    summary="List runs of a flow, newest first",
    responses={200: _OK["runs"], 404: _ERRORS[404]},
)
def list_runs(
    flow: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    next_token: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    page = platform().runs.list_runs(flow, limit=limit, next_token=next_token)
    return {"runs": [run.to_dict() for run in page.runs], "next_token": page.next_token}


@app.get(
    "/runs/<run_id>", summary="A run with its steps", responses={200: _OK["run"], 404: _ERRORS[404]}
)
def get_run(run_id: str) -> dict[str, Any]:
    return {"run": platform().runs.get_run(run_id).to_dict()}


@app.post(
    "/runs/<run_id>/cancel",
    summary="Cancel a running run",
    responses={200: _OK["run"], 404: _ERRORS[404], 409: _ERRORS[409]},
)
def cancel_run(run_id: str) -> dict[str, Any]:
    return {"run": platform().runs.cancel(run_id).to_dict()}


@app.post(
    "/runs/<run_id>/redrive",
    summary="Redrive a failed run",
    responses={200: _OK["run"], 404: _ERRORS[404], 409: _ERRORS[409]},
)
def redrive_run(run_id: str, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    return {"run": platform().runs.redrive(run_id, client_token=idempotency_key).to_dict()}


@app.post(
    "/events",
    summary="Publish an event to waiting runs",
    responses={200: _OK["routed"], 202: _OK["published"], 400: _ERRORS[400]},
)
def publish_event(event: EventPublish) -> Response[dict[str, Any]]:
    result = platform().publish(event)
    return _json(202 if result["published"] == "bus" else 200, result)


@kit.handler(correlation_id_path=correlation_paths.API_GATEWAY_REST, cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return body_refusal(event) or app.resolve(event, context)


def openapi_document() -> str:
    """The committed ``openapi.json`` (deterministic text)."""
    schema = app.get_openapi_json_schema(
        title="flowctl API",
        version=__version__,
        description="Start, inspect, cancel and redrive flow runs; publish events to waiting runs.",
    )
    document = json.loads(schema)
    # Validation errors answer 400 with ErrorBody (see _invalid_request), never Powertools' 422.
    for operation in (op for path in document["paths"].values() for op in path.values()):
        operation["responses"].pop("422", None)
        operation["responses"].setdefault("400", _ERRORS[400] | {"content": _ERROR_CONTENT})
    for unused in ("HTTPValidationError", "ValidationError"):
        document.get("components", {}).get("schemas", {}).pop(unused, None)
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # regenerate openapi.json
    target = OPENAPI_PATH
    target.write_text(openapi_document())
    sys.stdout.write(f"wrote {target}\n")
