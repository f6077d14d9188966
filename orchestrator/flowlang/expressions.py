"""JSONata expressions inside flows: ``{% ... %}`` templates, syntax checks, variable references.

A string that is exactly ``{% expr %}`` is an expression; any other string is a literal. In the
condition-like fields (``when``, ``condition``, ``items``, ``aggregate``) the braces are optional.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from orchestrator.jsonata_native import compile_native

__all__ = [
    "expression_body",
    "iter_expressions",
    "called_functions",
    "referenced_variables",
    "syntax_error",
    "var_name",
]

_TEMPLATE = re.compile(r"^\s*\{%(.*)%\}\s*$", re.DOTALL)
_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|`[^`]*`")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_VAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)(\s*\()?")
_BOUND = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)\s*:=")
_LAMBDA = re.compile(r"function\s*\(([^)]*)\)")


def var_name(node_id: str) -> str:
    """The JSONata variable holding a node's output: ``face-detect`` → ``face_detect``."""
    return node_id.replace("-", "_")


def expression_body(value: Any, bare: bool = False) -> str | None:
    """The JSONata text of ``value`` if it is an expression (``bare``: any string is one)."""
    if not isinstance(value, str):
        return None
    match = _TEMPLATE.match(value)
    if match:
        return match.group(1).strip()
    return value.strip() if bare else None


def iter_expressions(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every ``{% %}`` expression nested in ``value`` with its path below ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from iter_expressions(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from iter_expressions(item, (*path, index))
    else:
        body = expression_body(value)
        if body is not None:
            yield path, body


@lru_cache(maxsize=65536)
def syntax_error(body: str) -> str | None:
    """The JSONata syntax error of ``body``, or None when it parses (what the engine's native
    subset parses is valid JSONata: no need to run JSONata's parser on it)."""
    if not body.strip():
        return "empty expression"
    if compile_native(body) is not None:
        return None
    import jsonata  # only for the texts the native subset does not cover

    try:
        jsonata.Jsonata(body)
    except Exception as exc:  # jsonata-python raises JException (and sometimes plain errors)
        return str(exc) or type(exc).__name__
    return None


def referenced_variables(body: str) -> set[str]:
    """Free variables read by ``body`` (not functions called, not names bound inside it)."""
    text = _COMMENT.sub(" ", _STRING.sub('""', body))
    bound = set(_BOUND.findall(text))
    for params in _LAMBDA.findall(text):
        bound.update(p.strip().lstrip("$") for p in params.split(",") if p.strip())
    free = set()
    for name, call in _VAR.findall(text):
        if call or name in bound:
            continue
        free.add(name)
    return free


def called_functions(body: str) -> set[str]:
    """Names called as functions by ``body`` (``$count(...)``), but for those bound inside it."""
    text = _COMMENT.sub(" ", _STRING.sub('""', body))
    bound = set(_BOUND.findall(text))
    return {name for name, call in _VAR.findall(text) if call and name not in bound}
