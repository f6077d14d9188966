"""Event router: an external event resumes every waiting run of its (name, key) exactly once,
or is buffered (TTL ``FLOWCTL_EVENT_TTL``, default 24 h) for the first waiter to come.

Input: an EventBridge custom event (``detail-type`` = event name, ``detail`` =
``{"key", "data"}``) or the publish shape ``{"event", "key", "data"}``. Try it:
``sam local invoke EventRouterFunction -e events/event_router-payment-received.json``.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from orchestrator.constants import DEFAULT_METRICS_NAMESPACE, POWERTOOLS_METRICS_NAMESPACE
from orchestrator.service import LazyPlatform, event_from_eventbridge

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=os.getenv(POWERTOOLS_METRICS_NAMESPACE, DEFAULT_METRICS_NAMESPACE))
platform = LazyPlatform()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    published, event_id = event_from_eventbridge(event)
    result = platform().route(published, event_id)
    logger.info("event routed", extra={"event": published.event, "key": published.key, **result})
    metrics.add_metric(name="RunsResumed", unit=MetricUnit.Count, value=len(result["resumed"]))
    metrics.add_metric(name="EventsBuffered", unit=MetricUnit.Count, value=int(result["buffered"]))
    return result
