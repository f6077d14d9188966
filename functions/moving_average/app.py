"""Node function moving_average (implementation pending: see issue 5)."""

from __future__ import annotations

from typing import Any

from orchestrator.runtime import node


@node
def lambda_handler(inputs: Any, ctx: Any) -> Any:
    raise NotImplementedError("moving_average is not implemented yet")
