"""GIVEN flows and schemas WHEN the quick schema check answers THEN it never calls an invalid
document valid: it agrees with jsonschema, or says "not sure" (False) and jsonschema decides."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from orchestrator.flowlang.loader import parse_flow, schema_problems
from orchestrator.flowlang.schema import SCHEMA_PATH, flow_schema, validation_schema
from orchestrator.flowlang.schema_check import conforms

ROOT = Path(__file__).resolve().parents[3]
FLOW_FILES = sorted([*ROOT.glob("flows/*.json"), *ROOT.glob("docs/examples/*.json")])
ODD_VALUES: list[Any] = [None, True, False, 0, 1, -1, 1.0, 2.5, 10**9, "", "x", "ab\n", "Ab", "a b", "States.ALL",
                         "inline", "10%", [], ["a"], [1], {}, {"uses": "step"}, {"name": "other"}]


def _valid(doc: Any, schema: dict[str, Any]) -> bool:
    return not any(True for _ in Draft202012Validator(schema).iter_errors(doc))


def _mutations(doc: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(path, replacement) for every place of ``doc`` and every odd value, plus extra keys."""
    for value in ODD_VALUES:
        yield path, value
    if isinstance(doc, dict):
        yield (*path, "unknown_field"), 1
        for key, item in doc.items():
            yield from _mutations(item, (*path, key))
    elif isinstance(doc, list):
        for index, item in enumerate(doc):
            yield from _mutations(item, (*path, index))


def _replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copied = copy.deepcopy(doc)
    place = copied
    for step in path[:-1]:
        place = place[step]
    place[path[-1]] = value
    return copied


def test_the_committed_schema_is_the_generated_one() -> None:
    assert validation_schema() == flow_schema()


@pytest.mark.parametrize("path", FLOW_FILES, ids=lambda p: p.name)
def test_it_agrees_with_jsonschema_on_every_example_flow_and_its_mutations(path: Path) -> None:
    schema = validation_schema()
    doc = json.loads(path.read_text())
    assert conforms(doc, schema) == _valid(doc, schema)
    for where, value in _mutations(doc):
        changed = _replaced(doc, where, value)
        assert conforms(changed, schema) == _valid(changed, schema), (where, value)


def test_a_valid_flow_has_no_problems_and_an_invalid_one_keeps_jsonschemas_list() -> None:
    good = {"name": "demo", "nodes": {"a": {"uses": "step", "retry": {"max_attempts": 2, "backoff": 2}}}}
    assert schema_problems(good) == []
    assert parse_flow(good).nodes["a"].retry.backoff == 2.0
    bad = {"name": "Demo", "nodes": {"a": {"uses": "step", "retry": {"max_attempts": 0.5}}, "B": {"set": 1}}}
    wheres = [problem.where for problem in schema_problems(bad)]
    assert wheres == ["/name", "/nodes", "/nodes/a/retry"]


@pytest.mark.parametrize(("instance", "schema", "expected"), [
    (2.0, {"type": "integer"}, True),
    (True, {"type": "integer"}, False),
    (True, {"type": "number"}, False),
    (True, {"minimum": 5}, True),
    ("abc\n", {"pattern": "^[a-z]+$"}, True),  # re.search, as jsonschema: '$' matches before a final newline
    ("é", {"minLength": 1}, True),
    ({"a": 1}, {"propertyNames": {"pattern": "^[A-Z]"}}, False),
    ({}, {"minProperties": 1}, False),
    ([1, "x"], {"items": {"type": "integer"}}, False),
    ({"x": 1}, {"additionalProperties": False, "properties": {"y": {}}}, False),
    ({"x": {"y": 1}}, {"$defs": {"X": {"required": ["z"]}}, "properties": {"x": {"$ref": "#/$defs/X"}}}, False),
    ("b", {"anyOf": [{"enum": ["a"]}, {"type": "null"}]}, False),
])
def test_keywords_behave_as_in_jsonschema(instance: Any, schema: dict[str, Any], expected: bool) -> None:
    assert conforms(instance, schema) is expected
    assert _valid(instance, schema) is expected


@pytest.mark.parametrize("schema", [
    {"const": 1},
    {"enum": [1, 2]},
    {"format": "email"},
    {"$ref": "https://example.com/other.json"},
    {"$ref": "#/$defs/Missing"},
    {"items": {"type": "integer"}, "prefixItems": [{"type": "string"}]},
    {"type": "any"},
])
def test_a_keyword_it_does_not_implement_makes_it_unsure(schema: dict[str, Any]) -> None:
    assert conforms(1, schema) is False


def test_without_the_committed_file_the_generated_schema_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import orchestrator.flowlang.schema as schema_module

    monkeypatch.setattr(schema_module, "SCHEMA_PATH", tmp_path / "absent.json")
    validation_schema.cache_clear()
    try:
        assert validation_schema() == flow_schema()
    finally:
        validation_schema.cache_clear()
    assert SCHEMA_PATH.is_file()
