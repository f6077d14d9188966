"""Waiter: registers the task token of a ``wait_for`` node under (event, key).

Invoked by a ``.waitForTaskToken`` task with
``{"token", "event", "key", "timeout", "context": {...}}``; when the event is already buffered
it is consumed and the task resumed at once. Try it:
``sam local invoke WaiterFunction -e events/waiter-payload.json``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from orchestrator.platform.kit import HandlerKit

kit = HandlerKit.create()
logger, tracer, metrics, platform = kit.logger, kit.tracer, kit.metrics, kit.platform


@kit.handler(correlation_id_path="context.run_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = platform().wait(event)
    logger.info(
        "waiting",
        extra={"event": result.waiter.event, "key": result.waiter.key, "resumed": result.resumed},
    )
    kit.count("WaiterResumedAtOnce" if result.resumed else "WaiterRegistered")
    return {"registered": True, "resumed": result.resumed, "expires_at": result.waiter.expires_at}
