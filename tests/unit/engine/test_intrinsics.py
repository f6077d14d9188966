"""ASL intrinsic functions behave as on AWS Step Functions: outputs, quirks and error causes."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.engine.errors import AslDefinitionError, StatesError
from orchestrator.engine.intrinsics import (
    IntrinsicCall,
    IntrinsicPath,
    IntrinsicSyntaxError,
    evaluate_intrinsic,
    is_intrinsic,
    parse_intrinsic,
)


def run(text: str, data: dict[str, Any] | None = None) -> Any:
    """GIVEN input ``data`` WHEN the intrinsic ``text`` runs with ``$.key`` paths into it."""
    data = data or {}

    def resolve(path: str) -> Any:
        assert path.startswith("$."), path
        return data[path[2:]]

    return evaluate_intrinsic(parse_intrinsic(text), resolve)


def runtime_cause(text: str, data: dict[str, Any] | None = None) -> str | None:
    with pytest.raises(StatesError) as caught:
        run(text, data)
    assert caught.value.error == "States.Runtime"
    return caught.value.cause


# --- recognising and parsing -----------------------------------------------------------------


def test_intrinsic_text_is_told_apart_from_a_path() -> None:
    assert is_intrinsic("States.Format('x')")
    assert not is_intrinsic("$.a")
    assert not is_intrinsic("$$.Execution.Id")


def test_parse_keeps_paths_as_written_and_nests_calls() -> None:
    call = parse_intrinsic("States.Array($.a[0], $$.Execution.Id, $myVar.x, States.UUID(), -2.5)")
    assert call.name == "States.Array"
    assert call.args[:3] == (
        IntrinsicPath("$.a[0]"),
        IntrinsicPath("$$.Execution.Id"),
        IntrinsicPath("$myVar.x"),
    )
    assert call.args[3] == IntrinsicCall("States.UUID", ())
    assert call.args[4] == -2.5


def test_paths_with_commas_inside_brackets_stay_one_argument() -> None:
    call = parse_intrinsic("States.Array($['a,b'], $.list[?(@.x == 1)])")
    assert call.args == (IntrinsicPath("$['a,b']"), IntrinsicPath("$.list[?(@.x == 1)]"))


def test_literals_true_false_null_and_integers() -> None:
    assert run("States.Array(true, false, null, 7, -3)") == [True, False, None, 7, -3]


def test_string_escapes_are_decoded() -> None:
    assert run(r"States.Format('it\'s \{\} and \\ here')") == "it's {} and \\ here"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("States.Nope(1)", "unknown intrinsic function 'States.Nope'"),
        ("States.Format('unterminated)", "unterminated string literal"),
        ("States.Format('bad \\\"quote')", 'found \\"'),
        ("States.Array(1, 2", "missing ')'"),
        ("States.Array(1) extra", "unexpected text after the closing parenthesis"),
        ("States.Array(1,)", "missing argument"),
        ("States.Array(nope)", "expected a 'string'"),
    ],
)
def test_malformed_calls_are_rejected_before_running(text: str, fragment: str) -> None:
    with pytest.raises(IntrinsicSyntaxError) as caught:
        parse_intrinsic(text)
    assert fragment in str(caught.value)
    assert "at character" in str(caught.value)
    assert isinstance(caught.value, AslDefinitionError)


def test_parsed_call_can_be_evaluated_many_times_with_different_input() -> None:
    call = parse_intrinsic("States.MathAdd($.n, 1)")
    assert [evaluate_intrinsic(call, lambda _path, n=n: n) for n in range(3)] == [1, 2, 3]


# --- States.Format ---------------------------------------------------------------------------


def test_format_renders_values_like_aws() -> None:
    data = {"s": "txt", "i": 4, "f": 2.5, "b": True, "n": None, "o": {"k": 1, "l": []}}
    out = run("States.Format('{} {} {} {} {} {}', $.s, $.i, $.f, $.b, $.n, $.o)", data)
    assert out == "txt 4 2.5 true null {k=1, l=[]}"


def test_format_template_may_come_from_a_path() -> None:
    assert run("States.Format($.t, $.v)", {"t": "Hi {}!", "v": "you"}) == "Hi you!"


def test_format_escaped_braces_are_not_placeholders() -> None:
    assert run(r"States.Format('\{\} {}', 'x')") == "{} x"


@pytest.mark.parametrize(
    "text",
    [
        "States.Format('{} {}', 'one')",
        "States.Format('{}', 'a', 'b')",
        "States.Format('open {', 'a')",
    ],
)
def test_format_fails_when_placeholders_and_arguments_disagree(text: str) -> None:
    assert runtime_cause(text) == "Invalid arguments in States.Format"


# --- JSON ------------------------------------------------------------------------------------


def test_json_to_string_is_compact_and_keeps_key_order() -> None:
    value = {"z": [1, 2.0, "é"], "a": None}
    assert run("States.JsonToString($.v)", {"v": value}) == '{"z":[1,2.0,"é"],"a":null}'


@pytest.mark.parametrize(
    ("text", "expected"),
    [('{"k": [1, true]}', {"k": [1, True]}), ("  ", None), ("-0", 0), ('"s"', "s")],
)
def test_string_to_json_parses_and_blank_is_null(text: str, expected: Any) -> None:
    assert run("States.StringToJson($.s)", {"s": text}) == expected


def test_string_to_json_of_invalid_json_fails() -> None:
    assert runtime_cause("States.StringToJson($.s)", {"s": "{nope"}) == (
        "Invalid arguments in States.StringToJson"
    )


def test_json_merge_is_shallow_and_right_wins() -> None:
    data = {"l": {"a": {"x": 1}, "b": 1}, "r": {"a": {"y": 2}, "c": 3}}
    assert run("States.JsonMerge($.l, $.r, false)", data) == {"a": {"y": 2}, "b": 1, "c": 3}


def test_json_merge_deep_mode_is_rejected() -> None:
    cause = runtime_cause("States.JsonMerge($.l, $.l, true)", {"l": {}})
    assert cause == "Invalid arguments in States.JsonMerge"


# --- arrays ----------------------------------------------------------------------------------


def test_array_partition_leaves_a_short_last_chunk() -> None:
    assert run("States.ArrayPartition($.a, 2)", {"a": [1, 2, 3]}) == [[1, 2], [3]]


def test_array_partition_needs_a_positive_size() -> None:
    assert runtime_cause("States.ArrayPartition($.a, 0)", {"a": [1]}) == (
        "Invalid arguments in States.ArrayPartition"
    )


def test_array_contains_compares_whole_values() -> None:
    data = {"a": [[1, 2], {"k": "v"}, False]}
    assert run("States.ArrayContains($.a, $.t)", {**data, "t": [1, 2]}) is True
    assert run("States.ArrayContains($.a, $.t)", {**data, "t": {"k": "v"}}) is True
    assert run("States.ArrayContains($.a, 0)", data) is False


def test_array_range_includes_the_end_and_truncates_fractions() -> None:
    assert run("States.ArrayRange(1, 9, 2)") == [1, 3, 5, 7, 9]
    assert run("States.ArrayRange(5, 1, -2)") == [5, 3, 1]
    assert run("States.ArrayRange(5.4, -0.6, -2.4)") == [5, 3, 1]
    assert run("States.ArrayRange(1, 5, -1)") == []


@pytest.mark.parametrize("text", ["States.ArrayRange(1, 1001, 1)", "States.ArrayRange(1, 5, 0)"])
def test_array_range_rejects_zero_step_and_more_than_1000_items(text: str) -> None:
    assert runtime_cause(text) == "Invalid arguments in States.ArrayRange"


def test_array_range_allows_exactly_1000_items() -> None:
    assert len(run("States.ArrayRange(1, 1000, 1)")) == 1000


def test_array_get_item_and_out_of_range() -> None:
    assert run("States.ArrayGetItem($.a, 1)", {"a": ["x", "y"]}) == "y"
    assert runtime_cause("States.ArrayGetItem($.a, 2)", {"a": ["x", "y"]}) == (
        "Invalid arguments in States.ArrayGetItem"
    )


def test_array_length_unique_and_plain_array() -> None:
    assert run("States.ArrayLength($.a)", {"a": [1, 1, 2]}) == 3
    assert run("States.ArrayUnique($.a)", {"a": [1, 2, 1, [3], [3]]}) == [1, 2, [3]]
    assert run("States.Array()") == []


def test_array_functions_reject_a_non_array() -> None:
    assert runtime_cause("States.ArrayLength($.a)", {"a": "abc"}) == (
        "Invalid arguments in States.ArrayLength"
    )


# --- encoding and hashing --------------------------------------------------------------------


def test_base64_round_trip_with_unicode() -> None:
    assert run("States.Base64Encode('héllo')") == "aMOpbGxv"
    assert run("States.Base64Decode('aMOpbGxv')") == "héllo"


def test_base64_decode_is_lenient_like_aws() -> None:
    assert run("States.Base64Decode(' aGk ')") == "hi"


def test_base64_input_over_10000_characters_fails() -> None:
    cause = runtime_cause("States.Base64Encode($.s)", {"s": "x" * 10_001})
    assert cause == "Invalid arguments in States.Base64Encode"


@pytest.mark.parametrize(
    ("algorithm", "digest"),
    [
        ("MD5", "900150983cd24fb0d6963f7d28e17f72"),
        ("SHA-1", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("SHA-256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ],
)
def test_hash_algorithms(algorithm: str, digest: str) -> None:
    assert run("States.Hash('abc', $.alg)", {"alg": algorithm}) == digest


def test_hash_rejects_unknown_algorithm_spelling() -> None:
    assert runtime_cause("States.Hash('abc', 'sha256')") == "Invalid arguments in States.Hash"


# --- math, strings, ids ----------------------------------------------------------------------


def test_math_add_rounds_each_operand_half_up() -> None:
    assert run("States.MathAdd($.a, $.b)", {"a": 1.5, "b": -1.5}) == 1
    assert run("States.MathAdd(-7, 3)") == -4


def test_math_add_rejects_non_numbers() -> None:
    assert (
        runtime_cause("States.MathAdd($.a, 1)", {"a": "2"}) == "Invalid arguments in States.MathAdd"
    )


def test_math_random_stays_in_range_and_a_seed_repeats() -> None:
    assert all(1 <= run("States.MathRandom(1, 4)") < 4 for _ in range(50))
    assert run("States.MathRandom(-5, 5, 42)") == run("States.MathRandom(-5, 5, 42)") == -5


def test_math_random_needs_start_below_end() -> None:
    assert runtime_cause("States.MathRandom(3, 3)") == "Invalid arguments in States.MathRandom"


def test_string_split_splits_on_each_delimiter_character_and_drops_empties() -> None:
    assert run("States.StringSplit($.s, ',;')", {"s": "a,,b;c,"}) == ["a", "b", "c"]


def test_uuid_is_a_version_4_uuid() -> None:
    value = run("States.UUID()")
    assert len(value) == 36 and value[14] == "4"


def test_wrong_argument_count_fails_at_run_time_like_aws() -> None:
    assert runtime_cause("States.ArrayLength($.a, $.a)", {"a": []}) == (
        "Invalid arguments in States.ArrayLength"
    )


def test_nested_calls_evaluate_inside_out() -> None:
    text = "States.ArrayGetItem(States.StringSplit(States.Format('{}-{}', 'a', 'b'), '-'), 1)"
    assert run(text) == "b"
