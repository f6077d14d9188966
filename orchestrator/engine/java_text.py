"""JSON values as AWS's Java code prints them, and ``java.util.Random``.

Step Functions is written in Java, and some intrinsic functions show it: ``States.Format``
prints objects as ``{a=1, b=[]}`` and doubles as ``Double.toString`` does, ``JsonToString`` is
compact JSON with Java's float text, and a seeded ``MathRandom`` draws from
``java.util.Random``. These helpers reproduce that (JSONata's ``$random`` seeding uses the
same generator).
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

__all__ = ["JavaRandom", "compact_json", "java_double", "java_text"]


def java_double(number: float) -> str:
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


def java_text(value: Any) -> str:
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
        return java_double(value)
    if isinstance(value, list):
        return "[" + ", ".join(java_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={java_text(item)}" for key, item in value.items()) + "}"
    return str(value)


def compact_json(value: Any) -> str:
    """Compact JSON like AWS's ``JsonToString``: no spaces, key order kept, Java float text."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not JSON")
        return java_double(value)
    if isinstance(value, dict):
        inner = ",".join(
            json.dumps(str(key), ensure_ascii=False) + ":" + compact_json(item)
            for key, item in value.items()
        )
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ",".join(compact_json(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


class JavaRandom:
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
