"""The one wildcard matcher of StringMatches (Choice) and EventBridge's ``wildcard`` filter."""

from __future__ import annotations

import pytest

from orchestrator.wildcard import compile_wildcard


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("*.png", "photo.png", True),
        ("*.png", "photo.jpg", False),
        ("log-*-end", "log--end", True),  # a star matches no characters too
        ("*", "", True),
        ("a*b*c", "a\nb\nc", True),  # across line breaks
        ("a\\*b", "a*b", True),  # an escaped star is a literal star
        ("a\\*b", "axb", False),
        ("a\\\\*", "a\\anything", True),  # an escaped backslash, then a wildcard
        ("a.c", "abc", False),  # regex characters are literal
        ("abc", "abcd", False),  # the whole text must match
    ],
)
def test_wildcard_patterns(pattern: str, text: str, matches: bool) -> None:
    # GIVEN a wildcard pattern WHEN a text is matched against it THEN only a whole match counts
    assert (compile_wildcard(pattern).fullmatch(text) is not None) is matches


def test_choice_string_matches_and_event_patterns_agree() -> None:
    # GIVEN the same pattern in a Choice rule and in an EventBridge event pattern
    from orchestrator.engine import run_state_machine
    from orchestrator.flowlang.event_patterns import matches

    definition = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.key", "StringMatches": "in\\*/*.csv", "Next": "Yes"}],
                "Default": "No",
            },
            "Yes": {"Type": "Pass", "Result": True, "End": True},
            "No": {"Type": "Pass", "Result": False, "End": True},
        },
    }
    for key in ("in*/a.csv", "in/a.csv", "inx/b.csv"):
        # WHEN each matches the same key THEN they agree
        by_choice = run_state_machine(definition, {"key": key}).output
        by_event = matches({"detail": {"key": [{"wildcard": "in\\*/*.csv"}]}}, {"detail": {"key": key}})
        assert by_choice == by_event == (key == "in*/a.csv")
