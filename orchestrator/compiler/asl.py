"""Flow → Amazon States Language (QueryLanguage JSONata, variables for node outputs).

How a flow maps to states:

* ``Params`` (Pass) merges the parameter defaults with the execution input into ``$params``.
* The DAG becomes nested ``Parallel`` states (see :mod:`orchestrator.compiler.sp`). Each branch
  ends in a Pass that outputs the variables assigned in it; the Parallel re-assigns them, because
  variables assigned inside a branch are not visible after it.
* Each node's output is the variable ``$<id>`` (``-`` → ``_``) and the state's output.
* ``uses`` → ``arn:aws:states:::lambda:invoke`` with ``${<Name>FunctionArn}``; ``switch`` → Choice
  that records the taken branch, and nodes of untaken branches are skipped (their variable is
  null); ``foreach`` → Map; ``while`` → a bounded Choice loop; ``flow`` → the sub-flow's states in
  a single-branch Parallel (own variable scope) or ``states:startExecution.sync:2``;
  ``wait_for`` → ``lambda:invoke.waitForTaskToken`` on the waiter function.
* ``Done`` (Succeed) outputs the flow's ``output``.

Expressions of a sub-flow or loop body are evaluated against renamed variables by wrapping them
in a JSONata block that binds the names the author wrote: ``($params := $Sub_x__params; ...)``.
The result is deterministic: same flow, same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from orchestrator.compiler.errors import CompileError
from orchestrator.compiler.names import (
    MAX_STATE_NAME,
    function_arn_substitution,
    state_machine_arn_substitution,
)
from orchestrator.compiler.sp import Parallel, Series, Tree, decompose, leaves
from orchestrator.flowlang.expressions import expression_body, referenced_variables, var_name
from orchestrator.flowlang.fanout import is_distributed, reader_format, results_mode
from orchestrator.flowlang.graph import FlowGraph, flow_graph, switch_targets
from orchestrator.flowlang.model import Body, Flow, Node, Retry, SubflowSpec

__all__ = ["LAMBDA_SERVICE_RETRY", "AslBuild", "build_asl"]

LAMBDA_SERVICE_RETRY: dict[str, Any] = {
    "ErrorEquals": [
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
    ],
    "IntervalSeconds": 1,
    "MaxAttempts": 3,
    "BackoffRate": 2.0,  # a float: statelint (like the ASL schema) rejects an integer
    "JitterStrategy": "FULL",
}
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
S3_GET_OBJECT = "arn:aws:states:::s3:getObject"
PROJECT_DATA_BUCKET = "ProjectDataBucket"
PROJECT_DATA_BUCKET_PLACEHOLDER = "${" + PROJECT_DATA_BUCKET + "}"
"""Bucket of a project-relative ``items_from`` file: the payload bucket when deployed; the local
engine reads the file from the project directory (``FLOWCTL_PROJECT_DIR``) instead."""
AGG_SCHEME = "agg://"
WAITER_FUNCTION = "waiter"

FlowLoader = Callable[[str], Flow]


@dataclass
class AslBuild:
    """What building produced: the definition and what it needs from the deployment."""

    definition: dict[str, Any]
    functions: list[str] = field(default_factory=list)
    nested_flows: list[str] = field(default_factory=list)
    inlined_flows: list[str] = field(default_factory=list)
    added_edges: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    trees: dict[str, Tree | None] = field(default_factory=dict)
    distributed_maps: list[str] = field(default_factory=list)
    aggregated_maps: list[str] = field(default_factory=list)
    item_buckets: list[str] = field(default_factory=list)
    counted_maps: dict[str, str] = field(default_factory=dict)
    """Map state → the JSONata of its items, counted by a Pass before it (emit_node)."""
    """Buckets the state machine reads items from (``${ProjectDataBucket}`` for project files)."""

    @property
    def substitutions(self) -> dict[str, str]:
        subs = {function_arn_substitution(f): f for f in self.functions}
        subs.update({state_machine_arn_substitution(f): f for f in self.nested_flows})
        if PROJECT_DATA_BUCKET_PLACEHOLDER in self.item_buckets:
            subs[PROJECT_DATA_BUCKET] = PROJECT_DATA_BUCKET
        return dict(sorted(subs.items()))


@dataclass
class Scope:
    """Where states are emitted: the (sub-)flow, its variable names and its state-name prefix."""

    flow: Flow
    graph: FlowGraph
    prefix: str  # state-name prefix, e.g. "verify/"
    path: str  # logical node path prefix for payload context
    names: dict[str, str]  # logical variable → JSONata expression reading it
    index_expr: str = "0"
    guards: dict[str, str | None] = field(default_factory=dict)

    def var(self, node_id: str) -> str:
        """Physical variable name of a node of this scope."""
        return self.names[var_name(node_id)].lstrip("$")


_REDRIVE_COUNT = (
    "$exists($states.context.Execution.RedriveCount)"
    " ? $states.context.Execution.RedriveCount : 0"
)
"""The run's redrive round: ``Execution.RedriveCount`` (0 before any redrive), or 0 where the
context object has none (an Express execution), since an undefined value fails the state."""


_OR_NULL = "$exists({0}) ? {0} : null"


def _expr(text: str) -> str:
    return "{% " + text + " %}"


class _Builder:
    def __init__(self, flow: Flow, load_flow: FlowLoader | None) -> None:
        self.root = flow
        self.load_flow = load_flow
        self.build = AslBuild({})
        self.state_names: set[str] = set()
        self.stack: list[str] = [flow.name]

    # -- names --------------------------------------------------------------------------------
    def name(self, wanted: str) -> str:
        """A unique state name ≤ 80 characters, based on ``wanted``."""
        base = wanted if len(wanted) <= MAX_STATE_NAME else wanted[: MAX_STATE_NAME - 3] + "..."
        candidate, n = base, 2
        while candidate in self.state_names:
            suffix = f" #{n}"
            candidate = base[: MAX_STATE_NAME - len(suffix)] + suffix
            n += 1
        self.state_names.add(candidate)
        return candidate

    # -- expressions --------------------------------------------------------------------------
    def wrap(self, body: str, scope: Scope, extra: dict[str, str] | None = None) -> str:
        """JSONata text of ``body`` with the scope's renamed variables bound."""
        names, extra = scope.names, extra or {}
        bindings = []
        for ref in sorted(referenced_variables(body)):
            target = extra.get(ref, names.get(ref))
            if target is not None and target != f"${ref}":
                bindings.append(f"${ref} := {target}")
        if not bindings:
            return body
        return "(" + "; ".join(bindings) + "; " + body + ")"

    def template(self, value: Any, scope: Scope, extra: dict[str, str] | None = None) -> Any:
        """``value`` with every ``{% %}`` expression rewritten for ``scope``."""
        if isinstance(value, dict):
            return {k: self.template(v, scope, extra) for k, v in value.items()}
        if isinstance(value, list):
            return [self.template(v, scope, extra) for v in value]
        body = expression_body(value)
        if body is not None:
            return _expr(self.wrap(body, scope, extra))
        return value

    def condition(self, text: str, scope: Scope, extra: dict[str, str] | None = None) -> str:
        body = expression_body(text, bare=True) or "false"
        return _expr(self.wrap(body, scope, extra))

    # -- node inputs --------------------------------------------------------------------------
    def default_input(self, node_id: str, node: Node, scope: Scope) -> Any:
        preds = scope.graph.preds.get(node_id, [])
        collected = "{" + ", ".join(f"{json.dumps(p)}: ${var_name(p)}" for p in preds) + "}"
        if node.aggregate is not None:
            body = expression_body(node.aggregate, bare=True) or "$inputs"
            return _expr(self.wrap(f"($inputs := {collected}; {body})", scope))
        if not preds:
            return _expr(self.wrap("$params", scope))
        if len(preds) == 1:
            return _expr(self.wrap(f"${var_name(preds[0])}", scope))
        return _expr(self.wrap(collected, scope))

    def node_input(self, node_id: str, node: Node, scope: Scope, handler: bool = False) -> Any:
        extra = {"error": "$states.input"} if handler else None
        if node.with_ is not None:
            return self.template(node.with_, scope, extra)
        if handler:
            return _expr("$states.input")
        return self.default_input(node_id, node, scope)

    def context(self, node_id: str, scope: Scope) -> dict[str, Any]:
        return {
            "flow": scope.flow.name,
            "node": scope.path + node_id,
            "run_id": _expr("$states.context.Execution.Name"),
            "execution": _expr("$states.context.Execution.Id"),
            "attempt": _expr("$states.context.State.RetryCount"),
            "redrive": _expr(_REDRIVE_COUNT),
            "index": _expr(scope.index_expr) if scope.index_expr != "0" else 0,
        }

    # -- policies -----------------------------------------------------------------------------
    @staticmethod
    def retry_policy(retry: Retry | None) -> list[dict[str, Any]]:
        if retry is None or retry.max_attempts <= 1:
            return []
        rule: dict[str, Any] = {
            "ErrorEquals": list(retry.errors),
            "IntervalSeconds": retry.interval,
            "MaxAttempts": retry.max_attempts - 1,
            "BackoffRate": float(retry.backoff),
        }
        if retry.max_delay is not None:
            rule["MaxDelaySeconds"] = retry.max_delay
        if retry.jitter:
            rule["JitterStrategy"] = "FULL"
        return [rule]

    def catchers(self, node_id: str, node: Node, scope: Scope, states: dict[str, Any], nxt: str) -> list[dict[str, Any]]:
        # A timeout's error output has no Cause (nor has a Fail state's without one): null, not
        # an undefined field that would fail the catcher with States.QueryEvaluationError.
        error_output = {
            "error": _expr(_OR_NULL.format("$states.errorOutput.Error")),
            "cause": _expr(_OR_NULL.format("$states.errorOutput.Cause")),
            "node": scope.path + node_id,
        }
        found: list[dict[str, Any]] = []
        for catch in node.catch:
            handler_state = self.emit_handler(catch.then, node_id, scope, states, nxt)
            found.append({"ErrorEquals": list(catch.errors), "Output": error_output, "Next": handler_state})
        if node.on_error == "continue":
            failure = {key: error_output[key] for key in ("error", "cause")}
            found.append({"ErrorEquals": ["States.ALL"], "Assign": {scope.var(node_id): failure}, "Output": failure, "Next": nxt})
        return found

    def emit_handler(self, handler_id: str, node_id: str, scope: Scope, states: dict[str, Any], nxt: str) -> str:
        handler = scope.flow.nodes[handler_id]
        name = self.name(f"{scope.prefix}{handler_id} (for {node_id})")
        failed_var, handler_var = scope.var(node_id), scope.var(handler_id)
        if handler.uses is not None:
            value = _expr("$states.result.Payload")
            states[name] = self.lambda_task(handler.uses, self.node_input(handler_id, handler, scope, handler=True), handler_id, scope)
            states[name]["Retry"] = [LAMBDA_SERVICE_RETRY, *self.retry_policy(handler.retry)]
            states[name]["Assign"] = {failed_var: value, handler_var: value}
            states[name]["Output"] = value
            states[name]["Next"] = nxt
        elif handler.kind == "set":
            value = self.template(handler.set, scope, {"error": "$states.input"})
            states[name] = {"Type": "Pass", "Assign": {failed_var: value, handler_var: value}, "Output": value, "Next": nxt}
        elif handler.fail is not None:
            states[name] = self.fail_state(handler, scope, {"error": "$states.input"})
        else:
            states[name] = {"Type": "Succeed", "Output": _expr("$states.input")}
        return name

    # -- states -------------------------------------------------------------------------------
    def lambda_task(self, function: str, payload_input: Any, node_id: str, scope: Scope,
                    fanout: dict[str, Any] | None = None) -> dict[str, Any]:
        if function not in self.build.functions:
            self.build.functions.append(function)
        context = self.context(node_id, scope)
        if fanout:
            context.update(fanout)
        return {
            "Type": "Task",
            "Resource": LAMBDA_INVOKE,
            "Arguments": {
                "FunctionName": "${" + function_arn_substitution(function) + "}",
                "Payload": {
                    "input": payload_input,
                    "params": _expr(self.wrap("$params", scope)),
                    "context": context,
                },
            },
        }

    def fail_state(self, node: Node, scope: Scope, extra: dict[str, str] | None = None) -> dict[str, Any]:
        assert node.fail is not None
        state: dict[str, Any] = {"Type": "Fail", "Error": self.template(node.fail.error, scope, extra)}
        if node.fail.cause:
            state["Cause"] = self.template(node.fail.cause, scope, extra)
        return state

    @staticmethod
    def link(state: dict[str, Any], nxt: str | None) -> dict[str, Any]:
        if nxt is None:
            state["End"] = True
        else:
            state["Next"] = nxt
        return state

    # -- tree ---------------------------------------------------------------------------------
    def emit_tree(self, tree: Tree, scope: Scope, states: dict[str, Any], nxt: str, out: dict[str, Any] | None) -> str:
        if isinstance(tree, str):
            return self.emit_leaf(tree, scope, states, nxt, out)
        if isinstance(tree, Series):
            entry = nxt
            for part in reversed(tree.parts):
                entry = self.emit_tree(part, scope, states, entry, out)
            return entry
        return self.emit_parallel(tree, scope, states, nxt)

    def emit_parallel(self, tree: Parallel, scope: Scope, states: dict[str, Any], nxt: str) -> str:
        firsts = [leaves(b)[0] for b in tree.branches]
        name = self.name(f"{scope.prefix}parallel: " + " | ".join(firsts))
        branches = []
        assign: dict[str, Any] = {}
        for i, branch in enumerate(tree.branches):
            branch_states: dict[str, Any] = {}
            names = [scope.var(leaf) for leaf in leaves(branch)]
            collect = {v: _expr(f"${v}") for v in names}
            out_name = self.name(f"{scope.prefix}{firsts[i]} (branch done)")
            guarded = {v: _expr(f"$exists(${v}) ? ${v} : null") for v in names}
            entry = self.emit_tree(branch, scope, branch_states, out_name, guarded)
            branch_states[out_name] = {"Type": "Pass", "Output": collect, "End": True}
            branches.append({"StartAt": entry, "States": branch_states})
            for v in names:
                assign[v] = _expr(f"$states.result[{i}].{v}")
        states[name] = {"Type": "Parallel", "Branches": branches, "Assign": assign, "Output": _expr("$states.input"), "Next": nxt}
        return name

    def guard(self, node_id: str, scope: Scope, memo: dict[str, str | None]) -> str | None:
        """JSONata condition under which a node runs (None: always), given switch decisions.
        The nodes before it get theirs first, in topological order (a 5,000-node chain would
        otherwise recurse 5,000 calls deep)."""
        if node_id in memo:
            return memo[node_id]
        for before in scope.graph.order:
            if before == node_id:
                break
            if before not in memo:
                memo[before] = self._guard(before, scope, memo)
        memo[node_id] = self._guard(node_id, scope, memo)
        return memo[node_id]

    def _guard(self, node_id: str, scope: Scope, memo: dict[str, str | None]) -> str | None:
        terms: list[str] = []
        always = not scope.graph.preds[node_id]
        for pred in scope.graph.preds[node_id]:
            pred_guard = self.guard(pred, scope, memo)
            pred_node = scope.flow.nodes[pred]
            edge = None
            if pred_node.switch is not None and node_id in switch_targets(pred_node):
                edge = f"{json.dumps(node_id)} in ${var_name(pred)}.targets"
            parts = [p for p in (pred_guard, edge) if p]
            if not parts:
                always = True
                break
            term = " and ".join(f"({p})" for p in parts) if len(parts) > 1 else parts[0]
            if term not in terms:
                terms.append(term)
        return None if always else " or ".join(f"({t})" for t in terms) if len(terms) > 1 else terms[0]

    def emit_leaf(self, node_id: str, scope: Scope, states: dict[str, Any], nxt: str, out: dict[str, Any] | None) -> str:
        node = scope.flow.nodes[node_id]
        entry = self.emit_node(node_id, node, scope, states, nxt, out)
        condition = self.guard(node_id, scope, scope.guards)
        if condition is None:
            return entry
        check = self.name(f"{scope.prefix}{node_id}?")
        skip = self.name(f"{scope.prefix}{node_id} (skipped)")
        states[check] = {
            "Type": "Choice",
            "Choices": [{"Condition": _expr(self.wrap(condition, scope)), "Next": entry}],
            "Default": skip,
        }
        states[skip] = {"Type": "Pass", "Assign": {scope.var(node_id): None}, "Output": _expr("null"), "Next": nxt}
        return check

    def emit_node(self, node_id: str, node: Node, scope: Scope, states: dict[str, Any], nxt: str, out: dict[str, Any] | None) -> str:
        var = scope.var(node_id)
        kind = node.kind
        if kind == "while" or (kind == "flow" and self.subflow_mode(node.flow) == "inline"):
            return self.emit_wrapped(node_id, node, scope, states, nxt)
        name = self.name(scope.prefix + node_id)
        state: dict[str, Any]
        if kind == "uses":
            assert node.uses is not None
            state = self.lambda_task(node.uses, self.node_input(node_id, node, scope), node_id, scope)
            state["Retry"] = [LAMBDA_SERVICE_RETRY, *self.retry_policy(node.retry)]
            if node.timeout:
                state["TimeoutSeconds"] = node.timeout
            result = _expr("$states.result.Payload")
            state["Assign"] = {var: result}
            state["Output"] = result
        elif kind == "flow":
            state = self.nested_flow_task(node_id, node, scope)
        elif kind == "set":
            value = self.template(node.set, scope)
            state = {"Type": "Pass", "Assign": {var: value}, "Output": value}
        elif kind == "wait":
            assert node.wait is not None
            state = {"Type": "Wait"}
            if node.wait.seconds is not None:
                state["Seconds"] = self.template(node.wait.seconds, scope)
            else:
                state["Timestamp"] = self.template(node.wait.until, scope)
            state["Assign"] = {var: None}
        elif kind == "wait_for":
            state = self.wait_for_task(node_id, node, scope)
        elif kind == "fail":
            states[name] = self.fail_state(node, scope)
            return name
        elif kind == "succeed":
            output = out if out is not None else self.flow_output(scope)
            states[name] = {"Type": "Succeed", "Output": output}
            return name
        elif kind == "switch":
            return self.emit_switch(name, node_id, node, scope, states, nxt)
        elif kind == "foreach":
            state = self.map_state(node_id, node, scope)
        else:  # pragma: no cover - validation rejects nodes without a kind
            raise CompileError(f"/nodes/{node_id}", f"cannot compile a node of kind {kind!r}")
        if state["Type"] in ("Task", "Map", "Parallel"):
            catchers = self.catchers(node_id, node, scope, states, nxt)
            if catchers:
                state["Catch"] = catchers
        states[name] = self.link(state, nxt)
        counted = self.build.counted_maps.pop(scope.prefix + node_id, None)
        if counted is not None:
            # Count the items once, before the Map: its first item records the total.
            count = self.name(f"{scope.prefix}{node_id}/count")
            states[count] = {"Type": "Pass", "Assign": {f"Total_{var}": _expr(f"$count({counted})")}, "Next": name}
            return count
        return name

    def emit_switch(self, name: str, node_id: str, node: Node, scope: Scope, states: dict[str, Any], nxt: str) -> str:
        var = scope.var(node_id)
        choices = []
        for i, case in enumerate(node.switch or []):
            targets = [case.then] if isinstance(case.then, str) else list(case.then)
            taken = self.name(f"{scope.prefix}{node_id} → {', '.join(targets)}")
            decision = {"case": i, "targets": targets}
            states[taken] = {"Type": "Pass", "Assign": {var: decision}, "Output": decision, "Next": nxt}
            choices.append({"Condition": self.condition(case.when, scope), "Next": taken})
        defaults = [] if node.default is None else [node.default] if isinstance(node.default, str) else list(node.default)
        default_name = self.name(f"{scope.prefix}{node_id} → {', '.join(defaults) or 'no branch'}")
        decision = {"case": "default" if defaults else None, "targets": defaults}
        states[default_name] = {"Type": "Pass", "Assign": {var: decision}, "Output": decision, "Next": nxt}
        states[name] = {"Type": "Choice", "Choices": choices, "Default": default_name}
        return name

    def wait_for_task(self, node_id: str, node: Node, scope: Scope) -> dict[str, Any]:
        spec = node.wait_for
        assert spec is not None
        if WAITER_FUNCTION not in self.build.functions:
            self.build.functions.append(WAITER_FUNCTION)
        return {
            "Type": "Task",
            "Resource": LAMBDA_INVOKE + ".waitForTaskToken",
            "Arguments": {
                "FunctionName": "${" + function_arn_substitution(WAITER_FUNCTION) + "}",
                "Payload": {
                    "token": _expr("$states.context.Task.Token"),
                    "event": spec.event,
                    "key": self.template(spec.key, scope),
                    "timeout": spec.timeout,
                    "context": self.context(node_id, scope),
                },
            },
            "TimeoutSeconds": spec.timeout,
            "Retry": [LAMBDA_SERVICE_RETRY],
            "Assign": {scope.var(node_id): _expr("$states.result")},
            "Output": _expr("$states.result"),
        }

    # -- sub-flows ----------------------------------------------------------------------------
    @staticmethod
    def subflow_name(ref: str | SubflowSpec | None) -> str:
        return ref if isinstance(ref, str) else ref.name if ref is not None else ""

    @staticmethod
    def subflow_mode(ref: str | SubflowSpec | None) -> str:
        return "inline" if isinstance(ref, str) or ref is None else ref.mode

    def load_subflow(self, name: str, where: str) -> Flow:
        if self.load_flow is None:
            raise CompileError(where, f"sub-flow '{name}' needs the project's flows/ to compile")
        if name in self.stack:
            raise CompileError(where, "sub-flows call each other in a cycle: " + " -> ".join([*self.stack, name]))
        return self.load_flow(name)

    def nested_flow_task(self, node_id: str, node: Node, scope: Scope) -> dict[str, Any]:
        name = self.subflow_name(node.flow)
        self.load_subflow(name, f"/nodes/{node_id}/flow")
        if name not in self.build.nested_flows:
            self.build.nested_flows.append(name)
        state: dict[str, Any] = {
            "Type": "Task",
            "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Arguments": {
                "StateMachineArn": "${" + state_machine_arn_substitution(name) + "}",
                "Input": self.node_input(node_id, node, scope),
            },
            "Assign": {scope.var(node_id): _expr("$states.result.Output")},
            "Output": _expr("$states.result.Output"),
        }
        retry = self.retry_policy(node.retry)
        if retry:
            state["Retry"] = retry
        if node.timeout:
            state["TimeoutSeconds"] = node.timeout
        return state

    def subflow_states(self, sub: Flow, ns: str, scope: Scope, states: dict[str, Any], nxt: str | None, node_path: str) -> str:
        """Emit ``sub``'s states (params from ``$states.input``); return the entry state name."""
        graph = flow_graph(sub)
        names = {"params": f"${ns}__params"}
        names.update({var_name(n): f"${ns}__{var_name(n)}" for n in sub.nodes})
        inner = Scope(sub, graph, scope.prefix + node_path + "/", scope.path + node_path + "/", names, scope.index_expr)
        self.stack.append(sub.name)
        try:
            decomposition = decompose(graph.nodes, graph.preds)
            if decomposition.added_edges:
                self.build.added_edges[f"{self.root.name}:{inner.path.rstrip('/')}"] = list(decomposition.added_edges)
            out_name = self.name(f"{inner.prefix}output")
            states[out_name] = self.link({"Type": "Pass", "Output": self.flow_output(inner)}, nxt)
            assert decomposition.tree is not None
            entry = self.emit_tree(decomposition.tree, inner, states, out_name, None)
        finally:
            self.stack.pop()
        params_name = self.name(f"{inner.prefix}params")
        states[params_name] = {
            "Type": "Pass",
            "Assign": {f"{ns}__params": _expr(self.params_merge(sub))},
            "Next": entry,
        }
        if sub.name not in self.build.inlined_flows:
            self.build.inlined_flows.append(sub.name)
        return params_name

    def emit_wrapped(self, node_id: str, node: Node, scope: Scope, states: dict[str, Any], nxt: str) -> str:
        """A node made of several states, in a single-branch Parallel (own scope, Retry/Catch)."""
        name = self.name(scope.prefix + node_id)
        var = scope.var(node_id)
        branch: dict[str, Any] = {}
        if node.kind == "flow":
            sub = self.load_subflow(self.subflow_name(node.flow), f"/nodes/{node_id}/flow")
            ns = f"Sub_{var}"
            entry = self.subflow_states(sub, ns, scope, branch, None, node_id)
            arguments = self.node_input(node_id, node, scope)
        else:
            entry = self.while_states(node_id, node, scope, branch)
            arguments = None
        state: dict[str, Any] = {
            "Type": "Parallel",
            "Branches": [{"StartAt": entry, "States": branch}],
            "Assign": {var: _expr("$states.result[0]")},
            "Output": _expr("$states.result[0]"),
        }
        if arguments is not None:
            state["Arguments"] = arguments
        retry = self.retry_policy(node.retry)
        if retry:
            state["Retry"] = retry
        catchers = self.catchers(node_id, node, scope, states, nxt)
        if catchers:
            state["Catch"] = catchers
        states[name] = self.link(state, nxt)
        return name

    # -- loops --------------------------------------------------------------------------------
    def body_state(self, node_id: str, body: Body, scope: Scope, states: dict[str, Any], label: str,
                   extra: dict[str, str], assign: dict[str, Any], nxt: str | None, index_expr: str,
                   fanout: dict[str, Any] | None = None) -> str:
        """Emit a foreach/while body; ``assign`` values may use ``RESULT`` for the body's output."""
        name = self.name(f"{scope.prefix}{node_id}/{label}")
        body_scope = Scope(scope.flow, scope.graph, scope.prefix, scope.path, {**scope.names, **extra}, index_expr)
        result: str
        if body.uses is not None:
            payload_input = self.template(body.with_, body_scope) if body.with_ is not None else _expr(self.wrap("$item", body_scope))
            state = self.lambda_task(body.uses, payload_input, node_id, body_scope, fanout)
            state["Retry"] = [LAMBDA_SERVICE_RETRY, *self.retry_policy(body.retry)]
            if body.timeout:
                state["TimeoutSeconds"] = body.timeout
            result = "$states.result.Payload"
        elif body.flow is not None:
            sub = self.load_subflow(self.subflow_name(body.flow), f"/nodes/{node_id}")
            if self.subflow_mode(body.flow) == "nested":
                sub_name = self.subflow_name(body.flow)
                if sub_name not in self.build.nested_flows:
                    self.build.nested_flows.append(sub_name)
                state = {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::states:startExecution.sync:2",
                    "Arguments": {
                        "StateMachineArn": "${" + state_machine_arn_substitution(sub_name) + "}",
                        "Input": self.template(body.with_, body_scope) if body.with_ is not None else _expr(self.wrap("$item", body_scope)),
                    },
                }
                retry = self.retry_policy(body.retry)
                if retry:
                    state["Retry"] = retry
                result = "$states.result.Output"
            else:
                branch: dict[str, Any] = {}
                ns = f"Sub_{scope.var(node_id)}"
                entry = self.subflow_states(sub, ns, body_scope, branch, None, f"{node_id}")
                state = {
                    "Type": "Parallel",
                    "Arguments": self.template(body.with_, body_scope) if body.with_ is not None else _expr(self.wrap("$item", body_scope)),
                    "Branches": [{"StartAt": entry, "States": branch}],
                }
                retry = self.retry_policy(body.retry)
                if retry:
                    state["Retry"] = retry
                result = "$states.result[0]"
        else:
            state = {"Type": "Pass"}
            value = self.template(body.set, body_scope)
            state["Output"] = value
            if assign:
                state["Assign"] = {k: (value if v == "RESULT" else v) for k, v in assign.items()}
            states[name] = self.link(state, nxt)
            return name
        state["Output"] = _expr(result)
        if assign:
            state["Assign"] = {k: (_expr(result) if v == "RESULT" else v) for k, v in assign.items()}
        states[name] = self.link(state, nxt)
        return name

    def map_state(self, node_id: str, node: Node, scope: Scope) -> dict[str, Any]:
        spec = node.foreach
        assert spec is not None
        var = scope.var(node_id)
        distributed = is_distributed(spec)
        aggregate = results_mode(node)[0] == "aggregate"
        items: Any = spec.items  # a literal array (unused when items_from reads them)
        if isinstance(spec.items, str):
            items = _expr(self.wrap(expression_body(spec.items, bare=True) or "[]", scope))
        # A function body with batch_size is batched transparently: each item's input is
        # computed here (ItemSelector), the function is still called once per item by @node.
        batched = bool(spec.batch_size) and spec.do.uses is not None
        do = spec.do
        selector: dict[str, Any] = {
            "item": _expr("$states.context.Map.Item.Value"),
            "index": _expr("$states.context.Map.Item.Index"),
        }
        if batched:
            item_names = {"item": "$states.context.Map.Item.Value", "index": "$states.context.Map.Item.Index"}
            item_scope = Scope(scope.flow, scope.graph, scope.prefix, scope.path, {**scope.names, **item_names}, scope.index_expr)
            per_item = self.template(do.with_, item_scope) if do.with_ is not None else _expr(self.wrap("$item", item_scope))
            selector = {"input": per_item, "index": selector["index"]}
            do = do.model_copy(update={"with_": "{% $item %}"})
        extra = {"item": f"$Item_{var}", "index": f"$Index_{var}"}
        first_assign: dict[str, Any] = {
            f"Item_{var}": _expr("$states.input.Items" if spec.batch_size else "$states.input.item"),
            # A batch is numbered by its first item: its step and aggregation item get that index.
            f"Index_{var}": _expr("$states.input.Items[0].index" if spec.batch_size else "$states.input.index"),
        }
        # What every item of a child execution needs from the parent: once per batch, or per item.
        shared: dict[str, Any] = {}
        first = "$states.input.BatchInput" if spec.batch_size else "$states.input"
        if distributed:
            # Child executions do not see outer variables: pass the ones the body reads.
            refs: set[str] = set()
            for value in (do.with_, do.set):
                for body in _all_expressions(value):
                    refs |= referenced_variables(body)
            if do.with_ is None and do.set is None:
                refs.add("item")
            if do.uses is not None:
                refs.add("params")  # every function payload carries the run's params
            outer = sorted(r for r in refs if r in scope.names and r not in ("item", "index"))
            if outer:
                shared["vars"] = {r: _expr(scope.names[r]) for r in outer}
                for r in outer:
                    first_assign[f"Outer_{var}__{r}"] = _expr(f"{first}.vars.{r}")
                    extra[r] = f"$Outer_{var}__{r}"
            self.build.distributed_maps.append(scope.path + node_id)
        iteration: dict[str, Any] = {}
        key = self.fanout_key(node_id, scope)
        fanout: dict[str, Any] = {"fanout": key}
        if key.startswith("{%"):
            # Computed in the parent (a child execution does not see its variables).
            shared["fanout"] = key
            first_assign[f"Fanout_{var}"] = _expr(f"{first}.fanout")
            fanout["fanout"] = _expr(f"$Fanout_{var}")
        if distributed:
            # A child execution has its own Execution context: the items belong to the parent's run.
            shared["run"] = {"run_id": _expr("$states.context.Execution.Name"), "execution": _expr("$states.context.Execution.Id")}
            first_assign[f"Run_{var}"] = _expr(f"{first}.run")
            fanout["run_id"] = _expr(f"$Run_{var}.run_id")
            fanout["execution"] = _expr(f"$Run_{var}.execution")
        if not spec.batch_size:
            selector.update(shared)
        if batched:
            fanout["batch"] = True
        if aggregate:
            fanout["aggregate"] = True
            self.build.aggregated_maps.append(scope.path + node_id)
        # The first item records the foreach's total (in the cloud nothing else knows it).
        reader = self.item_reader(spec.items_from) if spec.items_from is not None else None
        if reader is not None:
            fanout["items_from"] = {**reader["Arguments"], "ReaderConfig": reader["ReaderConfig"]}
        elif isinstance(spec.items, list):
            fanout["total"] = len(spec.items)
        elif spec.do.uses is not None:
            # Items from an expression: a Pass before the Map counts them once (emit_node); the
            # items read the count as a variable (a count per item would be interpreted per item).
            self.build.counted_maps[scope.prefix + node_id] = _unwrap(items)
            if distributed:
                shared["total"] = _expr(f"$Total_{var}")
                first_assign[f"Total_{var}"] = _expr(f"{first}.total")
                if not spec.batch_size:
                    selector["total"] = shared["total"]
            fanout["total"] = _expr(f"$Total_{var}")
        retry = spec.do.retry
        if retry is not None and retry.max_attempts > 1:
            fanout["retry"] = {"errors": list(retry.errors), "max_attempts": retry.max_attempts}
        body = self.body_state(node_id, do, scope, iteration, "do", extra, {}, None, f"$Index_{var}", fanout)
        start = self.name(f"{scope.prefix}{node_id}/item")
        iteration[start] = {"Type": "Pass", "Assign": first_assign, "Next": body}
        processor: dict[str, Any] = {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"} if distributed else {"Mode": "INLINE"},
            "StartAt": start,
            "States": dict(sorted(iteration.items(), key=lambda kv: kv[0] != start)),
        }
        state: dict[str, Any] = {"Type": "Map"}
        if reader is not None:
            state["ItemReader"] = reader
        else:
            state["Items"] = items
        state.update({"ItemSelector": selector, "ItemProcessor": processor})
        if spec.concurrency:
            state["MaxConcurrency"] = spec.concurrency
        if distributed:
            if spec.batch_size:
                state["ItemBatcher"] = {"MaxItemsPerBatch": spec.batch_size}
                if shared:
                    state["ItemBatcher"]["BatchInput"] = shared
            tolerated = spec.tolerated_failures
            if isinstance(tolerated, str):
                state["ToleratedFailurePercentage"] = float(tolerated.rstrip("%"))
            elif tolerated is not None:
                state["ToleratedFailureCount"] = tolerated
            state["Label"] = spec.label or "".join(c for c in node_id.title() if c.isalnum())[:40]
        state["Retry"] = self.retry_policy(node.retry) or None
        if state["Retry"] is None:
            del state["Retry"]
        result = "$reduce($states.result, $append, [])" if batched else "$states.result"  # one list per batch
        if aggregate:
            # The items' outputs are in the run store; the node's value is a reference to them.
            result = '{"$ref": ' + json.dumps(AGG_SCHEME) + " & $states.context.Execution.Name & \"/\" & " + _unwrap(key) + "}"
        state["Assign"] = {var: _expr(result)}
        state["Output"] = _expr(result)
        return state

    def fanout_key(self, node_id: str, scope: Scope) -> str:
        """Progress/aggregation key of a foreach: its node path, plus the enclosing loop's index
        when it runs inside one (each outer iteration fans out on its own)."""
        path = scope.path + node_id
        if scope.index_expr == "0":
            return path
        return _expr(f"{json.dumps(path + '@')} & $string({scope.index_expr})")

    def item_reader(self, location: str) -> dict[str, Any]:
        """Distributed Map's ItemReader for ``s3://bucket/key`` or a project-relative path."""
        kind = reader_format(location)
        if location.startswith("s3://"):
            bucket, _, key = location[5:].partition("/")
        else:
            bucket, key = PROJECT_DATA_BUCKET_PLACEHOLDER, location.lstrip("./")
        if bucket not in self.build.item_buckets:
            self.build.item_buckets.append(bucket)
        config: dict[str, Any] = {"InputType": kind}
        if kind == "CSV":
            config["CSVHeaderLocation"] = "FIRST_ROW"
        return {"Resource": S3_GET_OBJECT, "ReaderConfig": config, "Arguments": {"Bucket": bucket, "Key": key}}

    def while_states(self, node_id: str, node: Node, scope: Scope, states: dict[str, Any]) -> str:
        spec = node.while_
        assert spec is not None
        var = scope.var(node_id)
        iter_var = f"Iter_{var}"
        extra = {"iteration": f"${iter_var}"}
        condition = self.condition(spec.condition, scope, extra)
        cond_body = condition[3:-3]
        init = self.name(f"{scope.prefix}{node_id}/start")
        check = self.name(f"{scope.prefix}{node_id}/check")
        limit = self.name(f"{scope.prefix}{node_id}/limit")
        done = self.name(f"{scope.prefix}{node_id}/done")
        body = self.body_state(
            node_id, spec.do, scope, states, "do", extra,
            {var: "RESULT", iter_var: _expr(f"${iter_var} + 1")}, check, f"${iter_var}",
        )
        states[init] = {"Type": "Pass", "Assign": {var: None, iter_var: 0}, "Next": check}
        states[check] = {
            "Type": "Choice",
            "Choices": [
                {"Condition": _expr(f"${iter_var} >= {spec.max_iterations} and ({cond_body})"), "Next": limit},
                {"Condition": condition, "Next": body},
            ],
            "Default": done,
        }
        states[limit] = {
            "Type": "Fail",
            "Error": "Flow.LoopLimitExceeded",
            "Cause": f"while node '{scope.path}{node_id}' was still looping after {spec.max_iterations} iterations",
        }
        states[done] = {"Type": "Pass", "Output": _expr(f"${var}"), "End": True}
        return init

    # -- flow ---------------------------------------------------------------------------------
    @staticmethod
    def params_merge(flow: Flow) -> str:
        defaults = {
            name: param.default for name, param in flow.params.items() if "default" in param.model_fields_set
        }
        literal = json.dumps(defaults, sort_keys=True)
        return f"$merge([{literal}, $type($states.input) = 'object' ? $states.input : {{}}])"

    def flow_output(self, scope: Scope) -> Any:
        flow = scope.flow
        if flow.output is not None:
            return self.template(flow.output, scope)
        sinks = [n for n in scope.graph.sinks() if flow.nodes[n].kind not in ("fail", "succeed")]
        if len(sinks) == 1:
            return _expr(self.wrap(f"${var_name(sinks[0])}", scope))
        return _expr(self.wrap("{" + ", ".join(f"{json.dumps(s)}: ${var_name(s)}" for s in sinks) + "}", scope))

    def build_root(self) -> AslBuild:
        flow = self.root
        graph = flow_graph(flow)
        if graph.cycle:
            raise CompileError(f"/nodes/{graph.cycle[0]}/after", "cycle: " + " -> ".join(graph.cycle))
        names = {"params": "$params"}
        names.update({var_name(n): f"${var_name(n)}" for n in flow.nodes})
        scope = Scope(flow, graph, "", "", names)
        decomposition = decompose(graph.nodes, graph.preds)
        self.build.trees[flow.name] = decomposition.tree
        if decomposition.added_edges:
            self.build.added_edges[flow.name] = list(decomposition.added_edges)
        states: dict[str, Any] = {}
        for reserved in ("Params", "Done"):
            self.state_names.add(reserved)
        states["Done"] = {"Type": "Succeed", "Output": self.flow_output(scope)}
        assert decomposition.tree is not None
        entry = self.emit_tree(decomposition.tree, scope, states, "Done", None)
        states["Params"] = {"Type": "Pass", "Assign": {"params": _expr(self.params_merge(flow))}, "Next": entry}
        definition: dict[str, Any] = {
            "Comment": f"flowctl: {flow.name} v{flow.version}" + (f" — {flow.description}" if flow.description else ""),
            "QueryLanguage": "JSONata",
            "StartAt": "Params",
            "States": _ordered(states, "Params"),
        }
        if flow.timeout:
            definition["TimeoutSeconds"] = flow.timeout
        self.build.definition = definition
        self.build.functions.sort()
        self.build.nested_flows.sort()
        self.build.inlined_flows.sort()
        return self.build


def _unwrap(value: str) -> str:
    """A JSONata operand for ``value``: the body of ``{% ... %}``, else a string literal."""
    if value.startswith("{%") and value.endswith("%}"):
        return "(" + value[2:-2].strip() + ")"
    return json.dumps(value)


def _all_expressions(value: Any) -> list[str]:
    from orchestrator.flowlang.expressions import iter_expressions

    return [body for _, body in iter_expressions(value)]


def _ordered(states: dict[str, Any], start: str) -> dict[str, Any]:
    """States in execution order (depth-first from ``start``), then the rest; recursive."""
    order: list[str] = []
    seen: set[str] = set()
    stack = [start]
    while stack:
        name = stack.pop()
        if name in seen or name not in states:
            continue
        order.append(name)
        seen.add(name)
        state = states[name]
        targets: list[str] = []
        for choice in state.get("Choices", []):
            targets.append(choice["Next"])
        if "Default" in state:
            targets.append(state["Default"])
        for catch in state.get("Catch", []):
            targets.append(catch["Next"])
        if "Next" in state:
            targets.append(state["Next"])
        stack.extend(reversed(targets))
    order.extend(sorted(n for n in states if n not in seen))
    result = {}
    for name in order:
        state = dict(states[name])
        if "Branches" in state:
            state["Branches"] = [{"StartAt": b["StartAt"], "States": _ordered(b["States"], b["StartAt"])} for b in state["Branches"]]
        if "ItemProcessor" in state:
            proc = dict(state["ItemProcessor"])
            proc["States"] = _ordered(proc["States"], proc["StartAt"])
            state["ItemProcessor"] = proc
        result[name] = state
    return result


def build_asl(flow: Flow, load_flow: FlowLoader | None = None) -> AslBuild:
    """Compile a validated flow; ``load_flow(name)`` supplies sub-flows."""
    return _Builder(flow, load_flow).build_root()
