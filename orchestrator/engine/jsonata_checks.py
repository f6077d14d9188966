"""Creation-time checks of a JSONata state's ``{% %}`` strings, as CreateStateMachine does them.

Contract
--------
:func:`check_jsonata_state(state_type, spec, where)` walks every string of one JSONata state
(not the states nested in ``Branches`` / ``ItemProcessor``, which are checked on their own) and
raises ``AslDefinitionError`` naming the field (JSON pointer) when

* a string opens an expression with ``{%`` but does not close it with ``%}``, or the reverse;
* an expression reads ``$states.result`` outside the ``Output``/``Assign`` of a Task,
  Parallel or Map state (the only places a result exists), or ``$states.errorOutput``
  outside a catcher's ``Output``/``Assign`` (the only place an error output exists).

Example::

    >>> check_jsonata_state("Pass", {"Type": "Pass", "Output": "{% $states.result %}"}, "/States/P")
    Traceback (most recent call last):
    ...
    orchestrator.engine.errors.AslDefinitionError: Invalid State Machine Definition: ...
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from orchestrator.engine.errors import AslDefinitionError

__all__ = ["check_jsonata_state", "states_fields_used"]

_NESTED = frozenset({"Branches", "ItemProcessor", "Iterator"})
_WITH_RESULT = frozenset({"Task", "Parallel", "Map"})
_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")
_STATES_DOT = re.compile(r"\$states\s*\.\s*(result|errorOutput)\b")
_STATES_INDEX = re.compile(r"\$states\s*\[\s*[\"'](result|errorOutput)[\"']\s*\]")


def states_fields_used(body: str) -> set[str]:
    """The ``$states`` fields among ``result``/``errorOutput`` an expression body reads."""
    if "$states" not in body:
        return set()
    found = set(_STATES_INDEX.findall(body))
    return found | set(_STATES_DOT.findall(_QUOTED.sub("''", body)))


def _strings(value: Any, where: str, field: str) -> Iterator[tuple[str, str, str]]:
    """(string, JSON pointer, field label) of every string in a value."""
    if isinstance(value, str):
        yield value, where, field
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}/{key}", f"{field}/{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{where}/{i}", f"{field}[{i}]")


def _check(value: Any, where: str, field: str, allowed: frozenset[str]) -> None:
    for text, at, label in _strings(value, where, field):
        opens, closes = text.startswith("{%"), text.endswith("%}")
        if opens != closes or (opens and len(text) < 4):
            problem = "does not end with '%}'" if opens else "does not start with '{%'"
            raise AslDefinitionError(
                f"The JSONata expression '{text}' specified for the field '{label}' {problem}", at
            )
        if not opens:
            continue
        body = text[2:-2].strip()
        for name in sorted(states_fields_used(body) - allowed):
            where_ok = (
                "the Output and Assign of a Task, Parallel or Map state"
                if name == "result"
                else "the Output and Assign of a catcher"
            )
            raise AslDefinitionError(
                f"The JSONata expression '{body}' specified for the field '{label}' references "
                f"'$states.{name}', which is available only in {where_ok}",
                at,
            )


def check_jsonata_state(state_type: str, spec: dict[str, Any], where: str) -> None:
    """Raise ``AslDefinitionError`` for the first invalid ``{% %}`` string of a JSONata state."""
    own = frozenset({"result"}) if state_type in _WITH_RESULT else frozenset()
    for key, value in spec.items():
        if key in _NESTED:
            continue
        if key == "Catch" and isinstance(value, list):
            for i, catcher in enumerate(value):
                if not isinstance(catcher, dict):
                    continue
                for ckey, cvalue in catcher.items():
                    allowed = frozenset({"errorOutput"}) if ckey in ("Output", "Assign") else frozenset()
                    _check(cvalue, f"{where}/Catch/{i}/{ckey}", ckey, allowed)
            continue
        _check(value, f"{where}/{key}", key, own if key in ("Output", "Assign") else frozenset())
