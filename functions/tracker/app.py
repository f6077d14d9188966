"""Tracker: EventBridge "Step Functions Execution Status Change" → the run record.

Idempotent and monotonic (see :mod:`orchestrator.service.tracker`); a run started outside the
API (a schedule, a rule) is created from the event. Try it:
``sam local invoke TrackerFunction -e events/tracker-succeeded.json``.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from orchestrator.constants import DEFAULT_METRICS_NAMESPACE, POWERTOOLS_METRICS_NAMESPACE
from orchestrator.service import LazyPlatform

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=os.getenv(POWERTOOLS_METRICS_NAMESPACE, DEFAULT_METRICS_NAMESPACE))
platform = LazyPlatform()


@logger.inject_lambda_context(correlation_id_path="detail.name")
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = platform().track(event)
    logger.info(
        "run status",
        extra={"run_id": result.run_id, "status": result.status, "applied": result.applied},
    )
    metrics.add_metric(
        name="StatusApplied" if result.applied else "StatusIgnored", unit=MetricUnit.Count, value=1
    )
    return {"run_id": result.run_id, "status": result.status, "applied": result.applied}
