"""ASL intrinsic functions (``States.*``) for JSONPath states: parse once, evaluate many times.

Contract:

* :func:`is_intrinsic` tells whether a ``.$`` value is meant as an intrinsic call (it starts
  with ``States.``); anything else is a path for the engine to resolve.
* :func:`parse_intrinsic` turns the text into an immutable :class:`IntrinsicCall` tree, or raises
  :class:`IntrinsicSyntaxError` (see :mod:`~orchestrator.engine.intrinsic_syntax`). Like AWS,
  the number and types of arguments are *not* checked here: AWS fails those at run time.
* :func:`evaluate_intrinsic` computes the value. Path arguments (:class:`IntrinsicPath`) are
  handed, as written, to the engine's ``resolve_path`` callback, which raises its own
  ``States.Runtime`` for a missing path. Every other failure is
  ``StatesError("States.Runtime", "Invalid arguments in States.<Name>")`` — AWS's wording; the
  engine prefixes its usual ``An error occurred while executing the state ...`` text.

Behaviour follows what real Step Functions does, including its quirks (see the conformance
corpus): ``MathAdd`` rounds each operand half-up (Java ``Math.round``); ``ArrayRange``,
``ArrayPartition``, ``ArrayGetItem`` and ``MathRandom`` truncate fractional numbers;
``StringSplit`` splits on *any* delimiter character and drops empty tokens; ``StringToJson`` of
a blank string is ``null``; ``Format`` renders objects Java-style (``{a=1, b=[]}``);
``JsonToString`` is compact; ``ArrayContains``/``ArrayUnique`` compare the Java-style text of
values; ``MathRandom`` with a seed reproduces ``java.util.Random`` so seeded values match AWS.

Example::

    >>> call = parse_intrinsic("States.Format('Hello {}!', $.name)")
    >>> evaluate_intrinsic(call, lambda path: {"$.name": "Ada"}[path])
    'Hello Ada!'
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orchestrator.engine.errors import StatesError
from orchestrator.engine.intrinsic_functions import FUNCTIONS, InvalidArguments
from orchestrator.engine.intrinsic_syntax import (
    IntrinsicArg,
    IntrinsicCall,
    IntrinsicPath,
    IntrinsicSyntaxError,
    parse_call,
)

__all__ = [
    "IntrinsicArg",
    "IntrinsicCall",
    "IntrinsicPath",
    "IntrinsicSyntaxError",
    "evaluate_intrinsic",
    "is_intrinsic",
    "parse_intrinsic",
]


def is_intrinsic(text: str) -> bool:
    """True when ``text`` is meant as an intrinsic call (``"States.Format('x')"``), not a path."""
    return isinstance(text, str) and text.lstrip().startswith("States.")


def parse_intrinsic(text: str) -> IntrinsicCall:
    """Parse ``text`` into an :class:`IntrinsicCall`; raise :class:`IntrinsicSyntaxError`."""
    return parse_call(text, FUNCTIONS)


def evaluate_intrinsic(call: IntrinsicCall, resolve_path: Callable[[str], Any]) -> Any:
    """Evaluate ``call``; path arguments are resolved with ``resolve_path(path_text)``.

    Raises ``StatesError("States.Runtime", "Invalid arguments in States.<Name>")`` when the
    arguments do not fit the function, as AWS does.
    """
    values = [_eval_arg(arg, resolve_path) for arg in call.args]
    impl = FUNCTIONS[call.name]
    try:
        return impl(call, values)
    except InvalidArguments:
        raise StatesError("States.Runtime", f"Invalid arguments in {call.name}") from None


def _eval_arg(arg: IntrinsicArg, resolve_path: Callable[[str], Any]) -> Any:
    if isinstance(arg, IntrinsicCall):
        return evaluate_intrinsic(arg, resolve_path)
    if isinstance(arg, IntrinsicPath):
        return resolve_path(arg.text)
    return arg
