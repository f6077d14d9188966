"""Flow parameters: a number must be finite (JSON cannot carry an infinity)."""

from __future__ import annotations

import pytest

from orchestrator.flowlang.errors import FlowValidationError
from orchestrator.flowlang.model import Flow
from orchestrator.flowlang.params import coerce_param_assignments, resolve_params


def test_an_overflowing_number_is_refused_with_its_pointer() -> None:
    flow = Flow.model_validate({"name": "sum", "params": {"a": {"type": "number"}}, "nodes": {"s": {"set": 1}}})
    with pytest.raises(FlowValidationError) as caught:
        resolve_params(flow, coerce_param_assignments(flow, ["a=1e400"]))
    (problem,) = caught.value.problems
    assert problem.where == "/params/a" and "not a finite number" in problem.message
