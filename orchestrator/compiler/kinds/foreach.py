"""``foreach``: dynamic fan-out — a Map state (inline, or distributed with child executions), with
its item reader, batching, tolerated failures, progress key and aggregated results."""

from __future__ import annotations

import json
import re
from typing import Any

from orchestrator.compiler.build import (
    AGG_SCHEME,
    FANOUT,
    INTERNAL,
    PROJECT_DATA_BUCKET_PLACEHOLDER,
    S3_GET_OBJECT,
)
from orchestrator.compiler.cost import Cost, Estimator
from orchestrator.compiler.emitter import Emitter, Scope, expr
from orchestrator.compiler.kinds.base import Checks, Expression, NodeKind
from orchestrator.compiler.kinds.body import body_state
from orchestrator.flowlang.expressions import (
    expression_body,
    iter_expressions,
    referenced_variables,
)
from orchestrator.flowlang.fanout import READER_FORMATS, is_distributed, reader_format, results_mode
from orchestrator.flowlang.model import Node

__all__ = ["Foreach"]


def _map_state(b: Emitter, node_id: str, node: Node, scope: Scope) -> tuple[dict[str, Any], str | None]:
    """The Map state, and the JSONata of its items when a Pass before it is to count them."""
    spec = node.foreach
    assert spec is not None
    var = scope.var(node_id)
    distributed = is_distributed(spec)
    aggregate = results_mode(node)[0] == "aggregate"
    items: Any = spec.items  # a literal array (unused when items_from reads them)
    if isinstance(spec.items, str):
        items = expr(b.wrap(expression_body(spec.items, bare=True) or "[]", scope))
    # A function body with batch_size is batched transparently: each item's input is
    # computed here (ItemSelector), the function is still called once per item by @node.
    batched = bool(spec.batch_size) and spec.do.uses is not None
    do = spec.do
    selector: dict[str, Any] = {
        "item": expr("$states.context.Map.Item.Value"),
        "index": expr("$states.context.Map.Item.Index"),
    }
    if batched:
        item_names = {"item": "$states.context.Map.Item.Value", "index": "$states.context.Map.Item.Index"}
        item_scope = Scope(scope.flow, scope.graph, scope.prefix, scope.path, {**scope.names, **item_names}, scope.index_expr)
        per_item = b.template(do.with_, item_scope) if do.with_ is not None else expr(b.wrap("$item", item_scope))
        selector = {"input": per_item, "index": selector["index"]}
        do = do.model_copy(update={"with_": "{% $item %}"})
    extra = {"item": f"$Item_{var}", "index": f"$Index_{var}"}
    first_assign: dict[str, Any] = {
        f"Item_{var}": expr("$states.input.Items" if spec.batch_size else "$states.input.item"),
        # A batch is numbered by its first item: its step and aggregation item get that index.
        f"Index_{var}": expr("$states.input.Items[0].index" if spec.batch_size else "$states.input.index"),
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
            shared["vars"] = {r: expr(scope.names[r]) for r in outer}
            for r in outer:
                first_assign[f"Outer_{var}__{r}"] = expr(f"{first}.vars.{r}")
                extra[r] = f"$Outer_{var}__{r}"
        b.build.distributed_maps.append(scope.path + node_id)
    iteration: dict[str, Any] = {}
    key = _fanout_key(node_id, scope)
    fanout: dict[str, Any] = {"fanout": key}
    if key.startswith("{%"):
        # Computed in the parent (a child execution does not see its variables).
        shared["fanout"] = key
        first_assign[f"Fanout_{var}"] = expr(f"{first}.fanout")
        fanout["fanout"] = expr(f"$Fanout_{var}")
    if distributed:
        # A child execution has its own Execution context: the items belong to the parent's run.
        shared["run"] = {"run_id": expr("$states.context.Execution.Name"), "execution": expr("$states.context.Execution.Id")}
        first_assign[f"Run_{var}"] = expr(f"{first}.run")
        fanout["run_id"] = expr(f"$Run_{var}.run_id")
        fanout["execution"] = expr(f"$Run_{var}.execution")
    if not spec.batch_size:
        selector.update(shared)
    if batched:
        fanout["batch"] = True
    if aggregate:
        fanout["aggregate"] = True
        b.build.aggregated_maps.append(scope.path + node_id)
    # The first item records the foreach's total (in the cloud nothing else knows it): it counts
    # the object the ItemReader reads, or reads the count the compiler gives it.
    reader = _item_reader(b, spec.items_from) if spec.items_from is not None else None
    counted: str | None = None
    if reader is not None:
        fanout["items_from"] = {**reader["Arguments"], "ReaderConfig": reader["ReaderConfig"]}
    elif isinstance(spec.items, list):
        fanout["total"] = len(spec.items)
    elif _counted(node):
        # Items from an expression: a Pass before the Map counts them once (Foreach.emit); the
        # items read the count as a variable (a count per item would be interpreted per item).
        counted = _unwrap(items)
        if distributed:
            shared["total"] = expr(f"$Total_{var}")
            first_assign[f"Total_{var}"] = expr(f"{first}.total")
            if not spec.batch_size:
                selector["total"] = shared["total"]
        fanout["total"] = expr(f"$Total_{var}")
    retry = spec.do.retry
    if retry is not None and retry.max_attempts > 1:
        fanout["retry"] = {"errors": list(retry.errors), "max_attempts": retry.max_attempts}
    body = body_state(b, node_id, do, scope, iteration, "do", extra, {}, None, f"$Index_{var}", fanout)
    start = b.name(f"{scope.prefix}{node_id}/item", scope.path + node_id, INTERNAL)
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
            percent = float(tolerated.rstrip("%"))
            # "5%" is 5, not 5.0: AWS takes either, but statelint rejects a float that is whole
            state["ToleratedFailurePercentage"] = int(percent) if percent.is_integer() else percent
        elif tolerated is not None:
            state["ToleratedFailureCount"] = tolerated
        state["Label"] = spec.label or "".join(c for c in node_id.title() if c.isalnum())[:40]
    state["Retry"] = b.retry_policy(node.retry) or None
    if state["Retry"] is None:
        del state["Retry"]
    result = "$reduce($states.result, $append, [])" if batched else "$states.result"  # one list per batch
    if aggregate:
        # The items' outputs are in the run store; the node's value is a reference to them.
        result = '{"$ref": ' + json.dumps(AGG_SCHEME) + " & $states.context.Execution.Name & \"/\" & " + _unwrap(key) + "}"
    state["Assign"] = {var: expr(result)}
    state["Output"] = expr(result)
    return state, counted


def _counted(node: Node) -> bool:
    """Whether a Pass counts the foreach's items before its Map: items from an expression, for a
    function body (``@node`` records the total)."""
    spec = node.foreach
    return spec is not None and isinstance(spec.items, str) and spec.do.uses is not None


def _guarded(node: Node) -> bool:
    """Whether the node has a Retry or a Catch, which its items expression must stay inside."""
    return bool(node.catch) or node.on_error == "continue" or bool(Emitter.retry_policy(node.retry))


def _fanout_key(node_id: str, scope: Scope) -> str:
    """Progress/aggregation key of a foreach: its node path, plus the enclosing loop's index
    when it runs inside one (each outer iteration fans out on its own)."""
    path = scope.path + node_id
    if scope.index_expr == "0":
        return path
    return expr(f"{json.dumps(path + '@')} & $string({scope.index_expr})")

def _item_reader(b: Emitter, location: str) -> dict[str, Any]:
    """Distributed Map's ItemReader for ``s3://bucket/key`` or a project-relative path."""
    kind = reader_format(location)
    if location.startswith("s3://"):
        bucket, _, key = location[5:].partition("/")
    else:
        bucket, key = PROJECT_DATA_BUCKET_PLACEHOLDER, location.lstrip("./")
    if bucket not in b.build.item_buckets:
        b.build.item_buckets.append(bucket)
    config: dict[str, Any] = {"InputType": kind}
    if kind == "CSV":
        config["CSVHeaderLocation"] = "FIRST_ROW"
    return {"Resource": S3_GET_OBJECT, "ReaderConfig": config, "Arguments": {"Bucket": bucket, "Key": key}}


def _unwrap(value: str) -> str:
    """A JSONata operand for ``value``: the body of ``{% ... %}``, else a string literal."""
    if value.startswith("{%") and value.endswith("%}"):
        return "(" + value[2:-2].strip() + ")"
    return json.dumps(value)


def _all_expressions(value: Any) -> list[str]:
    return [body for _, body in iter_expressions(value)]


class Foreach(NodeKind):
    name = "foreach"
    mermaid_shape = ("[[", "]]")
    dot_shape = "box3d"
    takes_aggregate = True

    def emit(self, b: Emitter, node_id: str, node: Node, scope: Scope, states: dict[str, Any], nxt: str,
             out: dict[str, Any] | None) -> str:
        name = b.own_name(node_id, scope)
        state, counted = _map_state(b, node_id, node, scope)
        if counted is None:
            return b.finish(name, state, node_id, node, scope, states, nxt)
        count_items = {"Type": "Pass", "Assign": {f"Total_{scope.var(node_id)}": expr(f"$count({counted})")}}
        if not _guarded(node):
            entry = b.finish(name, state, node_id, node, scope, states, nxt)
            count = b.name(f"{scope.prefix}{node_id}/count", scope.path + node_id, INTERNAL)
            states[count] = {**count_items, "Next": entry}
            return count
        # The items expression runs first in the Pass, which has no Retry or Catch: the Pass and
        # the Map run in a single-branch Parallel, the node's own state, with the node's Retry
        # and Catch (an items expression that fails is retried and caught as the Map's would be).
        count = b.name(f"{scope.prefix}{node_id}/count", scope.path + node_id, INTERNAL)
        fanout = b.name(f"{scope.prefix}{node_id}/map", scope.path + node_id, FANOUT)
        del state["Assign"]  # the Parallel assigns the node's variable, in the node's scope
        state.pop("Retry", None)
        state["End"] = True
        branch = {count: {**count_items, "Next": fanout}, fanout: state}
        return b.wrapped(name, node_id, node, scope, states, nxt, count, branch)

    def cost(self, est: Estimator, node: Node) -> Cost:
        assert node.foreach is not None
        per_item = est.body(node.foreach.do) + Cost(1)
        batches = est.items if not node.foreach.batch_size else -(-est.items // node.foreach.batch_size)
        total = per_item.times(batches)
        # Concurrent items: duration is one item's unless concurrency limits it.
        waves = 1 if not node.foreach.concurrency else -(-batches // node.foreach.concurrency)
        # The Map; the Pass that counts its items, and the Parallel around both (Foreach.emit).
        counted = _counted(node)
        own = 1 + counted + (counted and _guarded(node))
        return Cost(own + total.transitions, total.tasks, per_item.seconds * waves, per_item.unknown_wait)

    def label(self, node: Node) -> str:
        return f"foreach → {node.foreach.do.uses or node.foreach.do.flow or 'set'}" if node.foreach else ""

    def check(self, c: Checks, base: list[Any], node_id: str, node: Node) -> None:
        spec = node.foreach
        assert spec is not None
        c.check_body([*base, "foreach", "do"], spec.do)
        tolerated = spec.tolerated_failures
        if isinstance(tolerated, str) and not re.fullmatch(r"\d+(\.\d+)?%", tolerated):
            c.add([*base, "foreach", "tolerated_failures"], f"'{tolerated}' is not a count or a percentage", "write 5 or '10%'")
        if spec.mode == "inline" and (tolerated is not None or spec.batch_size):
            c.add([*base, "foreach", "mode"], "tolerated_failures and batch_size need distributed mode", "set mode to 'distributed' or 'auto'")
        where = [*base, "foreach"]
        if (spec.items is None) == (spec.items_from is None):
            c.add(where, "a foreach needs exactly one of 'items' or 'items_from'",
                  "items: a JSONata expression or an array; items_from: a .csv, .json or .jsonl file")
        if spec.items_from is not None:
            if reader_format(spec.items_from) is None:
                c.add([*where, "items_from"], f"cannot tell the format of '{spec.items_from}'",
                      f"name the file with one of: {', '.join(READER_FORMATS)}")
            if spec.mode == "inline":
                c.add([*where, "mode"], "items_from reads items like Distributed Map's ItemReader: it needs distributed mode",
                      "set mode to 'distributed' or 'auto'")
            if spec.items_from.startswith("s3://") and "/" not in spec.items_from[5:].strip("/"):
                c.add([*where, "items_from"], f"'{spec.items_from}' names a bucket, not an object", "write s3://bucket/key.csv")
        if spec.results == "aggregate" and spec.do.uses is None:
            c.add([*where, "results"], "only a function body ('uses') can aggregate its results (@node writes them)",
                  "make the body a function, or set results to 'inline'")

    def expressions(self, node_id: str, node: Node, handler_vars: set[str]) -> list[Expression]:
        """The body's expressions may read ``$item`` and ``$index``."""
        assert node.foreach is not None
        found: list[Expression] = []
        if isinstance(node.foreach.items, str):
            found.append((["foreach", "items"], node.foreach.items, set(), True))
        do = node.foreach.do
        found.append((["foreach", "do", "with"], do.with_, {"item", "index"}, False))
        found.append((["foreach", "do", "set"], do.set, {"item", "index"}, False))
        return found


KIND = Foreach()
