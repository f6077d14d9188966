"""What compiling a flow produces (:class:`AslBuild`: the definition, what it needs deployed, and
the state → node map) and the names the emitted states share (resources, placeholders, roles).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from orchestrator.compiler.names import function_arn_substitution, state_machine_arn_substitution

if TYPE_CHECKING:  # the local recorder reads this module's roles without the compiler or the flow models
    from orchestrator.compiler.sp import Tree
    from orchestrator.flowlang.model import Flow

__all__ = [
    "AGG_SCHEME",
    "BODY",
    "FANOUT",
    "HANDLER",
    "INTERNAL",
    "LAMBDA_INVOKE",
    "LAMBDA_SERVICE_RETRY",
    "LIMIT",
    "NODE",
    "PROJECT_DATA_BUCKET",
    "PROJECT_DATA_BUCKET_PLACEHOLDER",
    "S3_GET_OBJECT",
    "SKIPPED",
    "START_SYNC",
    "WAITER_FUNCTION",
    "AslBuild",
    "FlowLoader",
    "StateNode",
]

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
START_SYNC = "arn:aws:states:::states:startExecution.sync:2"

FlowLoader = Callable[[str], "Flow"]


NODE = "node"
"""Role of a node's own state (the Task, Map, Choice, Pass, ... that stands for the node)."""
BODY = "body"
"""Role of the state a foreach item or while iteration runs (recorded as ``<node>/do``)."""
FANOUT = "fanout"
"""Role of a foreach's Map when the node's own state is the Parallel around it (a foreach over an
expression with Retry or Catch counts its items before the Map, inside them): no step of its
own; its events count the foreach's items."""
HANDLER = "handler"
"""Role of a catch handler's state (one per node whose errors it handles)."""
SKIPPED = "skipped"
"""Role of the Pass that records a node of an untaken switch branch as skipped."""
LIMIT = "limit"
"""Role of the Fail that ends a while loop over ``max_iterations``."""
INTERNAL = "internal"
"""Role of the compiler's plumbing: parameters, joins, guards, loop control, switch branches."""


@dataclass(frozen=True)
class StateNode:
    """Where a state comes from: the path of its flow node (``verify/check`` for a node of an
    inlined sub-flow ``verify``; "" for the flow's own plumbing) and its role."""

    node: str
    role: str


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
    """Buckets the state machine reads items from (``${ProjectDataBucket}`` for project files)."""
    state_nodes: dict[str, StateNode] = field(default_factory=dict)
    """Every state emitted (at every nesting level) → the flow node it belongs to."""

    @property
    def substitutions(self) -> dict[str, str]:
        subs = {function_arn_substitution(f): f for f in self.functions}
        subs.update({state_machine_arn_substitution(f): f for f in self.nested_flows})
        if PROJECT_DATA_BUCKET_PLACEHOLDER in self.item_buckets:
            subs[PROJECT_DATA_BUCKET] = PROJECT_DATA_BUCKET
        return dict(sorted(subs.items()))
