"""The node payload and the context a node function receives.

The compiled ASL invokes a node Lambda with (``lambda:invoke`` ``Arguments.Payload``)::

    {"input": <the node's input>, "params": {<flow params>},
     "context": {"flow": "kyc-check", "node": "face-detect", "run_id": "<execution name>",
                 "execution": "<execution ARN>", "attempt": 0, "redrive": 0}}

``attempt`` is the retry count within the run's current round, ``redrive`` that round (the
execution's redrive count; default 0, as in payloads compiled before it existed). ``context``
may also carry ``index`` (the item position in a fan-out; default 0).
Anything else — a dict without both ``input`` and ``context``, a list, a string — is a *bare*
payload: it is the node's input itself (``sam local invoke F -e events/F-bare.json``), and the
run is not recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from orchestrator.records import FrozenRecord
from orchestrator.runtime.fanout import Fanout

__all__ = ["NodeContext", "NodePayload", "parse_payload"]


@dataclass
class NodeContext:
    """What a node function knows about its run: ``ctx.params``, ``ctx.logger``, ids."""

    flow: str
    node: str
    run_id: str
    execution: str | None
    attempt: int
    params: dict[str, Any]
    logger: Any
    index: int = 0
    redrive: int = 0
    lambda_context: Any = field(default=None, repr=False)

    @property
    def log_keys(self) -> dict[str, Any]:
        """The correlation keys added to every log line during the call."""
        return {
            "flow": self.flow,
            "node": self.node,
            "run_id": self.run_id,
            "execution": self.execution,
            "attempt": self.attempt,
            "redrive": self.redrive,
            "index": self.index,
        }


class NodePayload(FrozenRecord):
    """A parsed payload; ``tracked`` is False for a bare payload (nothing is recorded).

    (Written out as a frozen dataclass would make it, one per call: see
    :mod:`orchestrator.records`.)"""

    _FIELDS = ("input", "params", "flow", "node", "run_id", "execution", "attempt", "index", "tracked",
               "redrive", "fanout")
    __slots__ = _FIELDS
    __match_args__: ClassVar[tuple[str, ...]] = _FIELDS

    input: Any
    params: dict[str, Any]
    flow: str
    node: str
    run_id: str
    execution: str | None
    attempt: int
    index: int
    tracked: bool
    redrive: int
    fanout: Fanout | None
    """Set for an item of a foreach (progress counters, aggregation)."""

    def __init__(self, input: Any, params: dict[str, Any], flow: str, node: str, run_id: str,  # noqa: A002
                 execution: str | None, attempt: int, index: int, tracked: bool, redrive: int = 0,
                 fanout: Fanout | None = None) -> None:
        setter = object.__setattr__
        setter(self, "input", input)
        setter(self, "params", params)
        setter(self, "flow", flow)
        setter(self, "node", node)
        setter(self, "run_id", run_id)
        setter(self, "execution", execution)
        setter(self, "attempt", attempt)
        setter(self, "index", index)
        setter(self, "tracked", tracked)
        setter(self, "redrive", redrive)
        setter(self, "fanout", fanout)


def parse_payload(
    event: Any, default_node: str = "node", lambda_context: Any = None
) -> NodePayload:
    """Split a Lambda event into input, params and run context (see the module contract)."""
    if isinstance(event, dict) and isinstance(event.get("context"), dict) and "input" in event:
        ctx = event["context"]
        params = event.get("params")
        return NodePayload(
            input=event["input"],
            params=params if isinstance(params, dict) else {},
            flow=str(ctx.get("flow") or ""),
            node=str(ctx.get("node") or default_node),
            run_id=str(ctx.get("run_id") or _adhoc_id(lambda_context)),
            execution=ctx.get("execution"),
            attempt=_int(ctx.get("attempt")),
            index=_int(ctx.get("index")),
            tracked=bool(ctx.get("run_id")),
            redrive=_int(ctx.get("redrive")),
            fanout=Fanout.from_context(ctx),
        )
    return NodePayload(
        input=event,
        params={},
        flow="",
        node=default_node,
        run_id=_adhoc_id(lambda_context),
        execution=None,
        attempt=0,
        index=0,
        tracked=False,
    )


def _adhoc_id(lambda_context: Any) -> str:
    request_id = getattr(lambda_context, "aws_request_id", None)
    if request_id:
        return str(request_id)
    import uuid  # an ad-hoc run id only (importing uuid costs a cold start ~2 ms)

    return f"adhoc-{uuid.uuid4().hex[:12]}"


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
