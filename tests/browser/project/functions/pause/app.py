"""Wait a moment, then pass a label on (lets a watcher see nodes finish one by one)."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, Field

from orchestrator.runtime import node


class Input(BaseModel):
    """How long to wait and what to say."""

    label: str = Field("step", description="Passed on in the output.")
    seconds: float = Field(0.5, ge=0, le=10, description="How long to wait.")


class Output(BaseModel):
    """The label, and how long the node waited."""

    label: str
    waited: float


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    seconds = float(inputs.get("seconds", 0.5))
    if ctx is not None:
        ctx.logger.info("pausing", extra={"seconds": seconds})
    time.sleep(seconds)
    return {"label": str(inputs.get("label", "step")), "waited": seconds}


lambda_handler = node(handle, input=Input, output=Output)
