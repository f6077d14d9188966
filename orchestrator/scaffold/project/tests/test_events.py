"""Every function handles its sample event, as ``sam local invoke <Fn> -e events/<fn>.json`` would
(refresh an event from a real local run with ``flowctl events sample RUN --node NODE -o ...``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.testing import invoke

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_handles_its_sample_event(function: str) -> None:
    assert (ROOT / "events" / f"{function}.json").is_file(), f"add events/{function}.json"
    result = invoke(function, f"events/{function}.json", project=ROOT)
    assert isinstance(result, dict)
