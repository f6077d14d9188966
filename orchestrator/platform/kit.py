"""What every platform handler module builds when Lambda imports it, written once.

A handler module (``api``, ``tracker``, ``waiter``, ``event_router``) gets its Powertools
logger, tracer and metrics (namespace from ``POWERTOOLS_METRICS_NAMESPACE``, else flowctl's)
and the lazily created :class:`~orchestrator.service.LazyPlatform`, and wraps its
``lambda_handler`` in the same three decorators::

    kit = HandlerKit.create()
    logger, tracer, metrics, platform = kit.logger, kit.tracer, kit.metrics, kit.platform

    @kit.handler(correlation_id_path="detail.name")
    def lambda_handler(event, context): ...

Nothing here runs at import time of this module; :meth:`HandlerKit.create` is called by the
handler module, as a Lambda entry point does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from orchestrator.constants import DEFAULT_METRICS_NAMESPACE, POWERTOOLS_METRICS_NAMESPACE
from orchestrator.service import LazyPlatform

__all__ = ["HandlerKit"]

Handler = TypeVar("Handler", bound=Callable[..., Any])


@dataclass(frozen=True)
class HandlerKit:
    """A platform handler's logger, tracer, metrics and platform."""

    logger: Logger
    tracer: Tracer
    metrics: Metrics
    platform: LazyPlatform

    @classmethod
    def create(cls) -> HandlerKit:
        namespace = os.getenv(POWERTOOLS_METRICS_NAMESPACE, DEFAULT_METRICS_NAMESPACE)
        return cls(Logger(), Tracer(), Metrics(namespace=namespace), LazyPlatform())

    def handler(self, correlation_id_path: str | None = None, *, cold_start_metric: bool = False) -> Callable[[Handler], Handler]:
        """The decorators of a ``lambda_handler``: Lambda context and correlation id on every log
        line, an X-Ray subsegment, metrics flushed at the end (and the cold start counted)."""

        def wrap(func: Handler) -> Handler:
            traced = self.metrics.log_metrics(self.tracer.capture_lambda_handler(func), capture_cold_start_metric=cold_start_metric)
            return self.logger.inject_lambda_context(traced, correlation_id_path=correlation_id_path)  # type: ignore[return-value]

        return wrap

    def count(self, name: str, value: int = 1) -> None:
        """Add ``value`` to the count metric ``name``."""
        self.metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
