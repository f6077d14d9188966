"""Succeed: ends the execution (or branch) successfully with its (filtered) input: the
common pipeline with no work of its own and no next state."""

from __future__ import annotations

from orchestrator.engine.states.base import State

__all__ = ["SucceedState"]


class SucceedState(State):
    type = "Succeed"
    fields = frozenset({"InputPath", "OutputPath", "Output"})
    has_transition = False
