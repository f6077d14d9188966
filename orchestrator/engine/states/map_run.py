"""The iterations of a Map state: run concurrently, with tolerated failures, inline or as a
distributed Map run.

Contract
--------
:func:`run_iterations` writes ``MapStateStarted`` (``length``: the inputs), runs the item
processor once per input on a forked strand (``$$.Map`` indices in ``map_index``) and writes
``MapStateSucceeded`` or ``MapStateFailed``. Inline iterations write ``MapIteration*`` events;
distributed ones run as child executions (isolated variables, their events not in the parent
history) between ``MapRunStarted`` and ``MapRunSucceeded``/``MapRunFailed``. Without a
tolerance the first failure cancels the rest and is raised; with one, failures up to it give
their error output as the item's result and one more fails the state with
``States.ExceedToleratedFailureThreshold``.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from orchestrator.engine.clock import CancelScope, StrandCancelled, Timeline
from orchestrator.engine.errors import StatesError
from orchestrator.engine.execution import NO_VALUE, Execution, Strand
from orchestrator.engine.program import Program
from orchestrator.engine.states.base import error_output
from orchestrator.engine.strands import StrandGen

__all__ = ["MAP_ITEMS_EVENT", "run_iterations"]

MAP_ITEMS_EVENT = "FlowctlMapItemCount"
"""Listener-only notice (never in the history) after ``MapStateStarted`` of a batching Map:
``items`` is the number of items before batching (``length`` counts batches)."""


def run_iterations(
    strand: Strand,
    processor: Program,
    name: str,
    label: str,
    distributed: bool,
    inputs: list[Any],
    limits: tuple[int, int | None, float | None],
    item_count: int | None = None,
) -> list[Any]:
    """Run ``processor`` once per input, at most ``max_concurrency`` at a time (0: all), and
    return the results in input order; ``limits`` is (max_concurrency, tolerated failure
    count, tolerated failure percentage). ``label`` names a distributed Map run."""
    max_concurrency, tolerated_count, tolerated_pct = limits
    total = len(inputs)
    started = strand.event("MapStateStarted", {"length": total})
    if item_count is not None:
        # Batches hide how many items there are: tell the listeners (not the history).
        notice = {"type": MAP_ITEMS_EVENT, "id": 0, "previousEventId": started, "items": item_count}
        if strand.ex.listener is not None:
            strand.ex.listener(notice)
        if strand.ex.value_listener is not None:
            strand.ex.value_listener(notice, NO_VALUE)
    run_strand = strand
    map_run_arn = ""
    if distributed:
        map_run_arn = _map_run_arn(strand.ex, label)
        strand.event("MapRunStarted", {"mapRunArn": map_run_arn})
        run_strand = _child_execution_strand(strand, map_run_arn)
    results: list[Any] = [None] * total
    failures: list[StatesError] = []
    fatal: list[StatesError] = []
    lock = threading.Lock()
    cancel = CancelScope(strand.cancel)
    has_tolerance = tolerated_count is not None or tolerated_pct is not None

    def exceeded(count: int) -> bool:
        if not has_tolerance:
            return count > 0
        if tolerated_count is not None and count > tolerated_count:
            return True
        return tolerated_pct is not None and total > 0 and count * 100.0 / total > tolerated_pct

    def job(index: int) -> Any:
        def run(timeline: Timeline) -> StrandGen:
            child = run_strand.fork(timeline, cancel, distributed)
            child.map_index = run_strand.map_index + (index,)
            details = {"name": name, "index": index}
            if not distributed:
                child.event("MapIterationStarted", details)
            try:
                results[index] = yield from processor.strand(child, inputs[index])
            except StatesError as err:
                if not distributed:
                    child.event("MapIterationFailed", details)
                with lock:
                    failures.append(err)
                    over = exceeded(len(failures))
                    if over and not fatal:
                        fatal.append(err)
                if over:
                    cancel.cancel(StrandCancelled())
                else:
                    results[index] = error_output(err)
                return
            except StrandCancelled:
                if not distributed:
                    child.event("MapIterationAborted", details)
                return
            if not distributed:
                child.event("MapIterationSucceeded", details)

        return run

    strand.ex.clock.run_concurrently(
        strand.timeline, [job(i) for i in range(total)], max_concurrency, cancel, lambda: bool(fatal)
    )
    strand.cancel.check()
    if fatal:
        err = fatal[0]
        if has_tolerance:
            err = StatesError(
                "States.ExceedToleratedFailureThreshold", "The specified tolerance threshold was exceeded"
            )
        if distributed:
            strand.event("MapRunFailed", {"error": err.error, "cause": err.cause})
        strand.event("MapStateFailed")
        raise err
    if distributed:
        strand.event("MapRunSucceeded")
    strand.event("MapStateSucceeded")
    return results


def _map_run_arn(ex: Execution, label: str) -> str:
    # arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:UUID
    parts = ex.context_state_machine["Id"].split(":")
    machine = parts[-1] if parts else "local"
    prefix = ":".join(parts[:5]) if len(parts) >= 5 else "arn:aws:states:us-east-1:123456789012"
    return f"{prefix}:mapRun:{machine}/{label}:{uuid.uuid4()}"


def _child_execution_strand(strand: Strand, map_run_arn: str) -> Strand:
    """A strand whose events go to a child execution (not the parent's history)."""
    parent = strand.ex
    child = Execution(
        name=map_run_arn.rsplit(":", 1)[-1],
        arn=parent.arn,
        state_machine_arn=parent.context_state_machine["Id"],
        state_machine_name=parent.context_state_machine["Name"],
        role_arn=parent.context_execution.get("RoleArn", ""),
        input=parent.input,
        start_time=parent.start_time,
        clock=parent.clock,
        runner=parent.runner,
        listener=None,
        express=parent.express,
        record_history=False,
        # Each child execution has its own quota in AWS; iterations share this object, so none.
        max_history_events=None,
    )
    child.context_execution = parent.context_execution
    child.cancel = parent.cancel
    child_strand = Strand(child, strand.timeline, strand.variables, 0, strand.cancel)
    child_strand.map_index = strand.map_index
    return child_strand

