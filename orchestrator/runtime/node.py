"""``@node``: turn ``f(inputs, ctx)`` (or ``f(inputs)``) into a Lambda handler.

::

    from orchestrator.runtime import node

    @node
    def lambda_handler(inputs, ctx):
        ctx.logger.info("detecting")  # carries flow, node, run_id, execution, attempt, redrive
        return {"faces": 1}

Per invocation the handler:

1. parses the payload (:func:`~orchestrator.runtime.context.parse_payload`; a bare event is the
   input itself),
2. resolves offloaded inputs (every nested ``{"$ref": ...}``),
3. calls the function with the correlation keys on every log line (Powertools Logger),
4. checks that the output is JSON (``OutputNotJsonError`` names the node and the key path),
   offloads an output larger than the threshold and returns ``{"$ref": ...}`` instead,
5. for an item of a foreach: counts it in the node's progress (the first item records the
   total, every item succeeded / failed for good)
   and, when the foreach aggregates its results, stores the output as an aggregation item and
   returns ``null`` (see :mod:`orchestrator.runtime.fanout`); an input holding an aggregate
   reference receives the full list,
6. records ONE step item (``SUCCEEDED`` with output or ref, or ``FAILED`` with the error class
   name and message) for its node, item, redrive round and attempt, when a run store is
   configured and the payload has a run context.

A user exception is re-raised unchanged, so Step Functions sees its class name as the error
(``Retry``/``Catch`` match on it). A failure to *record* is logged, never raised: recording is
observability and must not fail the node. Nothing is created at import time; clients are
created on the first invocation that needs them, and cached.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from orchestrator.constants import AWS_LAMBDA_FUNCTION_NAME
from orchestrator.runtime.config import NodeRuntime, get_runtime
from orchestrator.runtime.context import NodeContext, NodePayload, parse_payload
from orchestrator.runtime.contract import Contract, hinted_models, is_model
from orchestrator.runtime.fanout import store_for
from orchestrator.runtime.outputs import check_json_output

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["node"]

Handler = Callable[..., Any]
_MAX_CAUSE = 32768


@overload
def node(
    func: Callable[..., Any],
    /,
    *,
    input: type[BaseModel] | None = None,
    output: type[BaseModel] | None = None,
) -> Handler: ...
@overload
def node(
    *,
    name: str | None = None,
    runtime: NodeRuntime | None = None,
    input: type[BaseModel] | None = None,
    output: type[BaseModel] | None = None,
) -> Callable[[Callable[..., Any]], Handler]: ...


def node(
    func: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    runtime: NodeRuntime | None = None,
    input: type[BaseModel] | None = None,
    output: type[BaseModel] | None = None,
) -> Handler | Callable[[Callable[..., Any]], Handler]:
    """Decorate a node function; ``name`` is the node id used for bare payloads (default: the
    function's folder, e.g. ``detect_face``), ``runtime`` overrides the environment's.

    ``input``/``output`` declare the function's contract (pydantic models, see
    :mod:`orchestrator.runtime.contract`); without them, models named by the function's type
    hints are used, and then the function receives the parsed input model."""
    if func is None:
        return lambda f: _wrap(f, name, runtime, input, output)
    return _wrap(func, name, runtime, input, output)


def _wrap(
    user_func: Callable[..., Any],
    name: str | None,
    runtime: NodeRuntime | None,
    input_model: type[BaseModel] | None = None,
    output_model: type[BaseModel] | None = None,
) -> Handler:
    wants_context = _takes_context(user_func)
    default_node = name or _folder_name(user_func)
    hinted_in, hinted_out = hinted_models(user_func)
    parse_model = hinted_in if input_model is None else None
    contract = Contract(input_model or hinted_in, output_model or hinted_out, _description(user_func))

    @functools.wraps(user_func)
    def lambda_handler(event: Any, lambda_context: Any = None) -> Any:
        rt = runtime or get_runtime()
        payload = parse_payload(event, default_node, lambda_context)
        ctx = NodeContext(
            flow=payload.flow,
            node=payload.node,
            run_id=payload.run_id,
            execution=payload.execution,
            attempt=payload.attempt,
            params=payload.params,
            logger=rt.logger,
            index=payload.index,
            redrive=payload.redrive,
            lambda_context=lambda_context,
        )
        keys = ctx.log_keys
        if keys["execution"] is None:  # (the one key that may be unset)
            del keys["execution"]
        rt.logger.thread_safe_append_keys(**keys)
        started = time.time()
        runs = store_for(payload.run_id, rt.store) if payload.tracked else rt.store
        _count_total(rt, runs, payload)
        try:
            try:
                inputs = rt.payloads.resolve(payload.input, runs)

                def call(value: Any, call_ctx: NodeContext) -> Any:
                    if parse_model is not None:
                        value = parse_model.model_validate(value if value is not None else {})
                    result = user_func(value, call_ctx) if wants_context else user_func(value)
                    if is_model(result):
                        result = result.model_dump(mode="json")
                    check_json_output(payload.node, result)
                    return result

                if payload.fanout is not None and payload.fanout.batch:
                    results = []
                    for entry in inputs if isinstance(inputs, list) else []:
                        index = int(entry.get("index") or 0)
                        result = call(entry.get("input"), dataclasses.replace(ctx, index=index))
                        results.append((index, rt.payloads.offload(result, _payload_key(payload, index))))
                    output: Any = [out for _, out in results]
                else:
                    output = rt.payloads.offload(call(inputs, ctx), _payload_key(payload))
                    results = [(payload.index, output)]
                if payload.fanout is not None and payload.tracked:
                    returned = payload.fanout.succeeded(runs, payload.run_id, results)
                else:
                    returned = output
            except Exception as exc:
                # A local run reports the error and where it was raised in its table and
                # summary, so only a Lambda logs it.
                if os.environ.get(AWS_LAMBDA_FUNCTION_NAME):
                    rt.logger.exception("node failed", extra={"error": type(exc).__name__})
                _record(
                    rt,
                    payload,
                    started,
                    "FAILED",
                    error=type(exc).__name__,
                    cause=str(exc)[:_MAX_CAUSE],
                )
                _count_failure(rt, runs, payload, type(exc).__name__)
                raise
            _record(rt, payload, started, "SUCCEEDED", output=output)
            return returned
        finally:
            rt.logger.thread_safe_remove_keys(list(keys))

    lambda_handler.contract = contract  # type: ignore[attr-defined]
    return lambda_handler


def _description(func: Callable[..., Any]) -> str:
    """The function's docstring, else its module's (the node's description)."""
    doc = inspect.getdoc(func)
    if not doc:
        module = inspect.getmodule(func)
        doc = inspect.getdoc(module) if module is not None else None
    return doc or ""


def _record(
    rt: NodeRuntime,
    payload: NodePayload,
    started: float,
    status: str,
    *,
    output: Any = None,
    error: str | None = None,
    cause: str | None = None,
) -> None:
    if rt.store is None or not payload.tracked:
        return
    from orchestrator.store.models import Step, format_time

    stopped = time.time()
    step = Step(
        run_id=payload.run_id,
        node=payload.node,
        status=status,
        index=payload.index,
        attempt=payload.attempt,
        redrive=payload.redrive,
        started_at=format_time(started),
        stopped_at=format_time(stopped),
        duration_ms=int((stopped - started) * 1000),
        output=output,
        error=error,
        cause=cause,
    )
    try:
        rt.store.record_step(step)
    except Exception:
        rt.logger.exception("could not record the step", extra={"status": status})


def _count_total(rt: NodeRuntime, runs: Any, payload: NodePayload) -> None:
    """The first item of a foreach records its item count (observability: never raised)."""
    if payload.fanout is None or not payload.tracked:
        return
    try:
        payload.fanout.started(runs, payload.run_id, payload.index)
    except Exception:
        rt.logger.exception("could not record the foreach's item count")


def _count_failure(rt: NodeRuntime, runs: Any, payload: NodePayload, error: str) -> None:
    """Count a foreach item's final failure (observability: never raised)."""
    if payload.fanout is None or not payload.tracked:
        return
    items = len(payload.input) if payload.fanout.batch and isinstance(payload.input, list) else 1
    try:
        payload.fanout.failed(runs, payload.run_id, error, payload.attempt, items)
    except Exception:
        rt.logger.exception("could not count the failed item")


def _payload_key(payload: NodePayload, index: int | None = None) -> str:
    if not payload.tracked:
        return f"adhoc/{payload.node}/{payload.run_id}" + ("" if index is None else f"/{index}")
    where = f"{payload.node}/{payload.index if index is None else index}/{payload.redrive}/{payload.attempt}"
    return f"runs/{payload.run_id}/{where}/output"


def _takes_context(func: Callable[..., Any]) -> bool:
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return True
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2


def _folder_name(func: Callable[..., Any]) -> str:
    try:
        return Path(inspect.getfile(func)).resolve().parent.name or func.__name__
    except (TypeError, OSError):
        return func.__name__
