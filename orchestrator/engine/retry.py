"""Retry and Catch: which error a retrier/catcher matches, and how long to back off.

Contract
--------
* :func:`error_matches` — ``States.ALL`` matches every error, ``States.TaskFailed`` every error
  but ``States.Timeout``; terminal errors (``States.Runtime``, ``States.DataLimitExceeded``)
  are never matched: they always fail the execution.
* :class:`Retrier` — ``ErrorEquals``, ``IntervalSeconds`` (1), ``MaxAttempts`` (3; 0 = never),
  ``BackoffRate`` (2.0), ``MaxDelaySeconds``, ``JitterStrategy`` (``FULL``|``NONE``).
  :meth:`RetryPolicy.next_delay` returns the seconds to wait before the next attempt, or None
  when the error is not retried (no retrier matches, or the first matching one is exhausted).
  Each retrier counts its own attempts.
* :class:`Catcher` — ``ErrorEquals``, ``Next`` and the output fields (``ResultPath``/``Output``/
  ``Assign``) that the owning state applies; the first matching catcher wins.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from orchestrator.engine.errors import AslDefinitionError

__all__ = [
    "TERMINAL_ERRORS",
    "Catcher",
    "RetryPolicy",
    "Retrier",
    "error_matches",
    "parse_catchers",
    "parse_retriers",
]

TERMINAL_ERRORS = frozenset({"States.Runtime", "States.DataLimitExceeded"})


def error_matches(names: tuple[str, ...], error: str | None) -> bool:
    if error in TERMINAL_ERRORS:
        return False
    if error in names or "States.ALL" in names:
        return True
    return "States.TaskFailed" in names and error != "States.Timeout"


def _error_equals(spec: dict[str, Any], where: str) -> tuple[str, ...]:
    names = spec.get("ErrorEquals")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise AslDefinitionError("These fields are required: [ErrorEquals]", where)
    if "States.ALL" in names and len(names) > 1:
        raise AslDefinitionError("'States.ALL' must appear alone in 'ErrorEquals'", where)
    return tuple(names)


_RETRIER_FIELDS = frozenset(
    {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment"}
)
_MAX_INT = 99999999
_MAX_DELAY = 31622400  # one year, AWS's upper bound of MaxDelaySeconds


def _number(
    spec: dict[str, Any], key: str, default: Any, where: str, integer: bool, minimum: float,
    maximum: float = _MAX_INT,
) -> Any:
    value = spec.get(key, default)
    if value is None:
        return None
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok and integer and isinstance(value, float) and not value.is_integer():
        ok = False
    if not ok or not minimum <= value <= maximum:
        raise AslDefinitionError(f"The value of '{key}' is invalid: {value!r}", where)
    return int(value) if integer else float(value)


@dataclass(frozen=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval: float = 1.0
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay: float | None = None
    jitter: bool = False

    @classmethod
    def parse(cls, spec: Any, where: str) -> Retrier:
        if not isinstance(spec, dict):
            raise AslDefinitionError("A retrier must be an object", where)
        for key in spec:
            if key not in _RETRIER_FIELDS:
                raise AslDefinitionError(f"Field '{key}' is not supported in a retrier", f"{where}/{key}")
        jitter = spec.get("JitterStrategy", "NONE")
        if jitter not in ("FULL", "NONE"):
            raise AslDefinitionError("'JitterStrategy' must be FULL or NONE", where)
        return cls(
            error_equals=_error_equals(spec, where),
            interval=_number(spec, "IntervalSeconds", 1, where, True, 1),
            max_attempts=_number(spec, "MaxAttempts", 3, where, True, 0),
            backoff_rate=_number(spec, "BackoffRate", 2.0, where, False, 1.0),
            max_delay=_number(spec, "MaxDelaySeconds", None, where, True, 1, _MAX_DELAY),
            jitter=jitter == "FULL",
        )


@dataclass
class RetryPolicy:
    """The retry state of one state execution (attempt counts per retrier)."""

    retriers: tuple[Retrier, ...]
    counts: list[int] = field(default_factory=list)
    rng: random.Random | None = None

    def next_delay(self, error: str | None) -> float | None:
        if not self.counts:
            self.counts = [0] * len(self.retriers)
        for i, retrier in enumerate(self.retriers):
            if not error_matches(retrier.error_equals, error):
                continue
            attempt = self.counts[i]
            if attempt >= retrier.max_attempts:
                return None
            self.counts[i] = attempt + 1
            delay = retrier.interval * retrier.backoff_rate**attempt
            if retrier.max_delay is not None:
                delay = min(delay, retrier.max_delay)
            if retrier.jitter:
                delay = (self.rng or random).uniform(0, delay)
            return delay
        return None

    @property
    def retry_count(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Catcher:
    error_equals: tuple[str, ...]
    next: str
    spec: dict[str, Any]
    index: int

    def matches(self, error: str | None) -> bool:
        return error_matches(self.error_equals, error)


def parse_retriers(value: Any, where: str) -> tuple[Retrier, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise AslDefinitionError("'Retry' must be an array", where)
    retriers = tuple(Retrier.parse(spec, f"{where}/{i}") for i, spec in enumerate(value))
    _all_last([r.error_equals for r in retriers], where, "retrier")
    return retriers


def _all_last(names: list[tuple[str, ...]], where: str, what: str) -> None:
    """The ASL specification: a ``States.ALL`` retrier/catcher MUST be the last one."""
    for i, error_equals in enumerate(names[:-1]):
        if "States.ALL" in error_equals:
            raise AslDefinitionError(
                f"'States.ALL' must appear alone in the last {what}, not in {what} {i} of {len(names)}",
                f"{where}/{i}/ErrorEquals",
            )


def parse_catchers(value: Any, where: str) -> tuple[Catcher, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise AslDefinitionError("'Catch' must be an array", where)
    out = []
    for i, spec in enumerate(value):
        at = f"{where}/{i}"
        if not isinstance(spec, dict):
            raise AslDefinitionError("A catcher must be an object", at)
        nxt = spec.get("Next")
        if not isinstance(nxt, str):
            raise AslDefinitionError("These fields are required: [Next]", at)
        out.append(Catcher(_error_equals(spec, at), nxt, spec, i))
    _all_last([c.error_equals for c in out], where, "catcher")
    return tuple(out)
