"""Node function mark_profile (implementation pending: see issue 5)."""

from __future__ import annotations

from typing import Any

from orchestrator.runtime import node


@node
def lambda_handler(inputs: Any, ctx: Any) -> Any:
    raise NotImplementedError("mark_profile is not implemented yet")
