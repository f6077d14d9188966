"""A native fast path for the JSONata expressions flows are mostly made of.

:func:`compile_native` turns the text of a small subset of JSONata into a Python closure:
``$var`` / ``$states.input`` paths through objects, number/string/boolean literals, ``+ - * /``,
unary ``-``, ``&`` on strings, comparisons (``= != < <= > >=``), ``and``/``or``, ``c ? a : b``,
``$exists(path)``, parentheses and blocks with bindings (``($item := $Item_each; $item)``, what
the compiler wraps node expressions in). ``$x + 1``, ``$i < $states.input.n`` or
``$order.total * 1.1`` then cost a few function calls instead of a JSONata interpretation
(20–50× less).

The closure is exact only where it is *sure* to agree with JSONata: plain numbers (no booleans),
strings, booleans, results below 2**53. Anything else — an undefined or null operand, an array
on a path (JSONata maps over it), a type error, a division by zero, a huge or non-finite
number — raises :class:`Fallback`, and the caller evaluates the expression with the JSONata
interpreter, which gives the value or the error AWS gives. Text outside the subset compiles
to None (always interpreted).

A leaf module (no imports from the project): the flow checker uses it to skip JSONata's parser
on the texts it understands, the engine to evaluate them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["SAFE_INTEGER", "Fallback", "NativeExpr", "arith", "build_native", "compile_native", "parse_native"]

NativeExpr = Callable[[Mapping[str, Any], Callable[[str], Any]], Any]
"""``native(states, lookup) -> value``; raises :class:`Fallback` when unsure."""

_SAFE = SAFE_INTEGER = 2**53
"""Numbers at or beyond it (in magnitude) are not sure: the interpreter decides."""
_MISSING: Any = object()
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<str>"[^"\\]*"|'[^'\\]*')
      | (?P<var>\$[A-Za-z_][A-Za-z0-9_]*)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>:=|!=|<=|>=|[=<>+\-*/&().;?:,])
    )""",
    re.VERBOSE,
)
_KEYWORDS = frozenset({"and", "or", "in", "true", "false", "null", "function"})
_COMPARISONS = {"=", "!=", "<", "<=", ">", ">="}


class Fallback(Exception):
    """The native path cannot tell: evaluate with the JSONata interpreter."""


class _Unsupported(Exception):
    """The text is outside the native subset."""


def compile_native(text: str) -> NativeExpr | None:
    """The native closure of ``text``, or None when it is outside the subset."""
    node = parse_native(text)
    return None if node is None else _build(node)


def parse_native(text: str) -> tuple[Any, ...] | None:
    """The syntax tree of ``text`` in the native subset (what :func:`build_native` turns into
    its closure), or None when it is outside the subset. Nodes: ``("const", value)``, ``("path",
    name, keys)``, ``("op", op, left, right)``, ``("neg", x)``, ``("if", test, then, else)``,
    ``("exists", name, keys)``, ``("block", ((name or "", node), ...))``."""
    try:
        tokens = _tokenize(text)
        parser = _Parser(tokens)
        node = parser.expression(0)
        if parser.pos != len(tokens):
            return None
    except _Unsupported:
        return None
    if node[0] == "const":  # literals alone are the interpreter's job (number formatting)
        return None
    return node


def build_native(node: tuple[Any, ...]) -> NativeExpr:
    """The closure of a node of :func:`parse_native`."""
    return _build(node)




def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    end = len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise _Unsupported(text[pos:])
        kind = m.lastgroup
        assert kind is not None
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


# Binding powers of the infix operators (JSONata's own order).
_INFIX = {"?": 20, "or": 25, "and": 30, "=": 40, "!=": 40, "<": 40, "<=": 40, ">": 40, ">=": 40,
          "&": 50, "+": 50, "-": 50, "*": 60, "/": 60}


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _Unsupported("end of text")
        self.pos += 1
        return token

    def expression(self, power: int) -> tuple[Any, ...]:
        left = self.prefix()
        while True:
            token = self.peek()
            if token is None or token[0] not in ("op", "name") or token[1] not in _INFIX:
                return left
            bp = _INFIX[token[1]]
            if bp <= power:
                return left
            self.pos += 1
            if token[1] == "?":
                then = self.expression(0)
                if self.take() != ("op", ":"):
                    raise _Unsupported("? without :")
                otherwise = self.expression(0)
                left = ("if", left, then, otherwise)
                continue
            right = self.expression(bp)
            left = ("op", token[1], left, right)

    def prefix(self) -> tuple[Any, ...]:
        kind, value = self.take()
        if kind == "num":
            number = float(value)
            if not math.isfinite(number) or abs(number) >= _SAFE:
                raise _Unsupported(value)
            return ("const", int(number) if number.is_integer() else number)
        if kind == "str":
            return ("const", value[1:-1])
        if kind == "name" and value in ("true", "false"):
            return ("const", value == "true")
        if (kind, value) == ("var", "$exists") and self.peek() == ("op", "("):
            self.pos += 1
            arg = self.prefix()
            if arg[0] != "path" or self.take() != ("op", ")"):
                raise _Unsupported("$exists")
            return ("exists", arg[1], arg[2])
        if kind == "var":
            keys: list[str] = []
            while self.peek() == ("op", "."):
                self.pos += 1
                name_kind, name = self.take()
                if name_kind != "name" or name in _KEYWORDS:
                    raise _Unsupported(name)
                keys.append(name)
            if self.peek() in (("op", "("), ("op", "[")):
                raise _Unsupported("function call")
            return ("path", value[1:], tuple(keys))
        if (kind, value) == ("op", "-"):
            return ("neg", self.expression(70))
        if (kind, value) == ("op", "("):  # a block: ($a := expr; ...; expr)
            bindings: list[tuple[str, tuple[Any, ...]]] = []
            while True:
                token = self.peek()
                if token is not None and token[0] == "var" and self.tokens[self.pos + 1:self.pos + 2] == [("op", ":=")]:
                    self.pos += 2
                    bindings.append((token[1][1:], self.expression(0)))
                else:
                    inner = self.expression(0)
                    if not bindings and self.peek() == ("op", ")"):
                        self.pos += 1
                        return inner
                    bindings.append(("", inner))
                closing = self.take()
                if closing == ("op", ")"):
                    break
                if closing != ("op", ";"):
                    raise _Unsupported("block")
            return ("block", tuple(bindings))
        raise _Unsupported(value)


def _is_number(value: Any) -> bool:
    return (type(value) is int or type(value) is float) and abs(value) < _SAFE


def _number(value: Any) -> Any:
    if type(value) is float:
        if not math.isfinite(value) or abs(value) >= _SAFE:
            raise Fallback
        if value.is_integer():
            return int(value)
    elif abs(value) >= _SAFE:
        raise Fallback
    return value


def _arith(op: str, a: Any, b: Any) -> Any:
    if not (_is_number(a) and _is_number(b)):
        raise Fallback
    if op == "+":
        return _number(a + b)
    if op == "-":
        return _number(a - b)
    if op == "*":
        return _number(a * b)
    if b == 0:
        raise Fallback
    return _number(a / b)


def _compare(op: str, a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    numbers = ta in (int, float) and tb in (int, float) and abs(a) < _SAFE and abs(b) < _SAFE
    if not (numbers or (ta is str and tb is str) or (op in ("=", "!=") and ta is bool and tb is bool)):
        raise Fallback
    if op == "=":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


class _Absent(Fallback):
    """A path reached nothing (an unset variable, a missing key): ``$exists`` is false."""


def _path(name: str, keys: tuple[str, ...]) -> NativeExpr:
    """``$name.keys...`` (``$states`` or a variable). Raises :class:`_Absent` when the variable
    is unset or a key is missing, Fallback at a value that is not an object (arrays map over
    their items: the interpreter's job)."""
    if name != "states" and not keys:  # ``$var``

        def var(states: Mapping[str, Any], lookup: Callable[[str], Any]) -> Any:
            try:
                return lookup(name)
            except KeyError:
                raise _Absent from None

        return var
    if name != "states" and len(keys) == 1:  # ``$var.key``, a set node's commonest read
        (key,) = keys

        def var_key(states: Mapping[str, Any], lookup: Callable[[str], Any]) -> Any:
            try:
                value = lookup(name)
            except KeyError:
                raise _Absent from None
            if type(value) is not dict:
                raise Fallback
            value = value.get(key, _MISSING)
            if value is _MISSING:
                raise _Absent
            return value

        return var_key

    def path(states: Mapping[str, Any], lookup: Callable[[str], Any]) -> Any:
        if name == "states":
            value: Any = states
        else:
            try:
                value = lookup(name)
            except KeyError:
                raise _Absent from None
        for key in keys:
            if type(value) is not dict:
                raise Fallback
            value = value.get(key, _MISSING)
            if value is _MISSING:
                raise _Absent
        return value  # as the plain-path fast path: operators check their operands

    return path


def _build(node: tuple[Any, ...]) -> NativeExpr:
    kind = node[0]
    if kind == "const":
        value = node[1]
        return lambda states, lookup: value
    if kind == "path":
        return _path(node[1], node[2])
    if kind == "exists":
        path = _path(node[1], node[2])

        def exists(states: Mapping[str, Any], lookup: Callable[[str], Any]) -> bool:
            try:
                path(states, lookup)
            except _Absent:
                return False
            return True

        return exists
    if kind == "if":
        test, then, otherwise = _build(node[1]), _build(node[2]), _build(node[3])

        def choose(states: Mapping[str, Any], lookup: Callable[[str], Any]) -> Any:
            condition = test(states, lookup)
            if type(condition) is not bool:
                raise Fallback
            return then(states, lookup) if condition else otherwise(states, lookup)

        return choose
    if kind == "block":
        steps = [(name, _build(value)) for name, value in node[1]]

        def block(states: Mapping[str, Any], lookup: Callable[[str], Any]) -> Any:
            local: dict[str, Any] = {}

            def scoped(name: str) -> Any:
                return local[name] if name in local else lookup(name)

            value: Any = None
            for name, step in steps:
                value = step(states, scoped)
                if name:
                    local[name] = value
            return value

        return block
    if kind == "neg":
        inner = _build(node[1])

        def neg(states: Mapping[str, Any], lookup: Callable[[str], Any]) -> Any:
            value = inner(states, lookup)
            if not _is_number(value):
                raise Fallback
            return _number(-value)

        return neg
    op, left, right = node[1], _build(node[2]), _build(node[3])
    if op in _COMPARISONS:
        return lambda states, lookup: _compare(op, left(states, lookup), right(states, lookup))
    if op in ("and", "or"):

        def logic(states: Mapping[str, Any], lookup: Callable[[str], Any]) -> bool:
            a, b = left(states, lookup), right(states, lookup)
            if type(a) is not bool or type(b) is not bool:
                raise Fallback
            return (a and b) if op == "and" else (a or b)

        return logic
    if op == "&":

        def concat(states: Mapping[str, Any], lookup: Callable[[str], Any]) -> str:
            a, b = left(states, lookup), right(states, lookup)
            if type(a) is not str or type(b) is not str:
                raise Fallback
            return a + b

        return concat
    if op in _INT_OPS and node[3][0] == "const" and type(node[3][1]) is int:
        return _int_const_arith(op, left, node[3][1])
    return lambda states, lookup: _arith(op, left(states, lookup), right(states, lookup))


_INT_OPS = {"+": int.__add__, "-": int.__sub__, "*": int.__mul__}


def _int_const_arith(op: str, left: NativeExpr, constant: int) -> NativeExpr:
    """``<expr> + 1`` and the like (the commonest arithmetic of flows): integers without the
    general checks; anything else through :func:`_arith`."""
    apply = _INT_OPS[op]

    def int_arith(states: Mapping[str, Any], lookup: Callable[[str], Any]) -> Any:
        a = left(states, lookup)
        if type(a) is int and -_SAFE < a < _SAFE:
            result = apply(a, constant)
            if -_SAFE < result < _SAFE:
                return result
        return _arith(op, a, constant)

    return int_arith


arith = _arith
"""``arith(op, a, b)``: ``a op b`` (``+ - * /``) of two plain numbers as JSONata gives it;
Fallback otherwise."""
