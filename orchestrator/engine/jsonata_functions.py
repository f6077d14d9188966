"""The JSONata functions Step Functions adds on top of standard JSONata.

AWS registers six functions for states whose ``QueryLanguage`` is ``JSONata``:

* ``$partition(array, size)`` — chunks of ``size`` items, the last one possibly shorter.
* ``$range(start, end, step)`` — ``start`` to ``end`` *inclusive* by ``step`` (at most 1000 items),
  a JSONata sequence: a one-item range is that item (an empty one is ``[]``).
* ``$hash(data, algorithm)`` — hex digest; ``MD5``, ``SHA-1``, ``SHA-256``, ``SHA-384``, ``SHA-512``.
* ``$random([seed])`` — a float in ``[0, 1)``; with a seed, the same number every time (the seed
  feeds ``java.util.Random`` as on AWS). Replaces JSONata's own ``$random()``.
* ``$uuid()`` — a version 4 UUID string.
* ``$parse(jsonString)`` — the parsed JSON value (the safe replacement for ``$eval``).

Contract: :func:`bind_aws_functions` registers them on one compiled ``jsonata.Jsonata``
expression (call it once after compiling; the bindings live on that expression). As in JSONata,
an *undefined* first argument gives an undefined result. Bad arguments raise
``StatesError("States.QueryEvaluationError", cause)``; jsonata-python lets exceptions raised by
registered functions through unchanged, so the engine sees the ``StatesError`` itself and only
adds its usual ``An error occurred while executing the state ...`` prefix.

Example::

    >>> import jsonata
    >>> expr = jsonata.Jsonata("$partition([1, 2, 3], 2)")
    >>> bind_aws_functions(expr)
    >>> expr.evaluate({})
    [[1, 2], [3]]
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import uuid
from typing import TYPE_CHECKING, Any

from jsonata.utils import Utils

from orchestrator.engine.errors import StatesError
from orchestrator.engine.intrinsic_functions import HASHES
from orchestrator.engine.java_text import JavaRandom

if TYPE_CHECKING:
    import jsonata

__all__ = ["bind_aws_functions"]

_ERROR = "States.QueryEvaluationError"
_MAX_RANGE_ITEMS = 1_000
_MAX_HASH_INPUT = 10_000


def bind_aws_functions(expr: jsonata.Jsonata) -> None:
    """Register ``$partition``, ``$range``, ``$hash``, ``$random``, ``$uuid`` and ``$parse``."""
    expr.register_lambda("partition", _partition)
    expr.register_lambda("range", _range)
    expr.register_lambda("hash", _hash)
    expr.register_lambda("random", _random)
    expr.register_lambda("uuid", _uuid)
    expr.register_lambda("parse", _parse)


def _fail(function: str, what: str) -> StatesError:
    return StatesError(_ERROR, f"Invalid arguments in ${function}: {what}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _jsonata_value(value: Any) -> Any:
    """A parsed JSON value as jsonata-python holds it: a top-level ``null`` is ``NULL_VALUE``."""
    return Utils.NULL_VALUE if value is None else value


def _partition(array: Any = None, size: Any = None, *extra: Any) -> Any:
    if extra:
        raise _fail("partition", "expected 2 arguments (array, size)")
    if array is None:
        return None
    if array is Utils.NULL_VALUE or not isinstance(array, list):
        raise _fail("partition", "the first argument must be an array")
    if not _is_number(size) or size != int(size) or size <= 0:
        raise _fail("partition", "the chunk size must be a positive integer")
    chunk = int(size)
    items = list(array)
    return [items[index : index + chunk] for index in range(0, len(items), chunk)]


def _range(start: Any = None, end: Any = None, step: Any = None, *extra: Any) -> Any:
    if extra:
        raise _fail("range", "expected 3 arguments (start, end, step)")
    if start is None:
        return None
    if not (_is_number(start) and _is_number(end) and _is_number(step)):
        raise _fail("range", "start, end and step must be numbers")
    if step == 0:
        raise _fail("range", "step must not be 0")
    count = max(0, math.floor((end - start) / step) + 1)
    if count > _MAX_RANGE_ITEMS:
        raise _fail("range", f"the range would have {count} items; the maximum is 1000")
    # A JSONata sequence, not an array: as on AWS, a one-item range is that item ($range(1, 1, 1)
    # gives 1), and a range inside a path flattens like any sequence.
    if count == 0:
        return []
    sequence = Utils.create_sequence()
    sequence.extend(Utils.convert_number(start + index * step) for index in range(count))
    return sequence


def _hash(data: Any = None, algorithm: Any = None, *extra: Any) -> Any:
    if extra:
        raise _fail("hash", "expected 2 arguments (data, algorithm)")
    if data is None:
        return None
    if not isinstance(data, str):
        raise _fail("hash", "the data must be a string")
    if len(data) > _MAX_HASH_INPUT:
        raise _fail("hash", "the data is longer than 10000 characters")
    if not isinstance(algorithm, str) or algorithm not in HASHES:
        raise _fail("hash", f"the algorithm must be one of {', '.join(HASHES)}")
    return hashlib.new(HASHES[algorithm], data.encode("utf-8")).hexdigest()


def _random(seed: Any = None, *extra: Any) -> float:
    if extra:
        raise _fail("random", "expected at most 1 argument (seed)")
    if seed is None:
        return random.random()  # noqa: S311 - not for security, same as AWS
    if not _is_number(seed) or seed != int(seed):
        raise _fail("random", "the seed must be an integer")
    return JavaRandom(int(seed)).next_double()


def _uuid(*extra: Any) -> str:
    if extra:
        raise _fail("uuid", "expected no arguments")
    return str(uuid.uuid4())


def _parse(text: Any = None, *extra: Any) -> Any:
    if extra:
        raise _fail("parse", "expected 1 argument (jsonString)")
    if text is None:
        return None
    if not isinstance(text, str):
        raise _fail("parse", "the argument must be a string")
    try:
        value = json.loads(text, parse_float=_json_number, parse_constant=_reject_constant)
    except ValueError as exc:
        raise _fail("parse", f"not valid JSON ({exc})") from None
    return _jsonata_value(value)


def _json_number(literal: str) -> int | float:
    """JSONata has one number type: ``1.0`` parses as ``1`` so ``$string`` prints ``1``."""
    number = float(literal)
    if not math.isfinite(number):
        raise ValueError(f"{literal} is out of range")
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
