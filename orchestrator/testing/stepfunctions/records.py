"""What the fake Step Functions client remembers: its state machines and their executions.

An :class:`Execution` keeps everything AWS would report about it (input, status, history,
redrives) and what a redrive needs (the results it replays); :mod:`.events` shapes it into
AWS's answers and events, :mod:`.redrive` replays it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from orchestrator.engine import Engine, ExecutionResult
from orchestrator.engine.jsonvalue import to_json

__all__ = ["RUNNING", "Execution", "History", "ItemResults", "Machine"]

RUNNING = "RUNNING"
History = list[dict[str, Any]]
ItemResults = dict[tuple[str, tuple[int, ...]], Any]
"""Results of Task states inside inline Map iterations, by (state name, iteration indices)."""


@dataclass
class Machine:
    arn: str
    name: str
    definition: str
    type: str
    role_arn: str
    created: float


@dataclass
class Execution:
    arn: str
    name: str
    machine: Machine
    input: str
    started: float
    outcome: ExecutionResult | None = None
    """How the execution (its latest redrive) ended; None while it runs."""
    redrive_count: int = 0
    redriven: float | None = None
    redrive_token: str | None = None
    history: History = field(default_factory=list)
    offset: int = 0
    """Events of earlier rounds (before the latest redrive) at the start of ``history``."""
    replay: dict[str, Any] = field(default_factory=dict)
    replay_items: ItemResults = field(default_factory=dict)
    engine: Engine | None = None
    thread: threading.Thread | None = None

    @property
    def status(self) -> str:
        return self.outcome.status if self.outcome is not None else RUNNING

    def ending(self) -> tuple[str | None, str | None, str | None, float | None]:
        """(output as JSON text, error, cause, stop time) — all None while it runs."""
        if self.outcome is None:
            return None, None, None, None
        result = self.outcome
        output = to_json(result.output) if result.succeeded else None
        return output, result.error, result.cause, result.stop_date
