"""Choice rules: JSONPath comparison rules (``Variable`` + operator, ``And``/``Or``/``Not``) and
JSONata ``Condition``.

Contract
--------
:func:`compile_rule` turns one rule into a predicate ``(env) -> bool``; an invalid rule raises
``AslDefinitionError``. At run time a comparison whose variable has another type than the
operator expects is false (as in AWS); a comparison whose ``Variable`` path selects nothing
raises ``States.Runtime``; ``IsPresent`` is the only operator that tolerates a missing
variable. ``StringMatches`` supports ``*`` and the escapes ``\\*`` and ``\\\\``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orchestrator.engine.errors import AslDefinitionError, StatesError
from orchestrator.engine.jsonvalue import to_json, type_name
from orchestrator.engine.paths import JsonPath, PathNotFound
from orchestrator.engine.payload_templates import (
    compile_jsonata_expression,
    compile_path_field,
    evaluate_expression,
    find_path,
    jsonata_error,
)
from orchestrator.engine.scope import Env
from orchestrator.engine.timestamps import parse_timestamp
from orchestrator.wildcard import compile_wildcard

__all__ = ["COMPARISON_OPERATORS", "Predicate", "compile_condition", "compile_rule"]

Predicate = Callable[[Env], bool]


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _string_op(op: Callable[[str, str], bool]) -> Callable[[Any, Any], bool]:
    return lambda a, b: isinstance(a, str) and isinstance(b, str) and op(a, b)


def _numeric_op(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda a, b: _is_number(a) and _is_number(b) and op(a, b)


def _timestamp_op(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        ta, tb = parse_timestamp(a), parse_timestamp(b)
        return ta is not None and tb is not None and op(ta, tb)

    return compare


def _boolean_equals(a: Any, b: Any) -> bool:
    return isinstance(a, bool) and isinstance(b, bool) and a == b


def _eq(a: Any, b: Any) -> bool:
    return bool(a == b)


def _lt(a: Any, b: Any) -> bool:
    return bool(a < b)


def _gt(a: Any, b: Any) -> bool:
    return bool(a > b)


def _le(a: Any, b: Any) -> bool:
    return bool(a <= b)


def _ge(a: Any, b: Any) -> bool:
    return bool(a >= b)


_BINARY: dict[str, tuple[Callable[[Any, Any], bool], Callable[[Any], bool]]] = {
    # operator: (comparison, validator of the literal operand)
    "StringEquals": (_string_op(_eq), lambda v: isinstance(v, str)),
    "StringLessThan": (_string_op(_lt), lambda v: isinstance(v, str)),
    "StringGreaterThan": (_string_op(_gt), lambda v: isinstance(v, str)),
    "StringLessThanEquals": (_string_op(_le), lambda v: isinstance(v, str)),
    "StringGreaterThanEquals": (_string_op(_ge), lambda v: isinstance(v, str)),
    "NumericEquals": (_numeric_op(_eq), _is_number),
    "NumericLessThan": (_numeric_op(_lt), _is_number),
    "NumericGreaterThan": (_numeric_op(_gt), _is_number),
    "NumericLessThanEquals": (_numeric_op(_le), _is_number),
    "NumericGreaterThanEquals": (_numeric_op(_ge), _is_number),
    "BooleanEquals": (_boolean_equals, lambda v: isinstance(v, bool)),
    "TimestampEquals": (_timestamp_op(_eq), lambda v: parse_timestamp(v) is not None),
    "TimestampLessThan": (_timestamp_op(_lt), lambda v: parse_timestamp(v) is not None),
    "TimestampGreaterThan": (_timestamp_op(_gt), lambda v: parse_timestamp(v) is not None),
    "TimestampLessThanEquals": (_timestamp_op(_le), lambda v: parse_timestamp(v) is not None),
    "TimestampGreaterThanEquals": (_timestamp_op(_ge), lambda v: parse_timestamp(v) is not None),
}

_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsString": lambda v: isinstance(v, str),
    "IsNumeric": _is_number,
    "IsBoolean": lambda v: isinstance(v, bool),
    "IsTimestamp": lambda v: parse_timestamp(v) is not None,
}

COMPARISON_OPERATORS = frozenset(
    list(_BINARY) + [f"{op}Path" for op in _BINARY] + list(_TYPE_TESTS) + ["IsPresent", "StringMatches"]
)

_RULE_FIELDS = {"Variable", "Next", "Comment", "Assign", "Output", "And", "Or", "Not"}


def _value(path: JsonPath, env: Env) -> Any:
    try:
        return find_path(path, env)
    except PathNotFound:
        raise StatesError(
            "States.Runtime",
            f"Invalid path '{path.text}': The choice state's condition path references an invalid value.",
        ) from None


def compile_rule(rule: Any, where: str, top_level: bool = True) -> Predicate:
    """Compile a JSONPath choice rule (a comparison or And/Or/Not)."""
    if not isinstance(rule, dict):
        raise AslDefinitionError("A choice rule must be an object", where)
    if top_level and "Next" not in rule:
        raise AslDefinitionError("These fields are required: [Next]", where)
    if not top_level and "Next" in rule:
        raise AslDefinitionError("Nested choice rules can not have a 'Next' field", where)
    for combinator in ("And", "Or"):
        if combinator in rule:
            subs = rule[combinator]
            if not isinstance(subs, list) or not subs:
                raise AslDefinitionError(f"'{combinator}' must be a non-empty array of rules", where)
            preds = [compile_rule(s, where, top_level=False) for s in subs]
            if combinator == "And":
                return lambda env: all(p(env) for p in preds)
            return lambda env: any(p(env) for p in preds)
    if "Not" in rule:
        inner = compile_rule(rule["Not"], where, top_level=False)
        return lambda env: not inner(env)
    operators = [k for k in rule if k not in _RULE_FIELDS]
    unknown = [k for k in operators if k not in COMPARISON_OPERATORS]
    if unknown:
        raise AslDefinitionError(f"Field '{unknown[0]}' is not supported in a choice rule", where)
    if len(operators) != 1:
        raise AslDefinitionError("A choice rule must have exactly one comparison operator", where)
    if "Variable" not in rule:
        raise AslDefinitionError("These fields are required: [Variable]", where)
    variable = compile_path_field(rule["Variable"], where, "Variable")
    op = operators[0]
    operand = rule[op]
    if op == "IsPresent":
        if not isinstance(operand, bool):
            raise AslDefinitionError("'IsPresent' must be a boolean", where)

        def is_present(env: Env) -> bool:
            try:
                value = find_path(variable, env)
            except PathNotFound:
                return not operand
            if not variable.definite and value == []:
                return not operand
            return operand

        return is_present
    if op in _TYPE_TESTS:
        if not isinstance(operand, bool):
            raise AslDefinitionError(f"'{op}' must be a boolean", where)
        test = _TYPE_TESTS[op]

        def type_test(env: Env) -> bool:
            try:
                value = find_path(variable, env)
            except PathNotFound:
                return False
            return test(value) == operand

        return type_test
    if op == "StringMatches":
        if not isinstance(operand, str):
            raise AslDefinitionError("'StringMatches' must be a string", where)
        pattern = compile_wildcard(operand)
        return lambda env: (isinstance(v := _value(variable, env), str) and pattern.fullmatch(v) is not None)
    if op.endswith("Path"):
        compare, _ = _BINARY[op[:-4]]
        other = compile_path_field(operand, where, op)

        def compare_path(env: Env) -> bool:
            left = _value(variable, env)
            try:
                right = find_path(other, env)
            except PathNotFound:
                raise StatesError(
                    "States.Runtime",
                    f"Invalid path '{other.text}': The choice state's condition path references an invalid value.",
                ) from None
            return compare(left, right)

        return compare_path
    compare, valid = _BINARY[op]
    if not valid(operand):
        raise AslDefinitionError(f"The value of '{op}' has the wrong type ({type_name(operand)})", where)
    return lambda env: compare(_value(variable, env), operand)


def compile_condition(condition: Any, where: str) -> Predicate:
    """Compile a JSONata ``Condition`` (``{% %}`` or a literal boolean)."""
    if isinstance(condition, bool):
        return lambda env: condition
    if not isinstance(condition, str):
        raise AslDefinitionError("'Condition' must be a JSONata expression or a boolean", where)
    from orchestrator.engine.jsonata_expr import is_expression

    if not is_expression(condition):
        raise AslDefinitionError("'Condition' must be a JSONata expression", where)
    expr = compile_jsonata_expression(condition, where, "Condition")

    def evaluate(env: Env) -> bool:
        value = evaluate_expression(expr, env, "Condition")
        if not isinstance(value, bool):
            raise jsonata_error(
                expr,
                "Condition",
                f"returned an unexpected result type. Expected 'boolean', but was "
                f"'{type_name(value)}' for value: {to_json(value)}",
            )
        return value

    return evaluate
