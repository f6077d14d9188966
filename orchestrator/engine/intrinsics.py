"""ASL intrinsic functions (``States.*``) for JSONPath states: parse once, evaluate many times.

Contract:

* :func:`is_intrinsic` tells whether a ``.$`` value is meant as an intrinsic call (it starts
  with ``States.``); anything else is a path for the engine to resolve.
* :func:`parse_intrinsic` turns the text into an immutable :class:`IntrinsicCall` tree, or raises
  :class:`IntrinsicSyntaxError` (unknown function, bad quoting, an escape other than ``\\'``,
  ``\\{``, ``\\}``, ``\\\\``, unbalanced parentheses, trailing text). Like AWS, the number and
  types of arguments are *not* checked here: AWS fails those at run time.
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

import base64
import binascii
import hashlib
import json
import math
import random
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Union

from orchestrator.engine.errors import AslDefinitionError, StatesError

__all__ = [
    "IntrinsicArg",
    "IntrinsicCall",
    "IntrinsicPath",
    "IntrinsicSyntaxError",
    "evaluate_intrinsic",
    "is_intrinsic",
    "parse_intrinsic",
]

_RUNTIME = "States.Runtime"
_MAX_STRING = 10_000  # Base64Encode/Base64Decode/Hash input limit (characters)
_MAX_RANGE_ITEMS = 1_000


class IntrinsicSyntaxError(AslDefinitionError):
    """An intrinsic function call that AWS would reject when the state machine is created."""


@dataclass(frozen=True, slots=True)
class IntrinsicPath:
    """A path argument exactly as written: ``$``, ``$.a[0]``, ``$$.Execution.Id``, ``$var.x``."""

    text: str


IntrinsicArg = Union["IntrinsicCall", IntrinsicPath, str, int, float, bool, None]


@dataclass(frozen=True, slots=True)
class IntrinsicCall:
    """One parsed ``States.<name>(...)`` call.

    ``args`` holds literals (``str``/``int``/``float``/``bool``/``None``), :class:`IntrinsicPath`
    and nested :class:`IntrinsicCall`. ``template`` is filled for ``States.Format`` whose first
    argument is a string literal: the literal text split at its unescaped ``{}`` placeholders
    (``None`` in the tuple marks a malformed template, which fails at run time as on AWS).
    """

    name: str
    args: tuple[IntrinsicArg, ...]
    template: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    template_ok: bool = field(default=True, compare=False, repr=False)


def is_intrinsic(text: str) -> bool:
    """True when ``text`` is meant as an intrinsic call (``"States.Format('x')"``), not a path."""
    return isinstance(text, str) and text.lstrip().startswith("States.")


def parse_intrinsic(text: str) -> IntrinsicCall:
    """Parse ``text`` into an :class:`IntrinsicCall`; raise :class:`IntrinsicSyntaxError`."""
    parser = _Parser(text)
    parser.skip_ws()
    call = parser.parse_call()
    parser.skip_ws()
    if parser.pos != len(text):
        parser.fail("unexpected text after the closing parenthesis")
    return call


def evaluate_intrinsic(call: IntrinsicCall, resolve_path: Callable[[str], Any]) -> Any:
    """Evaluate ``call``; path arguments are resolved with ``resolve_path(path_text)``.

    Raises ``StatesError("States.Runtime", "Invalid arguments in States.<Name>")`` when the
    arguments do not fit the function, as AWS does.
    """
    values = [_eval_arg(arg, resolve_path) for arg in call.args]
    impl = _FUNCTIONS[call.name]
    try:
        return impl(call, values)
    except _InvalidArgumentsError:
        raise StatesError(_RUNTIME, f"Invalid arguments in {call.name}") from None


# --------------------------------------------------------------------------------------------
# Parsing


_NAME = re.compile(r"States\.([A-Za-z0-9]+)")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WORD = re.compile(r"[A-Za-z_]+")
_ESCAPABLE = frozenset("'{}\\")


class _Parser:
    """Recursive-descent parser over one intrinsic string; ``pos`` is the cursor."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> None:
        raise IntrinsicSyntaxError(
            f"invalid intrinsic function call {self.text!r}: {what} (at character {self.pos + 1})"
        )

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parse_call(self) -> IntrinsicCall:
        match = _NAME.match(self.text, self.pos)
        if match is None:
            self.fail("expected a function name like States.Format")
        assert match is not None
        name = match.group(0)
        if name not in _FUNCTIONS:
            self.fail(
                f"unknown intrinsic function {name!r}; known: {', '.join(sorted(_FUNCTIONS))}"
            )
        self.pos = match.end()
        self.skip_ws()
        if self.peek() != "(":
            self.fail(f"expected '(' after {name}")
        self.pos += 1
        args: list[IntrinsicArg] = []
        template: tuple[str, ...] | None = None
        template_ok = True
        self.skip_ws()
        if self.peek() == ")":
            self.pos += 1
        else:
            while True:
                self.skip_ws()
                if self.peek() == "'" and name == "States.Format" and not args:
                    value, template, template_ok = self.parse_string(with_template=True)
                    args.append(value)
                else:
                    args.append(self.parse_arg())
                self.skip_ws()
                char = self.peek()
                if char == ",":
                    self.pos += 1
                    continue
                if char == ")":
                    self.pos += 1
                    break
                self.fail("expected ',' or ')' after an argument" if char else "missing ')'")
        return IntrinsicCall(name, tuple(args), template, template_ok)

    def parse_arg(self) -> IntrinsicArg:
        char = self.peek()
        if char == "'":
            return self.parse_string(with_template=False)[0]
        if char == "$":
            return self.parse_path()
        if char == "-" or char.isdigit():
            match = _NUMBER.match(self.text, self.pos)
            if match is None:
                self.fail("malformed number")
            assert match is not None
            self.pos = match.end()
            literal = match.group(0)
            if any(c in literal for c in ".eE"):
                return float(literal)
            return int(literal)
        if self.text.startswith("States.", self.pos):
            return self.parse_call()
        word = _WORD.match(self.text, self.pos)
        if word is not None and word.group(0) in ("true", "false", "null"):
            self.pos = word.end()
            return {"true": True, "false": False, "null": None}[word.group(0)]
        if char in (",", ")"):
            self.fail("missing argument")
        self.fail("expected a 'string', a number, true/false/null, a $path or a States.* call")
        raise AssertionError  # unreachable

    def parse_string(self, *, with_template: bool) -> tuple[str, tuple[str, ...] | None, bool]:
        """Parse a single-quoted literal; optionally split it at unescaped ``{}``."""
        start = self.pos
        self.pos += 1
        out: list[str] = []
        pieces: list[str] = []
        template_ok = True
        text = self.text
        while True:
            if self.pos >= len(text):
                self.pos = start
                self.fail("unterminated string literal")
            char = text[self.pos]
            if char == "'":
                self.pos += 1
                break
            if char == "\\":
                nxt = text[self.pos + 1] if self.pos + 1 < len(text) else ""
                if nxt not in _ESCAPABLE:
                    self.fail(
                        "a backslash in a string literal may only escape ', {, } or \\ "
                        f"(found \\{nxt})"
                        if nxt
                        else "a string literal ends with a lone backslash"
                    )
                out.append(nxt)
                self.pos += 2
                continue
            if with_template and char in "{}":
                if char == "{" and text.startswith("{}", self.pos):
                    pieces.append("".join(out))
                    out = []
                    self.pos += 2
                    continue
                template_ok = False
            out.append(char)
            self.pos += 1
        if not with_template:
            return "".join(out), None, True
        pieces.append("".join(out))
        return "{}".join(pieces), tuple(pieces), template_ok

    def parse_path(self) -> IntrinsicPath:
        """A path runs to the next ``,`` or ``)`` outside brackets, parentheses and quotes."""
        start = self.pos
        depth = 0
        quote = ""
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if quote:
                if char == "\\":
                    self.pos += 1
                elif char == quote:
                    quote = ""
            elif char in "'\"" and depth > 0:
                quote = char
            elif char in "[(":
                depth += 1
            elif char in "])":
                if depth == 0:
                    break
                depth -= 1
            elif char == "," and depth == 0:
                break
            self.pos += 1
        if quote or depth:
            self.pos = start
            self.fail("unbalanced brackets or quotes in a path argument")
        path = text[start : self.pos].rstrip()
        return IntrinsicPath(path)


# --------------------------------------------------------------------------------------------
# Evaluation helpers


class _InvalidArgumentsError(Exception):
    """Internal: the arguments do not fit; becomes AWS's ``Invalid arguments in ...``."""


def _eval_arg(arg: IntrinsicArg, resolve_path: Callable[[str], Any]) -> Any:
    if isinstance(arg, IntrinsicCall):
        return evaluate_intrinsic(arg, resolve_path)
    if isinstance(arg, IntrinsicPath):
        return resolve_path(arg.text)
    return arg


def _arity(values: Sequence[Any], low: int, high: int | None = None) -> None:
    count = len(values)
    if count < low or count > (low if high is None else high):
        raise _InvalidArgumentsError


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _truncated(value: Any) -> int:
    """A number as Java's ``intValue()`` sees it: fractional part dropped."""
    if not _is_number(value):
        raise _InvalidArgumentsError
    return int(value)


def _rounded(value: Any) -> int:
    """A number as Java's ``Math.round`` sees it: half-up (``-1.5`` -> ``-1``)."""
    if not _is_number(value):
        raise _InvalidArgumentsError
    return math.floor(value + 0.5) if isinstance(value, float) else value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise _InvalidArgumentsError
    return value


def _array(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _InvalidArgumentsError
    return value


def _java_double(number: float) -> str:
    """``Double.toString``: ``1.0``, ``1.1``, ``1.0E10``, ``1.0E-4`` (shortest round-trip digits)."""
    if number == 0:
        return "-0.0" if math.copysign(1.0, number) < 0 else "0.0"
    sign = "-" if number < 0 else ""
    magnitude = abs(number)
    if 1e-3 <= magnitude < 1e7:
        text = repr(magnitude)
        if "e" in text:  # repr never uses exponents in this range, but be safe
            text = format(Decimal(text), "f")
        return sign + (text if "." in text else text + ".0")
    digits_tuple, exponent = Decimal(repr(magnitude)).normalize().as_tuple()[1:]
    assert isinstance(exponent, int)
    digits = "".join(map(str, digits_tuple))
    sci_exponent = len(digits) - 1 + exponent
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{sci_exponent}"


def _java_text(value: Any) -> str:
    """How AWS (Java) prints a JSON value in ``Format``: objects ``{a=1}``, lists ``[1, 2]``."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _java_double(value)
    if isinstance(value, list):
        return "[" + ", ".join(_java_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={_java_text(item)}" for key, item in value.items()) + "}"
    return str(value)


def _compact_json(value: Any) -> str:
    """Compact JSON like AWS's ``JsonToString``: no spaces, key order kept, Java float text."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _InvalidArgumentsError
        return _java_double(value)
    if isinstance(value, dict):
        inner = ",".join(
            json.dumps(str(key), ensure_ascii=False) + ":" + _compact_json(item)
            for key, item in value.items()
        )
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ",".join(_compact_json(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


class _JavaRandom:
    """``java.util.Random`` (48-bit LCG), so a seeded ``MathRandom`` gives AWS's numbers."""

    _MULT = 0x5DEECE66D
    _MASK = (1 << 48) - 1

    def __init__(self, seed: int) -> None:
        self._seed = (seed ^ self._MULT) & self._MASK

    def next_bits(self, bits: int) -> int:
        """``Random.next(bits)``: the next ``bits`` pseudo-random bits as a signed int."""
        self._seed = (self._seed * self._MULT + 0xB) & self._MASK
        result = self._seed >> (48 - bits)
        return result - (1 << 32) if result >= 1 << 31 else result  # Java's (int) cast

    def next_int(self, bound: int) -> int:
        if bound & -bound == bound:  # power of two
            return (bound * self.next_bits(31)) >> 31
        while True:
            bits = self.next_bits(31)
            value = bits % bound
            if -(1 << 31) <= bits - value + (bound - 1) < (1 << 31):
                return value

    def next_double(self) -> float:
        """``Random.nextDouble()``: a float in ``[0, 1)`` from 53 random bits."""
        return ((self.next_bits(26) << 27) + self.next_bits(27)) * (1.0 / (1 << 53))


# --------------------------------------------------------------------------------------------
# The functions. Each takes the call (for Format's pre-split template) and evaluated values.


def _format(call: IntrinsicCall, values: list[Any]) -> str:
    if not values:
        raise _InvalidArgumentsError
    template, *rest = values
    if call.template is not None:
        if not call.template_ok:
            raise _InvalidArgumentsError
        pieces: Sequence[str] = call.template
    else:
        pieces = _string(template).split("{}")
    if len(pieces) - 1 != len(rest):
        raise _InvalidArgumentsError
    out = [pieces[0]]
    for piece, value in zip(pieces[1:], rest, strict=True):
        out.append(_java_text(value))
        out.append(piece)
    return "".join(out)


def _string_to_json(_call: IntrinsicCall, values: list[Any]) -> Any:
    _arity(values, 1)
    text = _string(values[0]).strip()
    if not text:
        return None
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError):
        raise _InvalidArgumentsError from None


def _reject_constant(_name: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e400: not representable, and not JSON once parsed
        raise ValueError(f"{text} is out of range")
    return value


def _json_to_string(_call: IntrinsicCall, values: list[Any]) -> str:
    _arity(values, 1)
    return _compact_json(values[0])


def _array_fn(_call: IntrinsicCall, values: list[Any]) -> list[Any]:
    return list(values)


def _array_partition(_call: IntrinsicCall, values: list[Any]) -> list[list[Any]]:
    _arity(values, 2)
    items = _array(values[0])
    size = _truncated(values[1])
    if size <= 0:
        raise _InvalidArgumentsError
    return [items[index : index + size] for index in range(0, len(items), size)]


def _array_contains(_call: IntrinsicCall, values: list[Any]) -> bool:
    _arity(values, 2)
    items = _array(values[0])
    wanted = _java_text(values[1])
    return any(_java_text(item) == wanted for item in items)


def _array_range(_call: IntrinsicCall, values: list[Any]) -> list[int]:
    _arity(values, 3)
    start, end, step = (_truncated(value) for value in values)
    if step == 0:
        raise _InvalidArgumentsError
    count = max(0, (end - start) // step + 1)
    if count > _MAX_RANGE_ITEMS:
        raise _InvalidArgumentsError
    return list(range(start, end + (1 if step > 0 else -1), step))


def _array_get_item(_call: IntrinsicCall, values: list[Any]) -> Any:
    _arity(values, 2)
    items = _array(values[0])
    index = _truncated(values[1])
    if not items and index >= 0:
        return None  # AWS returns null for an empty array rather than failing
    if not 0 <= index < len(items):
        raise _InvalidArgumentsError
    return items[index]


def _array_length(_call: IntrinsicCall, values: list[Any]) -> int:
    _arity(values, 1)
    return len(_array(values[0]))


def _array_unique(_call: IntrinsicCall, values: list[Any]) -> list[Any]:
    _arity(values, 1)
    seen: set[str] = set()
    unique: list[Any] = []
    for item in _array(values[0]):
        key = _java_text(item)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def _base64_encode(_call: IntrinsicCall, values: list[Any]) -> str:
    _arity(values, 1)
    text = _string(values[0])
    if len(text) > _MAX_STRING:
        raise _InvalidArgumentsError
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


_B64_ALPHABET = re.compile(r"[^A-Za-z0-9+/\-_=]")


def _base64_decode(_call: IntrinsicCall, values: list[Any]) -> str:
    """Lenient like AWS: characters outside the alphabet are skipped, padding optional."""
    _arity(values, 1)
    text = _string(values[0])
    if len(text) > _MAX_STRING:
        raise _InvalidArgumentsError
    cleaned = _B64_ALPHABET.sub("", text).replace("-", "+").replace("_", "/")
    cleaned = cleaned.split("=", 1)[0]
    if len(cleaned) % 4 == 1:  # a lone trailing sextet carries no whole byte
        cleaned = cleaned[:-1]
    try:
        raw = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except binascii.Error:
        raise _InvalidArgumentsError from None
    return raw.decode("utf-8", errors="replace")


_HASHES = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


def _hash(_call: IntrinsicCall, values: list[Any]) -> str:
    _arity(values, 2)
    data, algorithm = values
    if not isinstance(algorithm, str) or algorithm not in _HASHES:
        raise _InvalidArgumentsError
    text = _java_text(data)
    if len(text) > _MAX_STRING:
        raise _InvalidArgumentsError
    return hashlib.new(_HASHES[algorithm], text.encode("utf-8")).hexdigest()


def _json_merge(_call: IntrinsicCall, values: list[Any]) -> dict[str, Any]:
    _arity(values, 3)
    left, right, deep = values
    if not isinstance(left, dict) or not isinstance(right, dict) or not isinstance(deep, bool):
        raise _InvalidArgumentsError
    if deep:
        raise _InvalidArgumentsError  # AWS supports only the shallow mode
    return {**left, **right}


def _math_random(_call: IntrinsicCall, values: list[Any]) -> int:
    _arity(values, 2, 3)
    start, end = _truncated(values[0]), _truncated(values[1])
    if start >= end:
        raise _InvalidArgumentsError
    if len(values) == 3:
        seed = _truncated(values[2])
        return start + _JavaRandom(seed).next_int(end - start)
    return random.randrange(start, end)  # noqa: S311 - not for security, same as AWS


def _math_add(_call: IntrinsicCall, values: list[Any]) -> int:
    _arity(values, 2)
    return _rounded(values[0]) + _rounded(values[1])


def _string_split(_call: IntrinsicCall, values: list[Any]) -> list[str]:
    """Java ``StringTokenizer``: every delimiter character splits; empty tokens are dropped."""
    _arity(values, 2)
    text, delimiters = _string(values[0]), _string(values[1])
    if not delimiters:
        return [text] if text else []
    pattern = "[" + re.escape(delimiters) + "]"
    return [token for token in re.split(pattern, text) if token]


def _uuid(_call: IntrinsicCall, values: list[Any]) -> str:
    _arity(values, 0)
    return str(uuid.uuid4())


_FUNCTIONS: dict[str, Callable[[IntrinsicCall, list[Any]], Any]] = {
    "States.Format": _format,
    "States.StringToJson": _string_to_json,
    "States.JsonToString": _json_to_string,
    "States.Array": _array_fn,
    "States.ArrayPartition": _array_partition,
    "States.ArrayContains": _array_contains,
    "States.ArrayRange": _array_range,
    "States.ArrayGetItem": _array_get_item,
    "States.ArrayLength": _array_length,
    "States.ArrayUnique": _array_unique,
    "States.Base64Encode": _base64_encode,
    "States.Base64Decode": _base64_decode,
    "States.Hash": _hash,
    "States.JsonMerge": _json_merge,
    "States.MathRandom": _math_random,
    "States.MathAdd": _math_add,
    "States.StringSplit": _string_split,
    "States.UUID": _uuid,
}
