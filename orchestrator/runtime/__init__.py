"""What runs inside a node Lambda: ``@node``, the node context, payload offload, and the
helpers for a function's required inputs (:mod:`orchestrator.runtime.inputs`).

Example (``functions/detect_face/app.py``)::

    from orchestrator.runtime import node

    @node
    def lambda_handler(inputs, ctx):
        return {"faces": 1}

Importing this package creates no client and reads no environment variable.
"""

from __future__ import annotations

from orchestrator.runtime.config import NodeRuntime, configure, get_runtime, reset_runtime
from orchestrator.runtime.context import NodeContext, NodePayload, parse_payload
from orchestrator.runtime.node import node
from orchestrator.runtime.payloads import REF_KEY, PayloadError, PayloadStore, is_ref, resolve_refs

__all__ = [
    "REF_KEY",
    "NodeContext",
    "NodePayload",
    "NodeRuntime",
    "PayloadError",
    "PayloadStore",
    "configure",
    "get_runtime",
    "is_ref",
    "node",
    "parse_payload",
    "reset_runtime",
    "resolve_refs",
]
