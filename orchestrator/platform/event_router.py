"""Event router: an external event resumes every waiting run of its (name, key) exactly once,
or is buffered (TTL ``FLOWCTL_EVENT_TTL``, default 24 h) for the first waiter to come.

Input: an EventBridge custom event (``detail-type`` = event name, ``detail`` =
``{"key", "data"}``) or the publish shape ``{"event", "key", "data"}``. Try it:
``sam local invoke EventRouterFunction -e events/event_router-payment-received.json``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from orchestrator.platform.kit import HandlerKit
from orchestrator.service import event_from_eventbridge

kit = HandlerKit.create()
logger, tracer, metrics, platform = kit.logger, kit.tracer, kit.metrics, kit.platform


@kit.handler()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    published, event_id = event_from_eventbridge(event)
    result = platform().route(published, event_id)
    logger.info("event routed", extra={"event": published.event, "key": published.key, **result})
    kit.count("RunsResumed", len(result["resumed"]))
    kit.count("EventsBuffered", int(result["buffered"]))
    return result
