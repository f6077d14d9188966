"""Semantic validation of a flow: everything the JSON Schema cannot say.

:func:`check_flow` returns *every* problem (an empty list means valid); :func:`validate_flow_file`
loads a file and raises :class:`FlowValidationError` with all problems of the schema or, when the
schema passes, of the semantics. Problems carry a JSON pointer and a hint.

Checked: exactly one kind per node; references (``after``, switch ``then``/``default``, ``catch``,
sub-flows); cycles (with the cycle path); unreachable nodes (after ``fail``/``succeed``) and
misplaced handlers; ``uses`` functions without a ``functions/<name>/app.py``; JSONata syntax and
variables that no earlier node defines; EventBridge cron/rate and time zones; parameter defaults;
typed edges (:mod:`orchestrator.flowlang.typed_edges`): ``with`` against the function's input schema.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import zoneinfo
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

from orchestrator.errors import Problem
from orchestrator.flowlang.errors import FlowValidationError
from orchestrator.flowlang.event_patterns import check_pattern
from orchestrator.flowlang.expressions import (
    expression_body,
    iter_expressions,
    referenced_variables,
    syntax_error,
    var_name,
)
from orchestrator.flowlang.fanout import (
    READER_FORMATS,
    aggregated_nodes,
    reader_format,
    results_mode,
)
from orchestrator.flowlang.graph import FlowGraph, flow_graph, switch_targets
from orchestrator.flowlang.loader import load_flow, pointer
from orchestrator.flowlang.model import NODE_KINDS, Body, Flow, Node, Param
from orchestrator.flowlang.project import PLATFORM_FUNCTIONS, Project
from orchestrator.flowlang.typed_edges import typed_edge_problems

__all__ = ["RESERVED_VARIABLES", "check_flow", "validate_flow_file"]

RESERVED_VARIABLES = frozenset({"params", "states", "item", "index", "iteration", "inputs", "error"})
_RATE = re.compile(r"^(?:rate\()?\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)?$")
_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


def _close(name: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(name, list(choices), n=1)
    return f"did you mean '{match[0]}'?" if match else f"known: {', '.join(sorted(choices)) or 'none'}"


def normalize_cron(expr: str) -> str:
    """``cron(0 2 * * ? *)`` or ``0 2 * * ? *`` → ``0 2 * * ? *``."""
    text = expr.strip()
    if text.startswith("cron(") and text.endswith(")"):
        text = text[5:-1]
    return " ".join(text.split())


def cron_problem(expr: str) -> str | None:
    """Why ``expr`` is not a valid EventBridge cron expression, or None."""
    text = normalize_cron(expr)
    fields = text.split()
    if len(fields) != 6:
        return f"EventBridge cron has 6 fields (minutes hours day-of-month month day-of-week year), got {len(fields)}"
    if fields[2] != "?" and fields[4] != "?":
        return "one of day-of-month or day-of-week must be '?'"
    try:
        from aws_croniter import AwsCroniter

        AwsCroniter(text)
    except ImportError:  # pragma: no cover - dependency is pinned
        return None
    except Exception as exc:
        return f"invalid cron: {exc}"
    return None


def rate_problem(expr: str) -> str | None:
    match = _RATE.match(expr.strip())
    if not match:
        return "a rate is 'N minutes|hours|days', e.g. '5 minutes' or 'rate(1 hour)'"
    value, unit = int(match.group(1)), match.group(2)
    if value < 1:
        return "a rate must be at least 1"
    if (value == 1) != (not unit.endswith("s")):
        return f"use '{value} {unit.rstrip('s') if value == 1 else unit + ('' if unit.endswith('s') else 's')}'"
    return None


class _Checker:
    def __init__(self, flow: Flow, project: Project | None) -> None:
        self.flow = flow
        self.project = project
        self.problems: list[Problem] = []
        self.graph: FlowGraph = flow_graph(flow)

    def add(self, path: Iterable[Any], message: str, hint: str = "") -> None:
        self.problems.append(Problem(pointer(list(path)), message, hint))

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
    def _ref(self, path: list[Any], target: str, what: str) -> bool:
        if target not in self.flow.nodes:
            self.add(path, f"{what} '{target}' is not a node of this flow", _close(target, self.flow.nodes))
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
                self._ref([*base, "after", i], pred, "after:")
        if node.default is not None and node.switch is None:
            self.add([*base, "default"], "'default' belongs to switch nodes", "remove it or make this a switch")
        if node.switch is not None:
            if not node.switch:
                self.add([*base, "switch"], "a switch needs at least one case")
            for i, case in enumerate(node.switch):
                targets = [case.then] if isinstance(case.then, str) else case.then
                for target in targets:
                    self._ref([*base, "switch", i, "then"], target, "then:")
                if expression_body(case.when, bare=True) is None:
                    self.add([*base, "switch", i, "when"], "a condition must be a JSONata expression")
            defaults = [node.default] if isinstance(node.default, str) else node.default or []
            for target in defaults:
                self._ref([*base, "default"], target, "default:")
        for i, catch in enumerate(node.catch):
            if self._ref([*base, "catch", i, "then"], catch.then, "catch handler"):
                handler = self.flow.nodes[catch.then]
                if catch.then == node_id:
                    self.add([*base, "catch", i, "then"], "a node cannot handle its own errors")
                elif handler.kind not in ("uses", "set", "fail", "succeed"):
                    self.add([*base, "catch", i, "then"], f"a handler must be a uses, set, fail or succeed node, not {handler.kind or 'an empty node'}")
        self._check_error_lists(base, node)
        if node.catch and node.on_error == "continue":
            self.add([*base, "on_error"], "'on_error: continue' and 'catch' exclude each other", "use a catch with errors ['States.ALL'] instead")
        if node.uses is not None:
            self._check_function([*base, "uses"], node.uses)
        if node.flow is not None:
            self._check_subflow([*base, "flow"], node.flow)
        if node.foreach is not None:
            self._check_body([*base, "foreach", "do"], node.foreach.do)
            tolerated = node.foreach.tolerated_failures
            if isinstance(tolerated, str) and not re.fullmatch(r"\d+(\.\d+)?%", tolerated):
                self.add([*base, "foreach", "tolerated_failures"], f"'{tolerated}' is not a count or a percentage", "write 5 or '10%'")
            if node.foreach.mode == "inline" and (tolerated is not None or node.foreach.batch_size):
                self.add([*base, "foreach", "mode"], "tolerated_failures and batch_size need distributed mode", "set mode to 'distributed' or 'auto'")
            self._check_foreach_items(base, node)
        if node.while_ is not None:
            self._check_body([*base, "while", "do"], node.while_.do)
        if node.wait is not None and (node.wait.seconds is None) == (node.wait.until is None):
            self.add([*base, "wait"], "a wait needs exactly one of 'seconds' or 'until'")
        if node.with_ is not None and node.kind not in ("uses", "flow"):
            self.add([*base, "with"], f"'with' is the input of uses/flow nodes, not of {node.kind or 'this'} node", "remove it (use 'set' to shape data)")
        if node.aggregate is not None and node.kind not in ("uses", "flow", "set", "foreach"):
            self.add([*base, "aggregate"], "'aggregate' shapes the input of uses, flow, set or foreach nodes")

    def _check_foreach_items(self, base: list[Any], node: Node) -> None:
        spec = node.foreach
        assert spec is not None
        where = [*base, "foreach"]
        if (spec.items is None) == (spec.items_from is None):
            self.add(where, "a foreach needs exactly one of 'items' or 'items_from'",
                     "items: a JSONata expression or an array; items_from: a .csv, .json or .jsonl file")
        if spec.items_from is not None:
            if reader_format(spec.items_from) is None:
                self.add([*where, "items_from"], f"cannot tell the format of '{spec.items_from}'",
                         f"name the file with one of: {', '.join(READER_FORMATS)}")
            if spec.mode == "inline":
                self.add([*where, "mode"], "items_from reads items like Distributed Map's ItemReader: it needs distributed mode",
                         "set mode to 'distributed' or 'auto'")
            if spec.items_from.startswith("s3://") and "/" not in spec.items_from[5:].strip("/"):
                self.add([*where, "items_from"], f"'{spec.items_from}' names a bucket, not an object", "write s3://bucket/key.csv")
        if spec.results == "aggregate" and spec.do.uses is None:
            self.add([*where, "results"], "only a function body ('uses') can aggregate its results (@node writes them)",
                     "make the body a function, or set results to 'inline'")

    def _check_error_lists(self, base: list[Any], node: Node) -> None:
        retries = [("retry", node.retry)] if node.retry else []
        for field, policy in retries:
            if "States.ALL" in policy.errors and len(policy.errors) > 1:
                self.add([*base, field, "errors"], "States.ALL must be alone in its list", "drop the other names: States.ALL matches every error")
        for i, catch in enumerate(node.catch):
            if "States.ALL" in catch.errors and (len(catch.errors) > 1 or i != len(node.catch) - 1):
                self.add([*base, "catch", i, "errors"], "States.ALL must be alone and in the last catch", "move it to its own, last catch")
        timeout_kinds = ("uses", "flow")
        if node.timeout is not None and node.kind not in timeout_kinds:
            hint = "use wait_for.timeout" if node.kind == "wait_for" else "Step Functions supports timeouts on tasks only; put the timeout on the function"
            self.add([*base, "timeout"], f"'timeout' is not supported on {node.kind or 'this'} nodes", hint)
        if node.timeout is not None and node.kind == "flow" and (isinstance(node.flow, str) or (node.flow is not None and node.flow.mode == "inline")):
            self.add([*base, "timeout"], "'timeout' on a sub-flow needs mode 'nested'", "set flow: {name: ..., mode: nested}")

    def _check_function(self, path: list[Any], name: str) -> None:
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
            hint = _close(name, known) if known else f"create {folder}/app.py with a lambda_handler (README: Writing a node function)"
            if not known and self.project.root != Path.cwd().resolve():
                hint += f"; functions are looked up next to the flow's project, {self.project.root}"
            self.add(path, f"function '{name}' has no folder {folder}/ with an app.py", hint)

    def _check_subflow(self, path: list[Any], ref: Any) -> None:
        name = ref if isinstance(ref, str) else ref.name
        if name == self.flow.name:
            self.add(path, "a flow cannot run itself as a sub-flow")
        elif self.project is not None and self.project.flow_path(name) is None:
            self.add(path, f"sub-flow '{name}' is not in flows/", "add flows/<name>.json")

    def _check_body(self, path: list[Any], body: Body) -> None:
        given = [k for k in ("uses", "flow", "set") if k in body.model_fields_set and (k == "set" or getattr(body, k) is not None)]
        if len(given) != 1:
            self.add(path, "a body needs exactly one of 'uses', 'flow' or 'set'", f"found: {', '.join(given) or 'none'}")
        if body.uses is not None:
            self._check_function([*path, "uses"], body.uses)
        if body.flow is not None:
            self._check_subflow([*path, "flow"], body.flow)

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
            if node.kind in ("fail", "succeed") and graph.succs[node_id]:
                for succ in graph.succs[node_id]:
                    self.add(["nodes", succ, "after"], f"'{succ}' runs after the {node.kind} node '{node_id}' and can never run", "remove the dependency")

    # -- params and schedules -----------------------------------------------------------------
    def _check_params(self) -> None:
        for name, param in self.flow.params.items():
            if "default" in param.model_fields_set and param.default is not None:
                self._check_value(["params", name, "default"], param, param.default)

    def _check_value(self, path: list[Any], param: Param, value: Any) -> None:
        types = _PY_TYPES[param.type]
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
                self.add([*path, "time_param"], f"'{schedule.time_param}' is not a parameter of this flow", _close(schedule.time_param, self.flow.params))
            for name in schedule.input:
                if name not in self.flow.params:
                    self.add([*path, "input", name], f"'{name}' is not a parameter of this flow", _close(name, self.flow.params))
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
        if "set" in node.model_fields_set:
            template([*base, "set"], node.set, handler_vars)
        if node.aggregate is not None:
            bare([*base, "aggregate"], node.aggregate, {"inputs"})
        for i, case in enumerate(node.switch or []):
            bare([*base, "switch", i, "when"], case.when, set())
        if node.foreach is not None:
            if isinstance(node.foreach.items, str):
                bare([*base, "foreach", "items"], node.foreach.items, set())
            do = node.foreach.do
            template([*base, "foreach", "do", "with"], do.with_, {"item", "index"})
            template([*base, "foreach", "do", "set"], do.set, {"item", "index"})
        if node.while_ is not None:
            me = {var_name(node_id), "iteration"}
            bare([*base, "while", "condition"], node.while_.condition, me)
            template([*base, "while", "do", "with"], node.while_.do.with_, me)
            template([*base, "while", "do", "set"], node.while_.do.set, me)
        if node.wait is not None:
            template([*base, "wait", "seconds"], node.wait.seconds, set())
            template([*base, "wait", "until"], node.wait.until, set())
        if node.wait_for is not None:
            template([*base, "wait_for", "key"], node.wait_for.key, set())
        if node.fail is not None:
            template([*base, "fail", "error"], node.fail.error, handler_vars)
            template([*base, "fail", "cause"], node.fail.cause, handler_vars)
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
            implicit = node.aggregate is not None or (node.kind == "flow" and node.with_ is None)
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
        for name in sorted(referenced_variables(body)):
            if name in ("params", "states") or name in allowed or name == "":
                continue
            if name in node_vars:
                self.add(path, f"${name} is the output of '{node_vars[name]}', which does not run before this expression", f"add '{node_vars[name]}' to 'after'")
            else:
                self.add(path, f"unknown variable ${name}", _close(name, ["params", *sorted(allowed)]))


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


def check_flow(flow: Flow, project: Project | None = None) -> list[Problem]:
    """Every semantic problem of ``flow`` (``project`` enables the functions/ and flows/ checks)."""
    return _Checker(flow, project).run()


def _project_of(path: Path | str) -> Project:
    """The flow's project; a flow outside any ``flows/`` (e.g. ``docs/examples/``) uses the
    nearest parent folder holding ``functions/``, as git finds ``.git``."""
    project = Project.for_flow(path)
    if project.functions_dir.is_dir():
        return project
    for folder in project.root.parents:
        if (folder / "functions").is_dir():
            return Project(folder)
    return project


def validate_flow_file(path: Path | str, project: Project | None = None) -> Flow:
    """Load and fully validate a flow file; raise FlowValidationError with all problems."""
    flow = load_flow(path)
    project = project or _project_of(path)
    problems = check_flow(flow, project)
    stem = Path(path).stem
    if stem != flow.name:
        problems.insert(0, Problem("/name", f"flow '{flow.name}' is in a file named '{stem}'"))
    if problems:
        raise FlowValidationError(where=str(path), problems=problems)
    return flow
