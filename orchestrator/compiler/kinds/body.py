"""The body of a ``foreach`` or ``while``: what runs per item or iteration (a function, a
sub-flow or a ``set``), as one state named ``<node>/do`` (role :data:`BODY` in the state map)."""

from __future__ import annotations

from typing import Any

from orchestrator.compiler.build import BODY, LAMBDA_SERVICE_RETRY, START_SYNC
from orchestrator.compiler.emitter import Emitter, Scope, expr
from orchestrator.compiler.kinds.flow import subflow_states
from orchestrator.compiler.names import state_machine_arn_substitution
from orchestrator.flowlang.model import Body

__all__ = ["body_state"]


def body_state(b: Emitter, node_id: str, body: Body, scope: Scope, states: dict[str, Any], label: str,
               extra: dict[str, str], assign: dict[str, Any], nxt: str | None, index_expr: str,
               fanout: dict[str, Any] | None = None, default_input: Any = None) -> str:
    """Emit a foreach/while body; ``assign`` values may use ``RESULT`` for the body's output.

    A function or sub-flow body without ``with`` gets ``default_input``: by default the item
    (a foreach); a while passes what a node without ``with`` gets."""
    name = b.name(f"{scope.prefix}{node_id}/{label}", scope.path + node_id, BODY)
    body_scope = Scope(scope.flow, scope.graph, scope.prefix, scope.path, {**scope.names, **extra}, index_expr)
    if body.with_ is not None:
        default_input = b.template(body.with_, body_scope)
    elif default_input is None:
        default_input = expr(b.wrap("$item", body_scope))
    result: str
    if body.uses is not None:
        payload_input = default_input
        state = b.lambda_task(body.uses, payload_input, node_id, body_scope, fanout)
        state["Retry"] = [LAMBDA_SERVICE_RETRY, *b.retry_policy(body.retry)]
        if body.timeout:
            state["TimeoutSeconds"] = body.timeout
        result = "$states.result.Payload"
    elif body.flow is not None:
        sub = b.load_subflow(b.subflow_name(body.flow), f"/nodes/{node_id}")
        if b.subflow_mode(body.flow) == "nested":
            sub_name = b.subflow_name(body.flow)
            if sub_name not in b.build.nested_flows:
                b.build.nested_flows.append(sub_name)
            state = {
                "Type": "Task",
                "Resource": START_SYNC,
                "Arguments": {
                    "StateMachineArn": "${" + state_machine_arn_substitution(sub_name) + "}",
                    "Input": default_input,
                },
            }
            retry = b.retry_policy(body.retry)
            if retry:
                state["Retry"] = retry
            result = "$states.result.Output"
        else:
            branch: dict[str, Any] = {}
            ns = f"Sub_{scope.var(node_id)}"
            entry = subflow_states(b, sub, ns, body_scope, branch, None, f"{node_id}")
            state = {
                "Type": "Parallel",
                "Arguments": default_input,
                "Branches": [{"StartAt": entry, "States": branch}],
            }
            retry = b.retry_policy(body.retry)
            if retry:
                state["Retry"] = retry
            result = "$states.result[0]"
    else:
        state = {"Type": "Pass"}
        value = b.template(body.set, body_scope)
        state["Output"] = value
        if assign:
            state["Assign"] = {k: (value if v == "RESULT" else v) for k, v in assign.items()}
        states[name] = b.link(state, nxt)
        return name
    state["Output"] = expr(result)
    if assign:
        state["Assign"] = {k: (expr(result) if v == "RESULT" else v) for k, v in assign.items()}
    states[name] = b.link(state, nxt)
    return name
