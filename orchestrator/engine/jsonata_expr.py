"""JSONata expressions inside ``{% ... %}``, as Step Functions evaluates them.

Contract
--------
* :func:`is_expression` — a string is an expression when it starts with ``{%`` and ends with
  ``%}`` (no surrounding whitespace: `` {% x %} `` is a literal, as in AWS).
* :func:`compile_expression` parses once (cached by text, AWS's extension functions bound) and
  raises :class:`JsonataSyntaxError` for invalid JSONata.
* :meth:`JsonataExpr.evaluate` takes the ``$states`` object and a variable lookup and returns
  the value, or :data:`UNDEFINED` when JSONata returns nothing. Evaluation failures raise
  ``StatesError("States.QueryEvaluationError", ...)``; a result that is not JSON (a function)
  raises the same with AWS's "unsupported result type" text.

Only the variables an expression mentions are bound (``$name`` tokens of its text), and simple
paths like ``$states.input.a.b`` or ``$var.x`` are resolved without the JSONata interpreter
when they only cross objects (same result, ~50x faster); arithmetic, comparisons and logic on
such paths go through :mod:`~orchestrator.engine.jsonata_native` when it is sure of the result.
The other expressions go to jlens (:mod:`~orchestrator.engine.jsonata_jlens`) where it is
installed and parses them, else to jsonata-python.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

from orchestrator.engine.errors import StatesError
from orchestrator.engine.jsonata_jlens import (
    JlensEvalError,
    JlensExpression,
    NotJson,
    compile_jlens,
)
from orchestrator.engine.jsonata_limits import JsonataLimitError, evaluating, guard, regex_engine
from orchestrator.jsonata_native import Fallback, NativeExpr, compile_native

__all__ = [
    "UNDEFINED",
    "JsonataEvalError",
    "JsonataExpr",
    "JsonataSyntaxError",
    "compile_expression",
    "expression_body",
    "is_expression",
]


class _Undefined:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False


UNDEFINED: Any = _Undefined()
"""What a JSONata expression returns when it selects nothing."""

_NULL: Any = object()
"""jsonata-python's null; set when the interpreter is first loaded (:func:`_interpreter`)."""
_convert_nulls: Callable[[Any], Any] = lambda value: value  # noqa: E731 - replaced with the loader
_VAR_TOKEN = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_FAST = re.compile(r"\s*\$([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*")
_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")
_JSON_TYPES = (dict, list, str, int, float, bool)


class JsonataSyntaxError(ValueError):
    """The text is not valid JSONata."""


class JsonataEvalError(Exception):
    """Evaluation failed (``message``), or returned a non-JSON value (``message`` is None)."""

    def __init__(self, text: str, message: str | None) -> None:
        super().__init__(message or "unsupported result type")
        self.text = text
        self.message = message


def is_expression(value: Any) -> bool:
    return type(value) is str and value.startswith("{%") and value.endswith("%}") and len(value) >= 4


def expression_body(value: str) -> str:
    return value[2:-2].strip()


_bind_aws: Callable[[Any], None] | None = None
_bind_loaded = False
_bind_lock = threading.Lock()


def _aws_binder() -> Callable[[Any], None] | None:
    global _bind_aws, _bind_loaded
    if not _bind_loaded:
        with _bind_lock:
            try:
                from orchestrator.engine.jsonata_functions import bind_aws_functions
            except ImportError:  # the extension module is optional
                _bind_aws = None
            else:
                _bind_aws = bind_aws_functions
            _bind_loaded = True
    return _bind_aws


def _interpreter() -> Any:
    """The ``jsonata`` module of jsonata-python, imported on first need: expressions the native
    path understands (most of a compiled flow's) never load or parse with it."""
    global _NULL, _convert_nulls
    import jsonata
    from jsonata.utils import Utils

    _NULL, _convert_nulls = Utils.NULL_VALUE, Utils.convert_nulls
    return jsonata


def _parse(text: str) -> Any:
    try:
        expr = _interpreter().Jsonata(text, regex_engine)
    except Exception as exc:  # jsonata-python raises JException and others
        raise JsonataSyntaxError(f"invalid JSONata expression {text!r}: {exc}") from exc
    expr.set_output_convert_nulls(False)
    guard(expr)
    binder = _aws_binder()
    if binder is not None:
        binder(expr)
    return expr


def _to_jsonata(value: Any) -> Any:
    return _NULL if value is None else value


def _from_jsonata(value: Any) -> Any:
    if value is _NULL:
        return None
    if isinstance(value, dict | list):
        return _convert_nulls(value)
    return value


class JsonataExpr:
    """A compiled ``{% %}`` expression. ``text`` is the body without the delimiters."""

    __slots__ = (
        "_fast", "_jlens", "_jsonata", "_native", "_quick", "names", "text", "uses_context", "uses_states",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        unquoted = _QUOTED.sub("", text)
        self.names = frozenset(_VAR_TOKEN.findall(unquoted))
        self.uses_states = "states" in self.names
        self.uses_context = self.uses_states and "context" in text
        m = _FAST.fullmatch(text)
        self._fast: tuple[str, tuple[str, ...]] | None = None
        if m:
            keys = tuple(k for k in m.group(2).split(".") if k)
            self._fast = (m.group(1), keys)
        native = compile_native(text)
        self._native: NativeExpr | None = None if m else native
        self._quick: NativeExpr | None = None if self.uses_states else native
        # What the native path or jlens parses is valid JSONata: jsonata-python parses it only
        # if an evaluation falls back to it. Anything else is parsed now (syntax errors at load).
        self._jlens: JlensExpression | None = compile_jlens(text, self.names) if native is None else None
        self._jsonata: Any = _parse(text) if native is None and self._jlens is None else None

    def __repr__(self) -> str:
        return f"JsonataExpr({self.text!r})"

    def quick(self) -> NativeExpr | None:
        """For an expression that does not read ``$states`` and is in the native subset: its
        native closure, ``quick(states, lookup)`` (``states`` is never read), which returns the
        (defined) value or raises :class:`Fallback` (then :meth:`evaluate` decides, errors
        included). None otherwise."""
        return self._quick

    def evaluate(self, states: Mapping[str, Any], lookup: Callable[[str], Any]) -> Any:
        """Evaluate with ``$states`` and variables (``lookup(name)`` raises KeyError if unset)."""
        fast = self._fast
        if fast is not None:
            name, keys = fast
            try:
                value = states if name == "states" else lookup(name)
            except KeyError:
                value = UNDEFINED
            else:
                for key in keys:
                    if type(value) is not dict:
                        break
                    value = value.get(key, UNDEFINED)
                    if value is UNDEFINED:
                        return UNDEFINED
                else:
                    return value
        native = self._native
        if native is not None:
            try:
                return native(states, lookup)
            except Fallback:
                pass
        fast_engine = self._jlens
        if fast_engine is not None:
            try:
                return self._evaluate_jlens(fast_engine, states, lookup)
            except NotJson:
                pass  # undefined, or a function: jsonata-python tells which (AWS's texts differ)
        interpreted = self._jsonata
        if interpreted is None:  # (loads the interpreter, and with it its null, first)
            interpreted = self._jsonata = _parse(self.text)
        bindings = {name: value if name == "states" else _to_jsonata(value)
                    for name, value in self._bindings(states, lookup).items()}
        try:
            with evaluating():
                result = interpreted.evaluate(None, bindings)
        except StatesError:
            raise
        except Exception as exc:  # any failure inside JSONata is a query evaluation error
            code = getattr(exc, "error", None)
            message = str(exc) or type(exc).__name__
            if isinstance(code, str) and code and not message.startswith(code):
                message = f"{code}: {message}"
            raise JsonataEvalError(self.text, message) from exc
        if result is None:
            return UNDEFINED
        if result is not _NULL and not isinstance(result, _JSON_TYPES):
            raise JsonataEvalError(self.text, None)
        return _from_jsonata(result)

    def _bindings(self, states: Mapping[str, Any], lookup: Callable[[str], Any]) -> dict[str, Any]:
        """The values of the names the expression reads: ``$states``, and the variables in
        scope (a name no scope holds is left unbound)."""
        bindings: dict[str, Any] = {}
        for name in self.names:
            if name == "states":
                bindings["states"] = states
                continue
            with contextlib.suppress(KeyError):
                bindings[name] = lookup(name)
        return bindings

    def _evaluate_jlens(self, engine: JlensExpression, states: Mapping[str, Any], lookup: Callable[[str], Any]) -> Any:
        try:
            return engine.evaluate(self._bindings(states, lookup))
        except (StatesError, NotJson):
            raise
        except JlensEvalError as exc:
            message = str(exc) or type(exc).__name__
            if exc.error and not message.startswith(exc.error):
                message = f"{exc.error}: {message}"
            raise JsonataEvalError(self.text, message) from exc
        except JsonataLimitError as exc:
            raise JsonataEvalError(self.text, str(exc)) from exc
        except Exception as exc:  # a failure inside a registered function
            raise JsonataEvalError(self.text, str(exc) or type(exc).__name__) from exc


_NO_STATES: dict[str, Any] = {}

_cache: dict[str, JsonataExpr] = {}
_cache_lock = threading.Lock()


def compile_expression(text: str) -> JsonataExpr:
    """Compile the body of a ``{% %}`` expression (cached). Raises JsonataSyntaxError."""
    expr = _cache.get(text)
    if expr is None:
        expr = JsonataExpr(text)
        with _cache_lock:
            if len(_cache) < 10_000:
                _cache[text] = expr
    return expr
