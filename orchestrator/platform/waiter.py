"""Waiter: registers the task token of a ``wait_for`` node under (event, key).

Invoked by a ``.waitForTaskToken`` task with
``{"token", "event", "key", "timeout", "context": {...}}``; when the event is already buffered
it is consumed and the task resumed at once. Try it:
``sam local invoke WaiterFunction -e events/waiter-payload.json``.
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


@logger.inject_lambda_context(correlation_id_path="context.run_id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = platform().wait(event)
    logger.info(
        "waiting",
        extra={"event": result.waiter.event, "key": result.waiter.key, "resumed": result.resumed},
    )
    metrics.add_metric(
        name="WaiterResumedAtOnce" if result.resumed else "WaiterRegistered",
        unit=MetricUnit.Count,
        value=1,
    )
    return {"registered": True, "resumed": result.resumed, "expires_at": result.waiter.expires_at}
