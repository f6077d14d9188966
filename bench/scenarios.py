"""The benchmark workloads: state machine definitions with their inputs.

Built-in workloads are Pass chains, inline Maps and a Choice loop. *Example flows* are picked up
from ``bench/examples/*.json`` files shaped ``{"name": ..., "definition": {...}, "input": ...,
"mocks": {...}}`` (``mocks`` optional, in the engine's mock format) — drop a compiled flow there
and it is measured too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["EXAMPLES_DIR", "Workload", "builtin_workloads", "example_workloads", "map_workload"]

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"


@dataclass
class Workload:
    name: str
    definition: dict[str, Any]
    input: Any
    moto_cap: int | None = None  # the size moto is run at when it cannot run the full size
    moto_definition: dict[str, Any] | None = None
    moto_input: Any = None
    mocks: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def pass_chain(n: int) -> dict[str, Any]:
    states: dict[str, Any] = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(n - 1)}
    states[f"S{n - 1}"] = {"Type": "Pass", "End": True}
    return {"StartAt": "S0", "States": states}


def inline_map() -> dict[str, Any]:
    return {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "P",
                    "States": {"P": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        },
    }


def choice_loop(iterations: int) -> dict[str, Any]:
    return {
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Result": 0, "ResultPath": "$.i", "Next": "Check"},
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.i", "NumericLessThan": iterations, "Next": "Inc"}],
                "Default": "Done",
            },
            "Inc": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "Check"},
            "Done": {"Type": "Succeed"},
        },
    }


def map_workload(items: int, moto_cap: int) -> Workload:
    return Workload(
        f"inline Map x{items}",
        inline_map(),
        list(range(items)),
        moto_cap=moto_cap if items > moto_cap else None,
        moto_input=list(range(min(items, moto_cap))),
    )


def builtin_workloads(moto_map_cap: int = 900) -> list[Workload]:
    return [
        Workload("Pass chain x100", pass_chain(100), {"a": 1, "b": [1, 2, 3]}),
        Workload("Pass chain x1000", pass_chain(1000), {"a": 1, "b": [1, 2, 3]}),
        map_workload(1000, moto_map_cap),
        map_workload(10_000, moto_map_cap),
        Workload("Choice loop x1000", choice_loop(1000), {}),
    ]


def example_workloads() -> list[Workload]:
    """Example flows dropped in ``bench/examples`` (none is fine)."""
    out = []
    for file in sorted(EXAMPLES_DIR.glob("*.json")):
        doc = json.loads(file.read_text())
        out.append(
            Workload(
                doc.get("name", file.stem),
                doc["definition"],
                doc.get("input", {}),
                mocks=doc.get("mocks", {}),
                note="example flow",
            )
        )
    return out
