"""The cloud path without AWS, seen by a client: the deployed application (its constants), API
Gateway proxy events, and :class:`Cloud` — call the API, let executions end in the engine, hand
status events to the tracker, read runs and execution histories."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from orchestrator.engine.lambda_local import LambdaContext
from orchestrator.runtime import PayloadStore
from orchestrator.store import DynamoRunStore
from orchestrator.testing import StepFunctionsBridge

ROOT = Path(__file__).resolve().parents[3]
PAYLOAD_BUCKET = "flowctl-payloads"
PROJECT_BUCKET = "flowctl-project"
PROJECT_DIR = f"s3://{PROJECT_BUCKET}/app"
SENDER = "reports@example.com"
CALLBACK_TIME_SCALE = 0.01
"""Real seconds a ``.waitForTaskToken`` task waits per virtual second of its timeout."""

def platform_function(name: str) -> dict[str, Any]:
    """The globals of the platform handler ``orchestrator.platform.<name>`` (``lambda_handler``,
    ``platform``), imported once per test session like a warm Lambda container."""
    return vars(importlib.import_module(f"orchestrator.platform.{name}"))


def sample_event(name: str) -> Any:
    """A sample event of ``events/``."""
    return json.loads((ROOT / "events" / name).read_text())


def parked(history: list[dict[str, Any]]) -> bool:
    """The waiter Lambda has returned: the execution waits for its task token."""
    return any(e["type"] == "TaskSubmitted" for e in history)


def api_event(
    method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """An API Gateway REST proxy event (the shape of ``events/api-start-run.json``)."""
    event = sample_event("api-start-run.json")
    route, _, query = path.partition("?")
    merged = {k: v for k, v in event["headers"].items() if k != "Idempotency-Key"}
    merged.update(headers or {})
    params = dict(parse_qsl(query))
    event.update(
        resource=route,
        path=route,
        httpMethod=method,
        headers=merged,
        multiValueHeaders={k: [v] for k, v in merged.items()},
        queryStringParameters=params or None,
        multiValueQueryStringParameters={k: [v] for k, v in params.items()} or None,
        pathParameters=None,
        body=None if body is None else json.dumps(body),
    )
    event["requestContext"].update(httpMethod=method, resourcePath=route, path=f"/Prod{route}")
    return event


class Cloud:
    """The deployed application, seen by a client of its API."""

    def __init__(
        self,
        bridge: StepFunctionsBridge,
        functions: dict[str, dict[str, Any]],
        machines: dict[str, str],
        table: str,
    ) -> None:
        self.bridge = bridge
        self.functions = functions
        self.machines = machines
        self.store = DynamoRunStore(table)
        self.tracked: list[dict[str, Any]] = []

    def invoke(self, function: str, event: Any) -> Any:
        """Invoke a platform function's ``lambda_handler`` like Lambda does."""
        context = LambdaContext(f"flowctl-{function}", self.bridge.lambda_arn(function), 30)
        return self.functions[function]["lambda_handler"](event, context)

    def api(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        answer = self.invoke("api", api_event(method, path, body, headers))
        return answer["statusCode"], json.loads(answer["body"]) if answer.get("body") else None

    def start(self, flow: str, params: Any = None, *, key: str | None = None) -> dict[str, Any]:
        """``POST /flows/{flow}/runs``; the new run (the request must create it)."""
        headers = {"Idempotency-Key": key} if key else None
        status, body = self.api("POST", f"/flows/{flow}/runs", params or {}, headers)
        assert status == 201, body
        assert body["run"]["status"] == "RUNNING" and body["run"]["execution_arn"]
        return dict(body["run"])

    def deliver(self) -> list[dict[str, Any]]:
        """Hand every status change event sent so far to the tracker; its answers."""
        answers = [self.invoke("tracker", event) for event in self.bridge.take_events()]
        self.tracked.extend(answers)
        return answers

    def get_run(self, run_id: str) -> dict[str, Any]:
        status, body = self.api("GET", f"/runs/{run_id}")
        assert status == 200, body
        return dict(body["run"])

    def finish(self, run: dict[str, Any]) -> dict[str, Any]:
        """Let the run's execution end in the engine, track it, and ``GET /runs/{id}``."""
        self.bridge.wait(run["execution_arn"], timeout=900)  # a guard against a hang, not a timing check
        self.deliver()
        return self.get_run(run["run_id"])

    def run(self, flow: str, params: Any = None) -> dict[str, Any]:
        return self.finish(self.start(flow, params))

    def history(self, run: dict[str, Any]) -> list[dict[str, Any]]:
        """The execution history (``GetExecutionHistory``, every page)."""
        events: list[dict[str, Any]] = []
        token: dict[str, str] = {}
        while True:
            page = self.bridge.get_execution_history(
                executionArn=run["execution_arn"], maxResults=1000, **token
            )
            events.extend(page["events"])
            if "nextToken" not in page:
                return events
            token = {"nextToken": page["nextToken"]}


StepKey = tuple[str, int, int, int]
"""(node, index, redrive round, attempt): one node invocation."""


def invocations(cloud: Cloud, run: dict[str, Any]) -> dict[StepKey, tuple[str, Any]]:
    """Each node Lambda invocation of the execution history, every round's: (node, index,
    redrive, attempt) → ("SUCCEEDED", returned payload) or ("FAILED", error name)."""
    found: dict[StepKey, tuple[str, Any]] = {}
    key_of: dict[int, StepKey] = {}
    for event in cloud.history(run):
        if event["type"] == "TaskScheduled":
            payload = json.loads(event["taskScheduledEventDetails"]["parameters"]).get("Payload")
            if isinstance(payload, dict) and "input" in payload and "context" in payload:
                ctx = payload["context"]
                key_of[event["id"]] = (
                    ctx["node"],
                    int(ctx["index"] or 0),
                    int(ctx["redrive"]),
                    int(ctx["attempt"]),
                )
            continue
        key = key_of.get(event["previousEventId"])
        if key is None:
            continue
        key_of[event["id"]] = key
        if event["type"] == "TaskSucceeded":
            result = json.loads(event["taskSucceededEventDetails"]["output"])
            found[key] = ("SUCCEEDED", result["Payload"])
        elif event["type"] in ("TaskFailed", "TaskTimedOut"):
            details = next(v for k, v in event.items() if k.endswith("EventDetails"))
            found[key] = ("FAILED", details["error"])
    return {key: outcome for key, outcome in found.items() if not _replayed(key, outcome, found)}


def _replayed(
    key: StepKey, outcome: tuple[str, Any], found: dict[StepKey, tuple[str, Any]]
) -> bool:
    """A redrive does not call a node again that succeeded in an earlier round: the bridge
    answers its task with the recorded result (AWS does not run it at all), so it is no
    invocation and has no step of its own."""
    node, index, redrive, _ = key
    return outcome[0] == "SUCCEEDED" and any(
        (n, i) == (node, index) and r < redrive and earlier == outcome
        for (n, i, r, _), earlier in found.items()
    )


def assert_steps_match_history(cloud: Cloud, run: dict[str, Any]) -> None:
    """Every node invocation has exactly one step with its status and output (offloaded outputs
    resolve to the same value), and there is no other step."""
    steps = {(s["node"], s["index"], s["redrive"], s["attempt"]): s for s in run["steps"]}
    called = invocations(cloud, run)
    assert set(steps) == set(called)
    payloads = PayloadStore()
    for key, (status, outcome) in called.items():
        step = steps[key]
        assert step["status"] == status, key
        assert step["started_at"] and step["stopped_at"], key
        if status == "SUCCEEDED":
            assert payloads.resolve(step["output"]) == payloads.resolve(outcome), key
        else:
            assert step["error"] == outcome, key
