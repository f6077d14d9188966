"""What runs inside a node Lambda: ``@node``, the node context, payload offload, and the
helpers for a function's required inputs (:mod:`orchestrator.runtime.inputs`).

Example (``functions/detect_face/app.py``)::

    from orchestrator.runtime import node

    @node
    def lambda_handler(inputs, ctx):
        return {"faces": 1}

Importing this package creates no client, reads no environment variable and does not import
pydantic (:class:`~orchestrator.runtime.contract_model.ContractModel`, the base of contract
models, is imported on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestrator.runtime.config import NodeRuntime, configure, get_runtime, reset_runtime
from orchestrator.runtime.context import NodeContext, NodePayload, parse_payload
from orchestrator.runtime.node import node
from orchestrator.runtime.payloads import REF_KEY, PayloadError, PayloadStore, is_ref, resolve_refs

if TYPE_CHECKING:
    from orchestrator.runtime.contract_model import ContractModel


def __getattr__(name: str) -> object:
    """``ContractModel`` on first use (it imports pydantic)."""
    if name == "ContractModel":
        from orchestrator.runtime.contract_model import ContractModel

        return ContractModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "REF_KEY",
    "ContractModel",
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
