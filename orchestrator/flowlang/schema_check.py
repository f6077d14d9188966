"""A quick yes/no check of a document against a JSON Schema, for the documents that pass.

Checking a valid flow is what every ``flowctl run`` does, and importing jsonschema costs more
than the whole check. :func:`conforms` answers True only when the document is valid under Draft
2020-12, using only the keywords the generated schemas use (``type``, ``properties``,
``additionalProperties``, ``required``, ``$ref`` to ``#/$defs/...``, ``anyOf``, ``enum`` of
strings, ``pattern``, ``minLength``, ``minimum``, ``maximum``, ``items``, ``propertyNames``,
``minProperties``; annotations are ignored). It answers False when the document is invalid, and
also when the schema uses anything else: callers then ask jsonschema, which lists every problem
with its place, so a False costs time, never a wrong answer.

Example::

    >>> conforms({"a": 1}, {"type": "object", "properties": {"a": {"type": "integer"}}})
    True
    >>> conforms({"a": 1.5}, {"type": "object", "properties": {"a": {"type": "integer"}}})
    False
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["conforms"]

_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$id", "$schema", "$defs", "$comment"})
_REF_PREFIX = "#/$defs/"


class _Unsure(Exception):
    """The schema uses something this check does not implement: jsonschema decides."""


def conforms(instance: Any, schema: Any) -> bool:
    """True when ``instance`` is valid against ``schema`` (see the module docstring); False when
    it is not, or when this check cannot tell."""
    try:
        return _valid(instance, schema, schema)
    except (_Unsure, RecursionError):
        return False


def _valid(instance: Any, schema: Any, root: Any) -> bool:
    if schema is True:
        return True
    if schema is False:
        return False
    if not isinstance(schema, dict):
        raise _Unsure("not a schema")
    for keyword, value in schema.items():
        check = _KEYWORDS.get(keyword)
        if check is None:
            if keyword in _ANNOTATIONS:
                continue
            raise _Unsure(keyword)
        if not check(instance, value, schema, root):
            return False
    return True


def _number(instance: Any) -> bool:
    return isinstance(instance, int | float) and not isinstance(instance, bool)


def _is_type(instance: Any, name: str) -> bool:
    if name == "object":
        return isinstance(instance, dict)
    if name == "array":
        return isinstance(instance, list)
    if name == "string":
        return isinstance(instance, str)
    if name == "null":
        return instance is None
    if name == "boolean":
        return isinstance(instance, bool)
    if name == "integer":  # as jsonschema: 2.0 is an integer, True is not
        return _number(instance) and (isinstance(instance, int) or instance.is_integer())
    if name == "number":
        return _number(instance)
    raise _Unsure(f"type {name!r}")


def _type(instance: Any, value: Any, schema: dict[str, Any], root: Any) -> bool:
    names = value if isinstance(value, list) else [value]
    return any(_is_type(instance, name) for name in names)


def _properties(instance: Any, value: Any, schema: dict[str, Any], root: Any) -> bool:
    if not isinstance(instance, dict):
        return True
    return all(_valid(instance[key], sub, root) for key, sub in value.items() if key in instance)


def _additional(instance: Any, value: Any, schema: dict[str, Any], root: Any) -> bool:
    if not isinstance(instance, dict):
        return True
    if "patternProperties" in schema:
        raise _Unsure("patternProperties")
    known = schema.get("properties", {})
    return all(_valid(item, value, root) for key, item in instance.items() if key not in known)


def _required(instance: Any, value: Any, schema: dict[str, Any], root: Any) -> bool:
    return not isinstance(instance, dict) or all(key in instance for key in value)


def _ref(instance: Any, value: Any, schema: dict[str, Any], root: Any) -> bool:
    if not isinstance(value, str) or not value.startswith(_REF_PREFIX):
        raise _Unsure(f"$ref {value!r}")
    name = value[len(_REF_PREFIX):]
    definitions = root.get("$defs", {}) if isinstance(root, dict) else {}
    if "/" in name or "~" in name or "%" in name or name not in definitions:
        raise _Unsure(f"$ref {value!r}")
    return _valid(instance, definitions[name], root)


def _any_of(instance: Any, value: Any, schema: dict[str, Any], root: Any) -> bool:
    return any(_valid(instance, sub, root) for sub in value)


def _enum(instance: Any, value: Any, schema: dict[str, Any], root: Any) -> bool:
    if not all(isinstance(option, str) for option in value):
        raise _Unsure("enum of other than strings")
    return isinstance(instance, str) and instance in value


def _pattern(instance: Any, value: Any, schema: dict[str, Any], root: Any) -> bool:
    return not isinstance(instance, str) or re.search(value, instance) is not None


def _min_length(instance: Any, value: Any, schema: dict[str, Any], root: Any) -> bool:
    return not isinstance(instance, str) or len(instance) >= value


def _minimum(instance: Any, value: Any, schema: dict[str, Any], root: Any) -> bool:
    return not _number(instance) or instance >= value


def _maximum(instance: Any, value: Any, schema: dict[str, Any], root: Any) -> bool:
    return not _number(instance) or instance <= value


def _items(instance: Any, value: Any, schema: dict[str, Any], root: Any) -> bool:
    if "prefixItems" in schema:
        raise _Unsure("prefixItems")
    return not isinstance(instance, list) or all(_valid(item, value, root) for item in instance)


def _property_names(instance: Any, value: Any, schema: dict[str, Any], root: Any) -> bool:
    return not isinstance(instance, dict) or all(_valid(key, value, root) for key in instance)


def _min_properties(instance: Any, value: Any, schema: dict[str, Any], root: Any) -> bool:
    return not isinstance(instance, dict) or len(instance) >= value


_KEYWORDS: dict[str, Callable[[Any, Any, dict[str, Any], Any], bool]] = {
    "type": _type,
    "properties": _properties,
    "additionalProperties": _additional,
    "required": _required,
    "$ref": _ref,
    "anyOf": _any_of,
    "enum": _enum,
    "pattern": _pattern,
    "minLength": _min_length,
    "minimum": _minimum,
    "maximum": _maximum,
    "items": _items,
    "propertyNames": _property_names,
    "minProperties": _min_properties,
}
