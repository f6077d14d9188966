"""Fail until a marker file exists (a dependency that comes back: fix, then redrive)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from orchestrator.runtime import node


class MarkerMissingError(Exception):
    """The marker file does not exist yet."""


class Input(BaseModel):
    """The file whose presence means 'fixed'."""

    marker: str = Field(description="Path of the marker file.")


class Output(BaseModel):
    """Which marker was found."""

    marker: str
    ok: bool


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    marker = str(inputs["marker"])
    if not Path(marker).is_file():
        raise MarkerMissingError(f"marker {marker} is missing")
    return {"marker": marker, "ok": True}


lambda_handler = node(handle, input=Input, output=Output)
