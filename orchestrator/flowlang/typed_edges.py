"""Typed edges: check each node's ``with`` against its function's input schema.

For every ``uses`` node (and ``foreach``/``while`` body) whose function declares an input model:

- literal values are validated against the field's schema (type, enum, bounds);
- required fields must be given, and unknown fields are reported (the function would never see
  them) unless the model accepts extra fields;
- a *simple reference* — ``{% $node %}``, ``{% $node.field.sub %}``, ``{% $params.x %}`` — is typed
  from the upstream function's output schema or the param's type, and must fit the field.

Every simple reference to a node's output field anywhere in the flow must name a field that the
upstream output schema has. Anything else (a computed expression, an untyped function, a node
whose output is not a function's) is accepted, not guessed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from orchestrator.errors import Problem
from orchestrator.flowlang.expressions import expression_body, iter_expressions, var_name
from orchestrator.flowlang.functions import FunctionInfo, load_function
from orchestrator.flowlang.loader import pointer
from orchestrator.flowlang.model import Flow, Node
from orchestrator.flowlang.project import Project
from orchestrator.flowlang.schema_check import conforms

__all__ = ["simple_reference", "typed_edge_problems"]

_SIMPLE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)$")
_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null", list: "array", dict: "object"}


def simple_reference(body: str) -> tuple[str, list[str]] | None:
    """``$node.a.b`` → ("node", ["a", "b"]); None for any other expression."""
    match = _SIMPLE.match(body.strip())
    if not match:
        return None
    return match.group(1), [part for part in match.group(2).split(".") if part]


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema and seen < 20:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        schema = {**root.get("$defs", {}).get(name, {}), **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
    return schema


def _types(schema: dict[str, Any] | None, root: dict[str, Any]) -> set[str] | None:
    """The JSON types a schema allows, or None for any."""
    if schema is None:
        return None
    schema = _resolve(schema, root)
    if "type" in schema:
        kind = schema["type"]
        return set(kind) if isinstance(kind, list) else {kind}
    for key in ("anyOf", "oneOf"):
        if key in schema:
            found: set[str] = set()
            for branch in schema[key]:
                sub = _types(branch, root)
                if sub is None:
                    return None
                found |= sub
            return found
    values = [schema["const"]] if "const" in schema else schema.get("enum")
    if values is not None:
        return {_JSON_TYPES.get(type(v), "object") for v in values}
    return None


def _field(schema: dict[str, Any], root: dict[str, Any], name: str) -> tuple[bool, dict[str, Any] | None]:
    """(known, sub-schema) of property ``name``; known False when the schema says it has no such
    field; sub-schema None when it is not typed."""
    schema = _resolve(schema, root)
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        results = [_field(b, root, name) for b in branches if (_types(b, root) or {"object"}) & {"object"}]
        known = [sub for ok, sub in results if ok]
        if not known:
            return (not results), None
        return True, known[0] if len(known) == 1 else None
    props = schema.get("properties")
    if props is not None and name in props:
        return True, props[name]
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        return True, extra
    if props is None or extra not in (None, False):
        return True, None
    return False, None


def _describe(types: set[str]) -> str:
    return " or ".join(sorted(types))


def _fits(actual: set[str], expected: set[str]) -> bool:
    numeric = {"integer", "number"}
    if actual & numeric and expected & numeric:
        return True
    return bool(actual & expected)


class _TypedEdges:
    def __init__(self, flow: Flow, project: Project) -> None:
        self.flow = flow
        self.project = project
        self.problems: list[Problem] = []
        self.node_vars = {var_name(n): n for n in flow.nodes}

    def add(self, path: Iterable[Any], message: str, hint: str = "") -> None:
        self.problems.append(Problem(pointer(list(path)), message, hint))

    def function(self, name: str | None) -> FunctionInfo | None:
        return load_function(self.project, name) if name else None

    # -- what a reference holds ------------------------------------------------------------
    def reference_schema(self, path: list[Any], var: str, fields: list[str]) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """(schema, root) of what ``$var.fields`` holds; reports unknown fields and params."""
        if var == "params":
            if not fields:
                return {"type": "object"}, {}
            param = self.flow.params.get(fields[0])
            if param is None:
                close = difflib.get_close_matches(fields[0], list(self.flow.params), n=1)
                self.add(path, f"$params.{fields[0]} is not a parameter of this flow", f"did you mean '{close[0]}'?" if close else f"params: {', '.join(self.flow.params) or 'none'}")
                return None, {}
            return ({"type": param.type} if len(fields) == 1 else None), {}
        node_id = self.node_vars.get(var)
        if node_id is None:
            return None, {}
        node = self.flow.nodes[node_id]
        root = self.output_schema(node)
        if root is None:
            return None, {}
        schema: dict[str, Any] | None = root
        walked: list[str] = []
        for name in fields:
            if schema is None:
                return None, root
            known, sub = _field(schema, root, name)
            if not known:
                resolved = _resolve(schema, root)
                names = list(resolved.get("properties", {}))
                close = difflib.get_close_matches(name, names, n=1)
                where = f"${var}{''.join('.' + w for w in walked)}"
                hint = f"did you mean '{close[0]}'? " if close else ""
                self.add(path, f"{where} has no field '{name}' ({node.uses}'s output schema)", f"{hint}fields: {', '.join(names) or 'none'}")
                return None, root
            schema = sub
            walked.append(name)
        return schema, root

    def output_schema(self, node: Node) -> dict[str, Any] | None:
        if node.kind != "uses" or node.catch or node.on_error == "continue":
            return None
        info = self.function(node.uses)
        return info.output_schema if info is not None else None

    # -- checks ---------------------------------------------------------------------------------
    def run(self) -> list[Problem]:
        checked: set[str] = set()
        for node_id, node in self.flow.nodes.items():
            base: list[Any] = ["nodes", node_id]
            bodies: list[tuple[list[Any], str | None, Any]] = []
            if node.kind == "uses":
                bodies.append(([*base, "with"], node.uses, node.with_))
            if node.foreach is not None:
                bodies.append(([*base, "foreach", "do", "with"], node.foreach.do.uses, node.foreach.do.with_))
            if node.while_ is not None:
                bodies.append(([*base, "while", "do", "with"], node.while_.do.uses, node.while_.do.with_))
            for path, uses, value in bodies:
                info = self.function(uses)
                if info is None or info.input_schema is None or value is None:
                    continue
                self.check_value(path, value, info.input_schema, info.input_schema, f"{uses}'s input")
                checked.add(pointer(path))
        self.check_other_references(checked)
        return self.problems

    def check_value(self, path: list[Any], value: Any, schema: dict[str, Any], root: dict[str, Any], what: str) -> None:
        body = expression_body(value)
        if body is not None:
            self.check_reference(path, body, schema, root, what)
            return
        resolved = _resolve(schema, root)
        if isinstance(value, dict) and "properties" in resolved:
            for name in resolved.get("required", []):
                if name not in value:
                    self.add(path, f"{what} needs '{name}'", f"add \"{name}\" to 'with'" + _desc(resolved["properties"].get(name)))
            for key, item in value.items():
                known, sub = _field(resolved, root, key)
                if not known:
                    names = list(resolved["properties"])
                    close = difflib.get_close_matches(key, names, n=1)
                    self.add([*path, key], f"{what} has no field '{key}'", (f"did you mean '{close[0]}'? " if close else "") + f"fields: {', '.join(names)}")
                elif sub is not None:
                    self.check_value([*path, key], item, sub, root, f"{what} '{key}'" if what.endswith("input") else f"{what}.{key}")
            return
        if any(True for _ in iter_expressions(value)):
            if isinstance(value, (dict, list)):
                actual = {_JSON_TYPES[type(value)]}
                expected = _types(schema, root)
                if expected is not None and not _fits(actual, expected):
                    self.add(path, f"{what} wants {_describe(expected)}, got {_describe(actual)}")
            return
        full = {**schema, "$defs": root.get("$defs", {})}
        if conforms(value, full):
            return
        from jsonschema import Draft202012Validator

        validator = Draft202012Validator(full)
        error = next(iter(sorted(validator.iter_errors(value), key=lambda e: list(e.path))), None)
        if error is not None:
            sub_path = [*path, *error.path]
            self.add(sub_path, f"{what}: {error.message}", "fix the value" + _desc(schema))

    def check_reference(self, path: list[Any], body: str, schema: dict[str, Any], root: dict[str, Any], what: str) -> None:
        ref = simple_reference(body)
        if ref is None:
            return
        var, fields = ref
        held, held_root = self.reference_schema(path, var, fields)
        actual = _types(held, held_root)
        expected = _types(schema, root)
        if actual is None or expected is None:
            return
        if not _fits(actual - {"null"} or actual, expected):
            self.add(path, f"{{% {body} %}} is {_describe(actual)}, but {what} wants {_describe(expected - {'null'} or expected)}",
                     "reference a field of that type, or convert it in the expression (e.g. $string(...), $number(...))")

    def check_other_references(self, checked: set[str]) -> None:
        """Field names of simple references outside the typed ``with`` blocks."""
        for node_id, node in self.flow.nodes.items():
            data = node.model_dump(by_alias=True, exclude_none=True)
            for sub, body in iter_expressions(data):
                where = pointer(["nodes", node_id, *sub])
                if any(where == c or where.startswith(c + "/") for c in checked):
                    continue
                ref = simple_reference(body)
                if ref is not None and ref[0] != "params" and ref[1]:
                    self.reference_schema(["nodes", node_id, *sub], *ref)


def _desc(schema: dict[str, Any] | None) -> str:
    if not schema or not schema.get("description"):
        return ""
    return f" ({schema['description']})"


def typed_edge_problems(flow: Flow, project: Project) -> list[Problem]:
    """Every typed-edge mismatch of ``flow`` in ``project`` (empty: none found)."""
    return _TypedEdges(flow, project).run()
