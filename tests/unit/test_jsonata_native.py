"""The native JSONata fast path agrees with the JSONata interpreter, or steps aside."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.engine.jsonata_expr import UNDEFINED, JsonataEvalError, JsonataExpr
from orchestrator.jsonata_native import Fallback, compile_native

VARIABLES: dict[str, Any] = {
    "x": 1, "f": 1.5, "big": 2**60, "s": "ab", "t": True, "n": None, "o": {"a": {"b": 2}, "l": [1, 2]},
    "zero": 0, "neg": -7,
}
STATES = {"input": {"count": 3, "name": "kim", "items": [{"v": 1}, {"v": 2}]}}

EXPRESSIONS = [
    "$x + 1", "$x - 0.5", "$f * 2", "$f + 1.5", "$x / 3", "$x / $zero", "$x / 2 * 4", "-$x", "-$f + $x",
    "$big + 1", "$big * $big", "$x + $t", "$x + $n", "$x + $missing", "$x + $s", "$s & 'c'", '"a" & $s',
    "$s & $x", "$x < 2", "$x <= 1.0", "$f > $x", "$s >= 'a'", "$s < $x", "$x = 1.0", "$x != 1", "$t = true",
    "$t = 1", "$x < 2 and $f > 1", "$x > 2 or $t", "$x and $t", "($x + 2) * 3", "$x + 2 * 3",
    "$o.a.b + 1", "$o.l + 1", "$o.a.c + 1", "$o.a = $o.a", "$states.input.count * 2",
    "$states.input.items.v + 1", "$states.input.name & '!'", "$neg * $neg", "0.1 + 0.2 + $x",
    "($y := $x + 1; $y * 2)", "($item := $o; $item)", "($item := $o.a; $item.b)", "($x := 5; $x)", "($x)",
    "($a := $missing; $a)", "$exists($o.a.b)", "$exists($o.a.zz)", "$exists($missing)", "$exists($o.l.v)",
    "$exists($n)", "$x > 0 ? 'pos' : 'neg'", "$x < 0 ? 'neg' : $o.a", "$s ? 1 : 2", "$t ? $x : $f",
    "$exists($states.input.count) ? $states.input.count : 0", "($s & 'x'; $x)", "$n", "($n)",
    "$x - $x", "2 - -$x", "$n = $n",
]


def _interpreted(text: str) -> Any:
    expr = JsonataExpr(text)
    expr._native = None  # the interpreter only
    try:
        return expr.evaluate(STATES, VARIABLES.__getitem__)
    except JsonataEvalError as exc:
        return ("error", exc.message)


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_native_result_is_the_interpreters_or_it_falls_back(text: str) -> None:
    # GIVEN an expression of the native subset (or not)
    native = compile_native(text)
    expected = _interpreted(text)
    if native is None:
        return  # outside the subset: always interpreted
    # WHEN the native path evaluates it
    try:
        value = native(STATES, VARIABLES.__getitem__)
    except Fallback:
        return  # it stepped aside: the interpreter decides
    # THEN it is exactly the interpreter's value, type included (1 is not 1.0 is not True)
    assert expected is not UNDEFINED
    assert (type(value), value) == (type(expected), expected)


def test_the_fast_path_covers_what_flows_compile_to() -> None:
    for text in ("$x + 1", "$i < 1000", "$states.input.count * 2", "$a.total > 10 and $b.ok = true",
                 "($item := $Item_each; $item)", "$exists($a.b) ? $a.b : 0"):
        assert compile_native(text) is not None
    for text in ("$count($x)", "$x[0]", "x + 1", "$x ? 1", "$count($x)", "$x := 1", "'a\\'b' & $s", "null"):
        assert compile_native(text) is None
