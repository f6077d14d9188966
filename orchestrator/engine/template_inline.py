"""One generated function per JSONata object template of native expressions.

Contract
--------
:func:`inline_object(parts, full)` returns ``evaluate(env)``, which builds the object of
``parts`` (a compiled ``set`` node's template, ``Assign {x: {% $x + 1 %}}``) in one Python
frame: each variable path is read once (a template only reads, so two reads give the same
value), integer arithmetic with a constant (``$s0.count + 1``) is written in place, and any
other part is called as its native closure. When anything is unsure — an unset variable, a
missing key, a path through a value that is not an object, an operand that is not a safe
integer and that :func:`~orchestrator.jsonata_native.arith` cannot take — the whole template
is evaluated by ``full``, which gives the value or AWS's error: the same contract as the
closures of :mod:`~orchestrator.jsonata_native`, one frame instead of one per node.

A part is ``(key, node)`` for an expression (its :func:`~orchestrator.jsonata_native.parse_native`
tree, not reading ``$states``), ``(key, ("const", value))`` for a constant (the very value, as
its closure gives it) or ``(key, quick)`` for any other part that has a native closure (a
nested object).

Safety: the generated source holds only names made here (``v3``, ``c2``), fixed keywords and
the operators of :data:`_OPERATORS`; every value taken from the definition (keys, variable
names, numbers, strings, closures) is a default value of the function's parameters, never
source text.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from types import CodeType, FunctionType
from typing import Any

from orchestrator.jsonata_native import SAFE_INTEGER, Fallback, NativeExpr, arith, build_native

__all__ = ["Part", "inline_object", "inline_outcome"]

Part = tuple[str, "tuple[Any, ...] | NativeExpr"]

_OPERATORS = {"+": "+", "-": "-", "*": "*"}
"""The integer operators written in place (``/`` gives floats: its closure decides)."""

_GLOBALS: dict[str, Any] = {"__builtins__": builtins, "F": Fallback, "S": SAFE_INTEGER, "A": arith, "NO_STATES": {}}
"""The globals of every generated function: what all of them use."""

_CODE: dict[str, CodeType] = {}
"""The code of each source: the templates of one shape (a chain of ``set`` nodes) share one code
object, which the interpreter then specializes once for all of them."""


class _Writer:
    """The body of one generated function, its constants and the paths it has read."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: list[Any] = []  # the function's constants c0, c1, ... (its defaults)
        self.paths: dict[tuple[str, tuple[str, ...]], str] = {}
        self.objects: set[str] = set()  # the locals already checked to be objects
        self.count = 0

    def constant(self, value: Any) -> str:
        self.constants.append(value)
        return f"c{len(self.constants) - 1}"

    def temp(self) -> str:
        self.count += 1
        return f"v{self.count}"

    def emit(self, line: str, depth: int = 0) -> None:
        self.lines.append("        " + "    " * depth + line)

    def value(self, part: tuple[Any, ...] | NativeExpr) -> str:
        """The name of a local holding the value of ``part`` (lines emitted to compute it)."""
        if callable(part):
            return self.call(part)
        kind = part[0]
        if kind == "const":
            return self.constant(part[1])
        if kind == "path" and part[1] != "states":
            return self.path(part[1], tuple(part[2]))
        if kind == "op" and part[1] in _OPERATORS and part[3][0] == "const" and type(part[3][1]) is int:
            return self.int_arith(part[1], part[2], part[3][1])
        return self.call(build_native(part))

    def call(self, quick: NativeExpr) -> str:
        out = self.temp()
        self.emit(f"{out} = {self.constant(quick)}(NO_STATES, read)")
        return out

    def path(self, name: str, keys: tuple[str, ...]) -> str:
        known = self.paths.get((name, keys))
        if known is not None:
            return known
        if not keys:
            out = self.temp()
            self.emit(f"{out} = read({self.constant(name)})")  # unset: KeyError
        else:
            parent = self.path(name, keys[:-1])
            out = self.temp()
            if parent not in self.objects:
                self.emit(f"if type({parent}) is not dict:")
                self.emit("raise F", 1)
                self.objects.add(parent)
            self.emit(f"{out} = {parent}[{self.constant(keys[-1])}]")  # missing: KeyError
        self.paths[(name, keys)] = out
        return out

    def int_arith(self, op: str, left: tuple[Any, ...], constant: int) -> str:
        """``left op constant`` for safe integers in place, else by :func:`arith`."""
        a = self.value(left)
        c, o, out = self.constant(constant), self.constant(op), self.temp()
        self.emit(f"if type({a}) is int and -S < {a} < S:")
        self.emit(f"{out} = {a} {_OPERATORS[op]} {c}", 1)
        self.emit(f"if not -S < {out} < S:", 1)
        self.emit(f"{out} = A({o}, {a}, {c})", 2)
        self.emit("else:")
        self.emit(f"{out} = A({o}, {a}, {c})", 1)
        return out


_TAILS = {
    "value": "value",
    "output": "value, nxt, None",
    "output_assigned": "value, nxt, {name: value}",
    "assign": "result, nxt, value",
    "assign_of_input": "env.input, nxt, value",
}
"""What a generated function returns once the object (``value``) is built: the object (an
evaluator), or a JSONata route's ``(output, next, assigned)``: ``Output`` alone, a ``set``
node's ``Output`` that variable ``name`` takes too, ``Assign`` alone with the route's result
or the input as the output."""


def inline_object(parts: list[Part], full: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``evaluate(env)``: the object of ``parts`` built in one frame; ``full(env)`` when unsure.
    Its ``inline`` is ``(parts, full)``, for :func:`inline_outcome`."""
    evaluate = _generate(parts, full, "env", "value", None, None)
    evaluate.inline = (parts, full)  # type: ignore[attr-defined]
    return evaluate


def inline_outcome(
    inline: tuple[list[Part], Callable[[Any], Any]], tail: str, nxt: str | None, name: str | None = None
) -> Callable[[Any, Any, Any], tuple[Any, str | None, Any]]:
    """``outcome(strand, env, result)`` of a JSONata route whose ``Output`` (or ``Assign``) is
    the object template ``inline`` (an evaluator's): the object built and the route's outcome
    returned in one frame; ``tail`` names the outcome (see :data:`_TAILS`)."""
    parts, full = inline
    return _generate(parts, full, "strand, env, result", tail, nxt, name)


def _generate(
    parts: list[Part], full: Callable[[Any], Any], params: str, tail: str, nxt: str | None, name: str | None
) -> Any:
    writer = _Writer()
    values = [(writer.constant(key), writer.value(part)) for key, part in parts]
    body = "\n".join(writer.lines) or "        pass"
    items = ", ".join(f"{key}: {value}" for key, value in values)
    names = "".join(f", c{i}" for i in range(len(writer.constants)))
    source = (
        f"def evaluate({params}, full, nxt, name{names}):\n"
        "    read = env.variables.read\n"
        "    try:\n"
        f"{body}\n"
        "    except (F, KeyError):\n"
        "        value = full(env)\n"
        "    else:\n"
        f"        value = {{{items}}}\n"
        f"    return {_TAILS[tail]}\n"
    )
    code = _CODE.get(source)
    if code is None:
        namespace: dict[str, Any] = {}
        exec(compile(source, "<JSONata template>", "exec"), namespace)  # the source of this module only (see Safety)
        code = namespace["evaluate"].__code__
        if len(_CODE) < 1000:
            _CODE[source] = code
    # the constants are the defaults of the parameters after ``params``: one tuple, no cells
    function = FunctionType(code, _GLOBALS, "evaluate", (full, nxt, name, *writer.constants))
    function.source = source  # type: ignore[attr-defined]
    return function
