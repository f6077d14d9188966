"""The semantic checks of a flow (everything its JSON Schema cannot say), one :class:`Checker` per
flow. What is particular to a node kind is asked of the kind's module
(:meth:`orchestrator.compiler.kinds.NodeKind.check`, ``expressions`` and its flags); the rest
(references, graph, parameters, schedules, expressions and the variables they read) is here.
"""

from __future__ import annotations

import contextlib
import difflib
import zoneinfo
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from orchestrator.compiler.kinds import NO_KIND, NodeKind
from orchestrator.errors import Problem
from orchestrator.flowlang.event_patterns import check_pattern
from orchestrator.flowlang.expressions import (
    called_functions,
    expression_body,
    iter_expressions,
    referenced_variables,
    syntax_error,
    var_name,
)
from orchestrator.flowlang.fanout import aggregated_nodes, results_mode
from orchestrator.flowlang.graph import FlowGraph, flow_graph, switch_targets
from orchestrator.flowlang.loader import pointer
from orchestrator.flowlang.model import NODE_KINDS, Body, Flow, Node, Param
from orchestrator.flowlang.params import PYTHON_TYPES
from orchestrator.flowlang.project import PLATFORM_FUNCTIONS, Project
from orchestrator.flowlang.schedules import cron_problem, rate_problem
from orchestrator.flowlang.typed_edges import typed_edge_problems

__all__ = ["RESERVED_VARIABLES", "Checker", "close_hint"]

RESERVED_VARIABLES = frozenset({"params", "states", "item", "index", "iteration", "inputs", "error"})


def close_hint(name: str, choices: Iterable[str]) -> str:
    """``did you mean 'x'?`` for the choice closest to ``name``, else the known choices."""
    match = difflib.get_close_matches(name, list(choices), n=1)
    return f"did you mean '{match[0]}'?" if match else f"known: {', '.join(sorted(choices)) or 'none'}"


def _either(kinds: Mapping[str, NodeKind], flag: str) -> str:
    """The kinds with ``flag``, as prose: ``uses, set, fail or succeed``."""
    names = [k.name for k in kinds.values() if getattr(k, flag)]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)


class Checker:
    """Collects the problems of one flow; ``kinds`` (kind name → its module's
    :class:`~orchestrator.compiler.kinds.NodeKind`) check their own fields."""

    def __init__(self, flow: Flow, project: Project | None, kinds: Mapping[str, NodeKind]) -> None:
        self.flow = flow
        self.kinds = kinds
        self.project = project
        self.problems: list[Problem] = []
        self.graph: FlowGraph = flow_graph(flow)

    def add(self, path: Iterable[Any], message: str, hint: str = "") -> None:
        self.problems.append(Problem(pointer(list(path)), message, hint))

    def kind(self, node: Node) -> NodeKind:
        """The node's kind (a stand-in without flags for a node without one)."""
        return self.kinds.get(node.kind, NO_KIND)

    # -- entry -------------------------------------------------------------------------------
    def run(self) -> list[Problem]:
        flow = self.flow
        ids = list(flow.nodes)
        self._check_ids(ids)
        for node_id, node in flow.nodes.items():
            self._check_node(node_id, node)
        self._check_graph()
        self._check_params()
        self._check_schedules()
        self._check_expressions()
        if self.project is not None and not self.graph.cycle:
            self.problems.extend(typed_edge_problems(self.flow, self.project))
        return sorted(set(self.problems), key=lambda p: (p.where, p.message))

    def _check_ids(self, ids: list[str]) -> None:
        seen: dict[str, str] = {}
        for node_id in ids:
            var = var_name(node_id)
            if var in RESERVED_VARIABLES:
                self.add(["nodes", node_id], f"node id '{node_id}' is reserved", f"rename it ({', '.join(sorted(RESERVED_VARIABLES))} are reserved)")
            if var in seen:
                self.add(["nodes", node_id], f"ids '{seen[var]}' and '{node_id}' both become the variable ${var}", "rename one of them")
            seen[var] = node_id
        for name in self.flow.params:
            if name in seen:
                pass  # params live under $params; no clash

    # -- nodes -------------------------------------------------------------------------------
    def ref(self, path: list[Any], target: str, what: str) -> bool:
        if target not in self.flow.nodes:
            self.add(path, f"{what} '{target}' is not a node of this flow", close_hint(target, self.flow.nodes))
            return False
        return True

    def _check_node(self, node_id: str, node: Node) -> None:
        base: list[Any] = ["nodes", node_id]
        kinds = node.kinds()
        if not kinds:
            self.add(base, "node has no kind", f"give exactly one of: {', '.join(NODE_KINDS)}")
        elif len(kinds) > 1:
            self.add(base, f"node has several kinds: {', '.join(kinds)}", "give exactly one; split it into several nodes")
        for i, pred in enumerate(node.after):
            if pred == node_id:
                self.add([*base, "after", i], "a node cannot run after itself")
            else:
                self.ref([*base, "after", i], pred, "after:")
        if node.default is not None and node.switch is None:
            self.add([*base, "default"], "'default' belongs to switch nodes", "remove it or make this a switch")
        for i, catch in enumerate(node.catch):
            if self.ref([*base, "catch", i, "then"], catch.then, "catch handler"):
                handler = self.flow.nodes[catch.then]
                if catch.then == node_id:
                    self.add([*base, "catch", i, "then"], "a node cannot handle its own errors")
                elif not self.kind(handler).handles_errors:
                    self.add([*base, "catch", i, "then"], f"a handler must be a {_either(self.kinds, 'handles_errors')} node, not {handler.kind or 'an empty node'}")
        self._check_error_lists(base, node)
        if node.catch and node.on_error == "continue":
            self.add([*base, "on_error"], "'on_error: continue' and 'catch' exclude each other", "use a catch with errors ['States.ALL'] instead")
        for name in kinds:  # each kind field given (one, unless that is the problem)
            self.kinds[name].check(self, base, node_id, node)
        kind = self.kind(node)
        if node.with_ is not None and not kind.takes_with:
            takers = "/".join(k.name for k in self.kinds.values() if k.takes_with)
            self.add([*base, "with"], f"'with' is the input of {takers} nodes, not of {node.kind or 'this'} node", "remove it (use 'set' to shape data)")
        if node.aggregate is not None and not kind.takes_aggregate:
            self.add([*base, "aggregate"], f"'aggregate' shapes the input of {_either(self.kinds, 'takes_aggregate')} nodes")

    def _check_error_lists(self, base: list[Any], node: Node) -> None:
        retries = [("retry", node.retry)] if node.retry else []
        for field, policy in retries:
            if "States.ALL" in policy.errors and len(policy.errors) > 1:
                self.add([*base, field, "errors"], "States.ALL must be alone in its list", "drop the other names: States.ALL matches every error")
        for i, catch in enumerate(node.catch):
            if "States.ALL" in catch.errors and (len(catch.errors) > 1 or i != len(node.catch) - 1):
                self.add([*base, "catch", i, "errors"], "States.ALL must be alone and in the last catch", "move it to its own, last catch")
        kind = self.kind(node)
        if node.timeout is not None and not kind.takes_timeout:
            self.add([*base, "timeout"], f"'timeout' is not supported on {node.kind or 'this'} nodes", kind.timeout_hint)

    def check_function(self, path: list[Any], name: str) -> None:
        if name in PLATFORM_FUNCTIONS:
            self.add(
                path,
                f"function name '{name}' is reserved: the platform deploys its own {name} function",
                f"rename the function and its folder (e.g. '{name}_step'); reserved: {', '.join(PLATFORM_FUNCTIONS)}",
            )
            return
        if self.project is not None and not self.project.has_function(name):
            known = self.project.function_names()
            folder = self.project.functions_dir / name
            with contextlib.suppress(ValueError):
                folder = folder.relative_to(Path.cwd())
            hint = close_hint(name, known) if known else f"create {folder}/app.py with a lambda_handler (README: Writing a node function)"
            if not known and self.project.root != Path.cwd().resolve():
                hint += f"; functions are looked up next to the flow's project, {self.project.root}"
            self.add(path, f"function '{name}' has no folder {folder}/ with an app.py", hint)

    def check_subflow(self, path: list[Any], ref: Any) -> None:
        name = ref if isinstance(ref, str) else ref.name
        if name == self.flow.name:
            self.add(path, "a flow cannot run itself as a sub-flow")
        elif self.project is not None and self.project.flow_path(name) is None:
            self.add(path, f"sub-flow '{name}' is not in flows/", "add flows/<name>.json")

    def check_body(self, path: list[Any], body: Body) -> None:
        given = [k for k in ("uses", "flow", "set") if k in body.model_fields_set and (k == "set" or getattr(body, k) is not None)]
        if len(given) != 1:
            self.add(path, "a body needs exactly one of 'uses', 'flow' or 'set'", f"found: {', '.join(given) or 'none'}")
        if body.uses is not None:
            self.check_function([*path, "uses"], body.uses)
        if body.flow is not None:
            self.check_subflow([*path, "flow"], body.flow)

    # -- graph -------------------------------------------------------------------------------
    def _check_graph(self) -> None:
        graph = self.graph
        flow = self.flow
        if graph.cycle:
            cycle = graph.cycle
            self.add(["nodes", cycle[0], "after"], f"cycle: {' -> '.join(cycle)}", "remove one 'after' edge of the cycle (loops are written with 'while')")
            return
        for handler in graph.handlers:
            node = flow.nodes[handler]
            if node.after:
                self.add(["nodes", handler, "after"], "a catch handler runs only on errors and cannot have 'after'", "remove 'after' or stop using it as a handler")
            users = [n for n, other in flow.nodes.items() if handler in other.after or (other.switch is not None and handler in switch_targets(other))]
            if users:
                self.add(["nodes", handler], f"catch handler '{handler}' is also used as a step by {', '.join(users)}", "use a separate node as the handler")
        for node_id in graph.nodes:
            node = flow.nodes[node_id]
            if self.kind(node).ends_path and graph.succs[node_id]:
                for succ in graph.succs[node_id]:
                    self.add(["nodes", succ, "after"], f"'{succ}' runs after the {node.kind} node '{node_id}' and can never run", "remove the dependency")

    # -- params and schedules -----------------------------------------------------------------
    def _check_params(self) -> None:
        for name, param in self.flow.params.items():
            if "default" in param.model_fields_set and param.default is not None:
                self._check_value(["params", name, "default"], param, param.default)

    def _check_value(self, path: list[Any], param: Param, value: Any) -> None:
        types = PYTHON_TYPES[param.type]
        wrong = isinstance(value, bool) and param.type != "boolean" or not isinstance(value, types)
        if wrong and not (isinstance(value, str) and expression_body(value) is not None):
            self.add(path, f"{value!r} is not of type {param.type}")
        if param.enum is not None and value not in param.enum:
            self.add(path, f"{value!r} is not one of {param.enum}")

    def _check_schedules(self) -> None:
        for i, schedule in enumerate(self.flow.schedules):
            path: list[Any] = ["schedules", i]
            if (schedule.cron is None) == (schedule.rate is None):
                self.add(path, "a schedule needs exactly one of 'cron' or 'rate'")
            if schedule.cron is not None:
                problem = cron_problem(schedule.cron)
                if problem:
                    self.add([*path, "cron"], problem, "example: '0 2 * * ? *' = every day at 02:00")
            if schedule.rate is not None:
                problem = rate_problem(schedule.rate)
                if problem:
                    self.add([*path, "rate"], problem)
            try:
                zoneinfo.ZoneInfo(schedule.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                self.add([*path, "timezone"], f"unknown time zone '{schedule.timezone}'", "use an IANA name such as 'Europe/Paris' or 'UTC'")
            if schedule.time_param is not None and schedule.time_param not in self.flow.params:
                self.add([*path, "time_param"], f"'{schedule.time_param}' is not a parameter of this flow", close_hint(schedule.time_param, self.flow.params))
            for name in schedule.input:
                if name not in self.flow.params:
                    self.add([*path, "input", name], f"'{name}' is not a parameter of this flow", close_hint(name, self.flow.params))
        for i, trigger in enumerate(self.flow.triggers):  # EventBridge refuses a bad pattern at deploy
            self.problems.extend(check_pattern(trigger.pattern, pointer(["triggers", i, "pattern"])))

    # -- expressions --------------------------------------------------------------------------
    def _node_expressions(self, node_id: str, node: Node) -> list[tuple[list[Any], str, set[str]]]:
        """(path, body, extra allowed variables) of every expression of a node."""
        base: list[Any] = ["nodes", node_id]
        found: list[tuple[list[Any], str, set[str]]] = []

        def template(path: list[Any], value: Any, extra: set[str]) -> None:
            for sub, body in iter_expressions(value):
                found.append(([*path, *sub], body, extra))

        def bare(path: list[Any], value: Any, extra: set[str]) -> None:
            body = expression_body(value, bare=True)
            if body is not None:
                found.append((path, body, extra))

        handler_vars = {"error"} if node_id in self.graph.handlers else set()
        template([*base, "with"], node.with_, handler_vars)
        if node.aggregate is not None:
            bare([*base, "aggregate"], node.aggregate, {"inputs"})
        for kind in node.kinds():
            for sub, value, extra, is_bare in self.kinds[kind].expressions(node_id, node, handler_vars):
                (bare if is_bare else template)([*base, *sub], value, extra)
        return found

    def _check_expressions(self) -> None:
        flow = self.flow
        node_vars = {var_name(n): n for n in flow.nodes}
        graph = self.graph
        handled_by = {c.then: n for n, node in flow.nodes.items() for c in node.catch}
        for node_id, node in flow.nodes.items():
            anchor = handled_by.get(node_id, node_id)
            for where, body, extra in self._node_expressions(node_id, node):
                self._check_expression(where, body, _Upstream(graph, anchor, extra, node_vars), node_vars)
        for sub, body in iter_expressions(flow.output):
            self._check_expression(["output", *sub], body, set(node_vars), node_vars)
        self._check_aggregate_readers()

    def _check_aggregate_readers(self) -> None:
        """Aggregated foreach results live outside the payload: only a function receives them
        (whole, as ``{% $node %}``; ``@node`` resolves the reference to the full list)."""
        flow = self.flow
        aggregated = {var_name(n): n for n in aggregated_nodes(flow)}
        if not aggregated:
            return
        readers: list[tuple[list[Any], str, bool]] = []
        for node_id, node in flow.nodes.items():
            to_function = node.uses is not None
            for where, body, _ in self._node_expressions(node_id, node):
                lambda_input = (to_function and where[2] == "with") or (
                    where[2:5] == ["foreach", "do", "with"] and node.foreach is not None and node.foreach.do.uses is not None
                )
                readers.append((where, body, lambda_input))
            # The default input (the predecessors' outputs) reaches a sub-flow; 'aggregate'
            # reshapes it with an expression.
            implicit = node.aggregate is not None or (node.kind == "flow" and node.with_ is None)  # a sub-flow's input
            for pred in self.graph.preds.get(node_id, []) if implicit else []:
                if pred in aggregated.values():
                    field = "aggregate" if node.aggregate is not None else "flow"
                    readers.append((["nodes", node_id, field], f"${var_name(pred)}", False))
        for sub, body in iter_expressions(flow.output):
            readers.append((["output", *sub], body, False))
        for where, body, lambda_input in readers:
            if syntax_error(body):
                continue
            for name in sorted(referenced_variables(body) & set(aggregated)):
                if lambda_input and body.strip() == f"${name}":
                    continue
                source = aggregated[name]
                reason = results_mode(flow.nodes[source])[1]
                self.add(
                    where,
                    f"${name} holds the results of foreach '{source}', aggregated outside the state payload "
                    f"({reason}); an expression cannot read them, only a function receives them",
                    f"pass them whole to a function node (with: {{\"rows\": \"{{% ${name} %}}\"}}) and compute there, "
                    f"or set results: inline on '{source}' if they fit in 256 KiB",
                )

    def _check_expression(self, path: list[Any], body: str, allowed: Collection[str], node_vars: dict[str, str]) -> None:
        error = syntax_error(body)
        if error:
            self.add(path, f"JSONata syntax error: {error}", f"in {{% {body} %}}")
            return
        for name in sorted(called_functions(body)):
            if name in node_vars and name in allowed:  # (as in Step Functions: a variable hides a function)
                self.add(
                    path,
                    f"${name}(...) calls the output of node '{node_vars[name]}', not JSONata's function ${name}: "
                    f"the node's output variable ${name} hides the function of the same name",
                    f"rename the node '{node_vars[name]}' (e.g. '{node_vars[name]}-result')",
                )
        for name in sorted(referenced_variables(body)):
            if name in ("params", "states") or name in allowed or name == "":
                continue
            if name in node_vars:
                self.add(path, f"${name} is the output of '{node_vars[name]}', which does not run before this expression", f"add '{node_vars[name]}' to 'after'")
            else:
                self.add(path, f"unknown variable ${name}", close_hint(name, ["params", *sorted(allowed)]))


class _Upstream(Collection[str]):
    """The variables an expression of ``anchor`` may use: ``extra`` and the outputs of the
    nodes that finish before ``anchor``. Membership asks the graph about that one node (an
    expression names one or two variables, so checking a flow stays near-linear); iterating
    lists them all (only to suggest a name in an error)."""

    def __init__(self, graph: FlowGraph, anchor: str, extra: set[str], node_vars: dict[str, str]) -> None:
        self.graph, self.anchor, self.extra, self.node_vars = graph, anchor, extra, node_vars

    def __contains__(self, name: object) -> bool:
        if name in self.extra:
            return True
        node = self.node_vars.get(name) if isinstance(name, str) else None
        if node is None:
            return False
        return bool(self.graph.cycle) or self.graph.precedes(node, self.anchor)

    def _all(self) -> set[str]:
        if self.graph.cycle:
            return set(self.node_vars) | self.extra
        return {var_name(a) for a in self.graph.ancestors(self.anchor)} | self.extra

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())
