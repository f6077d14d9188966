"""Compile a validated flow into an ASL state machine, choose its type, and report its cost
(imported through :mod:`orchestrator.compiler`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.compiler.asl import AslBuild, StateNode, build_asl
from orchestrator.compiler.errors import CompileError
from orchestrator.compiler.report import EXPRESS_MAX_SECONDS, FlowReport, estimate, foreach_results
from orchestrator.compiler.validate import check_flow, validate_flow_file
from orchestrator.flowlang.errors import FlowValidationError
from orchestrator.flowlang.graph import shared_graphs
from orchestrator.flowlang.model import Flow
from orchestrator.flowlang.project import Project
from orchestrator.limits import MAX_DEFINITION_DEPTH
from orchestrator.strict_json import StrictJsonError, check_value

__all__ = ["CompileError", "CompiledFlow", "StateNode", "asl_text", "compile_flow", "compile_flow_file", "project_loader"]


@dataclass
class CompiledFlow:
    """A compiled flow: its ASL, state machine type, what it needs deployed, and its report."""

    flow: Flow
    definition: dict[str, Any]
    type: str
    type_reasons: list[str]
    build: AslBuild
    report: FlowReport
    sources: dict[str, Path] = field(default_factory=dict)

    @property
    def functions(self) -> list[str]:
        return self.build.functions

    @property
    def substitutions(self) -> dict[str, str]:
        return self.build.substitutions

    @property
    def nested_flows(self) -> list[str]:
        return self.build.nested_flows

    @property
    def state_nodes(self) -> dict[str, StateNode]:
        """Every state of :attr:`definition` (nested ones too) → the flow node it belongs to."""
        return self.build.state_nodes


def asl_text(definition: dict[str, Any]) -> str:
    """The committed form of a definition: two-space indent, UTF-8, trailing newline."""
    return json.dumps(definition, indent=2, ensure_ascii=False) + "\n"


_compact_text = json.JSONEncoder(ensure_ascii=False, separators=(",", ": ")).encode
"""JSON with the separators of :func:`asl_text` and no indentation (json's C encoder)."""


def asl_size(definition: dict[str, Any]) -> int:
    """``len(asl_text(definition).encode())`` without writing the indented text: json writes
    an indented text with its pure-Python encoder, an eighth of a 5,000-node compile (issue
    14). The text without indentation (same separators) plus the newlines and spaces it adds."""
    return len(_compact_text(definition).encode()) + _indentation(definition, 0) + 1  # + "\n"


def _indentation(value: Any, depth: int) -> int:
    """The characters that two-space indentation adds to ``value`` at ``depth``: each item of a
    non-empty object or array on a line of its own, the closing bracket on one too."""
    items = value.values() if isinstance(value, dict) else value
    if not items:
        return 0
    added = len(items) * (2 * depth + 3) + 2 * depth + 1
    for item in items:
        if isinstance(item, (dict, list, tuple)):
            added += _indentation(item, depth + 1)
    return added


def project_loader(project: Project | None) -> Any:
    """``load(name) -> Flow`` for sub-flows of ``project`` (validated; cached)."""
    cache: dict[str, Flow] = {}

    def load(name: str) -> Flow:
        if name not in cache:
            if project is None:
                raise CompileError(f"sub-flow '{name}' needs a project with flows/", where="/")
            path = project.flow_path(name)
            if path is None:
                raise CompileError(f"sub-flow '{name}' is not in {project.flows_dir}", where="/")
            cache[name] = validate_flow_file(path, project)
        return cache[name]

    return load


def _choose_type(flow: Flow, build: AslBuild, seconds: float, unknown_wait: bool) -> tuple[str, list[str]]:
    reasons = []
    if any(n.wait_for is not None for n in flow.nodes.values()) or "waiter" in build.functions:
        reasons.append("waits for external events (.waitForTaskToken needs Standard)")
    if build.nested_flows:
        reasons.append("runs nested sub-flows (startExecution.sync needs Standard)")
    if build.distributed_maps:
        reasons.append("uses a distributed foreach (Distributed Map needs Standard)")
    if seconds > EXPRESS_MAX_SECONDS:
        reasons.append(f"may run {seconds:.0f} s, over Express's {EXPRESS_MAX_SECONDS} s")
    if unknown_wait:
        reasons.append("waits for a computed time (may exceed Express's 5 minutes)")
    if flow.timeout and flow.timeout > EXPRESS_MAX_SECONDS:
        reasons.append(f"timeout {flow.timeout} s exceeds Express's {EXPRESS_MAX_SECONDS} s")
    if flow.type == "EXPRESS" and reasons:
        raise CompileError("this flow cannot be EXPRESS: " + "; ".join(reasons), where="/type", hint="remove 'type' or set it to STANDARD")
    if flow.type != "auto":
        return flow.type, [f"set by the flow's 'type' ({flow.type})"]
    if reasons:
        return "STANDARD", reasons
    return "EXPRESS", ["short-lived with no event waits: Express is cheaper; its runs cannot be cancelled or redriven (set type: STANDARD for that)"]


def compile_flow(flow: Flow, project: Project | None = None, *, items: int = 100, type_override: str | None = None) -> CompiledFlow:
    """Compile a flow that passed validation (``check_flow`` is run again as a guard)."""
    with shared_graphs():  # checked, built and estimated: each part looks at the same graph
        return _compile(flow, project, items, type_override)


def _compile(flow: Flow, project: Project | None, items: int, type_override: str | None) -> CompiledFlow:
    problems = check_flow(flow, project)
    if problems:
        raise FlowValidationError(where=flow.name, problems=problems)
    loader = project_loader(project)
    build = build_asl(flow, loader)
    try:
        check_value(build.definition, max_depth=MAX_DEFINITION_DEPTH)
    except StrictJsonError as exc:
        raise CompileError(f"the compiled definition is not valid ASL at {exc.where}: {exc.message}", where="/", hint="nest values and sub-flows less deeply") from None
    cost, states, risks = estimate(flow, build.definition, loader, items)
    if type_override:
        flow = flow.model_copy(update={"type": type_override})
    try:
        sm_type, reasons = _choose_type(flow, build, cost.seconds, cost.unknown_wait)
    except CompileError as exc:
        if not type_override:
            raise
        raise CompileError(exc.problems[0].message, where="--type", hint="drop --type EXPRESS (or pass STANDARD)") from None
    report = FlowReport(
        flow=flow.name,
        type=sm_type,
        type_reasons=reasons,
        states=states,
        transitions=cost.transitions,
        history_events=2 * cost.transitions + 3 * cost.tasks,
        seconds=cost.seconds,
        payload_risks=risks,
        added_edges=[e for edges in build.added_edges.values() for e in edges],
        items_assumed=items,
        definition_bytes=asl_size(build.definition),
        foreach_results=foreach_results(flow),
    )
    return CompiledFlow(flow, build.definition, sm_type, reasons, build, report)


def compile_flow_file(path: Path | str, project: Project | None = None, **options: Any) -> CompiledFlow:
    """Validate and compile the flow file at ``path``."""
    project = project or Project.for_flow(path)
    with shared_graphs():  # (validated, then checked again as it is compiled)
        flow = validate_flow_file(path, project)
        compiled = compile_flow(flow, project, **options)
    compiled.sources[flow.name] = Path(path)
    return compiled
