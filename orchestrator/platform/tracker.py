"""Tracker: execution status changes → the run record.

Standard flows: EventBridge "Step Functions Execution Status Change" events. Express flows
(EventBridge sends no status events for them): their state machine's CloudWatch Logs, through a
subscription filter. Idempotent and monotonic (see :mod:`orchestrator.service.tracker`); a run
started outside the API (a schedule, a rule) is created from the event. Try it:
``sam local invoke TrackerFunction -e events/tracker-succeeded.json`` (or
``events/tracker-express-logs.json``).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from orchestrator.platform.kit import HandlerKit

kit = HandlerKit.create()
logger, tracer, metrics, platform = kit.logger, kit.tracer, kit.metrics, kit.platform


@kit.handler(correlation_id_path="detail.name")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    results = platform().track(event)
    for result in results:
        logger.info(
            "run status",
            extra={"run_id": result.run_id, "status": result.status, "applied": result.applied},
        )
        kit.count("StatusApplied" if result.applied else "StatusIgnored")
    if len(results) == 1:
        only = results[0]
        return {"run_id": only.run_id, "status": only.status, "applied": only.applied}
    return {"runs": [{"run_id": r.run_id, "status": r.status, "applied": r.applied} for r in results]}
