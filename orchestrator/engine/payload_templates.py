"""Compiled value templates of both query languages.

Contract
--------
Every function here compiles a part of a definition once into an *evaluator*
``(env: Env) -> value``; compile-time problems raise ``AslDefinitionError`` naming the field
(``where`` is its JSON pointer), run-time problems raise ``StatesError`` with AWS's texts:

* :func:`compile_payload` — JSONPath payload templates (``Parameters``, ``ResultSelector``,
  ``ItemSelector``, JSONPath ``Assign``): keys ending in ``.$`` take a path (``$.x``, ``$$.x``,
  ``$var.x``) or an intrinsic function call; everything else is literal.
* :func:`compile_path_getter` — one path field (``InputPath``, ``ItemsPath``, ``SecondsPath``...).
* :func:`compile_jsonata_value` — JSONata values (``Arguments``, ``Output``, ``Items``, JSONata
  ``Assign``...): ``{% %}`` strings anywhere in a structure are expressions; an expression that
  returns nothing is an error naming the field (``Output/result``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orchestrator.engine.errors import AslDefinitionError, StatesError
from orchestrator.engine.jsonata_expr import (
    UNDEFINED,
    JsonataEvalError,
    JsonataExpr,
    JsonataSyntaxError,
    compile_expression,
    expression_body,
    is_expression,
)
from orchestrator.engine.jsonvalue import object_text, to_json, type_name
from orchestrator.engine.paths import JsonPath, PathNotFound, PathSyntaxError, compile_path
from orchestrator.engine.scope import Env
from orchestrator.engine.template_inline import Part, inline_object
from orchestrator.jsonata_native import Fallback, NativeExpr, parse_native

__all__ = [
    "Evaluator",
    "compile_jsonata_expression",
    "compile_jsonata_value",
    "compile_path_field",
    "compile_path_getter",
    "compile_payload",
    "find_path",
    "intrinsics_module",
    "jsonata_error",
    "path_not_found",
    "unexpected_type",
]

Evaluator = Callable[[Env], Any]


def intrinsics_module() -> Any:
    """The intrinsic functions module (imported lazily: it is optional at import time)."""
    from orchestrator.engine import intrinsics

    return intrinsics


def find_path(path: JsonPath, env: Env) -> Any:
    """The value ``path`` selects in ``env`` (input, context object or a variable).

    Raises PathNotFound for a definite path that selects nothing or an unset variable."""
    root = path.root
    if root == "$":
        return path.find(env.input)
    if root == "$$":
        return path.find(env.context())
    try:
        value = env.variables.read(root)
    except KeyError:
        raise PathNotFound(path.text, path.normalized) from None
    return path.find(value)


def path_not_found(path: JsonPath, field: str, env: Env) -> StatesError:
    doc = env.context() if path.root == "$$" else env.input
    return StatesError(
        "States.Runtime",
        f"The JSONPath '{path.text}' specified for the field '{field}' could not be found in "
        f"the input '{to_json(doc)}'",
    )


def compile_path_field(text: Any, where: str, field: str) -> JsonPath:
    if not isinstance(text, str) or not text.startswith("$"):
        raise AslDefinitionError(f"The value for the field '{field}' must be a valid JSONPath", where)
    try:
        return compile_path(text)
    except PathSyntaxError:
        raise AslDefinitionError(f"The value for the field '{field}' must be a valid JSONPath", where) from None


def compile_path_getter(text: Any, where: str, field: str) -> Callable[[Env], Any]:
    """A getter for a path field; a missing value raises States.Runtime naming ``field``."""
    return _getter(compile_path_field(text, where, field), field)


def _getter(path: JsonPath, field: str) -> Evaluator:
    """The value ``path`` selects; a miss raises States.Runtime naming ``field``."""
    if path.root == "$" and not path.steps:
        return lambda env: env.input

    def get(env: Env) -> Any:
        try:
            return find_path(path, env)
        except PathNotFound:
            raise path_not_found(path, field, env) from None

    return get


def _compile_dynamic(key: str, text: Any, where: str) -> Evaluator:
    """The evaluator of one ``"key.$": "<path or intrinsic>"`` entry."""
    bad = f"The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call"
    if not isinstance(text, str):
        raise AslDefinitionError(bad, where)
    if text.startswith("$"):
        try:
            return _getter(compile_path(text), key)
        except PathSyntaxError:
            raise AslDefinitionError(bad, where) from None
    try:
        intrinsics = intrinsics_module()
    except ImportError:
        raise AslDefinitionError(f"{bad} (intrinsic functions are not available)", where) from None
    if not intrinsics.is_intrinsic(text):
        raise AslDefinitionError(bad, where)
    try:
        call = intrinsics.parse_intrinsic(text)
    except Exception:  # IntrinsicSyntaxError (and anything the parser raises on bad text)
        raise AslDefinitionError(bad, where) from None
    evaluate = intrinsics.evaluate_intrinsic

    def run(env: Env) -> Any:
        def resolve(arg: str) -> Any:
            try:
                path = compile_path(arg)
            except PathSyntaxError:
                raise StatesError("States.Runtime", f"Invalid path '{arg}'") from None
            try:
                return find_path(path, env)
            except PathNotFound:
                raise path_not_found(path, key, env) from None

        return evaluate(call, resolve)

    return run


def compile_payload(template: Any, where: str) -> Evaluator:
    """Compile a JSONPath payload template (Parameters, ResultSelector, ItemSelector, Assign)."""
    if isinstance(template, dict):
        static: dict[str, Any] = {}
        dynamic: list[tuple[str, Evaluator]] = []
        for key, value in template.items():
            if isinstance(key, str) and key.endswith(".$"):
                dynamic.append((key[:-2], _compile_dynamic(key, value, where)))
            elif isinstance(value, dict | list):
                sub = compile_payload(value, where)
                if getattr(sub, "constant", False):
                    static[key] = sub(None)  # type: ignore[arg-type]
                else:
                    dynamic.append((key, sub))
            else:
                static[key] = value
        if not dynamic:
            return _constant(template)

        def build(env: Env) -> Any:
            out = dict(static)
            for name, evaluate in dynamic:
                out[name] = evaluate(env)
            return out

        return build
    if isinstance(template, list):
        items = [compile_payload(v, where) for v in template]
        if all(getattr(i, "constant", False) for i in items):
            return _constant(template)
        return lambda env: [item(env) for item in items]
    return _constant(template)


def _constant(value: Any) -> Evaluator:
    def const(env: Env) -> Any:
        return value

    const.constant = True  # type: ignore[attr-defined]
    return const


# -- JSONata ---------------------------------------------------------------------------------


def jsonata_error(expr: JsonataExpr | str, field: str, problem: str) -> StatesError:
    text = expr.text if isinstance(expr, JsonataExpr) else expr
    return StatesError(
        "States.QueryEvaluationError",
        f"The JSONata expression '{text}' specified for the field '{field}' {problem}",
    )


def unexpected_type(expression: Any, field: str, expected: str, value: Any) -> StatesError:
    """AWS's error for a ``{% %}`` field whose value has the wrong type (``expression`` is the
    field's ``{% %}`` text or its body)."""
    text = expression_body(expression) if is_expression(expression) else str(expression)
    return jsonata_error(
        text,
        field,
        f"returned an unexpected result type. Expected '{expected}', but was '{type_name(value)}' "
        f"for value: {to_json(value)}",
    )


def compile_jsonata_expression(value: str, where: str, field: str) -> JsonataExpr:
    try:
        return compile_expression(expression_body(value))
    except JsonataSyntaxError as exc:
        raise AslDefinitionError(
            f"The JSONata expression '{expression_body(value)}' specified for the field '{field}' "
            f"is not valid: {exc.__cause__ or exc}",
            where,
        ) from None


_NO_STATES: dict[str, Any] = {}
"""``$states`` of an expression that never names it (never read: no need to build it)."""


def evaluate_expression(expr: JsonataExpr, env: Env, field: str, allow_undefined: bool = False) -> Any:
    try:
        states = env.states(expr.uses_context) if expr.uses_states else _NO_STATES
        result = expr.evaluate(states, env.variables.read)
    except JsonataEvalError as exc:
        if exc.message is None:
            raise jsonata_error(expr, field, "returned an unsupported result type.") from None
        raise jsonata_error(expr, field, f"threw an error during evaluation. {exc.message}") from None
    if result is UNDEFINED and not allow_undefined:
        raise jsonata_error(expr, field, "returned nothing (undefined).")
    return result


def compile_jsonata_value(value: Any, where: str, field: str) -> Evaluator:
    """Compile a JSONata-state value: ``{% %}`` strings anywhere are expressions.

    A value whose expressions are all in the native subset and do not read ``$states`` (a
    compiled ``set`` node's template, ``Assign {x: {% $x + 1 %}}``) is built in one pass from
    the variables: an object by one generated function
    (:func:`~orchestrator.engine.template_inline.inline_object`), and its evaluator's ``quick``
    (a :data:`~orchestrator.jsonata_native.NativeExpr`) builds it inside a bigger template.
    When any part is unsure (:class:`Fallback`), the whole value is evaluated again the full
    way, which gives the value or AWS's error. The parts only read, so nothing is done twice
    that could be seen. The evaluator of an object has ``text``, the
    :func:`~orchestrator.engine.jsonvalue.object_text` of the objects it builds."""
    if is_expression(value):
        expr = compile_jsonata_expression(value, where, field)
        quick = expr.quick()
        if quick is None:
            return lambda env: evaluate_expression(expr, env, field)
        return _quickened(quick, lambda env: evaluate_expression(expr, env, field))
    if isinstance(value, dict):
        parts = [(k, compile_jsonata_value(v, where, f"{field}/{k}")) for k, v in value.items()]
        if all(getattr(p, "constant", False) for _, p in parts):
            return _constant(value)
        full: Evaluator = lambda env: {k: p(env) for k, p in parts}  # noqa: E731
        quick_parts = [(k, _quick_of(p)) for k, p in parts]
        evaluate = full
        if all(q is not None for _, q in quick_parts):
            evaluate = inline_object([(k, _inline_part(value[k], p)) for k, p in parts], full)
            evaluate.quick = _quick_dict(quick_parts)  # type: ignore[arg-type,attr-defined]
        evaluate.text = object_text(tuple(k for k, _ in parts))  # type: ignore[attr-defined]
        return evaluate
    if isinstance(value, list):
        items = [compile_jsonata_value(v, where, f"{field}[{i}]") for i, v in enumerate(value)]
        if all(getattr(p, "constant", False) for p in items):
            return _constant(value)
        return lambda env: [p(env) for p in items]
    return _constant(value)


def _quick_of(evaluator: Evaluator) -> NativeExpr | None:
    """The native closure of a compiled JSONata value (a constant's returns it), or None."""
    if getattr(evaluator, "constant", False):
        value = evaluator(None)  # type: ignore[arg-type]
        return lambda states, lookup: value
    return getattr(evaluator, "quick", None)


def _quick_dict(parts: list[tuple[str, NativeExpr]]) -> NativeExpr:
    """The object of ``parts`` built by their native closures (one or two keys unrolled: the
    templates of ``set`` nodes and ``Assign`` are mostly that small)."""
    if len(parts) == 1:
        ((k1, q1),) = parts
        return lambda states, lookup: {k1: q1(states, lookup)}
    if len(parts) == 2:
        (k1, q1), (k2, q2) = parts
        return lambda states, lookup: {k1: q1(states, lookup), k2: q2(states, lookup)}
    return lambda states, lookup: {k: q(states, lookup) for k, q in parts}


def _inline_part(value: Any, evaluator: Evaluator) -> Part:
    """What :func:`~orchestrator.engine.template_inline.inline_object` takes of a part that has
    a native closure: a constant, the syntax tree of an expression, or the closure."""
    if getattr(evaluator, "constant", False):
        return ("const", evaluator(None))  # type: ignore[arg-type]
    if is_expression(value):
        node = parse_native(expression_body(value))
        if node is not None:
            return node
    return evaluator.quick  # type: ignore[attr-defined,no-any-return]


def _quickened(quick: NativeExpr, full: Evaluator) -> Evaluator:
    """An evaluator that tries ``quick`` on the variables and falls back to ``full``."""

    def evaluate(env: Env) -> Any:
        try:
            return quick(_NO_STATES, env.variables.read)
        except Fallback:  # undefined, an error, or not sure: the full evaluation decides
            return full(env)

    evaluate.quick = quick  # type: ignore[attr-defined]
    return evaluate
