"""Node function verify_image (implementation pending: see issue 5)."""

from __future__ import annotations

from typing import Any

from orchestrator.runtime import node


@node
def lambda_handler(inputs: Any, ctx: Any) -> Any:
    raise NotImplementedError("verify_image is not implemented yet")
