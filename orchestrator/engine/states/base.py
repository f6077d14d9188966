"""The common life of every state, in both query languages: one pipeline.

Contract
--------
:meth:`State.execute(strand, input)` writes ``<Type>StateEntered`` and runs :meth:`State.run`,
the pipeline every state type goes through:

1. **input** — JSONPath ``InputPath`` gives the *effective input* (JSONata: the input itself);
2. **work** — the state's own :meth:`~State.work` (Pass, Wait, Choice, Succeed, Fail), or, for
   a state with ``Retry``/``Catch`` (Task, Map, Parallel), :meth:`~State.attempt` run by
   :meth:`~State.retrying` until it returns, is retried out or is caught;
3. **result processing** by the :class:`Route` the work took (the state's own, a Choice rule,
   a catcher): JSONPath ``ResultSelector`` → ``Assign`` → ``ResultPath`` → ``OutputPath``;
   JSONata ``Output`` and ``Assign`` (``$states.result`` / ``$states.errorOutput``);
4. **assign and output** — :meth:`State.execute` applies the assignments, checks the output
   size (256 KiB, ``States.DataLimitExceeded``) and writes ``<Type>StateExited``.

``work`` returns the result, or the :class:`Route` it chose (Choice: the result is then the
effective input); ``retrying`` returns the result or a :class:`Caught` (the catcher's route
and the error output). ``States.Runtime`` and ``States.QueryEvaluationError`` raised inside
get AWS's prefix naming the state and the id of its entered event; a Fail state raises
:class:`StateFailed`, whose error and cause are the author's and are never prefixed.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from orchestrator.engine.errors import AslDefinitionError, StatesError
from orchestrator.engine.execution import Strand
from orchestrator.engine.jsonata_checks import check_jsonata_state
from orchestrator.engine.jsonvalue import MAX_PAYLOAD_BYTES, payload_size, to_json
from orchestrator.engine.paths import set_path
from orchestrator.engine.payload_templates import Evaluator, compile_payload
from orchestrator.engine.program import Program
from orchestrator.engine.retry import (
    TERMINAL_ERRORS,
    Catcher,
    RetryPolicy,
    parse_catchers,
    parse_retriers,
)
from orchestrator.engine.scope import Env
from orchestrator.engine.states.fields import (
    check_fields,
    compile_io_path,
    compile_output_assign,
    compile_result_path,
    parse_transition,
)
from orchestrator.engine.strands import Suspension
from orchestrator.engine.template_inline import inline_outcome

__all__ = ["BuildContext", "Caught", "Route", "State", "StateFailed", "StepResult", "error_output", "jsonata_outcome", "located"]

StepResult = tuple[Any, str | None, dict[str, Any] | None]

_LOCATED = frozenset({"States.Runtime", "States.QueryEvaluationError"})
_NOT_TRUNCATED: Final = {"truncated": False}
"""``assignedVariablesDetails`` of every exit event that assigns: one dict, never changed."""
_PREFIX = "An error occurred while executing the state"



def located(err: StatesError, state: str, entered_id: int) -> StatesError:
    """Prefix a Runtime/QueryEvaluation cause with the state and its entered event id."""
    if err.error in _LOCATED and not (err.cause or "").startswith(_PREFIX):
        err.cause = f"{_PREFIX} '{state}' (entered at the event id #{entered_id}). {err.cause or ''}"
    return err


class StateFailed(StatesError):
    """Raised by a Fail state's work: the author's error and cause, never prefixed."""


class Route:
    """Where a state goes after its work, and what is applied to the result on the way.

    A state has its own route (its ``Next`` and result fields); a Choice rule, the Choice
    ``Default`` and a catcher have theirs. ``result_as`` names the ``$states`` field that holds
    the result for JSONata ``Output``/``Assign``: ``"result"`` (Task, Map, Parallel),
    ``"errorOutput"`` (a catcher) or None (the result is the input)."""

    __slots__ = (
        "assign", "assign_output", "next", "outcome", "output", "output_path", "result_as", "result_path", "selector",
    )

    def __init__(
        self,
        next: str | None,
        *,
        output: Evaluator | None = None,
        assign: Evaluator | None = None,
        selector: Evaluator | None = None,
        result_path: Any = "$",
        output_path: Evaluator | None = None,
        result_as: str | None = None,
    ) -> None:
        self.next = next
        self.output = output
        self.assign = assign
        # JSONata: the variables that take the value Output computed (a ``set`` node), if
        # that is all Assign does (see fields.compile_output_assign)
        self.assign_output: tuple[str, ...] | None = getattr(assign, "output_names", None)
        self.selector = selector
        self.result_path = result_path
        self.output_path = output_path
        self.result_as = result_as
        self.outcome = jsonata_outcome(self)
        """The JSONata result processing of this route, made for the fields it has."""


def jsonata_outcome(route: Route, *, of_input: bool = False) -> Callable[[Strand, Env, Any], StepResult]:
    """``outcome(strand, env, result) -> (output, next, assigned)``: ``Output`` (default: the
    result), then ``Assign`` of ``route``; a ``set`` node's variables take the output just
    computed. ``of_input``: the result is the input (``env.input``; a JSONata Pass, whose
    ``run(strand, env, entered_at)`` it can then be)."""
    nxt, output, assign, names = route.next, route.output, route.assign, route.assign_output
    inline = _inline_outcome(route, of_input)
    if inline is not None:
        return inline
    if output is not None and names is not None:
        if len(names) == 1:
            (name,) = names

            def outcome(strand: Strand, env: Env, result: Any) -> StepResult:
                value = output(env)
                return value, nxt, {name: value}

        else:

            def outcome(strand: Strand, env: Env, result: Any) -> StepResult:
                value = output(env)
                return value, nxt, dict.fromkeys(names, value)

    elif output is not None:

        def outcome(strand: Strand, env: Env, result: Any) -> StepResult:
            return output(env), nxt, assign(env) if assign is not None else None

    elif assign is not None:

        def outcome(strand: Strand, env: Env, result: Any) -> StepResult:
            return (env.input if of_input else result), nxt, assign(env)

    else:

        def outcome(strand: Strand, env: Env, result: Any) -> StepResult:
            return (env.input if of_input else result), nxt, None

    return outcome


def _inline_outcome(route: Route, of_input: bool) -> Callable[[Strand, Env, Any], StepResult] | None:
    """The outcome of a route whose template is generated code (see ``template_inline``): one
    function that builds the template and returns the outcome; None for the other routes."""
    output, assign, names = route.output, route.assign, route.assign_output
    if output is not None:
        inline = getattr(output, "inline", None)
        if inline is not None and names is not None and len(names) == 1:
            return inline_outcome(inline, "output_assigned", route.next, names[0])
        if inline is not None and assign is None:
            return inline_outcome(inline, "output", route.next)
        return None
    inline = getattr(assign, "inline", None)
    if inline is not None:
        return inline_outcome(inline, "assign_of_input" if of_input else "assign", route.next)
    return None


RESULT: Final = "result"
ERROR_OUTPUT: Final = "errorOutput"


class Caught:
    """The outcome of a state's work that failed with an error a catcher took."""

    __slots__ = ("error_output", "route")

    def __init__(self, route: Route, err: StatesError) -> None:
        self.route = route
        self.error_output = error_output(err)


def error_output(err: StatesError) -> dict[str, Any]:
    """``{"Error", "Cause"}`` of ``err`` (``$states.errorOutput``; a tolerated Map item's result)."""
    out: dict[str, Any] = {}
    if err.error is not None:
        out["Error"] = err.error
    if err.cause is not None:
        out["Cause"] = err.cause
    return out


@dataclass
class BuildContext:
    """What a state needs from the definition being built."""

    query_language: str
    machine_type: str
    build_program: Callable[[Any, str, str, bool], Program]
    substitutions: dict[str, str]


class State:
    """Base of all state types."""

    type: ClassVar[str] = ""
    fields: ClassVar[frozenset[str]] = frozenset()
    has_transition: ClassVar[bool] = True
    retry_catch: ClassVar[bool] = False
    suspends: ClassVar[bool] = False
    """True for a state whose attempts may call a local handler (a Task): a program runs it by
    :meth:`execute_strand`, so that its strand can wait for the handler on another thread."""

    def __init__(self, name: str, spec: dict[str, Any], where: str, ctx: BuildContext) -> None:
        self.name = name
        self.spec = spec
        self.where = where
        self.output_text: Callable[[Any], str] = to_json
        """The JSON text of an output the state computed (a JSONata Pass: its template's)."""
        self.entered_type = f"{self.type}StateEntered"
        self.exited_type = f"{self.type}StateExited"
        ql = spec.get("QueryLanguage", ctx.query_language)
        if ql not in ("JSONPath", "JSONata"):
            raise AslDefinitionError("'QueryLanguage' must be JSONPath or JSONata", where)
        if ctx.query_language == "JSONata" and ql == "JSONPath":
            raise AslDefinitionError(
                "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", where
            )
        self.jsonata = jsonata = ql == "JSONata"
        check_fields(self.type, self.fields, spec, where, jsonata)
        if jsonata:
            check_jsonata_state(self.type, spec, where)
        self.next: str | None = None
        self.end = False
        if self.has_transition:
            self.next, self.end = parse_transition(name, spec, where)
        # JSONPath I/O
        self.input_path = None if jsonata else compile_io_path(spec, "InputPath", where)
        self.output_path = None if jsonata else compile_io_path(spec, "OutputPath", where)
        self.result_selector = (
            compile_payload(spec["ResultSelector"], f"{where}/ResultSelector") if "ResultSelector" in spec else None
        )
        self.result_path = None if jsonata else compile_result_path(spec, f"{where}/ResultPath")
        # JSONata I/O (and Assign)
        self.output, self.assign = compile_output_assign(spec, where, jsonata)
        self.route = self.make_route(self.next)
        self.retriers = parse_retriers(spec.get("Retry"), f"{where}/Retry") if self.retry_catch else ()
        self.catchers: tuple[Catcher, ...] = ()
        self.catch_routes: tuple[tuple[Catcher, Route], ...] = ()
        if self.retry_catch:
            self.catchers = parse_catchers(spec.get("Catch"), f"{where}/Catch")
            self.catch_routes = tuple((c, self._compile_catcher(c)) for c in self.catchers)

    # -- definition --------------------------------------------------------------------------
    def make_route(self, next: str | None) -> Route:
        """The state's own route to ``next``: its result fields, and ``$states.result`` for a
        state with a result of its own (the Retry/Catch states)."""
        return Route(
            next,
            output=self.output,
            assign=self.assign,
            selector=self.result_selector,
            result_path=self.result_path,
            output_path=self.output_path,
            result_as=RESULT if self.retry_catch else None,
        )

    def _compile_catcher(self, catcher: Catcher) -> Route:
        where = f"{self.where}/Catch/{catcher.index}"
        spec = catcher.spec
        allowed = {"ErrorEquals", "Next", "Comment", "Assign"}
        allowed |= {"Output"} if self.jsonata else {"ResultPath"}
        for key in spec:
            if key not in allowed:
                raise AslDefinitionError(f"Field '{key}' is not supported in a catcher", f"{where}/{key}")
        result_path = None if self.jsonata else compile_result_path(spec, f"{where}/ResultPath")
        output, assign = compile_output_assign(spec, where, self.jsonata)
        # A catcher's output is the error output through its ResultPath; no OutputPath applies.
        return Route(catcher.next, output=output, assign=assign, result_path=result_path, result_as=ERROR_OUTPUT)

    def targets(self) -> list[tuple[str, str]]:
        """(target state name, where) of every transition (for validation)."""
        out = []
        if self.next is not None:
            out.append((self.next, f"{self.where}/Next"))
        for c in self.catchers:
            out.append((c.next, f"{self.where}/Catch/{c.index}/Next"))
        return out

    # -- runtime -----------------------------------------------------------------------------
    def execute(self, strand: Strand, raw_input: Any) -> tuple[Any, str | None]:
        env, entered_at, input_text, entered = self._enter(strand, raw_input)
        try:
            output, nxt, assigned = self.run(strand, env, entered_at)
            text = self._output_text(raw_input, input_text, output)
        except StatesError as err:
            raise self._failure(err, entered) from None
        return self._exit(strand, output, nxt, assigned, text)

    def execute_strand(self, strand: Strand, raw_input: Any) -> Generator[Suspension, Any, tuple[Any, str | None]]:
        """:meth:`execute` of a state that suspends its strand while a local handler runs."""
        env, entered_at, input_text, entered = self._enter(strand, raw_input)
        try:
            output, nxt, assigned = yield from self.run_strand(strand, env, entered_at)
            text = self._output_text(raw_input, input_text, output)
        except StatesError as err:
            raise self._failure(err, entered) from None
        return self._exit(strand, output, nxt, assigned, text)

    def _failure(self, err: StatesError, entered: int) -> StatesError:
        """The error the state fails with: a Fail state's as its author wrote it, any other
        located at the state (entered at event ``entered``)."""
        if isinstance(err, StateFailed):
            return StatesError(err.error, err.cause)
        return located(err, self.name, entered)

    def _enter(self, strand: Strand, raw_input: Any) -> tuple[Env, float, str, int]:
        """Write the entered event: the state's env, when it was entered, the input's text and
        the event's id."""
        entered_at = strand.timeline.now()
        last = strand.last_output
        input_text = last[1] if last is not None and last[0] is raw_input else to_json(raw_input)
        entered = strand.event(
            self.entered_type,
            {"name": self.name, "input": input_text, "inputDetails": {"truncated": False}},
            raw_input,
        )
        name = self.name
        retry_count = 0 if self.retry_catch else None
        env = Env(raw_input, strand.variables, lambda: strand.context(name, entered_at, retry_count))
        return env, entered_at, input_text, entered

    def _output_text(self, raw_input: Any, input_text: str, output: Any) -> str:
        # A state that passes its input on shares its text: a loop's history holds one copy.
        text = input_text if output is raw_input else self.output_text(output)
        if payload_size(text) > MAX_PAYLOAD_BYTES:
            raise StatesError(
                "States.DataLimitExceeded",
                f"The state/task '{self.name}' returned a result with a size exceeding the "
                f"maximum number of bytes service limit.",
            )
        return text

    def _exit(self, strand: Strand, output: Any, nxt: str | None, assigned: dict[str, Any] | None,
              text: str) -> tuple[Any, str | None]:
        """Assign the variables and write the exited event."""
        name = self.name
        if assigned:
            strand.variables.values.update(assigned)  # Variables.assign
            shown = {}
            for k, v in assigned.items():
                shown[k] = text if v is output else f"{v!r}" if type(v) is int else to_json(v)
            details: dict[str, Any] = {
                "name": name,
                "output": text,
                "outputDetails": {"truncated": False},
                "assignedVariables": shown,
                "assignedVariablesDetails": _NOT_TRUNCATED,
            }
        else:
            details = {"name": name, "output": text, "outputDetails": {"truncated": False}}
        strand.event(self.exited_type, details, output)
        strand.last_output = (output, text)
        return output, nxt

    def run(self, strand: Strand, env: Env, entered_at: float) -> StepResult:
        """The pipeline: effective input → work → the route's result processing.

        Returns the output, the next state (None: the program ends) and the assignments."""
        effective = env.input if self.input_path is None else self.input_path(env)
        if self.retry_catch:
            result = self.retrying(strand, env, effective, entered_at)
        else:
            result = self.work(strand, env, effective)
        return self.process(strand, env, effective, result)

    def run_strand(self, strand: Strand, env: Env, entered_at: float) -> Generator[Suspension, Any, StepResult]:
        """:meth:`run` of a state with Retry/Catch whose attempts may suspend the strand."""
        effective = env.input if self.input_path is None else self.input_path(env)
        result = yield from self.retrying_strand(strand, env, effective, entered_at)
        return self.process(strand, env, effective, result)

    def process(self, strand: Strand, env: Env, effective: Any, result: Any) -> StepResult:
        """The route's result processing of the work's ``result``."""
        kind = result.__class__
        if kind is Route:  # a Choice rule (or Default): the result is the effective input
            route, result = result, effective
        elif kind is Caught:
            route, result = result.route, result.error_output
        else:
            route = self.route
        if self.jsonata:
            result_as = route.result_as
            if result_as is not None:
                if result_as is RESULT:
                    env.result = result
                else:
                    env.error_output = result
            return route.outcome(strand, env, result)
        if route.selector is not None:
            result = route.selector(env.with_input(result))
        assigned = route.assign(env.with_input(result)) if route.assign is not None else None
        output = self.apply_result_path(route.result_path, env.input, result)
        if route.output_path is not None:
            output = route.output_path(env.with_input(output))
        return output, route.next, assigned

    def effective_input(self, env: Env) -> Any:
        """The input after ``InputPath`` (JSONata: the input)."""
        return env.input if self.input_path is None else self.input_path(env)

    def work(self, strand: Strand, env: Env, effective: Any) -> Any:
        """The state's own work on its effective input: its result (by default the input), or
        the :class:`Route` it chose. States with Retry/Catch implement :meth:`attempt`."""
        return effective

    def attempt(self, strand: Strand, env: Env, effective: Any, entered_at: float, retries: int) -> Any:
        """One attempt of the work of a state with Retry/Catch (``retries`` before it)."""
        raise NotImplementedError

    def attempt_strand(self, strand: Strand, env: Env, effective: Any, entered_at: float,
                       retries: int) -> Generator[Suspension, Any, Any]:
        """:meth:`attempt` as a generator that may suspend the strand (states that suspend)."""
        raise NotImplementedError

    def retrying(self, strand: Strand, env: Env, effective: Any, entered_at: float) -> Any:
        """:meth:`attempt` until it returns, retrying as the Retry field says: the result, or
        :class:`Caught` when a catcher took the error; an error nobody handles is raised."""
        policy = RetryPolicy(self.retriers) if self.retriers else None
        retries = 0
        while True:
            try:
                return self.attempt(strand, env, effective, entered_at, retries)
            except StatesError as err:
                caught = self.recover(strand, err, policy)
                if caught is None:
                    retries += 1
                    continue
                return caught

    def retrying_strand(self, strand: Strand, env: Env, effective: Any,
                        entered_at: float) -> Generator[Suspension, Any, Any]:
        """:meth:`retrying` of :meth:`attempt_strand`."""
        policy = RetryPolicy(self.retriers) if self.retriers else None
        retries = 0
        while True:
            try:
                return (yield from self.attempt_strand(strand, env, effective, entered_at, retries))
            except StatesError as err:
                caught = self.recover(strand, err, policy)
                if caught is None:
                    retries += 1
                    continue
                return caught

    def recover(self, strand: Strand, err: StatesError, policy: RetryPolicy | None) -> Caught | None:
        """After a failed attempt: None to try again (Retry's delay has been waited), or the
        :class:`Caught` of the catcher that takes the error; an error nobody handles is raised."""
        if err.error in TERMINAL_ERRORS:
            raise err
        delay = policy.next_delay(err.error) if policy is not None else None
        if delay is not None:
            strand.timeline.sleep(delay)
            return None
        for catcher, route in self.catch_routes:
            if catcher.matches(err.error):
                return Caught(route, err)
        raise err

    def apply_result_path(self, result_path: Any, raw_input: Any, result: Any) -> Any:
        if result_path == "$":
            return result
        if result_path is None:
            return raw_input
        return set_path(
            raw_input,
            result_path,
            result,
            lambda text: StatesError(
                "States.Runtime",
                f"Invalid path '{text}' : Unable to apply ResultPath to the input '{to_json(raw_input)}'",
            ),
        )
