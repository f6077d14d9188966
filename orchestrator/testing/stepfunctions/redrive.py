"""Redrive of a failed execution, as AWS does it: what runs again and what is replayed.

A redrive runs the execution again under its ARN with ``redriveCount`` + 1. A Task state
entered once that succeeded returns its recorded result instead of running again, and so does
one entered once in each iteration of an inline Map (only failed and not-started iterations run
again); states entered several times in a loop run again.
"""

from __future__ import annotations

import json
from typing import Any

from orchestrator.testing.stepfunctions.records import RUNNING, Execution, History, ItemResults

__all__ = ["begin_redrive", "item_replay", "redrive_status", "replayable"]

_SUCCEEDED = {
    "TaskSucceeded": "taskSucceededEventDetails",
    "LambdaFunctionSucceeded": "lambdaFunctionSucceededEventDetails",
}


def redrive_status(ex: Execution) -> tuple[str, str | None]:
    """(``redriveStatus``, ``redriveStatusReason``) of ``ex`` as AWS reports them."""
    if ex.status in (RUNNING, "SUCCEEDED"):
        return "NOT_REDRIVABLE", f"Execution is {ex.status} and cannot be redriven"
    return "REDRIVABLE", None


def replayable(history: History) -> tuple[dict[str, Any], ItemResults]:
    """What a redrive does not run again, from the history of the round that failed: mocks (by
    state name) returning the result of each Task state entered once that succeeded, and the
    results of Task states inside inline Map iterations by (state, iteration indices) — as AWS
    reruns only the failed and not-started iterations of a Map."""
    state_of: dict[int, str] = {}
    index_of: dict[int, tuple[int, ...]] = {}
    entered: dict[tuple[str, tuple[int, ...]], int] = {}
    results: ItemResults = {}
    for event in history:
        prev = event.get("previousEventId", 0)
        where = index_of.get(prev, ())
        if event["type"] == "MapIterationStarted":
            where = (*where, int(event["mapIterationStartedEventDetails"]["index"]))
        index_of[event["id"]] = where
        if event["type"].endswith("StateEntered"):
            name = event["stateEnteredEventDetails"]["name"]
            state_of[event["id"]] = name
            entered[(name, where)] = entered.get((name, where), 0) + 1
            continue
        state = state_of.get(prev)
        if state is None:
            continue
        state_of[event["id"]] = state
        if event["type"] in _SUCCEEDED:
            results[(state, where)] = json.loads(event[_SUCCEEDED[event["type"]]]["output"])
    once = {key: value for key, value in results.items() if entered[key] == 1}
    by_state = {state: {"return": value} for (state, where), value in once.items() if not where}
    by_item = {key: value for key, value in once.items() if key[1]}
    return by_state, by_item


def item_replay(results: ItemResults) -> Any:
    """The engine's replay hook: a Task state of a Map iteration that succeeded returns its result."""

    def replay(state: str, payload: Any, map_index: tuple[int, ...]) -> Any:
        key = (state, map_index)
        return {"return": results[key]} if map_index and key in results else None

    return replay


def begin_redrive(ex: Execution, now: float, client_token: str | None) -> float:
    """Turn the failed ``ex`` into a new round: remember what the failed round replays, count
    the redrive and append its ``ExecutionRedriven`` event (the caller holds the lock). Returns
    the redrive time."""
    by_state, by_item = replayable(ex.history[ex.offset :])
    ex.replay.update(by_state)
    ex.replay_items.update(by_item)
    ex.outcome = None
    ex.redrive_count += 1
    ex.redriven = now
    ex.redrive_token = client_token
    ex.history.append(
        {
            "id": len(ex.history) + 1,
            "previousEventId": 0,
            "timestamp": now,
            "type": "ExecutionRedriven",
            "executionRedrivenEventDetails": {"redriveCount": ex.redrive_count},
        }
    )
    ex.offset = len(ex.history)
    return now
