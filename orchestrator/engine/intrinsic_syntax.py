"""The syntax of ASL intrinsic function calls: ``States.Format('Hello {}!', $.name)``.

Contract
--------
:func:`parse_call(text, known)` turns the text into an immutable :class:`IntrinsicCall` tree
whose arguments are literals, :class:`IntrinsicPath` (a path exactly as written) and nested
calls, or raises :class:`IntrinsicSyntaxError`: a function name not in ``known``, bad quoting,
an escape other than ``\\'``, ``\\{``, ``\\}``, ``\\\\``, unbalanced parentheses, trailing
text. Like AWS, the number and types of arguments are *not* checked here.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Union

from orchestrator.engine.errors import AslDefinitionError

__all__ = ["IntrinsicArg", "IntrinsicCall", "IntrinsicPath", "IntrinsicSyntaxError", "parse_call"]


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


def parse_call(text: str, known: Collection[str]) -> IntrinsicCall:
    """Parse ``text`` (one whole call) into an :class:`IntrinsicCall`."""
    parser = _Parser(text, known)
    parser.skip_ws()
    call = parser.parse_call()
    parser.skip_ws()
    if parser.pos != len(text):
        parser.fail("unexpected text after the closing parenthesis")
    return call


_NAME = re.compile(r"States\.([A-Za-z0-9]+)")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WORD = re.compile(r"[A-Za-z_]+")
_ESCAPABLE = frozenset("'{}\\")


class _Parser:
    """Recursive-descent parser over one intrinsic string; ``pos`` is the cursor."""

    def __init__(self, text: str, known: Collection[str]) -> None:
        self.text = text
        self.pos = 0
        self.known = known

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
        if name not in self.known:
            self.fail(f"unknown intrinsic function {name!r}; known: {', '.join(sorted(self.known))}")
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
