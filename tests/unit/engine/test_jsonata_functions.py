"""Step Functions' own JSONata functions ($partition, $range, $hash, $random, $uuid, $parse)."""

from __future__ import annotations

from typing import Any

import jsonata
import pytest

from orchestrator.engine.errors import StatesError
from orchestrator.engine.jsonata_functions import bind_aws_functions


def evaluate(text: str, data: Any = None) -> Any:
    """GIVEN an expression compiled with the AWS functions WHEN it runs on ``data``."""
    expr = jsonata.Jsonata(text)
    bind_aws_functions(expr)
    return expr.evaluate(data)


def query_error(text: str, data: Any = None) -> str | None:
    with pytest.raises(StatesError) as caught:
        evaluate(text, data)
    assert caught.value.error == "States.QueryEvaluationError"
    return caught.value.cause


def test_partition_chunks_an_array() -> None:
    assert evaluate("$partition(items, 2)", {"items": [1, 2, 3, 4, 5]}) == [[1, 2], [3, 4], [5]]


def test_partition_result_works_with_standard_functions() -> None:
    assert evaluate("$count($partition([1, 2, 3], 1))") == 3


def test_partition_rejects_non_positive_size() -> None:
    cause = query_error("$partition([1], 0)")
    assert cause is not None and "$partition" in cause


def test_range_includes_the_end_and_counts_down() -> None:
    assert evaluate("$range(0, 10, 5)") == [0, 5, 10]
    assert evaluate("$range(3, 1, -1)") == [3, 2, 1]


def test_range_over_1000_items_fails() -> None:
    cause = query_error("$range(1, 1001, 1)")
    assert cause is not None and "1000" in cause


def test_hash_matches_known_digest() -> None:
    assert evaluate("$hash('abc', 'SHA-256')") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_hash_rejects_unknown_algorithm() -> None:
    cause = query_error("$hash('abc', 'SHA256')")
    assert cause is not None and "SHA-256" in cause


def test_random_is_a_fraction_and_a_seed_repeats() -> None:
    value = evaluate("$random()")
    assert 0 <= value < 1
    assert evaluate("$random(7)") == evaluate("$random(7)")


def test_uuid_is_a_fresh_version_4_string() -> None:
    first, second = evaluate("[$uuid(), $uuid()]")
    assert first != second and first[14] == "4"


def test_parse_turns_json_text_into_values() -> None:
    assert evaluate("$parse(s).k[1]", {"s": '{"k": [1, "two"]}'}) == "two"
    assert evaluate("$parse('\"hi\"')") == "hi"


def test_parse_prints_whole_floats_like_javascript() -> None:
    assert evaluate("$string($parse('{\"n\": 2.0}'))") == '{"n":2}'


def test_parse_null_is_null_not_undefined() -> None:
    assert evaluate("$type($parse('null'))") == "null"


def test_parse_of_invalid_json_fails() -> None:
    cause = query_error("$parse('{oops')")
    assert cause is not None and "not valid JSON" in cause


def test_undefined_input_gives_undefined_as_in_jsonata() -> None:
    assert evaluate("$parse(missing)", {}) is None
