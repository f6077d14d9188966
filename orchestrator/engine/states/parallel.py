"""Parallel: runs every branch on the same input, concurrently (in virtual time too), and
outputs the array of branch outputs in branch order.

The first failing branch cancels the others and fails the state (Retry/Catch apply to the
whole Parallel state). Each branch has its own variable scope that reads the outer scopes.
Events: ParallelStateStarted, branch events, ParallelStateSucceeded | ParallelStateFailed.
"""

from __future__ import annotations

from typing import Any

from orchestrator.engine.clock import CancelScope, StrandCancelled, Timeline
from orchestrator.engine.errors import AslDefinitionError, StatesError
from orchestrator.engine.execution import Strand
from orchestrator.engine.payload_templates import compile_jsonata_value, compile_payload
from orchestrator.engine.program import Program
from orchestrator.engine.scope import Env
from orchestrator.engine.states.base import BuildContext, State
from orchestrator.engine.strands import StrandGen

__all__ = ["ParallelState", "run_children"]


class ParallelState(State):
    type = "Parallel"
    retry_catch = True
    fields = frozenset(
        {
            "Next", "End", "Branches", "InputPath", "OutputPath", "Parameters", "ResultSelector",
            "ResultPath", "Retry", "Catch", "Assign", "Arguments", "Output",
        }
    )

    def __init__(self, name: str, spec: dict[str, Any], where: str, ctx: BuildContext) -> None:
        super().__init__(name, spec, where, ctx)
        branches = spec.get("Branches")
        if not isinstance(branches, list) or not branches:
            raise AslDefinitionError("These fields are required: [Branches]", where)
        ql = ctx.query_language
        self.branches: list[Program] = [
            ctx.build_program(b, f"{where}/Branches/{i}", ql, False) for i, b in enumerate(branches)
        ]
        self.parameters = compile_payload(spec["Parameters"], f"{where}/Parameters") if "Parameters" in spec else None
        self.arguments = (
            compile_jsonata_value(spec["Arguments"], f"{where}/Arguments", "Arguments") if "Arguments" in spec else None
        )

    def attempt(self, strand: Strand, env: Env, effective: Any, entered_at: float, retries: int) -> Any:
        # Arguments/Parameters are evaluated per attempt: $$.State.RetryCount changes.
        attempt_env = Env(env.input, env.variables, lambda: strand.context(self.name, entered_at, retries))
        if self.jsonata:
            branch_input = self.arguments(attempt_env) if self.arguments is not None else env.input
        else:
            branch_input = self.parameters(attempt_env.with_input(effective)) if self.parameters else effective
        strand.event("ParallelStateStarted")
        try:
            results = run_children(strand, [(b, branch_input) for b in self.branches], 0, False)
        except StatesError:
            strand.event("ParallelStateFailed")
            raise
        strand.event("ParallelStateSucceeded")
        return results


def run_children(strand: Strand, work: list[tuple[Program, Any]], max_concurrency: int, isolated: bool) -> list[Any]:
    """Run programs concurrently; the first failure cancels the rest and is raised."""
    results: list[Any] = [None] * len(work)
    failure: list[StatesError] = []
    cancel = CancelScope(strand.cancel)

    def job(i: int) -> Any:
        program, value = work[i]

        def run(timeline: Timeline) -> StrandGen:
            child = strand.fork(timeline, cancel, isolated)
            try:
                results[i] = yield from program.strand(child, value)
            except StatesError as err:
                if not failure:
                    failure.append(err)
                    cancel.cancel(StrandCancelled())
            except StrandCancelled:
                pass

        return run

    strand.ex.clock.run_concurrently(
        strand.timeline, [job(i) for i in range(len(work))], max_concurrency, cancel, lambda: bool(failure)
    )
    strand.cancel.check()
    if failure:
        raise failure[0]
    return results
