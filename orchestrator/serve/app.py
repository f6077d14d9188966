""":class:`ServeApp`: a project's application layer wired together in one process.

What the cloud deploys, locally (the same code paths; only the backends differ):

* the platform's **API handler** (the cloud's ``lambda_handler``, called in-process with API
  Gateway proxy events by :meth:`ServeApp.api`) over the service layer, with the project's
  local run store in place of DynamoDB and the local engine
  (:class:`~orchestrator.testing.StepFunctionsBridge`) in place of Step Functions;
* the **waiter** (``wait_for`` nodes register their task token in the store) and the **tracker**
  (execution status changes → run records, pumped from the bridge);
* a **scheduler** in place of EventBridge Scheduler (:mod:`orchestrator.serve.scheduler`);
* an **event bus** in place of EventBridge (:mod:`orchestrator.serve.bus`): ``POST /events``
  puts events on it like the cloud API does.

Node functions run in-process and record their steps in the same store (the node runtime is
configured for the project's store while the app is open). Updates (run status changes, fired
schedules, published events) go to :meth:`ServeApp.subscribe` queues — the terminal view and
server-sent events read them.

Example::

    app = ServeApp(Path("."))
    started = app.start_run("liteflow-hello", {"name": "Ada"})
    app.wait_runs([started.run.run_id])
    app.store.get_run(started.run.run_id).status        # 'SUCCEEDED'
    app.close()
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import warnings
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestrator.constants import (
    DEFAULT_EVENT_SOURCE,
    DEFAULT_HOME,
    FLOWCTL_HOME,
    FLOWCTL_STORE,
    LOCAL_STORE_FILENAME,
    POWERTOOLS_METRICS_DISABLED,
    POWERTOOLS_TRACE_DISABLED,
)
from orchestrator.errors import FlowctlError
from orchestrator.flowlang.model import Flow
from orchestrator.io.location import PROJECT_DIR_ENV
from orchestrator.serve.apigw import from_proxy_result, proxy_event
from orchestrator.serve.bus import BusResult, LocalEventBus
from orchestrator.serve.http import Request, Response
from orchestrator.serve.scheduler import DEFAULT_CATCH_UP_SECONDS, Entry, Scheduler, latest_fired

__all__ = ["ServeApp", "project_home"]

LOCAL_EVENT_BUS = "flowctl-local"
_PUMP_SECONDS = 0.05


def project_home(project_root: Path, env: dict[str, str] | None = None) -> Path:
    """The project's local state folder: ``$FLOWCTL_HOME`` or ``<project>/.flowctl``."""
    env = dict(os.environ) if env is None else env
    return Path(env.get(FLOWCTL_HOME) or project_root / DEFAULT_HOME)


class ServeApp:
    """The application of the project at ``project_root`` (see the module docstring).

    ``clock``: the scheduler's time (aware UTC datetimes; default the real clock).
    ``engine_clock``: the engine's (:class:`~orchestrator.engine.RealClock` by default).
    """

    def __init__(
        self,
        project_root: Path,
        *,
        clock: Callable[[], datetime] | None = None,
        engine_clock: Any = None,
        catch_up: float = DEFAULT_CATCH_UP_SECONDS,
        scheduler: bool = True,
    ) -> None:
        from orchestrator.compiler import compile_flow_file
        from orchestrator.engine import RealClock
        from orchestrator.flowlang.project import Project
        from orchestrator.runtime.config import NodeRuntime, configure
        from orchestrator.service import Platform, PlatformConfig
        from orchestrator.store.local import LocalRunStore
        from orchestrator.testing.stepfunctions import StepFunctionsBridge

        self.project_root = project_root.resolve()
        self.project = Project(self.project_root)
        self.home = project_home(self.project_root)
        self.home.mkdir(parents=True, exist_ok=True)
        for name, value in {
            PROJECT_DIR_ENV: str(self.project_root),
            POWERTOOLS_TRACE_DISABLED: "true",
            POWERTOOLS_METRICS_DISABLED: "true",
        }.items():
            os.environ.setdefault(name, value)
        # Node functions record their steps in this project's store, whatever the environment
        # says (a FLOWCTL_TABLE left set must not send local steps to DynamoDB).
        configure(NodeRuntime.from_env({FLOWCTL_STORE: "local", FLOWCTL_HOME: str(self.home)}))
        self.store = LocalRunStore(self.home / LOCAL_STORE_FILENAME)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.problems: dict[str, str] = {}
        """Flows that could not be served, with why."""
        self.compiled: dict[str, Any] = {}
        for path in self.project.flow_paths():
            try:
                compiled = compile_flow_file(path, self.project)
            except FlowctlError as exc:
                self.problems[path.name] = str(exc).splitlines()[0]
                continue
            self.compiled[compiled.flow.name] = compiled
        self.flows: dict[str, Flow] = {name: c.flow for name, c in self.compiled.items()}
        self.bridge = StepFunctionsBridge(
            functions_dir=self.project.functions_dir,
            functions={"waiter": self._waiter},
            clock=engine_clock or RealClock(),
        )
        machines = {name: self.bridge.deploy_flow(c) for name, c in self.compiled.items()}
        self.bus = LocalEventBus(
            platform_source=DEFAULT_EVENT_SOURCE,
            route=lambda published, event_id: self.platform.route(published, event_id),
            start=self._start,
            flows=lambda: self.flows,
            on_event=lambda result: self.notify("event", result.to_dict()),
        )
        config = PlatformConfig(
            state_machines=machines,
            flows_dir=self.project.flows_dir,
            event_bus=LOCAL_EVENT_BUS,
            event_source=DEFAULT_EVENT_SOURCE,
        )
        self.platform = Platform(
            config, store=self.store, sfn=self.bridge, events_client=self.bus, env={}
        )
        self._subscribers: list[queue.Queue[dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._api_lock = threading.Lock()
        self._pump_lock = threading.Lock()
        self._api: dict[str, Any] | None = None
        self._closed = threading.Event()
        self._pump_thread = threading.Thread(
            target=self._pump_loop, name="flowctl-tracker", daemon=True
        )
        self._pump_thread.start()
        self.scheduler = Scheduler(
            self.flows if scheduler else {},
            self._start_scheduled,
            clock=self.clock,
            last_fired=self._last_fired,
            catch_up=catch_up,
            on_fire=self._fired,
            on_error=lambda entry, instant, exc: self.notify(
                "schedule_error",
                {
                    "flow": entry.flow.name,
                    "schedule": entry.number,
                    "time": instant.isoformat(),
                    "message": str(exc).splitlines()[0],
                },
            ),
        )

    # ------------------------------------------------------------------ the API
    def api(self, request: Request) -> Response:
        """Answer ``request`` with the cloud API handler, in-process."""
        from orchestrator.engine.lambda_local import LambdaContext

        module = self._api_module()
        context = LambdaContext("flowctl-api", self.bridge.lambda_arn("api"), 29)
        with self._api_lock, warnings.catch_warnings():  # the resolver keeps the event on itself
            warnings.simplefilter("ignore")  # Powertools: "No application metrics to publish"
            result = module["lambda_handler"](proxy_event(request), context)
        return from_proxy_result(result)

    def openapi_document(self) -> str:
        """The API's OpenAPI document (the one the cloud API serves)."""
        return str(self._api_module()["openapi_document"]())

    def _api_module(self) -> dict[str, Any]:
        if self._api is None:
            from aws_lambda_powertools.metrics.provider import cold_start

            cold_start.is_cold_start = False  # no EMF cold-start metric on stdout locally
            module = load_api_module()
            module["platform"].override(self.platform)
            self._api = module
        return self._api

    # ------------------------------------------------------------------ runs and events
    def start_run(
        self, flow: str, params: Any, *, run_id: str | None = None, trigger: str = "api"
    ) -> Any:
        """Start a run through the service layer (``POST /flows/{flow}/runs``)."""
        return self.platform.runs.start_run(flow, params, idempotency_key=run_id, trigger=trigger)

    def publish(self, event: dict[str, Any]) -> BusResult:
        """Put an EventBridge event (``source``, ``detail-type``, ``detail``, ...) on the bus."""
        from orchestrator.serve.bus import make_event

        full = make_event(
            str(event.get("source", "")),
            str(event.get("detail-type", "")),
            event.get("detail"),
            event_id=event.get("id"),
            resources=event.get("resources"),
        )
        return self.bus.publish(full)

    def backfill(
        self, flow: str, start: datetime, end: datetime, schedule: int | None = None
    ) -> list[tuple[str, Any]]:
        """One run per fire time of the flow's schedules (or of schedule ``schedule``) in
        ``[start, end]``; (run id, StartedRun) in time order (``created`` False: it existed)."""
        from orchestrator.serve.scheduler import schedule_params
        from orchestrator.serve.schedules import fire_run_id, fire_times

        found = self.flows.get(flow)
        if found is None:
            raise FlowctlError(
                f"no flow '{flow}' in {self.project.flows_dir}"
                + (f" ({self.problems[flow + '.json']})" if flow + ".json" in self.problems else "")
            )
        numbered = list(enumerate(found.schedules, start=1))
        if schedule is not None:
            if not 1 <= schedule <= len(numbered):
                raise FlowctlError(
                    f"flow '{flow}' has {len(numbered)} schedule(s); --schedule is 1 to {len(numbered)}"
                )
            numbered = [numbered[schedule - 1]]
        if not numbered:
            raise FlowctlError(f"flow '{flow}' has no schedules")
        due = sorted(
            (instant, number, sched)
            for number, sched in numbered
            for instant in fire_times(sched, start, until=end, inclusive=True)
        )
        started = []
        for instant, number, sched in due:
            run_id = fire_run_id(flow, number, instant)
            started.append(
                (
                    run_id,
                    self._start(flow, schedule_params(sched, instant), run_id, trigger="backfill"),
                )
            )
        return started

    def cancel(self, run_id: str) -> Any:
        return self.platform.runs.cancel(run_id, cause="cancelled with flowctl runs cancel")

    def wait_runs(self, run_ids: Iterable[str], timeout: float = 3600.0) -> None:
        """Block until each run's execution (started by this process) ends, and track it."""
        for run_id in run_ids:
            run = self.store.get_run(run_id, steps=False)
            if run is None or not run.execution_arn:
                continue
            try:
                self.bridge.wait(run.execution_arn, timeout=timeout)
            except Exception as exc:  # an execution of another process: nothing to wait for
                if "DoesNotExist" not in str(exc):
                    raise
        self.pump()

    # ------------------------------------------------------------------ updates
    def subscribe(self) -> queue.Queue[dict[str, Any]]:
        """A queue receiving every update (``{"type", "data", "time"}``) from now on."""
        q: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=1000)
        with self._lock:
            self._subscribers.append(q)
        return q

    def unsubscribe(self, q: queue.Queue[dict[str, Any]]) -> None:
        with self._lock:
            if q in self._subscribers:
                self._subscribers.remove(q)

    def notify(self, kind: str, data: dict[str, Any]) -> None:
        update = {"type": kind, "data": data, "time": datetime.now(UTC).isoformat()}
        with self._lock:
            subscribers = list(self._subscribers)
        for q in subscribers:
            # A subscriber that does not read loses updates; it never blocks the app.
            with contextlib.suppress(queue.Full):
                q.put_nowait(update)

    # ------------------------------------------------------------------ lifecycle
    def pump(self) -> int:
        """Hand the bridge's status change events to the tracker; how many."""
        with self._pump_lock:  # a caller returns once every event taken so far is tracked
            events = self.bridge.take_events()
            for event in events:
                for result in self.platform.track(event):
                    run = self.store.get_run(result.run_id, steps=False)
                    self.notify(
                        "run",
                        {
                            "run_id": result.run_id,
                            "status": result.status,
                            "flow": run.flow if run else None,
                            "trigger": run.trigger if run else None,
                            "error": run.error if run else None,
                        },
                    )
        return len(events)

    def close(self) -> None:
        """Stop the scheduler, abort every running execution (ABORTED, redrivable) and track it."""
        if self._closed.is_set():
            return
        self.scheduler.stop()
        from orchestrator.runtime.config import configure

        self.bridge.shutdown()
        self._closed.set()
        if self._api is not None:
            self._api["platform"].override(None)
        configure(None)
        self._pump_thread.join(2.0)
        self.pump()

    def _pump_loop(self) -> None:
        while not self._closed.is_set():
            try:
                busy = self.pump()
            except Exception as exc:  # keep tracking; say what went wrong
                self.notify("error", {"message": f"tracker: {exc}"})
                busy = 0
            if not busy:
                self._closed.wait(_PUMP_SECONDS)

    # ------------------------------------------------------------------ wiring
    def _waiter(self, payload: dict[str, Any], context: Any) -> dict[str, Any]:
        result = self.platform.wait(payload)
        return {
            "registered": True,
            "resumed": result.resumed,
            "expires_at": result.waiter.expires_at,
        }

    def _start(self, flow: str, params: Any, run_id: str, trigger: str = "event") -> Any:
        return self.start_run(flow, params, run_id=run_id, trigger=trigger)

    def _start_scheduled(self, flow: str, params: Any, run_id: str) -> Any:
        return self.start_run(flow, params, run_id=run_id, trigger="schedule")

    def _fired(self, entry: Entry, instant: datetime, started: Any) -> None:
        self.notify(
            "schedule",
            {
                "flow": entry.flow.name,
                "schedule": entry.number,
                "time": instant.isoformat(),
                "run_id": started.run.run_id,
                "created": started.created,
            },
        )

    def _last_fired(self, flow: str, number: int) -> datetime | None:
        run_ids: list[str] = []
        token = None
        for _ in range(5):
            page = self.store.list_runs(flow, limit=200, next_token=token)
            run_ids.extend(run.run_id for run in page.runs)
            token = page.next_token
            if not token:
                break
        return latest_fired(run_ids, flow, number)


def load_api_module() -> dict[str, Any]:
    """The globals of the platform's API function (``lambda_handler``, ``platform``,
    ``openapi_document``): :mod:`orchestrator.platform.api`, as the cloud runs it."""
    from orchestrator.platform import api

    return vars(api)
