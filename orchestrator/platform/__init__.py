"""The platform's Lambda handlers, shipped in the package and run from the runtime layer.

One module per function, each with ``lambda_handler``::

    from orchestrator.platform.api import lambda_handler           # API Gateway REST API
    from orchestrator.platform.tracker import lambda_handler       # execution status → run record
    from orchestrator.platform.waiter import lambda_handler        # wait_for task tokens
    from orchestrator.platform.event_router import lambda_handler  # events → waiting runs

The template written by ``flowctl synth`` points each platform function's ``Handler`` at
``orchestrator.platform.<name>.lambda_handler`` and its ``CodeUri`` at the project's ``flows/``
(the flows the API serves). Importing this package imports none of them: each handler module
builds its Powertools logger, tracer and metrics when imported, as a Lambda entry point does.
"""

from __future__ import annotations

from orchestrator.flowlang.project import PLATFORM_FUNCTIONS

__all__ = ["HANDLERS", "PLATFORM_FUNCTIONS", "handler_path"]

HANDLERS = {name: f"orchestrator.platform.{name}.lambda_handler" for name in PLATFORM_FUNCTIONS}
"""Lambda ``Handler`` of each platform function."""


def handler_path(name: str) -> str:
    """The Lambda ``Handler`` of platform function ``name``: ``api`` → ``orchestrator.platform.api.lambda_handler``."""
    return HANDLERS[name]
