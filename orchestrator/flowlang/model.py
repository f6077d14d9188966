"""The flow language as pydantic models — the single source of truth for ``flow.schema.json``.

A flow is JSON (or YAML) data::

    {"name": "hello", "nodes": {"greet": {"uses": "greet", "with": {"who": "{% $params.who %}"}}}}

Each node is exactly one *kind* (``uses``, ``switch``, ``foreach``, ``while``, ``flow``, ``wait``,
``wait_for``, ``set``, ``fail``, ``succeed``) plus the common fields (``after``, ``retry``,
``timeout``, ``catch``, ``on_error``, ``aggregate``, ``description``). Structural rules that JSON
Schema cannot say clearly (exactly one kind, references, cycles) live in
:mod:`orchestrator.compiler.validate`, so users get one readable message per problem.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "NODE_KINDS",
    "Catch",
    "Flow",
    "FailSpec",
    "ForeachSpec",
    "Node",
    "Param",
    "Retry",
    "Schedule",
    "SubflowSpec",
    "SwitchCase",
    "Trigger",
    "WaitForSpec",
    "WaitSpec",
    "WhileSpec",
]

NODE_ID = r"^[a-z][a-z0-9_-]{0,62}$"
FLOW_NAME = r"^[a-z][a-z0-9-]{0,62}$"
FUNCTION_NAME = r"^[a-z][a-z0-9_]{0,62}$"
EVENT_NAME = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$"

FlowName = Annotated[str, Field(pattern=FLOW_NAME)]
"""A sub-flow reference: the name of a flow in flows/ (never a path)."""

NODE_KINDS = ("uses", "switch", "foreach", "while", "flow", "wait", "wait_for", "set", "fail", "succeed")
_KIND_ATTRIBUTES = tuple((kind, "while_" if kind == "while" else kind) for kind in NODE_KINDS)
"""Each kind with the name of its field (``while`` is a Python keyword)."""


# Default factories are lambdas, not ``list``/``dict``: pydantic reads each factory's signature,
# and a builtin's is parsed from its text signature by the tokenizer (a cost on every start-up).
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Param(_Model):
    """A typed flow parameter. Required unless it has a ``default`` or ``required: false``."""

    type: Literal["string", "number", "integer", "boolean", "object", "array"] = Field(
        "string", description="JSON type of the value."
    )
    default: Any = Field(None, description="Value used when the run does not give one.")
    required: bool | None = Field(
        None, description="Whether a run must give this parameter (default: true unless a default is set)."
    )
    description: str = Field("", description="What the parameter means (shown in `flowctl graph` and the API).")
    enum: list[Any] | None = Field(None, description="Allowed values.")
    format: Literal["date", "date-time", "uri", "email"] | None = Field(
        None, description="String format checked when a run starts."
    )

    def has_default(self) -> bool:
        """Whether the flow gives a ``default`` (``null`` included)."""
        return "default" in self.model_fields_set

    def is_required(self) -> bool:
        if self.required is not None:
            return self.required
        return not self.has_default()


class Schedule(_Model):
    """An EventBridge Scheduler schedule that starts the flow (give ``cron`` or ``rate``)."""

    cron: str | None = Field(
        None,
        description="EventBridge cron, six fields: 'minutes hours day-of-month month day-of-week year', "
        "e.g. '0 2 * * ? *' (the 'cron(...)' wrapper is optional).",
    )
    rate: str | None = Field(None, description="EventBridge rate, e.g. '5 minutes' or 'rate(1 hour)'.")
    timezone: str = Field("UTC", description="IANA time zone of the cron expression, e.g. 'Asia/Bangkok'.")
    input: dict[str, Any] = Field(default_factory=lambda: {}, description="Parameters given to scheduled runs.")
    enabled: bool = Field(True, description="Whether the schedule is active after deploy.")
    time_param: str | None = Field(
        None,
        description="Name of a parameter that receives the scheduled time (ISO 8601), "
        "like ddeutil's release date.",
    )
    description: str = ""


class Trigger(_Model):
    """An EventBridge rule that starts the flow when a matching event arrives."""

    pattern: dict[str, Any] = Field(description="EventBridge event pattern, e.g. {'source': ['shop.orders']}.")
    bus: str | None = Field(None, description="Event bus name (default: the application's bus).")
    input_path: str | None = Field(None, description="JSONPath into the event used as run parameters, e.g. '$.detail'.")
    description: str = ""


class Retry(_Model):
    """Retry policy of a node (on top of AWS's recommended retries for Lambda service errors)."""

    max_attempts: int = Field(3, ge=1, le=100, description="Total attempts including the first one.")
    interval: int = Field(1, ge=1, le=99999999, description="Seconds before the first retry.")
    backoff: float = Field(2.0, ge=1.0, le=1000, description="Multiplier applied to the interval on each retry.")
    max_delay: int | None = Field(None, ge=1, le=31622400, description="Upper bound of any retry interval, seconds.")
    jitter: bool = Field(False, description="Randomise intervals (AWS JitterStrategy FULL).")
    errors: list[str] = Field(
        default_factory=lambda: ["States.ALL"],
        description="Error names that are retried (e.g. 'TimeoutError', 'States.Timeout').",
    )


class Catch(_Model):
    """When the node fails with one of ``errors``, run the handler node ``then`` instead.

    The handler receives ``{"error", "cause", "node"}`` (also as ``$error`` in its expressions);
    its output becomes the failed node's output and the flow continues with the failed node's
    successors.
    """

    errors: list[str] = Field(default_factory=lambda: ["States.ALL"], description="Error names caught.")
    then: str = Field(description="Id of the handler node (a node that is not part of the DAG).")


class SwitchCase(_Model):
    """One branch of a ``switch``: when ``when`` is true, the ``then`` nodes run."""

    when: str = Field(description="JSONata condition, e.g. \"{% $mark.status = 'fail' %}\".")
    then: str | list[str] = Field(description="Node id(s) run when the condition holds.")


class SubflowSpec(_Model):
    """A reference to another flow, for ``flow`` nodes and ``foreach``/``while`` bodies."""

    name: str = Field(pattern=FLOW_NAME, description="Name of a flow in flows/.")
    mode: Literal["inline", "nested"] = Field(
        "inline", description="inline: its states are copied in; nested: a child execution (startExecution.sync:2)."
    )


class Body(_Model):
    """What a ``foreach`` or ``while`` runs each iteration: a function, a sub-flow or a ``set``."""

    uses: str | None = Field(None, pattern=FUNCTION_NAME, description="Function run per iteration.")
    flow: FlowName | SubflowSpec | None = Field(None, description="Sub-flow run per iteration.")
    set: Any = Field(None, description="Value computed per iteration (JSONata templates allowed).")
    with_: Any = Field(
        None,
        alias="with",
        description="Input of the function or sub-flow. Without it: the item in a foreach; in a while, what a node "
        "without `with` gets (its predecessor's output, or the params).",
    )
    retry: Retry | None = None
    timeout: int | None = Field(None, ge=1, le=31536000)


class ForeachSpec(_Model):
    """Dynamic fan-out: run ``do`` once per item of ``items`` (a Map state)."""

    items: Any = Field(None, description="JSONata expression or literal array; each element is `$item`, its position `$index`.")
    items_from: str | None = Field(
        None,
        min_length=1,
        description="Read the items from a file instead: `s3://bucket/key` or a project-relative path ending in "
        ".csv (a row object per line, header first), .json (an array) or .jsonl (a value per line) — Distributed Map's ItemReader.",
    )
    do: Body = Field(description="What runs for each item.")
    concurrency: int = Field(0, ge=0, le=10000, description="Items in flight at once (0: as many as AWS allows).")
    mode: Literal["auto", "inline", "distributed"] = Field(
        "auto", description="auto: distributed when concurrency > 40 or failures are tolerated, else inline."
    )
    tolerated_failures: int | str | None = Field(
        None, description="Failed items allowed before the node fails: a count (5) or a percentage ('10%')."
    )
    batch_size: int | None = Field(None, ge=1, le=10000, description="Distributed mode: items per child execution.")
    label: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,40}$", description="Distributed mode: Map run label.")
    results: Literal["auto", "inline", "aggregate"] = Field(
        "auto",
        description="Where the items' outputs go. inline: one array in the state payload (256 KiB limit); aggregate: "
        "one run-store item each, the node's output is a reference that function nodes receive as the full list; "
        "auto: aggregate when the body is a function and the items come from a file or the mode is distributed.",
    )


class WhileSpec(_Model):
    """A bounded loop: run ``do`` while ``condition`` holds, at most ``max_iterations`` times."""

    condition: str = Field(
        description="JSONata condition checked before each iteration; `$<node>` is the last iteration's "
        "output (null before the first) and `$iteration` counts completed iterations."
    )
    do: Body
    max_iterations: int = Field(100, ge=1, le=10000, description="The node fails if still looping after this many.")


class WaitSpec(_Model):
    """Pause for ``seconds`` or until the timestamp ``until``."""

    seconds: int | str | None = Field(None, description="Seconds to wait (number or JSONata expression).")
    until: str | None = Field(None, description="ISO 8601 timestamp or JSONata expression giving one.")


class WaitForSpec(_Model):
    """Block until an external event with this name and correlation key is published."""

    event: str = Field(pattern=EVENT_NAME, description="Event name, e.g. 'payment.received'.")
    key: str = Field(description="Correlation key: a literal or a JSONata expression, e.g. '{% $params.order_id %}'.")
    timeout: int = Field(86400, ge=1, le=31536000, description="Seconds to wait before the node fails with States.Timeout.")


class FailSpec(_Model):
    """Fail the flow with an error name and a cause."""

    error: str = Field("Flow.Failed", description="Error name (static or JSONata).")
    cause: str = Field("", description="Human-readable cause (static or JSONata).")


class Node(_Model):
    """A node: exactly one kind field, plus the common fields."""

    # kinds
    uses: str | None = Field(None, pattern=FUNCTION_NAME, description="Run the function functions/<uses>/ as a Lambda.")
    switch: list[SwitchCase] | None = Field(None, description="Conditional branches; nodes of untaken branches are skipped.")
    default: str | list[str] | None = Field(None, description="switch: node id(s) run when no case matches.")
    foreach: ForeachSpec | None = None
    while_: WhileSpec | None = Field(None, alias="while")
    flow: FlowName | SubflowSpec | None = Field(None, description="Run another flow of flows/ as a sub-flow.")
    wait: WaitSpec | None = None
    wait_for: WaitForSpec | None = None
    set: Any = Field(None, description="Pure data shaping: the node's output (JSONata templates allowed).")
    fail: FailSpec | None = None
    succeed: bool | None = Field(None, description="End this path successfully.")
    # common
    description: str = ""
    after: list[str] = Field(default_factory=lambda: [], description="Ids of nodes that must finish before this one.")
    with_: Any = Field(
        None,
        alias="with",
        description="Input of a `uses`/`flow` node (JSONata templates allowed). Default: the predecessor's "
        "output, `{pred: output}` for fan-in, or `$params` for a root node.",
    )
    aggregate: str | None = Field(
        None, description="Fan-in: JSONata expression computing the input from `$inputs` ({pred: output})."
    )
    retry: Retry | None = None
    timeout: int | None = Field(None, ge=1, le=31536000, description="Seconds before the node fails with States.Timeout.")
    catch: list[Catch] = Field(default_factory=lambda: [], description="Error handlers.")
    on_error: Literal["fail", "continue"] = Field(
        "fail", description="fail: the flow fails; continue: the node's output becomes {error, cause} and the flow goes on."
    )

    def kinds(self) -> list[str]:
        """The kind fields that are set (a valid node has exactly one)."""
        fields = self.model_fields_set
        return [kind for kind, attr in _KIND_ATTRIBUTES
                if attr in fields and (kind == "set" or getattr(self, attr) is not None)]

    @property
    def kind(self) -> str:
        """The first of :meth:`kinds` (``""`` for none): looked up for every node many times
        over by the compiler, so it stops at the first kind found."""
        # A kind's field is set when given (the set of a `set` node may be empty: given is what
        # counts); the others must also not be null. (A field not given is None: the set of
        # given fields is looked at first, the value only then.)
        fields = self.model_fields_set
        for kind, attr in _KIND_ATTRIBUTES:
            if attr in fields and (kind == "set" or getattr(self, attr) is not None):
                return kind
        return ""


class Flow(_Model):
    """A flow: typed parameters, schedules and triggers, and a DAG of nodes."""

    schema_: str | None = Field(None, alias="$schema", description="Path or URL of flow.schema.json (for editors).")
    name: str = Field(pattern=FLOW_NAME, description="Flow name: lowercase letters, digits and '-'.")
    version: int = Field(1, ge=1)
    description: str = ""
    type: Literal["auto", "STANDARD", "EXPRESS"] = Field(
        "auto", description="State machine type; auto picks EXPRESS unless the flow waits for events or long."
    )
    timeout: int | None = Field(None, ge=1, le=31536000, description="Execution timeout in seconds.")
    params: dict[str, Param] = Field(default_factory=lambda: {})
    schedules: list[Schedule] = Field(default_factory=lambda: [])
    triggers: list[Trigger] = Field(default_factory=lambda: [])
    nodes: dict[str, Node] = Field(description="The nodes, by id (lowercase letters, digits, '-' and '_').")
    output: Any = Field(
        None,
        description="The flow's output (JSONata templates allowed). Default: the output of the last node, "
        "or {node: output} of every last node.",
    )
