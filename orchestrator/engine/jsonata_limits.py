"""Bounds on one JSONata evaluation: wall time, nesting depth, and regular-expression time.

Contract
--------
* :func:`guard(expr)` installs evaluation hooks on a compiled ``jsonata.Jsonata``;
  :func:`evaluating` brackets one evaluation. Past :data:`~orchestrator.limits.JSONATA_TIMEOUT_SECONDS`
  of wall time or :data:`~orchestrator.limits.JSONATA_MAX_DEPTH` nested evaluation steps, the
  evaluation raises :class:`JsonataLimitError`, which the engine reports as
  ``States.QueryEvaluationError`` (an endless self-applying function, a huge range).
* :func:`regex_engine` compiles JSONata regex literals with the ``regex`` module, whose matches
  stop after :data:`~orchestrator.limits.REGEX_TIMEOUT_SECONDS` (catastrophic backtracking such
  as ``$match('aaaa…!', /(a+)+$/)``) with the same error.

The bounds are read when an evaluation starts, so tests may lower them with monkeypatch.
jsonata-python's own ``Timebox`` is not used: it measures time from compilation, not from
each evaluation, and leaks depth when an evaluation fails.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from orchestrator import limits

__all__ = ["JsonataLimitError", "evaluating", "guard", "regex_engine"]

_CHECK_EVERY = 64  # evaluation steps between two clock reads


class JsonataLimitError(Exception):
    """An evaluation went past one of flowctl's JSONata limits."""


class _Budget(threading.local):
    deadline: float = 0.0
    depth: int = 0
    steps: int = 0
    max_depth: int = 0
    active: bool = False


_budget = _Budget()


@contextmanager
def evaluating() -> Iterator[None]:
    """Bracket one evaluation: a fresh time and depth budget for this thread (re-entrant)."""
    if _budget.active:  # a nested evaluation shares the outer budget
        yield
        return
    _budget.active = True
    _budget.deadline = time.monotonic() + limits.JSONATA_TIMEOUT_SECONDS
    _budget.depth = 0
    _budget.steps = 0
    _budget.max_depth = limits.JSONATA_MAX_DEPTH
    try:
        yield
    finally:
        _budget.active = False


def _enter(_expr: Any, _input: Any, env: Any) -> None:
    if env.is_parallel_call or not _budget.active:
        return
    _budget.depth += 1
    if _budget.depth > _budget.max_depth:
        raise JsonataLimitError(f"the expression nests deeper than {_budget.max_depth} evaluation steps (flowctl's limit)")
    _budget.steps += 1
    if _budget.steps % _CHECK_EVERY == 0 and time.monotonic() > _budget.deadline:
        raise JsonataLimitError(f"the evaluation ran longer than {limits.JSONATA_TIMEOUT_SECONDS:g} s (flowctl's limit)")


def _exit(_expr: Any, _input: Any, env: Any, _result: Any) -> None:
    if env.is_parallel_call or not _budget.active:
        return
    _budget.depth -= 1


def guard(expr: Any) -> None:
    """Install the time and depth hooks on a compiled ``jsonata.Jsonata``."""
    expr.environment.set_evaluate_entry_callback(_enter)
    expr.environment.set_evaluate_exit_callback(_exit)


class _TimedPattern:
    """A ``regex`` pattern whose every match gives up after the regex time limit."""

    __slots__ = ("_pattern",)

    def __init__(self, pattern: Any) -> None:
        self._pattern = pattern

    def _timeout(self) -> float:
        return limits.REGEX_TIMEOUT_SECONDS

    def search(self, string: str) -> Any:
        return self._call(self._pattern.search, string)

    def finditer(self, string: str) -> Any:
        # Materialised inside the time limit (the iterator would match lazily, outside it).
        return iter(self._call(lambda s, timeout: list(self._pattern.finditer(s, timeout=timeout)), string))

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        return self._call(lambda s, timeout: self._pattern.sub(repl, s, count=count, timeout=timeout), string)  # type: ignore[no-any-return]

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        return self._call(lambda s, timeout: self._pattern.split(s, maxsplit=maxsplit, timeout=timeout), string)  # type: ignore[no-any-return]

    def _call(self, method: Any, string: str) -> Any:
        try:
            return method(string, timeout=self._timeout())
        except TimeoutError:
            raise JsonataLimitError(
                f"the regular expression /{self._pattern.pattern}/ took longer than {self._timeout():g} s (flowctl's limit)"
            ) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pattern, name)


def regex_engine(pattern: str, flags: Any) -> _TimedPattern:
    """jsonata-python's ``regex_engine`` hook: a time-limited pattern (same flags as ``re``)."""
    import regex  # only for a regex literal jsonata-python evaluates: most runs never meet one

    native = regex.V0
    if getattr(flags, "case_insensitive", False):
        native |= regex.IGNORECASE
    if getattr(flags, "multiline", False):
        native |= regex.MULTILINE
    return _TimedPattern(regex.compile(pattern, native))
