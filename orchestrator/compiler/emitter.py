"""What every node kind's emitter uses: the scope states are emitted in, unique state names
(recorded in the state → node map), expressions rewritten for a scope, node inputs and payload
context, retry and catch policies, Lambda tasks, and the wrapping of multi-state nodes.

:class:`Emitter` holds these services; :class:`orchestrator.compiler.asl.Builder` adds the walk
over the flow's series-parallel tree and hands each node to its kind
(:mod:`orchestrator.compiler.kinds`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from orchestrator.compiler.build import (
    LAMBDA_INVOKE,
    NODE,
    AslBuild,
    FlowLoader,
    StateNode,
)
from orchestrator.compiler.errors import CompileError
from orchestrator.compiler.names import MAX_STATE_NAME, function_arn_substitution
from orchestrator.compiler.sp import Tree
from orchestrator.flowlang.expressions import expression_body, referenced_variables, var_name
from orchestrator.flowlang.graph import FlowGraph
from orchestrator.flowlang.model import Flow, Node, Retry, SubflowSpec

__all__ = ["Emitter", "Scope", "expr"]


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

    @property
    def owner(self) -> str:
        """Path of the node whose states these are: the sub-flow node ("" at the top level)."""
        return self.path.rstrip("/")

    def var(self, node_id: str) -> str:
        """Physical variable name of a node of this scope."""
        return self.names[var_name(node_id)].lstrip("$")


REDRIVE_COUNT = (
    "$exists($states.context.Execution.RedriveCount)"
    " ? $states.context.Execution.RedriveCount : 0"
)
"""The run's redrive round: ``Execution.RedriveCount`` (0 before any redrive), or 0 where the
context object has none (an Express execution), since an undefined value fails the state."""


OR_NULL = "$exists({0}) ? {0} : null"


def expr(text: str) -> str:
    """``text`` as a JSONata template: ``{% text %}``."""
    return "{% " + text + " %}"


class Emitter:
    """Services for the node kinds' emitters, and the build they add to."""

    def __init__(self, flow: Flow, load_flow: FlowLoader | None) -> None:
        self.root = flow
        self.load_flow = load_flow
        self.build = AslBuild({})
        self.state_names: set[str] = set()
        self.stack: list[str] = [flow.name]

    # -- implemented by the builder -------------------------------------------------------------
    def emit_tree(self, tree: Tree, scope: Scope, states: dict[str, Any], nxt: str, out: dict[str, Any] | None) -> str:
        """Emit the states of a (sub-)tree of ``scope``'s flow; return the entry state name."""
        raise NotImplementedError

    def emit_handler(self, handler_id: str, node_id: str, scope: Scope, states: dict[str, Any], nxt: str) -> str:
        """Emit the catch handler ``handler_id`` for ``node_id``; return its state name."""
        raise NotImplementedError

    def ends_path(self, node: Node) -> bool:
        """Whether nothing runs after ``node`` (its output is not the flow's)."""
        raise NotImplementedError

    # -- names --------------------------------------------------------------------------------
    def name(self, wanted: str, node: str, role: str) -> str:
        """A unique state name ≤ 80 characters, based on ``wanted``, recorded in the build's
        state → node map as a state of the node at path ``node`` in ``role``."""
        base = wanted if len(wanted) <= MAX_STATE_NAME else wanted[: MAX_STATE_NAME - 3] + "..."
        candidate, n = base, 2
        while candidate in self.state_names:
            suffix = f" #{n}"
            candidate = base[: MAX_STATE_NAME - len(suffix)] + suffix
            n += 1
        self.state_names.add(candidate)
        self.build.state_nodes[candidate] = StateNode(node, role)
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
            return expr(self.wrap(body, scope, extra))
        return value

    def condition(self, text: str, scope: Scope, extra: dict[str, str] | None = None) -> str:
        body = expression_body(text, bare=True) or "false"
        return expr(self.wrap(body, scope, extra))

    # -- node inputs --------------------------------------------------------------------------
    def default_input(self, node_id: str, node: Node, scope: Scope) -> Any:
        preds = scope.graph.preds.get(node_id, [])
        collected = "{" + ", ".join(f"{json.dumps(p)}: ${var_name(p)}" for p in preds) + "}"
        if node.aggregate is not None:
            body = expression_body(node.aggregate, bare=True) or "$inputs"
            return expr(self.wrap(f"($inputs := {collected}; {body})", scope))
        if not preds:
            return expr(self.wrap("$params", scope))
        if len(preds) == 1:
            return expr(self.wrap(f"${var_name(preds[0])}", scope))
        return expr(self.wrap(collected, scope))

    def node_input(self, node_id: str, node: Node, scope: Scope, handler: bool = False) -> Any:
        extra = {"error": "$states.input"} if handler else None
        if node.with_ is not None:
            return self.template(node.with_, scope, extra)
        if handler:
            return expr("$states.input")
        return self.default_input(node_id, node, scope)

    def context(self, node_id: str, scope: Scope) -> dict[str, Any]:
        return {
            "flow": scope.flow.name,
            "node": scope.path + node_id,
            "run_id": expr("$states.context.Execution.Name"),
            "execution": expr("$states.context.Execution.Id"),
            "attempt": expr("$states.context.State.RetryCount"),
            "redrive": expr(REDRIVE_COUNT),
            "index": expr(scope.index_expr) if scope.index_expr != "0" else 0,
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
            "error": expr(OR_NULL.format("$states.errorOutput.Error")),
            "cause": expr(OR_NULL.format("$states.errorOutput.Cause")),
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
                    "params": expr(self.wrap("$params", scope)),
                    "context": context,
                },
            },
        }

    @staticmethod
    def link(state: dict[str, Any], nxt: str | None) -> dict[str, Any]:
        if nxt is None:
            state["End"] = True
        else:
            state["Next"] = nxt
        return state

    def finish(self, name: str, state: dict[str, Any], node_id: str, node: Node, scope: Scope,
               states: dict[str, Any], nxt: str) -> str:
        """Store a node's own state ``name``: with its catchers when it is a Task, Map or Parallel,
        and its transition to ``nxt``."""
        if state["Type"] in ("Task", "Map", "Parallel"):
            catchers = self.catchers(node_id, node, scope, states, nxt)
            if catchers:
                state["Catch"] = catchers
        states[name] = self.link(state, nxt)
        return name

    def wrapped(self, name: str, node_id: str, node: Node, scope: Scope, states: dict[str, Any], nxt: str,
                entry: str, branch: dict[str, Any], arguments: Any = None) -> str:
        """A node made of several states (``branch``, from ``entry``), in a single-branch Parallel
        named ``name``: its own variable scope, and the node's Retry and Catch."""
        var = scope.var(node_id)
        state: dict[str, Any] = {
            "Type": "Parallel",
            "Branches": [{"StartAt": entry, "States": branch}],
            "Assign": {var: expr("$states.result[0]")},
            "Output": expr("$states.result[0]"),
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

    def own_name(self, node_id: str, scope: Scope) -> str:
        """The name of a node's own state."""
        return self.name(scope.prefix + node_id, scope.path + node_id, NODE)

    # -- flows ----------------------------------------------------------------------------------
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
        sinks = [n for n in scope.graph.sinks() if not self.ends_path(flow.nodes[n])]
        if len(sinks) == 1:
            return expr(self.wrap(f"${var_name(sinks[0])}", scope))
        return expr(self.wrap("{" + ", ".join(f"{json.dumps(s)}: ${var_name(s)}" for s in sinks) + "}", scope))
