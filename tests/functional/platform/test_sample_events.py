"""events/ holds a sample event for every function, and every sample is exercised by a test
(events named after a node function, ``events/<function>.json``, by
tests/functional/project/test_function_events.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
EVENTS = sorted((ROOT / "events").glob("*.json"))
TESTS = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("*.py"))
NODE_FUNCTIONS = {p.parent.name for p in (ROOT / "functions").glob("*/app.py")}


@pytest.mark.parametrize("path", EVENTS, ids=lambda p: p.name)
def test_each_sample_event_is_valid_json_and_used_by_a_test(path: Path) -> None:
    assert isinstance(json.loads(path.read_text()), dict)
    if path.stem in NODE_FUNCTIONS:
        return  # fed to its function by test_function_events.py
    assert f'"{path.name}"' in TESTS, f"no test invokes a handler with events/{path.name}"


@pytest.mark.parametrize("function", ["api", "tracker", "waiter", "event_router", "node"])
def test_every_function_has_a_sample_event(function: str) -> None:
    assert any(p.name.startswith(f"{function}-") for p in EVENTS)
