"""Pass an item on; items from ``hold_from`` on wait until the gate file exists (lets a watcher
see a foreach part done for as long as it looks)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from orchestrator.runtime import node

MAX_WAIT = 120.0
"""Seconds an item waits for the gate at most (a test that never opens it still ends)."""


class Input(BaseModel):
    """The item, and when it waits."""

    item: int = Field(description="The item.")
    hold_from: int = Field(0, description="Items from this one on wait for the gate.")
    gate: str = Field("", description="Path of the gate file; empty: nobody waits.")


class Output(BaseModel):
    """The item passed on."""

    item: int


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    item, gate = int(inputs["item"]), str(inputs.get("gate") or "")
    if gate and item >= int(inputs.get("hold_from") or 0):
        deadline = time.monotonic() + MAX_WAIT
        while not Path(gate).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return {"item": item}


lambda_handler = node(handle, input=Input, output=Output)
