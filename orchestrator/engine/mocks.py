"""User mocks of Task states, for testing Retry/Catch and flows without functions or AWS.

Mock format (a dict in code, or the same document in a JSON file), keyed by state name::

    {
      "GetImage":   {"return": {"url": "s3://b/k"}},          # every attempt returns this
      "DetectFace": {"error": "Lambda.TooManyRequestsException", "cause": "slow down"},
      "MatchFace":  [                                          # one entry per attempt;
        {"error": "States.Timeout"},                           # the last one repeats
        {"payload": {"score": 0.93}, "delay": 2.5}
      ]
    }

An entry is one of:

* ``{"return": value}`` — the task result, exactly as the state receives it (before
  ``ResultSelector``/``ResultPath``);
* ``{"payload": value}`` — for Lambda tasks, what the function returned: wrapped in the
  ``lambda:invoke`` response shape (``{"Payload": value, "StatusCode": 200, ...}``) when the
  resource is ``arn:aws:states:::lambda:invoke``; as-is for a plain function ARN;
* ``{"error": "Name", "cause": "text"}`` — the task fails with that error (``cause`` optional).

and may add ``"delay": seconds`` — how long the call takes (virtual time with a virtual clock;
a delay beyond ``TimeoutSeconds`` ends in ``States.Timeout``). For ``.waitForTaskToken`` tasks
the entry is the callback's outcome (no waiting for a token). A mocked state never reaches
local functions or AWS.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.engine.errors import MockError

__all__ = ["MockError", "MockResponse", "Mocks"]

_KINDS = ("return", "payload", "error")


@dataclass(frozen=True)
class MockResponse:
    kind: str  # "return" | "payload" | "error"
    value: Any = None
    error: str | None = None
    cause: str | None = None
    delay: float = 0.0


def _parse_entry(state: str, entry: Any, where: str) -> MockResponse:
    if not isinstance(entry, dict):
        raise MockError(f"mocks[{state!r}]{where}: an entry must be an object with 'return', 'payload' or 'error'")
    kinds = [k for k in _KINDS if k in entry]
    if len(kinds) != 1:
        raise MockError(f"mocks[{state!r}]{where}: use exactly one of 'return', 'payload' or 'error'")
    unknown = set(entry) - {*_KINDS, "cause", "delay"}
    if unknown:
        raise MockError(f"mocks[{state!r}]{where}: unknown field(s) {sorted(unknown)}")
    delay = entry.get("delay", 0)
    if not isinstance(delay, int | float) or isinstance(delay, bool) or delay < 0:
        raise MockError(f"mocks[{state!r}]{where}: 'delay' must be a non-negative number of seconds")
    kind = kinds[0]
    if kind == "error":
        error = entry["error"]
        if not isinstance(error, str):
            raise MockError(f"mocks[{state!r}]{where}: 'error' must be a string")
        cause = entry.get("cause")
        if cause is not None and not isinstance(cause, str):
            cause = json.dumps(cause)
        return MockResponse("error", error=error, cause=cause, delay=float(delay))
    return MockResponse(kind, value=entry[kind], delay=float(delay))


class Mocks:
    """Parsed mocks: ``response(state, attempt, payload)`` → MockResponse or None.

    ``replay(state, payload, map_index)`` (optional) is asked first, for every attempt: it
    returns a mock entry for a call that must not run again (a redrive replaying the recorded
    result of one Map iteration, told apart by the indices of the iterations it runs in or by
    its payload), or None."""

    def __init__(
        self,
        spec: Mapping[str, Any] | str | Path | None,
        replay: Callable[[str, Any, tuple[int, ...]], Any] | None = None,
    ) -> None:
        self.replay = replay
        if isinstance(spec, str | Path):
            with open(spec, encoding="utf-8") as fh:
                spec = json.load(fh)
        if spec is not None and not isinstance(spec, Mapping):
            raise MockError("mocks must be an object keyed by state name")
        self._by_state: dict[str, list[MockResponse]] = {}
        for state, value in (spec or {}).items():
            entries = value if isinstance(value, list) else [value]
            if not entries:
                raise MockError(f"mocks[{state!r}]: the list of attempts is empty")
            self._by_state[state] = [_parse_entry(state, e, f"[{i}]" if isinstance(value, list) else "")
                                     for i, e in enumerate(entries)]

    def __bool__(self) -> bool:
        return bool(self._by_state) or self.replay is not None

    def response(
        self, state: str, attempt: int, payload: Any = None, map_index: tuple[int, ...] = ()
    ) -> MockResponse | None:
        if self.replay is not None:
            entry = self.replay(state, payload, map_index)
            if entry is not None:
                return _parse_entry(state, entry, " (replay)")
        entries = self._by_state.get(state)
        if not entries:
            return None
        return entries[min(attempt, len(entries) - 1)]
