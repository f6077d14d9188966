"""The benchmark workloads: state machine definitions with their inputs.

Built-in workloads are Pass chains, inline Maps and a Choice loop. *Example flows* are the
project's flows (``flows/``) that run without a network or an external event, compiled and run
with their real node functions in-process (so their figures include the functions' own work).
Moto cannot run them at all (no JSONata, no in-process Lambdas).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["EXAMPLE_FLOWS", "Workload", "builtin_workloads", "example_workloads", "jsonata_workloads", "map_workload"]

ROOT = Path(__file__).resolve().parent.parent


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
    functions_dir: Path | None = None


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


def jsonata_pass_chain(n: int) -> dict[str, Any]:
    """``n`` JSONata Pass states, each ``Output`` a path of its input (the wider fast path)."""
    states: dict[str, Any] = {
        f"S{i}": {"Type": "Pass", "Output": "{% $states.input %}", "Next": f"S{i + 1}"} for i in range(n - 1)
    }
    states[f"S{n - 1}"] = {"Type": "Pass", "Output": "{% $states.input %}", "End": True}
    return {"QueryLanguage": "JSONata", "StartAt": "S0", "States": states}


def assign_chain(n: int) -> dict[str, Any]:
    """``n`` JSONata Pass states ``Assign {x: {% $x + 1 %}}``."""
    def state(i: int) -> dict[str, Any]:
        nxt: dict[str, Any] = {"Next": f"S{i + 1}"} if i < n - 1 else {"End": True}
        return {"Type": "Pass", "Assign": {"x": "{% $x + 1 %}"}, **nxt}

    states = {f"S{i}": state(i) for i in range(n)}
    states["S0"]["Assign"] = {"x": 0}
    return {"QueryLanguage": "JSONata", "StartAt": "S0", "States": states}


INTERPRETED = "{% $x + $sum($map($states.input.b[$ > 1], function($v) { $v * 2 })) %}"
"""An expression outside the native subset (a filter and a lambda): the JSONata engine evaluates it."""


def interpreted_chain(n: int) -> dict[str, Any]:
    """``n`` JSONata Pass states ``Assign {x: INTERPRETED}``."""
    chain = assign_chain(n)
    for name, state in chain["States"].items():
        if name != "S0":
            state["Assign"] = {"x": INTERPRETED}
    return chain


def set_chain_flow(n: int) -> dict[str, Any]:
    """A flow of ``n`` ``set`` nodes in series, each adding 1 to its predecessor's count."""
    nodes: dict[str, Any] = {"s0": {"set": {"count": 0, "label": "start"}}}
    for i in range(1, n):
        nodes[f"s{i}"] = {
            "set": {"count": f"{{% $s{i - 1}.count + 1 %}}", "label": f"{{% $s{i - 1}.label %}}"},
            "after": [f"s{i - 1}"],
        }
    return {"name": f"set-chain-{n}", "nodes": nodes, "output": f"{{% $s{n - 1} %}}"}


def compiled_set_chain(n: int) -> dict[str, Any]:
    """:func:`set_chain_flow` through the compiler (what ``flowctl run`` executes)."""
    from orchestrator.compiler import compile_flow
    from orchestrator.flowlang.loader import parse_flow

    return compile_flow(parse_flow(set_chain_flow(n))).definition


def jsonata_choice_loop(iterations: int) -> dict[str, Any]:
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Assign": {"i": 0}, "Next": "Check"},
            "Check": {
                "Type": "Choice",
                "Choices": [{"Condition": f"{{% $i < {iterations} %}}", "Next": "Inc"}],
                "Default": "Done",
            },
            "Inc": {"Type": "Pass", "Assign": {"i": "{% $i + 1 %}"}, "Next": "Check"},
            "Done": {"Type": "Succeed", "Output": "{% $i %}"},
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


def jsonata_workloads() -> list[Workload]:
    """JSONata states as flows compile to them; each row is compared with ``Pass chain x1000``."""
    note = "moto: no JSONata"
    return [
        Workload("JSONata Pass chain x1000", jsonata_pass_chain(1000), {"a": 1, "b": [1, 2, 3]}, note=note),
        Workload("JSONata Assign x+1 x1000", assign_chain(1000), {"a": 1, "b": [1, 2, 3]}, note=note),
        Workload("compiled set chain x1000", compiled_set_chain(1000), {}, note=note),
        Workload("JSONata Choice loop x1000", jsonata_choice_loop(1000), {}, note=note),
    ]


EXAMPLE_FLOWS: dict[str, dict[str, Any]] = {  # flow -> parameters beyond its defaults
    "liteflow-hello": {},
    "liteflow-passing-data": {"a": 2, "b": 3},
    "liteflow-foreach": {},
    "liteflow-if": {},
    "liteflow-while": {},
    "reconciliation": {},
    "ma-crossover": {},
    "kyc": {},
}


def example_workloads() -> list[Workload]:
    """The example flows, compiled, with their default parameters and real node functions."""
    from orchestrator.compiler import compile_flow_file
    from orchestrator.flowlang.params import resolve_params
    from orchestrator.flowlang.project import Project

    project = Project(ROOT)
    os.environ.setdefault("FLOWCTL_PROJECT_DIR", str(ROOT))
    out = []
    for name, params in EXAMPLE_FLOWS.items():
        compiled = compile_flow_file(project.flow_path(name))
        out.append(
            Workload(
                f"flow {name}",
                compiled.definition,
                resolve_params(compiled.flow, params),
                note="example flow, incl. its node functions; moto: cannot run",
                functions_dir=project.functions_dir,
            )
        )
    return out
