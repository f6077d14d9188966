"""ASL JSONPath: reference paths (``$.a.b``), context paths (``$$.Execution.Id``) and variable
paths (``$var.a``), with the behaviour AWS's (Jayway-based) implementation shows.

Contract
--------
* :func:`compile_path` parses once (cached by text) and raises :class:`PathSyntaxError` for an
  invalid path.
* :meth:`JsonPath.find` returns the value a path selects from a document. A *definite* path
  (names and indices only) that selects nothing raises :class:`PathNotFound`. An *indefinite*
  path (``[*]``, slices, filters, ``..``, unions) always returns a list, possibly empty.
* :func:`set_path` returns a copy of a document with a value placed at a definite path
  (ResultPath); the input is never mutated (copy on write along the path).

Simple paths (names, indices, wildcards, slices) are evaluated by a small step interpreter;
filters, descendants and unions go through jsonpath-ng, whose parser is slow, so compiled paths
are cached.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

__all__ = [
    "JsonPath",
    "PathNotFound",
    "PathSyntaxError",
    "compile_path",
    "is_path",
    "set_path",
]

_NAME, _INDEX, _WILD, _SLICE = 0, 1, 2, 3
_VAR_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_STEP_RE = re.compile(
    r"""\.(?P<name>[^.\[\]*][^.\[\]]*)
      | \.\*
      | \[\s*(?P<index>-?\d+)\s*\]
      | \[\s*'(?P<sq>(?:[^'\\]|\\.)*)'\s*\]
      | \[\s*"(?P<dq>(?:[^"\\]|\\.)*)"\s*\]
      | \[\s*\*\s*\]
      | \[\s*(?P<slice>-?\d*\s*:\s*-?\d*(?:\s*:\s*-?\d*)?)\s*\]
    """,
    re.VERBOSE,
)


class PathSyntaxError(ValueError):
    """The text is not a valid ASL path."""


class PathNotFound(LookupError):  # noqa: N818 - a lookup outcome, named like AWS's wording
    """A definite path selected nothing. ``normalized`` is Jayway's ``$['a']['b']`` form."""

    def __init__(self, path: str, normalized: str) -> None:
        super().__init__(path)
        self.path = path
        self.normalized = normalized


_ng_parser: Any = None
_ng_lock = threading.Lock()


def _ng_parse(text: str) -> Any:
    global _ng_parser
    with _ng_lock:
        if _ng_parser is None:
            from jsonpath_ng.ext.parser import ExtentedJsonPathParser

            _ng_parser = ExtentedJsonPathParser()
        try:
            return _ng_parser.parse(text)
        except Exception as exc:  # jsonpath-ng raises several exception types
            raise PathSyntaxError(f"invalid JSONPath {text!r}: {exc}") from exc


class JsonPath:
    """A compiled path. ``root`` is ``"$"`` (input), ``"$$"`` (context) or a variable name."""

    __slots__ = ("definite", "find", "ng", "normalized", "root", "steps", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.ng: Any = None
        rest: str
        if text.startswith("$$"):
            self.root, rest = "$$", text[2:]
        elif text.startswith("$"):
            m = _VAR_RE.match(text)
            if m:
                self.root, rest = m.group(1), text[m.end() :]
            else:
                self.root, rest = "$", text[1:]
        else:
            raise PathSyntaxError(f"a path must start with '$': {text!r}")
        steps: list[tuple[int, Any]] = []
        pos = 0
        simple = True
        while pos < len(rest):
            m = _STEP_RE.match(rest, pos)
            if not m:
                simple = False
                break
            pos = m.end()
            if m.group("name") is not None:
                steps.append((_NAME, m.group("name")))
            elif m.group("index") is not None:
                steps.append((_INDEX, int(m.group("index"))))
            elif m.group("sq") is not None:
                steps.append((_NAME, m.group("sq").replace("\\'", "'")))
            elif m.group("dq") is not None:
                steps.append((_NAME, m.group("dq").replace('\\"', '"')))
            elif m.group("slice") is not None:
                parts = [p.strip() for p in m.group("slice").split(":")]
                bounds = [int(p) if p else None for p in parts] + [None]
                steps.append((_SLICE, slice(bounds[0], bounds[1], bounds[2])))
            else:
                steps.append((_WILD, None))
        self.steps = tuple(steps)
        if simple:
            self.definite = all(kind in (_NAME, _INDEX) for kind, _ in steps)
            self.find = self._find_definite if self.definite else self._find_steps
        else:
            self.ng = _ng_parse("$" + rest)
            self.definite = False
            self.find = self._find_ng
        self.normalized = "$" + "".join(
            f"['{arg}']" if kind == _NAME else f"[{arg}]" for kind, arg in self.steps
        )

    def __repr__(self) -> str:
        return f"JsonPath({self.text!r})"

    # -- evaluation -------------------------------------------------------------------------
    def _find_definite(self, doc: Any) -> Any:
        for kind, arg in self.steps:
            if kind == _NAME:
                if type(doc) is dict and arg in doc:
                    doc = doc[arg]
                    continue
            elif type(doc) is list and -len(doc) <= arg < len(doc):
                doc = doc[arg]
                continue
            raise PathNotFound(self.text, self.normalized)
        return doc

    def _find_steps(self, doc: Any) -> Any:
        values = [doc]
        for kind, arg in self.steps:
            out: list[Any] = []
            for v in values:
                if kind == _NAME:
                    if type(v) is dict and arg in v:
                        out.append(v[arg])
                elif kind == _INDEX:
                    if type(v) is list and -len(v) <= arg < len(v):
                        out.append(v[arg])
                elif kind == _WILD:
                    if type(v) is list:
                        out.extend(v)
                    elif type(v) is dict:
                        out.extend(v.values())
                elif type(v) is list:
                    out.extend(v[arg])
            values = out
        return values

    def _find_ng(self, doc: Any) -> Any:
        return [match.value for match in self.ng.find(doc)]


_cache: dict[str, JsonPath] = {}


def compile_path(text: str) -> JsonPath:
    """Compile ``text`` (cached). Raises PathSyntaxError."""
    path = _cache.get(text)
    if path is None:
        if not isinstance(text, str):
            raise PathSyntaxError(f"a path must be a string: {text!r}")
        path = JsonPath(text)
        if len(_cache) < 10_000:
            _cache[text] = path
    return path


def is_path(text: Any) -> bool:
    """True when ``text`` is a valid ASL path."""
    if not isinstance(text, str) or not text.startswith("$"):
        return False
    try:
        compile_path(text)
    except PathSyntaxError:
        return False
    return True


def set_path(doc: Any, path: JsonPath, value: Any, on_error: Callable[[str], Exception]) -> Any:
    """Return ``doc`` with ``value`` at ``path`` (a definite input path, e.g. a ResultPath).

    Missing objects on the way are created; ``on_error(message)`` builds the exception raised
    when the path crosses something that is not an object/array.
    """
    if not path.steps:
        return value
    return _set(doc, path.steps, 0, value, path, on_error)


def _set(doc: Any, steps: tuple[tuple[int, Any], ...], i: int, value: Any, path: JsonPath,
         on_error: Callable[[str], Exception]) -> Any:
    kind, arg = steps[i]
    last = i == len(steps) - 1
    if kind == _NAME:
        if doc is None and i > 0:
            doc = {}
        if type(doc) is not dict:
            raise on_error(path.text)
        new = dict(doc)
        new[arg] = value if last else _set(doc.get(arg), steps, i + 1, value, path, on_error)
        return new
    if kind == _INDEX and type(doc) is list and -len(doc) <= arg < len(doc):
        new_list = list(doc)
        new_list[arg] = value if last else _set(doc[arg], steps, i + 1, value, path, on_error)
        return new_list
    raise on_error(path.text)
